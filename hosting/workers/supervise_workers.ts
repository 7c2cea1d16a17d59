/**
 * `superviseWorkers()`: a {@linkcode WorkerSupervisor} run as a process's
 * main job, with its signals: SIGTERM or SIGINT stops every worker
 * gracefully (a second one stops them at once), SIGHUP replaces them one
 * at a time.
 *
 * @module
 */

import { getDefaultLoggerFactory } from "../logging/logger_factory.ts";
import { WorkerSupervisor } from "./supervisor.ts";
import type { WorkerSupervisorOptions } from "./worker_options.ts";

/** Options of {@linkcode superviseWorkers}. */
export interface SuperviseWorkersOptions extends WorkerSupervisorOptions {
  /**
   * Called once every worker listens, with their addresses.
   * @default {logs "Now listening on: …" and "Application started with N workers"}
   */
  onStarted?: (addresses: readonly string[], workers: number) => void;
  /**
   * Called when a signal starts the stop.
   * @default {logs "Application is shutting down..."}
   */
  onStopping?: () => void;
}

/**
 * Starts the workers, then supervises them until a signal stops them or
 * they crash in a loop; see {@linkcode WorkerSupervisor}. A host's `run()`
 * does this by itself when the `workers` host setting is given; call it
 * from a `main.ts` of your own that starts the same script as a worker.
 *
 * @param options How many workers, how to start them, and what to say.
 * @returns The exit code: 0 after a clean stop; 1 when the workers failed
 * to start, crashed in a loop, or did not stop cleanly.
 *
 * @example
 * ```ts ignore
 * // main.ts: run as a supervisor, or as a worker when one started it.
 * import { superviseWorkers, WebHostBuilder } from "jsr:@roost/hosting";
 *
 * if (Deno.env.get("ROOST_WORKERID") === undefined) {
 *   Deno.exit(await superviseWorkers({ workers: "auto" }));
 * }
 * await new WebHostBuilder()
 *   .useUrls("http://0.0.0.0:8000")
 *   .configure((app) => app.run((ctx) => ctx.response.send("hello")))
 *   .build()
 *   .run();
 * ```
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { superviseWorkers } from "./supervise_workers.ts";
 *
 * // A worker that is never ready: the start fails, and so does the call.
 * const code = await superviseWorkers({
 *   workers: 1,
 *   command: { execPath: Deno.execPath(), args: ["eval", "Deno.exit(3)"] },
 *   logger: { critical() {}, information() {} } as never,
 * });
 * assert.equal(code, 1);
 * ```
 */
export async function superviseWorkers(
  options: SuperviseWorkersOptions,
): Promise<number> {
  const supervisor = new WorkerSupervisor(options);
  const logger = options.logger ??
    getDefaultLoggerFactory().createLogger("Roost.Hosting.Workers");
  let stopping = false;
  const onStop = () => {
    if (!stopping) {
      stopping = true;
      if (options.onStopping) options.onStopping();
      else logger.information("Application is shutting down...");
    }
    supervisor.stop().catch(() => {});
  };
  const onReload = () => {
    supervisor.restartWorkers().catch(() => {
      // Logged by the supervisor; the old workers keep serving.
    });
  };
  const stopSignals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const name of stopSignals) Deno.addSignalListener(name, onStop);
  if (Deno.build.os !== "windows") Deno.addSignalListener("SIGHUP", onReload);
  try {
    let addresses: readonly string[];
    try {
      addresses = await supervisor.start();
    } catch (error) {
      if (stopping) return await supervisor.finished;
      logger.critical(
        `The workers failed to start: ${(error as Error).message}`,
      );
      return 1;
    }
    const count = supervisor.workers.length;
    if (options.onStarted) options.onStarted(addresses, count);
    else {
      for (const address of addresses) {
        logger.information(`Now listening on: ${address}`);
      }
      logger.information(
        `Application started with ${count} workers. Press Ctrl+C to shut down.`,
      );
    }
    return await supervisor.finished;
  } finally {
    for (const name of stopSignals) Deno.removeSignalListener(name, onStop);
    if (Deno.build.os !== "windows") {
      Deno.removeSignalListener("SIGHUP", onReload);
    }
  }
}
