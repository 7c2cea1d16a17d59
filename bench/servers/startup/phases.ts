/**
 * Start-up phases, timed inside the process: spawned by
 * `deno task bench:startup --phases`, it prints one line of JSON with
 * milliseconds and exits.
 *
 * ```sh
 * deno run -A bench/servers/startup/phases.ts --kind raw
 * deno run -A bench/servers/startup/phases.ts --kind roost --module ../../../bundle/mod.js
 * deno run -A bench/servers/startup/phases.ts --kind import --module ../../../bundle/server/mod.js
 * ```
 *
 * - `raw`: `boot` (the runtime's time origin to this module's first line),
 *   `serve` (`Deno.serve` until it listens), `first` and `second` (the first
 *   two requests, fetched from this process).
 * - `roost`: `boot`, `import` (the module, its graph read at that moment:
 *   the specifier is a variable, so Deno does not read it before running),
 *   `build`, `start`, `first` and `second`, for a minimal host.
 * - `import`: `boot` and `import` only, for one module (module by module).
 *
 * @module
 */

import type { WebHostBuilder } from "../../../mod.ts";

function argument(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index === -1 ? undefined : Deno.args[index + 1];
}

const boot = performance.now();
const kind = argument("--kind");
const specifier = argument("--module");
const times: Record<string, number> = { boot };
let mark = boot;

function lap(name: string): void {
  const now = performance.now();
  times[name] = now - mark;
  mark = now;
}

async function twoRequests(url: string): Promise<void> {
  for (const name of ["first", "second"]) {
    const response = await fetch(url);
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new Error(`The ${kind} server answered ${response.status}`);
    }
    lap(name);
  }
}

if (kind === "raw") {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => new Response("Hello, World!"),
  );
  lap("serve");
  await twoRequests(`http://127.0.0.1:${server.addr.port}/`);
  await server.shutdown();
} else if (
  (kind === "roost" || kind === "import") && specifier !== undefined
) {
  const module = await import(new URL(specifier, import.meta.url).href);
  lap("import");
  if (kind === "roost") {
    const Builder = module.WebHostBuilder as typeof WebHostBuilder;
    const host = new Builder()
      .useUrls("http://127.0.0.1:0")
      .useSetting("suppressStatusMessages", "true")
      .configure((app) => app.run((ctx) => ctx.response.send("Hello, World!")))
      .build();
    lap("build");
    await host.start();
    lap("start");
    await twoRequests(host.addresses[0]);
    await host.stop();
  }
} else {
  throw new TypeError(
    `Use --kind raw, or --kind roost|import with --module <path>; got --kind ${kind} --module ${specifier}`,
  );
}
console.log(JSON.stringify(times));
