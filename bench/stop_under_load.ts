/**
 * `deno task bench:stop`: a graceful stop under load. Each server answers
 * after a random 5–50 ms; `wrk -t1 -c64 -d4s` drives it, and SIGTERM reaches
 * it 1.5 s in. A clean stop answers every request it had taken 2xx and cuts
 * none: zero non-2xx, zero read errors.
 *
 * How wrk counts: a request sent on a connection that then closes without
 * an answer is a read error. Once the listener is closed, each reconnect is
 * refused, and wrk counts that refusal (ECONNREFUSED on its first write,
 * the non-blocking connect having "succeeded") as a write error, not a
 * connect error: write errors after a stop are expected and counted apart.
 *
 * Servers: a Roost host (`createDefaultBuilder`, `host.run()`, DenoServer on
 * its own connections), the same with `webSockets: true` (on `Deno.serve`),
 * and raw `Deno.serve` calling `server.shutdown()` on SIGTERM; interleaved
 * rounds, fresh processes each time.
 *
 * Flags: `--rounds N` (3), `--connections N` (64), `--duration S` (4),
 * `--stop-after MS` (1500).
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import {
  installSignalCleanup,
  killAll,
  spawnServer,
  type Subject,
  track,
} from "./_process.ts";
import { LOAD_CORE, pinned } from "./_pin.ts";
import { READY_PREFIX } from "./servers/_common.ts";

const SUBJECTS: readonly Subject[] = [
  { name: "raw `Deno.serve` + `shutdown()`", script: "slow_raw.ts", args: [] },
  { name: "Roost `host.run()`", script: "slow_roost.ts", args: [] },
  {
    name: "Roost `webSockets: true` (`Deno.serve`)",
    script: "slow_roost.ts",
    args: ["--web-sockets"],
  },
];

const SCRIPT = fileURLToPath(new URL("./stop.lua", import.meta.url));
const RESULT_PREFIX = "STOP-RESULT ";

/** What one stop under load came to. */
export interface StopResult {
  requests: number;
  responses: number;
  non2xx: number;
  status503: number;
  /** Answers that said `Connection: close`. */
  closes: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  /** From SIGTERM to the server's exit, in ms; NaN when it never exited. */
  stopMs: number;
  exitCode: number | null;
}

interface Settings {
  rounds: number;
  connections: number;
  seconds: number;
  stopAfterMs: number;
}

const USAGE =
  `Usage: deno task bench:stop [--rounds N] [--connections N] [--duration S]
       [--stop-after MS]

Defaults: --rounds 3 --connections 64 --duration 4 --stop-after 1500
          (about 45 s).`;

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
      rounds: { type: "string", default: "3" },
      connections: { type: "string", default: "64" },
      duration: { type: "string", default: "4" },
      "stop-after": { type: "string", default: "1500" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return undefined;
  const settings = {
    rounds: positiveInteger("rounds", values.rounds),
    connections: positiveInteger("connections", values.connections),
    seconds: positiveInteger("duration", values.duration),
    stopAfterMs: positiveInteger("stop-after", values["stop-after"]),
  };
  if (settings.stopAfterMs >= settings.seconds * 1000) {
    throw new RangeError(
      `--stop-after ${settings.stopAfterMs} must fall inside --duration ${settings.seconds} s`,
    );
  }
  return settings;
}

async function readyPort(stream: ReadableStream<Uint8Array>): Promise<number> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  while (true) {
    const { done, value } = await reader.read();
    if (done) throw new Error("The server closed stdout before listening");
    buffered += value;
    const line = buffered.split("\n").find((l) => l.startsWith(READY_PREFIX));
    if (line !== undefined) {
      (async () => {
        while (!(await reader.read()).done) {
          // Drain: a full pipe must not block the server.
        }
      })().catch(() => {});
      return Number(line.slice(READY_PREFIX.length));
    }
  }
}

function kill(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    child.kill(signal);
  } catch {
    // already gone
  }
}

/** Parses the line stop.lua prints; exported for a look at odd output. */
export function parseResult(
  output: string,
): Omit<StopResult, "stopMs" | "exitCode"> {
  const line = output.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (line === undefined) {
    throw new Error(`wrk printed no ${RESULT_PREFIX}line:\n${output}`);
  }
  return JSON.parse(line.slice(RESULT_PREFIX.length));
}

