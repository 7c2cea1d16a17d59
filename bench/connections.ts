/**
 * `deno task bench:connections`: the memory an idle keep-alive connection
 * costs each server. Raw `Deno.serve`, Roost's DenoServer on its own
 * connections (the default) and Roost with `webSockets: true` (on
 * `Deno.serve`) each run in a subprocess under `--expose-gc`; the runner
 * opens N connections over loopback, each completing one `GET /`, leaves
 * them idle, and reads the server's VmRSS from `/proc` after a GC, before
 * and after. Fresh processes every round; rounds interleave the servers.
 *
 * Flags: `--connections N` (2000), `--rounds N` (3).
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  installSignalCleanup,
  killAll,
  spawnServer,
  type Subject,
} from "./_process.ts";
import { median } from "./_report.ts";
import { GC_DONE, GC_SIGNAL, HELLO, READY_PREFIX } from "./servers/_common.ts";

const SUBJECTS: readonly Subject[] = [
  { name: "raw `Deno.serve`", script: "raw.ts", args: [] },
  { name: "Roost (own connections)", script: "roost.ts", args: [] },
  {
    name: "Roost `webSockets: true` (`Deno.serve`)",
    script: "roost.ts",
    args: ["--web-sockets"],
  },
];

// Enough requests for the JIT and the engine's pools to settle before the
// baseline, so the baseline is a warm server's.
const WARMUP_CONNECTIONS = 50;
const WARMUP_ROUNDS = 4;
// Connections opened at once: more would overflow the listen backlog.
const BATCH = 100;
const STEP_TIMEOUT_MS = 15_000;

const USAGE = `Usage: deno task bench:connections [--connections N] [--rounds N]

Defaults: --connections 2000 --rounds 3 (about 30 s).`;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const REQUEST = encoder.encode(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n\r\n",
);

/** A running server and the lines it printed after READY. */
interface Running {
  child: Deno.ChildProcess;
  port: number;
  nextLine: () => Promise<string>;
}

