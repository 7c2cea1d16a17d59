/**
 * `HostedServiceRunner`: starts and stops an app's hosted services for the
 * host.
 *
 * @module
 */

import { schedule, type Timer } from "../../server/_timers.ts";
import { BackgroundService, type HostedService } from "./hosted_service.ts";

/**
 * What the host does when a {@linkcode BackgroundService}'s `execute`
 * rejects: stop the app (the default, as in ASP.NET Core since .NET 6, so a
 * dead worker is not hidden behind a live server), or log it and go on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   BackgroundService,
 *   type BackgroundServiceExceptionBehavior,
 * } from "./mod.ts";
 * import { HostedServiceRunner } from "./hosted_service_runner.ts";
 *
 * class Broken extends BackgroundService {
 *   protected async execute(): Promise<void> {
 *     await Promise.resolve(); // running, then failing
 *     throw new Error("boom");
 *   }
 * }
 * const errors: unknown[] = [];
 * const behavior: BackgroundServiceExceptionBehavior = "ignore";
 * const runner = new HostedServiceRunner([new Broken()], {
 *   behavior,
 *   onFailure: (_service, error) => errors.push(error),
 * });
 * await runner.start(AbortSignal.timeout(1000));
 * await runner.stop(AbortSignal.timeout(1000));
 * assert.equal((errors[0] as Error).message, "boom"); // reported…
 * assert.equal(runner.failed, false); // …but the app carried on
 * ```
 */
export type BackgroundServiceExceptionBehavior = "stopHost" | "ignore";

/** How a {@linkcode HostedServiceRunner} handles failures. */
export interface HostedServiceRunnerOptions {
  /**
   * What a failed `execute` does.
   *
   * @default {"stopHost"}
   */
  behavior?: BackgroundServiceExceptionBehavior;
  /**
   * Reports a failed `execute`, and a `stop` that threw while rolling back a
   * failed start, under either behavior.
   *
   * @default {undefined} (one `console.error` line)
   */
  onFailure?: (service: HostedService, error: unknown) => void;
  /**
   * Asks the host to stop; called once per failure under `"stopHost"`.
   *
   * @default {undefined}
   */
  stopHost?: () => void;
}

function nameOf(service: HostedService): string {
  const name = (service as { constructor?: { name?: unknown } }).constructor
    ?.name;
  return typeof name === "string" && name !== "" && name !== "Object"
    ? name
    : "(anonymous hosted service)";
}

/**
 * `work`, awaited until it settles or `signal` aborts (a shutdown deadline,
 * a second Ctrl+C): what ignores the deadline must not hold the host, and
 * the process, for ever. Past the deadline it rejects with an error saying
 * "it did not `done` by the shutdown deadline … and was left behind:
 * `fix`"; work that settles within one turn of the event loop after the
 * abort (acting on the aborted signal) still counts. A rejection of work
 * left behind is dropped: nobody awaits it any more.
 */
export function untilDeadline<T>(
  work: Promise<T>,
  signal: AbortSignal,
  done: string,
  fix: string,
): Promise<T> {
  let cancel = () => {};
  const deadline = new Promise<never>((_, reject) => {
    const abort = () =>
      reject(
        new Error(
          `it did not ${done} by the shutdown deadline (${
            describeReason(signal.reason)
          }) and was left behind: ${fix}`,
        ),
      );
    let timer: Timer | undefined;
    const later = () => timer = schedule(abort, 0);
    if (signal.aborted) later();
    else signal.addEventListener("abort", later, { once: true });
    cancel = () => {
      signal.removeEventListener("abort", later);
      timer?.cancel();
    };
  });
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(cancel);
}

// Starts a service. Once `signal` aborts (the host was asked to stop), the
// start has until the deadline to return; one that ignores its signal is
// left behind, so that a stop is never held by it.
function startUntilDeadline(
  service: HostedService,
  signal: AbortSignal,
  deadline: () => AbortSignal,
): Promise<void> {
  const starting = Promise.resolve(service.start(signal));
  let cancel = () => {};
  const leftBehind = new Promise<never>((_, reject) => {
    const watch = () => {
      const after = deadline();
      const abort = () =>
        reject(
          new Error(
            `Hosted service ${
              nameOf(service)
            } did not return from start() by the shutdown deadline after the host was asked to stop (${
              describeReason(after.reason)
            }) and was left behind: make start(signal) return when its signal aborts`,
          ),
        );
      if (after.aborted) return abort();
      after.addEventListener("abort", abort, { once: true });
      cancel = () => after.removeEventListener("abort", abort);
    };
    if (signal.aborted) watch();
    else {
      signal.addEventListener("abort", watch, { once: true });
      cancel = () => signal.removeEventListener("abort", watch);
    }
  });
  // A start left behind may still fail: nobody awaits it any more.
  starting.catch(() => {});
  return Promise.race([starting, leftBehind]).finally(() => cancel());
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === "string" ? reason : "aborted";
}

function logFailure(service: HostedService, error: unknown): void {
  console.error(`Hosted service ${nameOf(service)} failed:`, error);
}

