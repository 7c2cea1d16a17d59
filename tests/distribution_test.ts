// How Roost reaches users: `deno publish` (JSR) and a raw URL import, each
// run for real so neither can silently break.

import assert from "node:assert/strict";
import { type DenoOutput, runDeno } from "./_deno.ts";

const ROOT = new URL("../", import.meta.url);
const TIMEOUT_MS = 60_000;

const CONTENT_TYPES: Record<string, string> = {
  ".ts": "application/typescript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
};

/** Serves the repository read-only over loopback, as a static host would. */
function serveRepository(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = decodeURIComponent(new URL(request.url).pathname);
      if (path.split("/").includes("..")) {
        return new Response("Bad path", { status: 400 });
      }
      const extension = path.slice(path.lastIndexOf("."));
      try {
        const body = await Deno.readFile(new URL(`.${path}`, ROOT));
        return new Response(body, {
          headers: {
            "content-type": CONTENT_TYPES[extension] ??
              "application/octet-stream",
          },
        });
      } catch {
        return new Response("Not Found", { status: 404 });
      }
    },
  );
}

function run(args: string[], cwd: string): Promise<DenoOutput> {
  return runDeno(args, { cwd, timeoutMs: TIMEOUT_MS });
}

// Both entries users may import by URL: the bundle deno.json exports, and
// the TypeScript sources it is built from.
for (const entry of ["bundle/mod.js", "mod.ts"]) {
  Deno.test(`a host imported from a raw URL of ${entry} type-checks, starts and answers`, async () => {
    await using server = serveRepository();
    const origin = `127.0.0.1:${server.addr.port}`;
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(
        `${dir}/host.ts`,
        `import { type HttpContext, WebHostBuilder } from "http://${origin}/${entry}";
const hello = (ctx: HttpContext) => ctx.response.send("hello from a URL import");
const host = new WebHostBuilder()
  .useUrls("http://127.0.0.1:0")
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => app.run(hello))
  .build();
await host.start();
const response = await fetch(host.addresses[0]);
console.log(response.status, await response.text());
await host.stop();
`,
      );
      // No config and no lock: the script stands alone, as a user's would.
      // npm packages come from the npm registry (or the Deno cache).
      const flags = ["--no-config", "--no-lock", `--allow-import=${origin}`];
      // Types come with the import: the bundle's from its sources.
      const checked = await run(["check", ...flags, "host.ts"], dir);
      assert.equal(checked.code, 0, checked.stderr);
      const { code, stdout, stderr } = await run([
        "run",
        ...flags,
        "--allow-net=127.0.0.1",
        "--allow-read",
        "--allow-env",
        "--allow-sys",
        "host.ts",
      ], dir);
      assert.equal(code, 0, stderr);
      assert.equal(stdout.trim(), "200 hello from a URL import");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("deno publish --dry-run passes, warning only about the startup module import", async () => {
  const { code, stdout, stderr } = await run(
    ["publish", "--dry-run", "--allow-dirty"],
    ROOT.pathname,
  );
  const output = `${stdout}\n${stderr}`;
  assert.equal(code, 0, output);
  assert.match(output, /Dry run complete/);
  // "warning[rule]: ..." then " --> /path/file.ts:line:column".
  const warnings = [
    ...output.matchAll(/^warning\[([^\]]+)\][^\n]*\n\s*--> (\S+?):\d+:\d+$/gm),
  ].map(([, rule, file]) =>
    `${rule} in ${
      file.slice(ROOT.pathname.length).replace(/-[A-Z0-9]+\.js$/, "-*.js")
    }`
  ).sort();
  // The user's startup module is known only at run time: hosting/startup.ts
  // says why that one warning is expected and harmless; its bundled copy
  // (a chunk named after it) warns the same. No other may appear.
  assert.deepEqual(warnings, [
    "unanalyzable-dynamic-import in bundle/startup-*.js",
    "unanalyzable-dynamic-import in hosting/startup.ts",
  ]);
});

Deno.test("deno.json exports main.ts's bundle as ./main, so jsr:@roost/hosting/main runs the roost command", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  );
  assert.equal(config.exports["./main"], "./bundle/main.js");
  for (const main of ["bundle/main.js", "main.ts"]) {
    const { code, stdout } = await run(
      ["run", "--allow-all", main, "--help"],
      ROOT.pathname,
    );
    assert.equal(code, 0, main);
    assert.match(stdout, /^Usage: roost \[options\]/, main);
  }
});

Deno.test("bench/startup.ts times raw Deno.serve and a Roost host from spawn to first 200", async () => {
  const { measure, median } = await import("../bench/startup.ts");
  const raw = await measure("raw");
  const roost = await measure("roost");
  assert.ok(raw > 0 && raw < TIMEOUT_MS, `raw took ${raw} ms`);
  assert.ok(roost > 0 && roost < TIMEOUT_MS, `roost took ${roost} ms`);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
});

Deno.test("bench:startup --phases times a Roost host's phases and an entry's import in process", async () => {
  const { measurePhases } = await import("../bench/startup.ts");
  const host = await measurePhases([
    "--kind",
    "roost",
    "--module",
    "../../../bundle/mod.js",
  ]);
  assert.deepEqual(Object.keys(host), [
    "boot",
    "import",
    "build",
    "start",
    "first",
    "second",
  ]);
  for (const [phase, ms] of Object.entries(host)) {
    assert.ok(ms > 0 && ms < TIMEOUT_MS, `${phase} took ${ms} ms`);
  }
  const entry = await measurePhases([
    "--kind",
    "import",
    "--module",
    "../../../bundle/server/mod.js",
  ]);
  assert.deepEqual(Object.keys(entry), ["boot", "import"]);
  await assert.rejects(
    measurePhases(["--kind", "roost"]),
    /phases\.ts --kind roost failed: .*Use --kind raw, or --kind roost\|import with --module/s,
  );
});
