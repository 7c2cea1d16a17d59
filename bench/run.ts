/**
 * `deno task bench`: raw `Deno.serve`, Hono and Roost, each in its own
 * subprocess with the same handlers, driven by wrk (HTTP/1.1) and h2load
 * (HTTP/2 over TLS) in interleaved rounds, reported as a Markdown table of
 * medians and ratios to raw `Deno.serve`.
 *
 * Flags: `--duration S` per measurement, `--rounds N`, `--warmup S`,
 * `--quick`, `--scenarios hello,write,…` (a subset of `SCENARIOS`),
 * `--connections N`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  closesConnections,
  headersOf,
  pathOf,
  type Scenario,
  SCENARIOS,
  uploadOf,
  usesTls,
} from "./servers/_common.ts";
import {
  HONO_LEAVES_OUT,
  installSignalCleanup,
  killAll,
  type RunningServer,
  type ServerName,
  serversFor,
  startServer,
} from "./_process.ts";
import {
  h2load,
  type LoadOptions,
  type Measurement,
  missingTools,
  wrk,
} from "./_tools.ts";
import { verify } from "./_verify.ts";
import { stale as staleBundle } from "../tools/bundle.ts";
import { BUILD_ROUTES, routeBuildTimes } from "./_route_build.ts";
import { LOAD_CORE, PINNED, SERVER_CORE } from "./_pin.ts";
import {
  cpuTable,
  markdownTable,
  problemList,
  roundDetails,
  type ScenarioResult,
} from "./_report.ts";

interface Settings {
  load: LoadOptions;
  rounds: number;
  warmup: number;
  scenarios: Scenario[];
}

const USAGE = `Usage: deno task bench [--quick] [--duration S] [--rounds N]
       [--warmup S] [--scenarios A,B,…] [--connections N]

Scenarios (all by default): ${SCENARIOS.join(", ")}.

Defaults: --duration 2 --rounds 5 --warmup 1 --connections 50 (about 8 min
          for all scenarios).
--quick:  --duration 1 --rounds 2 --warmup 1 (about 2 min) unless overridden.`;

function positiveInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new TypeError(`--${name} must be a positive integer, got "${value}"`);
  }
  return number;
}

function parseSettings(args: string[]): Settings | undefined {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      rounds: { type: "string" },
      warmup: { type: "string" },
      scenarios: { type: "string" },
      connections: { type: "string", default: "50" },
      quick: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const scenarios = (values.scenarios ?? SCENARIOS.join(","))
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  for (const name of scenarios) {
    if (!(SCENARIOS as readonly string[]).includes(name)) {
      throw new TypeError(
        `Unknown scenario "${name}": choose from ${SCENARIOS.join(", ")}`,
      );
    }
  }
  return {
    load: {
      seconds: positiveInteger(
        "duration",
        values.duration ?? (quick ? "1" : "2"),
      ),
      connections: positiveInteger("connections", values.connections),
      // 10 clients × 10 streams keeps 100 requests in flight, as wrk's 50
      // connections keep the h1 servers busy.
      h2Clients: 10,
      streams: 10,
    },
    // Fourteen scenarios: 5 rounds of 2 s keep the full run near 8 minutes.
    rounds: positiveInteger("rounds", values.rounds ?? (quick ? "2" : "5")),
    warmup: positiveInteger("warmup", values.warmup ?? "1"),
    scenarios: scenarios as Scenario[],
  };
}

function measure(
  scenario: Scenario,
  server: RunningServer,
  load: LoadOptions,
): Promise<Measurement> {
  const path = pathOf(scenario);
  if (usesTls(scenario)) {
    return h2load(`https://127.0.0.1:${server.port}${path}`, load);
  }
  return wrk(`http://127.0.0.1:${server.port}${path}`, load, {
    upload: uploadOf(scenario),
    close: closesConnections(scenario),
    headers: headersOf(scenario),
  });
}

function emptyRecord<T>(make: () => T): Record<ServerName, T> {
  return { raw: make(), hono: make(), roost: make() };
}

// wrk closing connections mid-upload at the end of every run makes all three
// servers log alike errors: say so, lest they read as a Roost failure.
function describeStderr(counts: Map<string, number>): string[] {
  return [...counts].slice(0, 5).map(([line, n]) =>
    `${n}× ${line}${
      line.includes("Cannot read body")
        ? " (expected: wrk cuts uploads in flight when a run ends)"
        : ""
    }`
  );
}

async function verifyAll(
  scenario: Scenario,
  servers: RunningServer[],
  notes: string[],
): Promise<string | undefined> {
  const verdicts = await Promise.all(
    servers.map((server) => verify(scenario, server.port)),
  );
  const wrong = servers.flatMap((server, i) =>
    verdicts[i].errors.map((error) =>
      `${server.name} answered wrongly: ${error}`
    )
  );
  const rawHeaders = verdicts[0].headerNames.join(", ");
  for (const [i, verdict] of verdicts.entries()) {
    const headers = verdict.headerNames.join(", ");
    if (i > 0 && headers !== rawHeaders) {
      notes.push(
        `${scenario}: ${
          servers[i].name
        } sends headers [${headers}] vs raw [${rawHeaders}]`,
      );
    }
  }
  return wrong.length > 0 ? wrong.join("; ") : undefined;
}

async function runScenario(
  scenario: Scenario,
  settings: Settings,
  notes: string[],
): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    scenario,
    rounds: emptyRecord<number[]>(() => []),
    cpu: emptyRecord<number[]>(() => []),
    problems: emptyRecord<string[]>(() => []),
  };
  const servers: RunningServer[] = [];
  try {
    for (const name of serversFor(scenario)) {
      servers.push(await startServer(name, scenario));
    }
    result.invalid = await verifyAll(scenario, servers, notes);
    if (result.invalid !== undefined) return result;
    const warmup = { ...settings.load, seconds: settings.warmup };
    for (const server of servers) await measure(scenario, server, warmup);
    for (let round = 1; round <= settings.rounds; round++) {
      const line: string[] = [];
      for (const server of servers) {
        const before = server.cpuSeconds() ?? NaN;
        const measured = await measure(scenario, server, settings.load);
        const cpu = (server.cpuSeconds() ?? NaN) - before;
        result.rounds[server.name].push(measured.requestsPerSecond);
        result.cpu[server.name].push((cpu * 1e6) / measured.requests);
        result.problems[server.name].push(...measured.problems);
        line.push(`${server.name} ${Math.round(measured.requestsPerSecond)}`);
      }
      console.error(`  round ${round}/${settings.rounds}: ${line.join(", ")}`);
    }
  } catch (error) {
    result.invalid = (error as Error).message.split("\n")[0];
    console.error(`  ${(error as Error).message}`);
  } finally {
    for (const server of servers) {
      const early = server.exitedEarly();
      if (early !== undefined) {
        result.invalid ??= `${server.name} server ${early}`;
      }
      await server.stop();
      for (const line of describeStderr(server.stderrSummary())) {
        notes.push(`${scenario}: ${server.name} stderr: ${line}`);
      }
    }
  }
  return result;
}

async function main(): Promise<number> {
  let settings: Settings | undefined;
  try {
    settings = parseSettings(Deno.args);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (settings === undefined) {
    console.log(USAGE);
    return 0;
  }
  // Roost is measured as users run it, from bundle/: not from an old one.
  const stale = await staleBundle();
  if (stale.length > 0) {
    console.error(
      `bundle/ is not what the sources build (${
        stale.join(", ")
      }): run deno task bundle first, so the benchmark measures the code as it is`,
    );
    return 1;
  }
  const missing = await missingTools();
  if (missing.length > 0) {
    console.error(
      `The benchmark needs these load generators: ${missing.join(", ")}.\n` +
        "Install them with: sudo apt-get install wrk nghttp2-client",
    );
    return 1;
  }
  installSignalCleanup();
  const { load, rounds, warmup, scenarios } = settings;
  // Load time per server, plus about half a second to start and check each.
  const seconds = scenarios.reduce(
    (sum, scenario) =>
      sum +
      serversFor(scenario).length * (warmup + rounds * load.seconds + 0.5),
    0,
  );
  console.error(
    `Benchmarking ${
      scenarios.join(", ")
    }: ${rounds} rounds × ${load.seconds} s, ` +
      `${warmup} s warmup; about ${Math.max(1, Math.round(seconds / 60))} min.`,
  );
  const results: ScenarioResult[] = [];
  const notes: string[] = [];
  for (const scenario of scenarios) {
    const reason = HONO_LEAVES_OUT[scenario];
    if (reason !== undefined) notes.push(`${scenario}: no Hono row: ${reason}`);
  }
  try {
    for (const scenario of scenarios) {
      console.error(`${scenario}:`);
      results.push(await runScenario(scenario, settings, notes));
    }
  } finally {
    await killAll();
  }
  console.log(
    `\n## Roost benchmark\n\nDeno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs; ` +
      `wrk -t1 -c${load.connections}, h2load -t1 -c${load.h2Clients} -m${load.streams}; ` +
      (PINNED
        ? `server on core ${SERVER_CORE}, load generator on core ${LOAD_CORE} (taskset); `
        : "not pinned to cores (no taskset, or one CPU); ") +
      `${rounds} interleaved rounds of ${load.seconds} s after ${warmup} s warmup. ` +
      "req/s are medians over rounds; ratios are medians of each round's " +
      "ratio to raw Deno.serve, ± half their interquartile range.\n",
  );
  console.log(markdownTable(results));
  const cpu = cpuTable(results);
  if (cpu !== "") {
    console.log(
      "\nServer CPU time per request (user + system, from /proc; lower is " +
        `better; ratios as above):\n\n${cpu}`,
    );
  }
  if (scenarios.includes("routes")) {
    const build = await routeBuildTimes();
    console.log(
      `\nRoute table, ${BUILD_ROUTES.toLocaleString("en-US")} routes ` +
        `(/r{i}/{id:int}), median of fresh builds in one process: Roost ` +
        `${build.roost.toFixed(1)} ms (mapGet() calls and build()), Hono ` +
        `${build.hono.toFixed(1)} ms (get() calls and the first request, ` +
        "when its router compiles).",
    );
  }
  console.log(`\nPer-round ratios:\n${roundDetails(results)}`);
  const problems = problemList(results);
  if (problems !== "") console.log(`\nProblems:\n${problems}`);
  if (notes.length > 0) {
    console.log(`\nNotes:\n${notes.map((note) => `- ${note}`).join("\n")}`);
  }
  return results.some((result) => result.invalid !== undefined) ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