/**
 * Starts hosted services in registration order and stops them in reverse,
 * as the host does. {@linkcode HostedServiceRunner.failed} becomes true when
 * a start or stop threw, or when a failed `execute` stopped the host; under
 * `"ignore"`, a failed `execute` is only reported and leaves it false, since
 * the app carried on. The host turns `failed` into a non-zero exit code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HostedService } from "./mod.ts";
 * import { HostedServiceRunner } from "./hosted_service_runner.ts";
 *
 * const log: string[] = [];
 * const named = (name: string): HostedService => ({
 *   start: () => void log.push(`start ${name}`),
 *   stop: () => void log.push(`stop ${name}`),
 * });
 * const runner = new HostedServiceRunner([named("a"), named("b")]);
 * await runner.start(AbortSignal.timeout(1000));
 * await runner.stop(AbortSignal.timeout(1000));
 * assert.deepEqual(log, ["start a", "start b", "stop b", "stop a"]);
 * ```
 */
export class HostedServiceRunner {
  readonly #services: readonly HostedService[];
  readonly #behavior: BackgroundServiceExceptionBehavior;
  readonly #onFailure: (service: HostedService, error: unknown) => void;
  readonly #stopHost: (() => void) | undefined;
  #started: HostedService[] = [];
  #failed = false;

  /**
   * Makes a runner.
   *
   * @param services The services, in registration order.
   * @param options What failures do.
   * @throws {RangeError} When `behavior` is neither `"stopHost"` nor
   * `"ignore"`.
   */
  constructor(
    services: readonly HostedService[],
    options: HostedServiceRunnerOptions = {},
  ) {
    const behavior = options.behavior ?? "stopHost";
    if (behavior !== "stopHost" && behavior !== "ignore") {
      throw new RangeError(
        `HostedServiceRunner behavior must be "stopHost" or "ignore", got ${
          JSON.stringify(behavior)
        }`,
      );
    }
    this.#services = [...services];
    this.#behavior = behavior;
    this.#onFailure = options.onFailure ?? logFailure;
    this.#stopHost = options.stopHost;
  }

  /**
   * True when a start or stop threw, or a failed `execute` stopped the host.
   */
  get failed(): boolean {
    return this.#failed;
  }

  /**
   * Starts each service in order, awaiting each. When one throws, those
   * already started are stopped (in reverse, with the same signal) and the
   * error is rethrown.
   *
   * @param signal Aborts when startup is cancelled.
   * @param rollBackDeadline Makes the deadline of the rollback's stops when
   * one is needed (by default `signal`, which a cancelled start has already
   * aborted: its stops would not be waited for).
   * @throws What the failing `start` threw.
   */
  async start(
    signal: AbortSignal,
    rollBackDeadline: () => AbortSignal = () => signal,
  ): Promise<void> {
    // One deadline for a cancelled start: the starts still running and the
    // rollback share it.
    let deadline: AbortSignal | undefined;
    const shared = () => deadline ??= rollBackDeadline();
    for (const service of this.#services) {
      if (service instanceof BackgroundService) {
        service.onFailure = (error) => this.#executeFailed(service, error);
      }
      try {
        await startUntilDeadline(service, signal, shared);
      } catch (error) {
        // A start cancelled by its signal has not failed.
        if (!signal.aborted || error !== signal.reason) this.#failed = true;
        await this.#rollBack(shared());
        throw error;
      }
      this.#started.push(service);
    }
  }

  /**
   * Stops the started services in reverse order, awaiting each; every one
   * gets the deadline signal and is stopped even when others throw.
   *
   * @param signal Aborts when the shutdown timeout has passed.
   * @throws {AggregateError} After all ran, when any `stop` threw.
   */
  async stop(signal: AbortSignal): Promise<void> {
    const errors = await this.#stopAll(signal);
    if (errors.length > 0) {
      this.#failed = true;
      throw new AggregateError(
        errors.map(([, error]) => error),
        `${errors.length} hosted service${
          errors.length === 1 ? "" : "s"
        } failed to stop: ${
          errors.map(([service, error]) =>
            `${nameOf(service)}: ${
              error instanceof Error ? error.message : String(error)
            }`
          ).join("; ")
        }`,
      );
    }
  }

  async #stopAll(
    signal: AbortSignal,
  ): Promise<[HostedService, unknown][]> {
    const started = this.#started;
    this.#started = [];
    const errors: [HostedService, unknown][] = [];
    for (let i = started.length - 1; i >= 0; i--) {
      try {
        await untilDeadline(
          Promise.resolve(started[i].stop(signal)),
          signal,
          "stop",
          "make stop(signal) return when its signal aborts",
        );
      } catch (error) {
        errors.push([started[i], error]);
      }
    }
    return errors;
  }

  async #rollBack(signal: AbortSignal): Promise<void> {
    for (const [service, error] of await this.#stopAll(signal)) {
      this.#report(service, error);
    }
  }

  #executeFailed(service: HostedService, error: unknown): void {
    this.#report(service, error);
    if (this.#behavior === "stopHost") {
      this.#failed = true;
      this.#stopHost?.();
    }
  }

  #report(service: HostedService, error: unknown): void {
    try {
      this.#onFailure(service, error);
    } catch (thrown) {
      console.error("The hosted service failure handler threw:", thrown);
    }
  }
}
