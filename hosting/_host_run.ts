// Helpers of the host's run(), stop() and start: how a failed start is worded
// (the error's message and the app's own line that caused it, without
// Roost's frames, which Deno's dump of an uncaught rejection would bury it
// under), the shutdown delay's wait, the Debug lines on settings, and the
// signals that stop it.

import type { Logger } from "./logging/mod.ts";
import { schedule } from "../server/_timers.ts";
import { ROOST_FILES } from "./_roost_files.ts";

/**
 * A start failure's message, and the first frame of its stack outside Roost
 * and Deno (the app's line that caused it), when there is one.
 */
export function describeStartFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The stack opens with the message, which may hold "at …" lines of its
  // own (Deno's syntax errors): frames come after it.
  const frame = (error.stack ?? "").split("\n")
    .slice(`${error.name}: ${error.message}`.split("\n").length)
    .map((line) => line.trim())
    .find((line) =>
      line.startsWith("at ") && !line.includes("ext:") &&
      !line.includes("node:") &&
      !ROOST_FILES.some((file) => line.includes(file))
    );
  return frame === undefined ? error.message : `${error.message}\n    ${frame}`;
}

/** Resolves after `ms`, or at once when one of `signals` fires. */
export function delayUnlessAborted(
  ms: number,
  signals: readonly AbortSignal[],
): Promise<void> {
  if (ms <= 0 || signals.some((s) => s.aborted)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      timer.cancel();
      for (const s of signals) s.removeEventListener("abort", done);
      resolve();
    };
    const timer = schedule(done, ms);
    for (const s of signals) s.addEventListener("abort", done, { once: true });
  });
}

/**
 * At Debug level (Logging:LogLevel:Default or :Roost.Hosting), says where
 * every host setting came from.
 */
export function logSettingSources(
  settings: ReadonlyMap<string, { value: string; source: string }>,
  logger: Logger,
): void {
  if (!logger.isEnabled("debug")) return;
  for (const [key, setting] of settings) {
    // A template: a value with braces in it is never read as one.
    logger.debug('Host setting {key} = "{value}" (from {source})', {
      key,
      value: setting.value,
      source: setting.source,
    });
  }
}

/**
 * Calls `onStop` on SIGINT and SIGTERM (SIGINT and SIGBREAK on Windows)
 * until disposed. A worker ignores SIGINT: Ctrl+C reaches it along with its
 * supervisor, which answers it with the SIGTERM that alone stops a worker.
 */
export function listenForStopSignals(
  isWorker: boolean,
  onStop: () => void,
): Disposable {
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  const listeners = signals.map((name) =>
    [name, () => {
      if (!(isWorker && name === "SIGINT")) onStop();
    }] as const
  );
  for (const [name, listener] of listeners) {
    Deno.addSignalListener(name, listener);
  }
  return {
    [Symbol.dispose]() {
      for (const [name, listener] of listeners) {
        Deno.removeSignalListener(name, listener);
      }
    },
  };
}
