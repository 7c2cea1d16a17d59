/**
 * Start-up time: how long from spawning `deno run` to the first `200` over
 * loopback, for raw `Deno.serve`, Hono and a minimal Roost host (and one
 * made by `createDefaultBuilder`, which also reads `appsettings.*`), both
 * imported from `bundle/mod.js` as users import Roost, and the minimal host
 * once more from the TypeScript sources (`roost-source`).
 *
 * ```sh
 * deno task bench:startup            # 20 runs of each
 * deno task bench:startup --runs 30
 * deno task bench:startup --phases   # where the time goes, in process
 * ```
 *
 * Each run picks a free port, spawns the kind's own entry file
 * (`bench/servers/startup/`), and polls `GET /` until it answers 200. Each
 * kind has a file of its own because Deno builds the whole module graph of
 * the entry, dynamic imports included, before running it: one shared entry
 * made raw `Deno.serve` pay ~7 ms for loading Roost's graph. The kinds take
 * turns within a round, so a noisy moment costs them alike. Prints each
 * kind's median (and min–max) and its ratio to raw `Deno.serve`.
 *
 * `--phases` times the phases inside the process instead
 * (`bench/servers/startup/phases.ts`): raw `Deno.serve` and the minimal host
 * from `bundle/mod.js` (boot, import, build, start, the first two requests),
 * then the import of each public entry of `bundle/` on its own, module by
 * module. Each import is read at run time (a variable specifier), so its
 * time includes Deno reading that module's graph.
 *
 * @module
 */

import { freePort } from "./_process.ts";

/** The servers compared, raw first: the ratios are to it. */
export const KINDS = [
  "raw",
  "hono",
  "roost",
  "roost-default",
  "roost-source",
] as const;

/** One server under test. */
export type Kind = typeof KINDS[number];

// Spawn times on a shared machine are noisy: 10 runs moved medians by ~2 ms.
const DEFAULT_RUNS = 20;
const READY_TIMEOUT_MS = 30_000;

function argument(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
}

function entryFile(kind: Kind): string {
  const url = new URL(
    `./servers/startup/${kind.replace("-", "_")}.ts`,
    import.meta.url,
  );
  return url.protocol === "file:" ? decodeURIComponent(url.pathname) : url.href;
}

/**
 * Spawns one server and times spawn → first 200, in milliseconds.
 *
 * @param kind The server to start.
 * @returns The elapsed milliseconds.
 */
export async function measure(kind: Kind): Promise<number> {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      entryFile(kind),
      "--port",
      String(port),
    ],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  try {
    const client = Deno.createHttpClient({});
    try {
      while (true) {
        if (exited) {
          throw new Error(`The ${kind} server exited before it answered`);
        }
        if (performance.now() - started > READY_TIMEOUT_MS) {
          throw new Error(
            `The ${kind} server did not answer within ${READY_TIMEOUT_MS} ms`,
          );
        }
        try {
          const response = await fetch(`http://127.0.0.1:${port}/`, { client });
          await response.body?.cancel();
          if (response.status === 200) return performance.now() - started;
          throw new Error(`The ${kind} server answered ${response.status}`);
        } catch (error) {
          if (!(error instanceof TypeError)) throw error; // not yet listening
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
    } finally {
      client.close();
    }
  } finally {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
  }
}

/**
 * The median of some numbers.
 *
 * @param values At least one number.
 * @returns The middle value (the mean of the middle two for an even count).
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[middle]
    : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function report(runs: number, kinds: readonly Kind[]): Promise<void> {
  const times = new Map<Kind, number[]>(kinds.map((kind) => [kind, []]));
  // One warm-up of each, unmeasured: the first run also compiles and caches.
  for (const kind of kinds) await measure(kind);
  for (let round = 0; round < runs; round++) {
    for (const kind of kinds) times.get(kind)!.push(await measure(kind));
  }
  const raw = median(times.get("raw") ?? [NaN]);
  console.log(
    `Spawn to first 200 over loopback, ${runs} runs each (Deno ${Deno.version.deno})\n`,
  );
  console.log("server          median     min–max       ratio to raw");
  for (const [kind, values] of times) {
    const middle = median(values);
    const range = `${Math.min(...values).toFixed(0)}–${
      Math.max(...values).toFixed(0)
    } ms`;
    console.log(
      `${kind.padEnd(15)} ${middle.toFixed(1).padStart(6)} ms  ${
        range.padEnd(12)
      }  ${(middle / raw).toFixed(2)}×`,
    );
  }
}

/** One process of `--phases`: its arguments to `phases.ts`. */
const PHASE_RUNS: readonly { label: string; args: string[] }[] = [
  { label: "raw Deno.serve", args: ["--kind", "raw"] },
  {
    label: "Roost, bundle/mod.js",
    args: ["--kind", "roost", "--module", "../../../bundle/mod.js"],
  },
  ...["features", "server", "hosting/middleware", "hosting", ""].map(
    (entry) => ({
      label: `import bundle/${entry === "" ? "" : `${entry}/`}mod.js`,
      args: [
        "--kind",
        "import",
        "--module",
        `../../../bundle/${entry === "" ? "" : `${entry}/`}mod.js`,
      ],
    }),
  ),
];

/**
 * Runs `phases.ts` once.
 *
 * @param args Its arguments (`--kind raw`, or `--kind roost|import --module
 * <path relative to phases.ts>`).
 * @returns The milliseconds it printed, by phase.
 */
export async function measurePhases(
  args: string[],
): Promise<Record<string, number>> {
  const file = new URL("./servers/startup/phases.ts", import.meta.url);
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", file.href, ...args],
    stdin: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `phases.ts ${args.join(" ")} failed: ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

async function reportPhases(runs: number): Promise<void> {
  const samples = PHASE_RUNS.map(() => new Map<string, number[]>());
  // One warm-up of each, unmeasured: the first run also compiles and caches.
  for (const run of PHASE_RUNS) await measurePhases(run.args);
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < PHASE_RUNS.length; i++) {
      const times = await measurePhases(PHASE_RUNS[i].args);
      for (const [name, ms] of Object.entries(times)) {
        const list = samples[i].get(name) ?? [];
        list.push(ms);
        samples[i].set(name, list);
      }
    }
  }
  console.log(
    `Start-up phases in process, medians of ${runs} runs, ms (Deno ${Deno.version.deno})\n`,
  );
  for (let i = 0; i < PHASE_RUNS.length; i++) {
    const phases = [...samples[i]].map(([name, list]) =>
      `${name} ${median(list).toFixed(2)}`
    );
    console.log(`${PHASE_RUNS[i].label.padEnd(40)} ${phases.join("  ")}`);
  }
}

if (import.meta.main) {
  const args = Deno.args;
  const runs = Number(argument(args, "--runs") ?? DEFAULT_RUNS);
  if (!Number.isInteger(runs) || runs < 1) {
    throw new RangeError(
      `--runs must be a whole number of 1 or more, got "${
        argument(args, "--runs")
      }"`,
    );
  }
  if (args.includes("--phases")) {
    await reportPhases(runs);
    Deno.exit(0);
  }
  const only = argument(args, "--only")?.split(",");
  const kinds = only === undefined
    ? KINDS
    : KINDS.filter((kind) => kind === "raw" || only.includes(kind));
  await report(runs, kinds);
}
