/**
 * Workers: throughput and server CPU per request of one Roost process,
 * `--workers 1` and `--workers 2`, against raw `Deno.serve`, and a rolling
 * restart (SIGHUP) in the middle of a wrk run, which must lose nothing.
 *
 * ```sh
 * deno task bench:workers              # 5 s per run
 * deno task bench:workers --seconds 10
 * ```
 *
 * Nothing is pinned: the workers are meant to use every core, and wrk
 * shares them, so on a 2-core machine two workers compete with the load
 * generator. CPU is the user + system time of the server's whole process
 * tree (supervisor and workers) over the run, from /proc (Linux only).
 *
 * @module
 */

import { cpuSeconds, freePort } from "./_process.ts";
import { parseWrk } from "./_tools.ts";

const CONNECTIONS = 32;

interface Kind {
  name: string;
  file: string;
  args: string[];
}

const KINDS: Kind[] = [
  { name: "raw Deno.serve", file: "./servers/startup/raw.ts", args: [] },
  { name: "roost", file: "./servers/workers_app.ts", args: [] },
  {
    name: "roost --workers 1",
    file: "./servers/workers_app.ts",
    args: ["--workers", "1"],
  },
  {
    name: "roost --workers 2",
    file: "./servers/workers_app.ts",
    args: ["--workers", "2"],
  },
];

function children(pid: number): number[] {
  try {
    return Deno.readTextFileSync(`/proc/${pid}/task/${pid}/children`).trim()
      .split(/\s+/).filter((text) => text !== "").map(Number);
  } catch {
    return [];
  }
}

// CPU seconds of a process and its live children.
function treeCpu(pid: number): number {
  return [pid, ...children(pid)].reduce(
    (sum, each) => sum + (cpuSeconds(each) ?? 0),
    0,
  );
}

async function start(
  kind: Kind,
): Promise<{ child: Deno.ChildProcess; url: string }> {
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(kind.file, import.meta.url).pathname,
      "--port",
      String(port),
      ...kind.args,
    ],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 20_000;
  while (true) {
    try {
      const response = await fetch(url);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      if (Date.now() > deadline) throw new Error(`${kind.name} did not start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  // Every worker listens once the supervisor's own start is through.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return { child, url };
}

async function stop(child: Deno.ChildProcess): Promise<void> {
  child.kill("SIGTERM");
  await child.status;
}

function wrkCommand(url: string, seconds: number): Deno.Command {
  return new Deno.Command("wrk", {
    args: ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, url],
    stdout: "piped",
    stderr: "piped",
  });
}

async function throughput(seconds: number): Promise<void> {
  console.log(
    `wrk -t1 -c${CONNECTIONS} -d${seconds}s, GET hello, ${navigator.hardwareConcurrency} CPUs shared by server and wrk\n`,
  );
  console.log(
    "server               req/s   ratio to raw   server CPU µs/request",
  );
  let raw = NaN;
  for (const kind of KINDS) {
    const { child, url } = await start(kind);
    try {
      const before = treeCpu(child.pid);
      const output = await wrkCommand(url, seconds).output();
      const after = treeCpu(child.pid);
      const result = parseWrk(new TextDecoder().decode(output.stdout));
      if (Number.isNaN(raw)) raw = result.requestsPerSecond;
      const cpu = (after - before) / result.requests * 1e6;
      console.log(
        `${kind.name.padEnd(18)} ${
          result.requestsPerSecond.toFixed(0).padStart(7)
        }   ${(result.requestsPerSecond / raw).toFixed(2).padStart(8)}×   ${
          cpu.toFixed(1).padStart(12)
        }${result.problems.length ? `   (${result.problems.join(", ")})` : ""}`,
      );
    } finally {
      await stop(child);
    }
  }
}

async function rollingRestart(seconds: number): Promise<void> {
  const { child, url } = await start(KINDS[3]);
  try {
    const load = wrkCommand(url, seconds).output();
    await new Promise((resolve) => setTimeout(resolve, seconds * 500));
    child.kill("SIGHUP");
    const result = parseWrk(new TextDecoder().decode((await load).stdout));
    console.log(
      `\nRolling restart (SIGHUP at ${
        seconds / 2
      } s) under wrk -c${CONNECTIONS} for ${seconds} s, --workers 2: ${result.requests} requests, ${
        result.problems.length === 0
          ? "0 non-2xx responses, 0 socket errors"
          : result.problems.join(", ")
      }`,
    );
  } finally {
    await stop(child);
  }
}

if (import.meta.main) {
  if (Deno.build.os !== "linux") {
    console.error("bench:workers needs Linux (reusePort, /proc)");
    Deno.exit(1);
  }
  const at = Deno.args.indexOf("--seconds");
  const seconds = at === -1 ? 5 : Number(Deno.args[at + 1]);
  await throughput(seconds);
  await rollingRestart(Math.max(10, seconds));
}