async function once(subject: Subject, settings: Settings): Promise<StopResult> {
  const server = spawnServer(subject.script, subject.args);
  const stderr = new Response(server.stderr).text();
  let exitedAt = NaN;
  const exited = server.status.then((status) => {
    exitedAt = performance.now();
    return status;
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const port = await Promise.race([
      readyPort(server.stdout),
      exited.then((status): never => {
        throw new Error(`exited with code ${status.code} before listening`);
      }),
    ]);
    const [wrkCommand, wrkArgs] = pinned(LOAD_CORE, "wrk", [
      "-t1",
      `-c${settings.connections}`,
      `-d${settings.seconds}s`,
      "-s",
      SCRIPT,
      `http://127.0.0.1:${port}/`,
    ]);
    const load = new Deno.Command(wrkCommand, {
      args: wrkArgs,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    track(load);
    let stoppedAt = NaN;
    timer = setTimeout(() => {
      stoppedAt = performance.now();
      kill(server, "SIGTERM");
    }, settings.stopAfterMs);
    const { code, stdout, stderr: wrkErr } = await load.output();
    const output = new TextDecoder().decode(stdout);
    if (code !== 0) {
      throw new Error(
        `wrk exited with code ${code}:\n${output}${
          new TextDecoder().decode(wrkErr)
        }`,
      );
    }
    const counts = parseResult(output);
    // The stop must be over by the time wrk is; give a slow one a moment.
    const status = await Promise.race([
      exited,
      new Promise<undefined>((resolve) =>
        setTimeout(() => resolve(undefined), 2000)
      ),
    ]);
    return {
      ...counts,
      stopMs: exitedAt - stoppedAt,
      exitCode: status?.code ?? null,
    };
  } catch (error) {
    // Its stderr ends when it does: end it first, then say what it said.
    kill(server, "SIGKILL");
    await server.status;
    const said = await stderr.catch(() => "");
    throw new Error(
      `${subject.name}: ${(error as Error).message}\n${said.slice(0, 2000)}`,
    );
  } finally {
    clearTimeout(timer);
    await server.stdin.close().catch(() => {});
    kill(server, "SIGKILL");
    await server.status;
    await stderr.catch(() => "");
  }
}

function cell(values: number[], digits = 0): string {
  const shown = values.map((value) =>
    Number.isNaN(value) ? "—" : value.toFixed(digits)
  );
  return shown.join(" / ");
}

function table(results: Map<Subject, StopResult[]>): string {
  const rows = [
    "| Server | Requests | Non-2xx (503) | Read errors (cut) | Timeouts | `Connection: close` answers | Write + connect errors (refused reconnects, expected) | SIGTERM → exit (ms) | Exit code |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const [subject, list] of results) {
    const of = (key: keyof StopResult) => list.map((r) => r[key] as number);
    rows.push(
      `| ${subject.name} | ${cell(of("requests"))} | ${
        list.map((r) => `${r.non2xx} (${r.status503})`).join(" / ")
      } | ${cell(of("read"))} | ${cell(of("timeout"))} | ${
        cell(of("closes"))
      } | ${cell(list.map((r) => r.write + r.connect))} | ${
        cell(of("stopMs"))
      } | ${list.map((r) => r.exitCode ?? "running").join(" / ")} |`,
    );
  }
  return rows.join("\n");
}

function verdict(results: Map<Subject, StopResult[]>): string[] {
  const lines: string[] = [];
  for (const [subject, list] of results) {
    const bad = list.filter((r) =>
      r.non2xx > 0 || r.read > 0 || r.timeout > 0 || r.exitCode !== 0
    );
    lines.push(
      `- ${subject.name}: ${
        bad.length === 0
          ? "clean in every round"
          : `${bad.length} of ${list.length} rounds cut or refused requests in flight (or did not exit 0)`
      }`,
    );
  }
  return lines;
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
  installSignalCleanup();
  const results = new Map<Subject, StopResult[]>(
    SUBJECTS.map((subject) => [subject, []]),
  );
  try {
    for (let round = 1; round <= settings.rounds; round++) {
      for (const subject of SUBJECTS) {
        const result = await once(subject, settings);
        results.get(subject)!.push(result);
        console.error(
          `  round ${round}/${settings.rounds}: ${subject.name}: ${result.requests} requests, ${result.non2xx} non-2xx, ${result.read} cut (read errors), ${result.closes} Connection: close`,
        );
      }
    }
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  } finally {
    await killAll();
  }
  console.log(
    `\n## Graceful stop under load\n\nDeno ${Deno.version.deno}; ` +
      `wrk -t1 -c${settings.connections} -d${settings.seconds}s against a ` +
      "handler that answers 200 after 5–50 ms; SIGTERM " +
      `${settings.stopAfterMs} ms in; fresh servers, ${settings.rounds} ` +
      "interleaved rounds (each cell lists every round). Read errors are " +
      "requests sent and never answered (cut in flight); wrk counts a " +
      "reconnect refused by the closed listener as a write error.\n",
  );
  console.log(table(results));
  console.log(`\n${verdict(results).join("\n")}`);
  return 0;
}

if (import.meta.main) Deno.exit(await main());
