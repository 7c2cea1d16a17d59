/**
 * Hosted services: work that starts and stops with the host.
 *
 * @module
 */

import type { ServiceProvider } from "./service_provider.ts";
import { schedule, type Timer } from "../../server/_timers.ts";

/**
 * Something the host starts after the app is built and stops on shutdown
 * (`IHostedService`). `start` runs before the server listens, so keep it
 * short; long-running work belongs in a {@linkcode BackgroundService}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostedService } from "./mod.ts";
 * import { HostedServiceRunner } from "./hosted_service_runner.ts";
 *
 * class Heartbeat implements HostedService {
 *   beats = 0;
 *   #timer: ReturnType<typeof setInterval> | undefined;
 *   get running(): boolean {
 *     return this.#timer !== undefined;
 *   }
 *   start(): void {
 *     this.#timer = setInterval(() => this.beats++, 60_000);
 *   }
 *   stop(): void {
 *     clearInterval(this.#timer);
 *     this.#timer = undefined;
 *   }
 * }
 * const heartbeat = new Heartbeat();
 * const runner = new HostedServiceRunner([heartbeat]); // as the host does
 * await runner.start(AbortSignal.timeout(1000));
 * assert.equal(heartbeat.running, true);
 * await runner.stop(AbortSignal.timeout(1000));
 * assert.equal(heartbeat.running, false);
 * ```
 */
export interface HostedService {
  /**
   * Starts the service.
   *
   * @param signal Aborts when startup is cancelled.
   */
  start(signal: AbortSignal): Promise<void> | void;
  /**
   * Stops the service gracefully.
   *
   * @param signal Aborts when the shutdown timeout has passed: stop waiting
   * then.
   */
  stop(signal: AbortSignal): Promise<void> | void;
}

/**
 * A hosted service as registered: an instance, or a factory called with the
 * root provider when the host starts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type HostedServiceRegistration, TestServer, WebHostBuilder } from "../../mod.ts";
 *
 * const log: string[] = [];
 * const registration: HostedServiceRegistration = () => ({
 *   start: () => void log.push("start"),
 *   stop: () => void log.push("stop"),
 * });
 * const host = new WebHostBuilder()
 *   .useServer(new TestServer())
 *   .useSetting("suppressStatusMessages", "true")
 *   .configureServices((services) => services.addHostedService(registration))
 *   .build();
 * await host.start();
 * await host.stop();
 * assert.deepEqual(log, ["start", "stop"]);
 * ```
 */
export type HostedServiceRegistration =
  | HostedService
  | ((provider: ServiceProvider) => HostedService);

/**
 * Options of `services.addHostedService(service, options)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection } from "./mod.ts";
 *
 * const ticks: number[] = [];
 * const services = new ServiceCollection().addHostedService({
 *   start: () => void ticks.push(1),
 *   stop: () => {},
 * }, { singleWorker: true });
 * assert.equal(services.hostedServices.length, 1);
 * ```
 */
export interface HostedServiceOptions {
  /**
   * When a supervisor runs the app in several workers (the `workers` host
   * setting), run this service in worker 0 only, not once per worker: for
   * a scheduler or a queue consumer that must run once. Without workers it
   * always runs. During a rolling restart, worker 0's replacement starts
   * it before the old worker 0 stops it, so the two overlap briefly.
   * @default {false}
   */
  singleWorker?: boolean;
}

/**
 * The registrations added with `singleWorker: true`. Internal: the host
 * reads it, users pass the option.
 */
export const SINGLE_WORKER_SERVICES: WeakSet<object> = new WeakSet();

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted &&
    (error === signal.reason ||
      (error instanceof DOMException && error.name === "AbortError"));
}

// Settled already: what a race against a task gives when the task is not.
const STILL_RUNNING = Promise.resolve();

/**
 * A long-running hosted service (`BackgroundService`): subclasses implement
 * `execute`, which runs from start until its signal aborts. `start` does not
 * wait for it, so startup is never blocked; but an `execute` that has
 * already failed when `start` returns (it threw before its first `await`)
 * fails the start, as in .NET. An `execute` that rejects later is a
 * failure reported to {@linkcode BackgroundService.onFailure} (the host sets
 * it; by default the error is logged) — except rejecting with the stopping
 * signal's reason or an `AbortError` after stop was asked, which is how
 * `execute` is expected to end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackgroundService } from "./mod.ts";
 *
 * class Ticker extends BackgroundService {
 *   ticks = 0;
 *   protected async execute(signal: AbortSignal): Promise<void> {
 *     while (!signal.aborted) {
 *       this.ticks++;
 *       await new Promise((resolve) => setTimeout(resolve, 10));
 *     }
 *   }
 * }
 * const ticker = new Ticker();
 * await ticker.start(AbortSignal.timeout(1000));
 * await new Promise((resolve) => setTimeout(resolve, 50));
 * await ticker.stop(AbortSignal.timeout(1000));
 * assert.ok(ticker.ticks > 0);
 * ```
 */