function withTimeout<T>(
  promise: Promise<T>,
  what: string,
  ms = STEP_TIMEOUT_MS,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${what} took over ${ms / 1000} s`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

function lineReader(stream: ReadableStream<Uint8Array>): () => Promise<string> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  const lines: string[] = [];
  let partial = "";
  return async () => {
    while (lines.length === 0) {
      const { done, value } = await reader.read();
      if (done) throw new Error("the server closed stdout");
      const parts = (partial + value).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    }
    return lines.shift()!;
  };
}

async function start(subject: Subject): Promise<Running> {
  const child = spawnServer(subject.script, ["--port", "0", ...subject.args], {
    denoFlags: ["--v8-flags=--expose-gc"],
    stderr: "null",
  });
  const nextLine = lineReader(child.stdout);
  const ready = async (): Promise<number> => {
    while (true) {
      const line = await nextLine();
      if (line.startsWith(READY_PREFIX)) {
        return Number(line.slice(READY_PREFIX.length));
      }
    }
  };
  const port = await withTimeout(ready(), `Starting ${subject.name}`, 60_000);
  return { child, port, nextLine };
}

async function stop(running: Running): Promise<void> {
  await running.child.stdin.close().catch(() => {});
  const timer = setTimeout(() => {
    try {
      running.child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, 3000);
  await running.child.status;
  clearTimeout(timer);
}

function rssKiB(pid: number): number {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (match === null) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

async function collectedRss(running: Running): Promise<number> {
  running.child.kill(GC_SIGNAL);
  const done = async () => {
    while ((await running.nextLine()) !== GC_DONE) {
      // Skip anything else the server prints.
    }
  };
  await withTimeout(done(), "A GC");
  return rssKiB(running.child.pid);
}

// Reads one response with a Content-Length body, which every hello answer
// has; anything else is a wrong answer, not a measurement.
async function readResponse(conn: Deno.Conn): Promise<void> {
  const buffer = new Uint8Array(4096);
  let text = "";
  while (true) {
    const n = await conn.read(buffer);
    if (n === null) throw new Error("the server closed an idle connection");
    text += decoder.decode(buffer.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    if (end === -1) continue;
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
    if (length === null) {
      throw new Error(`No content-length in ${JSON.stringify(text)}`);
    }
    if (text.length - end - 4 < Number(length[1])) continue;
    if (!text.startsWith("HTTP/1.1 200") || !text.endsWith(HELLO)) {
      throw new Error(`Unexpected answer ${JSON.stringify(text)}`);
    }
    return;
  }
}

async function openIdle(port: number, count: number): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  try {
    for (let done = 0; done < count; done += BATCH) {
      const batch = Math.min(BATCH, count - done);
      await Promise.all(
        Array.from({ length: batch }, async () => {
          const conn = await Deno.connect({ hostname: "127.0.0.1", port });
          conns.push(conn);
          await conn.write(REQUEST);
          await readResponse(conn);
        }),
      );
    }
  } catch (error) {
    closeAll(conns);
    throw error;
  }
  return conns;
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

/** One server's figures in one round, in KiB. */
interface Sample {
  baseline: number;
  idle: number;
  closed: number;
}

async function sample(subject: Subject, count: number): Promise<Sample> {
  const running = await start(subject);
  try {
    for (let i = 0; i < WARMUP_ROUNDS; i++) {
      closeAll(
        await withTimeout(
          openIdle(running.port, WARMUP_CONNECTIONS),
          "The warmup",
        ),
      );
    }
    // Let the server see the warmup connections close.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const baseline = await collectedRss(running);
    const conns = await withTimeout(
      openIdle(running.port, count),
      `Opening ${count} connections`,
      60_000,
    );
    let idle: number;
    try {
      idle = await collectedRss(running);
    } finally {
      closeAll(conns);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closed = await collectedRss(running);
    return { baseline, idle, closed };
  } finally {
    await stop(running);
  }
}

function spread(values: number[]): string {
  const digits = (value: number) => value.toFixed(1);
  return `${digits(median(values))} (${digits(Math.min(...values))}–${
    digits(Math.max(...values))
  })`;
}

function table(
  samples: Map<Subject, Sample[]>,
  count: number,
): string {
  const rows = [
    "| Server | Baseline RSS (MiB) | RSS growth per idle connection (KiB) | Left after closing them, per connection (KiB) |",
    "| --- | ---: | ---: | ---: |",
  ];
  for (const [subject, list] of samples) {
    rows.push(
      `| ${subject.name} | ${spread(list.map((s) => s.baseline / 1024))} | ${
        spread(list.map((s) => (s.idle - s.baseline) / count))
      } | ${spread(list.map((s) => (s.closed - s.baseline) / count))} |`,
    );
  }
  return rows.join("\n");
}

function positiveInteger(name: string, value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) {
    throw new TypeError(`--${name} must be a positive integer, got "${value}"`);
  }
  return number;
}

async function main(): Promise<number> {
  let count: number;
  let rounds: number;
  try {
    const { values } = parseArgs({
      args: Deno.args,
      options: {
        connections: { type: "string", default: "2000" },
        rounds: { type: "string", default: "3" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    count = positiveInteger("connections", values.connections);
    rounds = positiveInteger("rounds", values.rounds);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (Deno.build.os !== "linux") {
    console.error("bench:connections reads /proc: it runs on Linux only.");
    return 1;
  }
  installSignalCleanup();
  const samples = new Map<Subject, Sample[]>(
    SUBJECTS.map((subject) => [subject, []]),
  );
  try {
    for (let round = 1; round <= rounds; round++) {
      const line: string[] = [];
      for (const subject of SUBJECTS) {
        const result = await sample(subject, count);
        samples.get(subject)!.push(result);
        line.push(
          `${subject.name} +${
            ((result.idle - result.baseline) / count).toFixed(1)
          } KiB`,
        );
      }
      console.error(`  round ${round}/${rounds}: ${line.join(", ")}`);
    }
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  } finally {
    await killAll();
  }
  console.log(
    `\n## Memory per idle connection\n\nDeno ${Deno.version.deno}; ${count} ` +
      "keep-alive connections over loopback, each idle after one `GET /`; " +
      "VmRSS from /proc after two gc() passes, before and after opening " +
      `them; fresh servers each of ${rounds} interleaved rounds. ` +
      "Medians, (min–max) across rounds.\n",
  );
  console.log(table(samples, count));
  return 0;
}

if (import.meta.main) Deno.exit(await main());
