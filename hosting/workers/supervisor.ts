/**
 * A supervisor of worker processes: what the ASP.NET Core Module (or
 * systemd) does for a Kestrel app, for a Roost app. It starts N copies of
 * this process, each serving the same endpoints with `reusePort` so that
 * Linux spreads connections among them; restarts a worker that crashes
 * (at once, then with backoff, and gives up on a crash loop); stops them
 * all gracefully; and replaces them one at a time for a rolling restart.
 *
 * A host's `run()` supervises by itself when the `workers` host setting is
 * given (`--workers 2`, `ROOST_WORKERS=auto`); this class is for a
 * `main.ts` of the user's own.
 *
 * @module
 */

import { getDefaultLoggerFactory } from "../logging/logger_factory.ts";
import type { Logger } from "../logging/mod.ts";
import {
  ownCommand,
  withUnstableNet,
  type WorkerCommand,
} from "./_worker_command.ts";
import { relayOutput, type WorkerMessage } from "./_worker_output.ts";

import {
  workerCount,
  type WorkerInfo,
  type WorkerSupervisorOptions,
} from "./worker_options.ts";

export type { WorkerCommand } from "./_worker_command.ts";

type Origin = "initial" | "restart" | "rolling";

interface Worker {
  readonly id: number;
  readonly child: Deno.ChildProcess;
  readonly startedAt: number;
  readonly origin: Origin;
  state: "starting" | "ready" | "stopping" | "exited";
  readonly ready: PromiseWithResolvers<readonly string[]>;
  readonly exited: Promise<Deno.CommandStatus>;
}

const BACKOFF_START_MS = 250;
const BACKOFF_MAX_MS = 10_000;
// After a stop's own deadline, how long killed workers get to go.
const KILL_GRACE_MS = 5_000;
// A worker's own shutdown deadline answers what is still running with 503
// and closes its connections: the supervisor gives it this long past that
// deadline before it kills, or SIGKILL would win the race and cut requests
// off with no answer at all.
const STOP_MARGIN_MS = 2_000;
// After a worker exits, how long its last output may take to be passed on:
// a process it started may hold the pipes open, and must not hold back the
// restart.
const OUTPUT_GRACE_MS = 250;

/**
 * Supervises worker processes; see the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WorkerSupervisor } from "./supervisor.ts";
 *
 * // Two workers that each print a ready line and exit when told to stop.
 * const script = `
 *   Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
 *   console.log("\\u001eroost-worker " + JSON.stringify({ event: "ready", addresses: ["test://" + Deno.env.get("ROOST_WORKERID")] }));
 *   setInterval(() => {}, 1000);
 * `;
 * const supervisor = new WorkerSupervisor({
 *   workers: 2,
 *   command: { execPath: Deno.execPath(), args: ["eval", script] },
 * });
 * const addresses = await supervisor.start();
 * assert.equal(addresses.length, 1);
 * assert.deepEqual(supervisor.workers.map((worker) => worker.id), [0, 1]);
 * assert.equal(await supervisor.stop(), 0);
 * ```
 */
export class WorkerSupervisor {
  readonly #count: number;
  readonly #command: WorkerCommand;
  readonly #stopMs: number;
  readonly #readyMs: number;
  readonly #maxCrashes: number;
  readonly #crashWindowMs: number;
  readonly #logger: Logger;
  readonly #slots: (Worker | undefined)[];
  readonly #backoff: number[];
  readonly #crashes: number[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  // Every worker process not yet exited, replaced ones included.
  readonly #all = new Set<Worker>();
  readonly #done = Promise.withResolvers<number>();
  #state: "new" | "starting" | "running" | "stopping" | "stopped" = "new";
  #rolling: Promise<void> | undefined;
  #failed = false;