export abstract class BackgroundService implements HostedService {
  #stopping: AbortController | undefined;
  #task: Promise<void> | undefined;

  /**
   * Called when `execute` fails. The host sets it; when unset, the error is
   * logged with `console.error`.
   */
  onFailure?: (error: unknown) => void;

  /**
   * The service's work. Return (or reject with the signal's reason) once
   * `signal` aborts.
   *
   * @param signal Aborts when the host stops.
   * @returns A promise that settles when the work is done.
   */
  protected abstract execute(signal: AbortSignal): Promise<void>;

  /** The promise `execute` returned, once started. */
  get executeTask(): Promise<void> | undefined {
    return this.#task;
  }

  /**
   * Calls `execute` without waiting for it. `signal` only matters if it has
   * already aborted: `execute`'s own signal aborts on stop, never because a
   * startup deadline passed later.
   *
   * @param signal Aborts when startup is cancelled.
   * @returns A promise that resolves at once, or rejects with what
   * `execute` threw before its first `await`.
   * @throws {TypeError} When the service was already started.
   * @throws `signal.reason` when `signal` has already aborted; `execute` is
   * not called then.
   */
  start(signal: AbortSignal): Promise<void> {
    if (this.#task !== undefined) {
      return Promise.reject(
        new TypeError(
          `${this.constructor.name} was already started; a BackgroundService runs once: register a new instance instead of starting it again`,
        ),
      );
    }
    // Not linked to execute's signal, unlike .NET's token: a startup
    // deadline (AbortSignal.timeout) keeps ticking after a successful start
    // and would end the service when it fired.
    if (signal.aborted) return Promise.reject(signal.reason);
    const stopping = new AbortController();
    this.#stopping = stopping;
    let task: Promise<void>;
    try {
      task = Promise.resolve(this.execute(stopping.signal));
    } catch (error) {
      task = Promise.reject(error);
    }
    this.#task = task;
    // As .NET's StartAsync returns an ExecuteAsync task that has already
    // completed: an execute that failed before its first await (a bad
    // setting, say) fails the start. The race takes the task's outcome only
    // when the task has one already.
    return Promise.race([task, STILL_RUNNING]).then(() => {
      // Handled here, so a later failure never becomes an unhandled
      // rejection that would end the process; awaiting executeTask still
      // sees it.
      task.then(undefined, (error) => {
        if (isAbort(error, stopping.signal)) return;
        try {
          if (this.onFailure === undefined) {
            console.error(`${this.constructor.name} failed:`, error);
          } else {
            this.onFailure(error);
          }
        } catch (thrown) {
          console.error("A BackgroundService failure handler threw:", thrown);
        }
      });
    });
  }

  /**
   * Aborts `execute`'s signal and waits until it settles, or until `signal`
   * aborts (the shutdown deadline): an `execute` still running then is left
   * behind, and the returned promise rejects saying so, as a hosted
   * service's `stop` that outlives the deadline is reported. Never throws
   * for `execute`'s failure, which {@linkcode BackgroundService.onFailure}
   * already received.
   *
   * @param signal Aborts when the shutdown timeout has passed.
   * @returns A promise that resolves when `execute` settled.
   * @throws {Error} (rejects) When the deadline passed first.
   */
  stop(signal: AbortSignal): Promise<void> {
    const task = this.#task;
    if (task === undefined) return Promise.resolve();
    this.#stopping?.abort();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const leftBehind = (): void => {
        if (settled) return;
        reject(
          new Error(
            "its execute() did not return by the shutdown deadline and was left behind: make execute(signal) return when its signal aborts",
          ),
        );
      };
      let turn: Timer | undefined;
      const done = (): void => {
        settled = true;
        signal.removeEventListener("abort", leftBehind);
        turn?.cancel();
        resolve();
      };
      task.then(done, done);
      // A deadline already passed: the execute, aborted just now, gets a
      // turn of the event loop to return, as any stop does.
      if (signal.aborted) turn = schedule(leftBehind, 0);
      else signal.addEventListener("abort", leftBehind, { once: true });
    });
  }
}
