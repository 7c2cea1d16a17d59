/**
 * Server subprocesses: start one, wait for its port, collect what it says
 * on stderr, and make sure none outlives the runner.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { READY_PREFIX, type Scenario } from "./servers/_common.ts";

/** The three implementations, in the order every round runs them. */
export const SERVERS = ["raw", "hono", "roost"] as const;

/** One implementation under test. */
export type ServerName = typeof SERVERS[number];

/** A started server subprocess. */
export interface RunningServer {
  readonly name: ServerName;
  readonly port: number;
  /** Set when the process exited before the runner stopped it. */
  readonly exitedEarly: () => string | undefined;
  /** What the server wrote to stderr so far (capped). */
  readonly stderr: () => string;
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

async function collect(
  stream: ReadableStream<Uint8Array>,
  sink: { text: string },
): Promise<void> {
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    if (sink.text.length < STDERR_CAP) sink.text += chunk;
  }
}

// Resolves with the announced port; keeps draining stdout afterwards so a
// chatty server never blocks on a full pipe.
async function waitForReady(
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
  const script = new URL(`./servers/${name}.ts`, import.meta.url);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      fileURLToPath(script),
      "--port",
      "0",
      "--scenario",
      scenario,
    ],
    // Piped stdin is the lifeline: the server exits when it closes.
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: { DENO_NO_UPDATE_CHECK: "1" },
  }).spawn();
  track(child);
  const errors = { text: "" };
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
      }\n${errors.text}`,
    );
  }
  return {
    name,
    port,
    exitedEarly: () => early,
    stderr: () => errors.text,
    stop: async () => {
      stopping = true;
      await child.stdin.close().catch(() => {});
      await settle(child);
    },
  };
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
