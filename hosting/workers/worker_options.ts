/**
 * The options of a `WorkerSupervisor`, what it tells of its
 * workers, and how the `workers` setting is read.
 *
 * @module
 */

import type { Logger } from "../logging/mod.ts";
import type { WorkerCommand } from "./_worker_command.ts";

/**
 * Options of a `WorkerSupervisor`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkerSupervisorOptions } from "./worker_options.ts";
 *
 * const options: WorkerSupervisorOptions = { workers: "auto", maxCrashes: 3 };
 * assert.equal(options.maxCrashes, 3);
 * ```
 */
export interface WorkerSupervisorOptions {
  /**
   * How many workers: a whole number from 1, or `"auto"` for one per CPU
   * (`navigator.hardwareConcurrency`). Above 1 needs Linux, where
   * `SO_REUSEPORT` spreads connections among processes.
   */
  workers: number | "auto";
  /**
   * How to start a worker. Each gets `ROOST_WORKERID` (0…N−1) and
   * `ROOST_SUPERVISORPID` in its environment.
   * @default {this process's own command line, with `--unstable-net` added after `deno run` on Linux}
   */
  command?: WorkerCommand;
  /**
   * How long a worker may take to stop gracefully after SIGTERM, in
   * seconds; then it is killed. The workers' own `shutdownTimeoutSeconds`
   * should be the same.
   * @default {30}
   */
  shutdownTimeoutSeconds?: number;
  /**
   * The workers' `shutdownDelaySeconds`, added to the time a stop waits.
   * @default {0}
   */
  shutdownDelaySeconds?: number;
  /**
   * How long a new worker may take to start listening, in seconds.
   * @default {30}
   */
  readyTimeoutSeconds?: number;
  /**
   * This many crashes within `crashWindowSeconds` is a crash loop: the
   * supervisor stops instead of restarting again.
   * @default {5}
   */
  maxCrashes?: number;
  /**
   * The window `maxCrashes` counts in, in seconds.
   * @default {60}
   */
  crashWindowSeconds?: number;
  /**
   * Where the supervisor's own messages go.
   * @default {the default logger factory's "Roost.Hosting.Workers"}
   */
  logger?: Logger;
}

/**
 * One worker process, as `WorkerSupervisor.workers` lists it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { WorkerInfo } from "./worker_options.ts";
 *
 * const info: WorkerInfo = { id: 0, pid: 4242, state: "ready" };
 * assert.equal(info.state, "ready");
 * ```
 */
export interface WorkerInfo {
  /** Its id, 0…N−1; a replacement keeps the id of the worker it replaces. */
  readonly id: number;
  /** Its process id. */
  readonly pid: number;
  /** `starting` until it listens, `ready` then, `stopping` once asked to. */
  readonly state: "starting" | "ready" | "stopping";
}

/**
 * The number of workers `workers` asks for.
 *
 * @param workers A whole number from 1, `"auto"`, or their text.
 * @returns How many worker processes to run.
 * @throws {RangeError} For anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { workerCount } from "./worker_options.ts";
 *
 * assert.equal(workerCount("4"), 4);
 * assert.equal(workerCount("auto"), navigator.hardwareConcurrency);
 * assert.throws(() => workerCount("0"), RangeError);
 * ```
 */
export function workerCount(workers: number | string): number {
  const text = String(workers).trim();
  if (/^auto$/i.test(text)) return Math.max(1, navigator.hardwareConcurrency);
  if (/^[1-9]\d{0,3}$/.test(text)) return Number(text);
  throw new RangeError(
    `workers is "${workers}": it must be a whole number from 1 to 9999, or auto (one per CPU)`,
  );
}
