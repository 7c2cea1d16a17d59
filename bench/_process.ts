/**
 * Server subprocesses: start one, wait for its port, collect what it says
 * on stderr, and make sure none outlives the runner.
 *
 * @module
 */

import { pinned, SERVER_CORE } from "./_pin.ts";
import { fileURLToPath } from "node:url";
import { READY_PREFIX, type Scenario } from "./servers/_common.ts";

/** The three implementations, in the order every round runs them. */
export const SERVERS = ["raw", "hono", "roost"] as const;

/** One implementation under test. */
export type ServerName = typeof SERVERS[number];

/** Scenarios Hono has no form of, and why: the report prints the reason. */
export const HONO_LEAVES_OUT: Partial<Record<Scenario, string>> = {
  write:
    "Hono has no write() into a buffered response; its c.text() is the hello row",
  header:
    "Hono drops a header its middleware set with c.header() when the handler returns a Response of its own (Roost merges it, as the raw handler sends it)",
  edge:
    "Hono has no forwarded-headers or host-filtering middleware; raw does the same three jobs by hand",
};

/** The implementations that run a scenario, in round order. */
export function serversFor(scenario: Scenario): ServerName[] {
  return SERVERS.filter((name) =>
    name !== "hono" || HONO_LEAVES_OUT[scenario] === undefined
  );
}

/** A started server subprocess. */
export interface RunningServer {
  readonly name: ServerName;
  readonly port: number;
  /** CPU seconds the process used so far; undefined off Linux. */
  readonly cpuSeconds: () => number | undefined;
  /** Set when the process exited before the runner stopped it. */
  readonly exitedEarly: () => string | undefined;
  /**
   * The distinct messages the server wrote to stderr, with counts: a stack
   * trace counts under its first line, request ids are blanked out.
   */
  readonly stderrSummary: () => Map<string, number>;
  readonly stop: () => Promise<void>;
}

const STDERR_CAP = 8192;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 3000;
const children = new Set<Deno.ChildProcess>();

/** Registers a process so `killAll` ends it; unregisters when it exits. */
export function track(child: Deno.ChildProcess): void {
  children.add(child);
  child.status.finally(() => children.delete(child));
}

function signal(child: Deno.ChildProcess, name: Deno.Signal): void {
  try {
    child.kill(name);
  } catch {
    // Already gone: nothing to end.
  }
}

/** Ends every subprocess the runner started, politely then firmly. */
export async function killAll(): Promise<void> {
  const live = [...children];
  for (const child of live) signal(child, "SIGTERM");
  await Promise.all(live.map((child) => settle(child)));
}

async function settle(child: Deno.ChildProcess): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = await Promise.race([
    child.status.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    signal(child, "SIGKILL");
    await child.status;
  }
}

interface StderrSink {
  /** The start of stderr, for a server that fails to start. */
  head: string;
  counts: Map<string, number>;
}

// Counts every line, keeps only the head: a server may log an error per
// request, and a count is what the report needs.
async function collect(
  stream: ReadableStream<Uint8Array>,
  sink: StderrSink,
): Promise<void> {
  let partial = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    if (sink.head.length < STDERR_CAP) sink.head += chunk;
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "" || /^\s/.test(line)) continue;
      const key = line.replace(/request \S+ /, "request … ").slice(0, 200);
      sink.counts.set(key, (sink.counts.get(key) ?? 0) + 1);
    }
  }
}

/**
 * Resolves with the port a server announced; keeps draining its stdout
 * afterwards so a chatty server never blocks on a full pipe.
 *
 * @throws {Error} When it exits or stays silent instead of listening.
 */
export async function waitForReady(
  stream: ReadableStream<Uint8Array>,
  exited: Promise<Deno.CommandStatus>,
): Promise<number> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  const read = async (): Promise<number> => {
    while (true) {
      const { done, value } = await reader.read();
      if (done) throw new Error("closed stdout before announcing its port");
      buffered += value;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      const ready = lines.find((line) => line.startsWith(READY_PREFIX));
      if (ready !== undefined) {
        (async () => {
          while (!(await reader.read()).done) {
            // Discard: only the READY line is part of the protocol.
          }
        })().catch(() => {});
        return Number(ready.slice(READY_PREFIX.length));
      }
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      read(),
      exited.then((status) => {
        throw new Error(`exited with code ${status.code} before listening`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error("did not listen within 60 s")),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** One server under test: a script in `bench/servers/` and its flags. */
export interface Subject {
  name: string;
  script: string;
  args: string[];
}

/**
 * Spawns `deno run -A [denoFlags] bench/servers/<script> [args]` pinned to
 * the server core, tracked for cleanup. Its piped stdin is the lifeline:
 * the server exits when it closes, so a killed runner leaves none.
 */
export function spawnServer(
  script: string,
  args: string[],
  options: { denoFlags?: string[]; stderr?: "piped" | "null" } = {},
): Deno.ChildProcess {
  const path = fileURLToPath(new URL(`./servers/${script}`, import.meta.url));
  const [command, pinnedArgs] = pinned(SERVER_CORE, Deno.execPath(), [
    "run",
    "-A",
    ...(options.denoFlags ?? []),
    path,
    ...args,
  ]);
  const child = new Deno.Command(command, {
    args: pinnedArgs,
    stdin: "piped",
    stdout: "piped",
    stderr: options.stderr ?? "piped",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  track(child);
  return child;
}

/**
 * Starts `bench/servers/<name>.ts` for one scenario on a free port.
 *
 * @throws {Error} When it exits or stays silent instead of listening; the
 * message carries its stderr.
 */
export async function startServer(
  name: ServerName,
  scenario: Scenario,
): Promise<RunningServer> {
  const child = spawnServer(`${name}.ts`, [
    "--port",
    "0",
    "--scenario",
    scenario,
  ]);
  const errors: StderrSink = { head: "", counts: new Map() };
  collect(child.stderr, errors).catch(() => {});
  let stopping = false;
  let early: string | undefined;
  child.status.then((status) => {
    if (!stopping) early = `exited with code ${status.code}`;
  });
  let port: number;
  try {
    port = await waitForReady(child.stdout, child.status);
  } catch (error) {
    stopping = true;
    signal(child, "SIGKILL");
    await child.status;
    throw new Error(
      `The ${name} server (${scenario}) ${
        (error as Error).message
      }\n${errors.head}`,
    );
  }
  return {
    name,
    port,
    cpuSeconds: () => cpuSeconds(child.pid),
    exitedEarly: () => early,
    stderrSummary: () => errors.counts,
    stop: async () => {
      stopping = true;
      await child.stdin.close().catch(() => {});
      await settle(child);
    },
  };
}

// /proc/<pid>/stat counts in USER_HZ ticks, which Linux fixes at 100/s.
const TICKS_PER_SECOND = 100;

/** A loopback port free right now, for a server told its port. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** User + system CPU seconds of a process, from /proc; undefined elsewhere. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name may hold spaces; the fields after it do not.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** Ends every subprocess on Ctrl+C or SIGTERM, then exits. */
export function installSignalCleanup(): void {
  for (const name of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(name, () => {
      console.error(`\n${name}: stopping servers and load generators...`);
      killAll().finally(() => Deno.exit(130));
    });
  }
}
