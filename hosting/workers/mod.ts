/**
 * Worker processes under a supervisor: {@linkcode WorkerSupervisor} and
 * {@linkcode superviseWorkers}. A host's `run()` uses them by itself when
 * the `workers` host setting is given.
 *
 * @module
 */

export { type WorkerCommand, WorkerSupervisor } from "./supervisor.ts";
export {
  workerCount,
  type WorkerInfo,
  type WorkerSupervisorOptions,
} from "./worker_options.ts";
export {
  superviseWorkers,
  type SuperviseWorkersOptions,
} from "./supervise_workers.ts";