  /**
   * Makes a supervisor; nothing starts until {@linkcode start}.
   *
   * @param options How many workers and how to run them.
   * @throws {RangeError} When `workers` is not a whole number from 1 or
   * `"auto"`, or is above 1 outside Linux.
   */
  constructor(options: WorkerSupervisorOptions) {
    this.#count = workerCount(options.workers);
    if (this.#count > 1 && Deno.build.os !== "linux") {
      throw new RangeError(
        `workers is ${options.workers}, but only Linux spreads connections among processes that share a port (SO_REUSEPORT); on ${Deno.build.os} run one worker, or one process per port behind a load balancer`,
      );
    }
    const command = options.command ?? ownCommand();
    this.#command = options.command !== undefined || Deno.build.os !== "linux"
      ? command
      : withUnstableNet(command);
    this.#stopMs = 1000 * ((options.shutdownTimeoutSeconds ?? 30) +
      (options.shutdownDelaySeconds ?? 0));
    this.#readyMs = 1000 * (options.readyTimeoutSeconds ?? 30);
    this.#maxCrashes = options.maxCrashes ?? 5;
    this.#crashWindowMs = 1000 * (options.crashWindowSeconds ?? 60);
    this.#logger = options.logger ??
      getDefaultLoggerFactory().createLogger("Roost.Hosting.Workers");
    this.#slots = Array.from({ length: this.#count }, () => undefined);
    this.#backoff = Array.from({ length: this.#count }, () => 0);
  }

  /** The live workers, by id. */
  get workers(): WorkerInfo[] {
    return this.#slots.filter((worker) => worker !== undefined).map((
      worker,
    ) => ({
      id: worker.id,
      pid: worker.child.pid,
      state: worker.state === "exited" ? "stopping" : worker.state,
    }));
  }

  /**
   * Resolves with the exit code once the supervisor is done: 0 after a
   * clean stop, 1 after a crash loop, a failed start, or a worker that
   * did not stop cleanly.
   */
  get finished(): Promise<number> {
    return this.#done.promise;
  }

  /**
   * Starts every worker and waits until each listens.
   *
   * @returns The addresses the workers listen on.
   * @throws {Error} When a worker exits or times out before it listens
   * (its own output says why); the others are stopped.
   */
  async start(): Promise<readonly string[]> {
    if (this.#state !== "new") {
      throw new TypeError(`The supervisor cannot start: it is ${this.#state}`);
    }
    this.#state = "starting";
    const workers = this.#slots.map((_, id) => this.#spawn(id, "initial"));
    try {
      const addresses = await Promise.all(workers.map((w) => w.ready.promise));
      this.#state = "running";
      return addresses[0];
    } catch (error) {
      this.#failed = true;
      await this.stop();
      throw error;
    }
  }

  /**
   * Replaces every worker, one at a time: starts the new one, waits until
   * it listens, then stops the old one gracefully. Requests keep being
   * answered throughout. A call during a rolling restart waits for it.
   *
   * @throws {Error} When a new worker fails to start; the old one keeps
   * serving and the rest are not replaced.
   */
  restartWorkers(): Promise<void> {
    if (this.#state !== "running") {
      return Promise.reject(
        new TypeError(
          `The supervisor cannot restart its workers: it is ${this.#state}`,
        ),
      );
    }
    return this.#rolling ??= this.#roll().finally(() => {
      this.#rolling = undefined;
    });
  }

  async #roll(): Promise<void> {
    this.#logger.information(
      "Rolling restart: replacing {count} workers one at a time",
      { count: this.#count },
    );
    for (let id = 0; id < this.#count; id++) {
      if (this.#state !== "running") return;
      const old = this.#slots[id];
      // Outside Linux two processes cannot share the port: the old one
      // goes first, and requests in the gap may be refused.
      if (old !== undefined && Deno.build.os !== "linux") {
        await this.#stopWorker(old);
      }
      const fresh = this.#spawn(id, "rolling");
      try {
        await fresh.ready.promise;
      } catch (error) {
        if (this.#state !== "running") return; // stopped meanwhile
        this.#logger.error(
          "Rolling restart stopped: the new worker {workerId} did not start, so the old one keeps serving",
          { workerId: id, error },
        );
        throw error;
      }
      // The slot's worker now (a crashed old one's replacement, even).
      const current = this.#slots[id];
      this.#slots[id] = fresh;
      if (current !== undefined && current !== fresh) {
        await this.#stopWorker(current);
      }
      this.#logger.information("Worker {workerId} replaced (pid {pid})", {
        workerId: id,
        pid: fresh.child.pid,
      });
    }
    this.#logger.information("Rolling restart finished");
  }

  /**
   * Stops every worker gracefully (SIGTERM, then SIGKILL after the
   * shutdown timeout and delay). A second call while stopping sends the
   * workers a second SIGTERM, which makes them stop at once.
   *
   * @returns The exit code: 0 when every worker stopped cleanly, else 1.
   */
  async stop(): Promise<number> {
    if (this.#state === "stopping") {
      for (const worker of [...this.#all]) signal(worker, "SIGTERM");
      return await this.#done.promise;
    }
    if (this.#state === "stopped") return await this.#done.promise;
    this.#state = "stopping";
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    const clean = await Promise.all(
      [...this.#all].map((worker) => this.#stopWorker(worker)),
    );
    this.#state = "stopped";
    const code = this.#failed || clean.includes(false) ? 1 : 0;
    this.#done.resolve(code);
    return code;
  }

  // Resolves true when the worker exited with code 0 within the deadline.
  async #stopWorker(worker: Worker): Promise<boolean> {
    if (worker.state !== "exited") worker.state = "stopping";
    if (this.#slots[worker.id] === worker) this.#slots[worker.id] = undefined;
    signal(worker, "SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.#stopMs + STOP_MARGIN_MS);
    });
    const status = await Promise.race([worker.exited, deadline]);
    clearTimeout(timer);
    if (status === "late") {
      this.#logger.error(
        "Worker {workerId} (pid {pid}) did not stop within {seconds} s: killing it",
        {
          workerId: worker.id,
          pid: worker.child.pid,
          seconds: (this.#stopMs + STOP_MARGIN_MS) / 1000,
        },
      );
      signal(worker, "SIGKILL");
      await Promise.race([
        worker.exited,
        new Promise<void>((resolve) => {
          const id = setTimeout(resolve, KILL_GRACE_MS);
          Deno.unrefTimer(id as unknown as number);
        }),
      ]);
      return false;
    }
    return status.code === 0;
  }

  #spawn(id: number, origin: Origin): Worker {
    const child = new Deno.Command(this.#command.execPath, {
      args: [...this.#command.args],
      env: {
        ROOST_WORKERID: String(id),
        ROOST_SUPERVISORPID: String(Deno.pid),
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const ready = Promise.withResolvers<readonly string[]>();
    // Only the one who waits for it (start, a rolling restart) sees why.
    ready.promise.catch(() => {});
    const onMessage = (message: WorkerMessage) => {
      if (worker.state !== "starting") return;
      worker.state = "ready";
      clearTimeout(readyTimer);
      ready.resolve(message.addresses);
    };
    // Cancelled shortly after the worker exits: a process it started may
    // hold the pipes open, and must hold neither a restart nor our exit.
    const relaying = new AbortController();
    const relayed = Promise.all([
      relayOutput(child.stdout, Deno.stdout, id, onMessage, relaying.signal),
      relayOutput(child.stderr, Deno.stderr, id, onMessage, relaying.signal),
    ]);
    const worker: Worker = {
      id,
      child,
      startedAt: performance.now(),
      origin,
      state: "starting",
      ready,
      // The status once its output has been passed on, or shortly after
      // the exit when a process it started still holds the pipes.
      exited: child.status.then(async (status) => {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          relayed,
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, OUTPUT_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        relaying.abort();
        return status;
      }),
    };
    const readyTimer = setTimeout(() => {
      if (worker.state !== "starting") return;
      ready.reject(
        new Error(
          `Worker ${id} did not start listening within ${
            this.#readyMs / 1000
          } s: it was killed`,
        ),
      );
      signal(worker, "SIGKILL");
    }, this.#readyMs);
    this.#all.add(worker);
    if (origin !== "rolling") this.#slots[id] = worker;
    this.#logger.debug("Worker {workerId} started (pid {pid})", {
      workerId: id,
      pid: child.pid,
    });
    worker.exited.then((status) => {
      clearTimeout(readyTimer);
      this.#onExit(worker, status);
    });
    return worker;
  }

  #onExit(worker: Worker, status: Deno.CommandStatus): void {
    const wasReady = worker.state === "ready";
    const asked = worker.state === "stopping";
    worker.state = "exited";
    this.#all.delete(worker);
    const exit = status.signal !== null
      ? `signal ${status.signal}`
      : `code ${status.code}`;
    if (!wasReady) {
      worker.ready.reject(
        new Error(
          asked
            ? `Worker ${worker.id} was stopped before it was listening`
            : `Worker ${worker.id} exited with ${exit} before it was listening: the app failed to start (its output is above)`,
        ),
      );
    }
    // A worker that crashes while the others still start is restarted too.
    const supervising = this.#state === "running" ||
      (this.#state === "starting" && wasReady);
    if (asked || !supervising) return;
    if (worker.origin === "rolling" && !wasReady) return;
    if (this.#slots[worker.id] === worker) {
      this.#slots[worker.id] = undefined;
    }
    this.#onCrash(worker, exit);
  }

  #onCrash(worker: Worker, exit: string): void {
    const now = performance.now();
    const uptime = now - worker.startedAt;
    this.#crashes.push(now);
    while (this.#crashes[0] < now - this.#crashWindowMs) this.#crashes.shift();
    if (this.#crashes.length >= this.#maxCrashes) {
      this.#logger.critical(
        "Workers crashed {count} times within {seconds} s: stopping instead of restarting them again (a crash loop; the workers' output above says why)",
        { count: this.#crashes.length, seconds: this.#crashWindowMs / 1000 },
      );
      this.#failed = true;
      this.stop().catch(() => {});
      return;
    }
    // A worker that ran a while before it crashed starts a new count.
    if (uptime >= this.#crashWindowMs) this.#backoff[worker.id] = 0;
    const crashes = ++this.#backoff[worker.id];
    const delay = crashes <= 1
      ? 0
      : Math.min(BACKOFF_START_MS * 2 ** (crashes - 2), BACKOFF_MAX_MS);
    this.#logger.warning(
      "Worker {workerId} (pid {pid}) exited with {exit} after {uptime} s; restarting it {when}",
      {
        workerId: worker.id,
        pid: worker.child.pid,
        exit,
        uptime: (uptime / 1000).toFixed(1),
        when: delay === 0 ? "now" : `in ${delay} ms`,
      },
    );
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const supervising = this.#state === "running" ||
        this.#state === "starting";
      if (supervising && this.#slots[worker.id] === undefined) {
        this.#spawn(worker.id, "restart");
      }
    }, delay);
    this.#timers.add(timer);
  }
}

function signal(worker: Worker, name: Deno.Signal): void {
  try {
    worker.child.kill(name);
  } catch {
    // It exited already.
  }
}
