/**
 * The application's lifetime events.
 *
 * @module
 */

/**
 * The host's lifetime (`IHostApplicationLifetime`). Each event is an
 * `AbortSignal` that fires once, as ASP.NET's cancellation tokens do, so it
 * can be listened to or passed to anything that takes a signal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ApplicationLifetime } from "../mod.ts";
 *
 * const events: string[] = [];
 * const lifetime = new ApplicationLifetime();
 * lifetime.stopping.addEventListener("abort", () => events.push("stopping"));
 * lifetime.stopApplication();
 * assert.deepEqual(events, ["stopping"]);
 * assert.equal(lifetime.stopping.aborted, true);
 * ```
 */
export class ApplicationLifetime {
  readonly #started = new AbortController();
  readonly #stopping = new AbortController();
  readonly #stopped = new AbortController();

  /** Fires when the host has started and listens. */
  get started(): AbortSignal {
    return this.#started.signal;
  }

  /** Fires when a graceful stop begins. */
  get stopping(): AbortSignal {
    return this.#stopping.signal;
  }

  /** Fires when the stop is complete. */
  get stopped(): AbortSignal {
    return this.#stopped.signal;
  }

  /** Asks the host to stop, as SIGTERM would. */
  stopApplication(): void {
    this.notifyStopping();
  }

  /** Fires `started`; called by the host. */
  notifyStarted(): void {
    this.#started.abort("started");
  }

  /** Fires `stopping`; called by the host. */
  notifyStopping(): void {
    this.#stopping.abort("stopping");
  }

  /** Fires `stopped`; called by the host. */
  notifyStopped(): void {
    this.#stopped.abort("stopped");
  }
}
