/**
 * `requestTimeouts()`: a deadline per request (ASP.NET's
 * `UseRequestTimeouts`), with per-endpoint overrides through metadata.
 *
 * @module
 */

import {
  type HttpContext,
  HttpRequestLifetimeFeature,
} from "../../features/mod.ts";
import type { Middleware } from "../pipeline.ts";
import { scheduleDeadline } from "../../server/_timers.ts";
import { readsEndpointMetadata } from "../_endpoint_metadata_readers.ts";
import { errorLogger, requestProperties } from "./_error_shared.ts";

const MAX_TIMER_MS = 2_147_483_647;

function checkTimeout(value: unknown, where: string, fix: string): void {
  if (
    typeof value !== "number" || !(value > 0) || value > MAX_TIMER_MS
  ) {
    throw new RangeError(
      `${where} must be a positive number of milliseconds up to ${MAX_TIMER_MS}, got ${
        String(value)
      }: try ${fix}`,
    );
  }
}

/**
 * Endpoint metadata: this endpoint's own deadline, in milliseconds (ASP.NET's
 * `[RequestTimeout]` / `WithRequestTimeout`). It wins over the middleware's
 * default.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestTimeout } from "./request_timeouts.ts";
 *
 * assert.equal(new RequestTimeout(250).timeout, 250);
 * assert.throws(() => new RequestTimeout(0), RangeError);
 * ```
 */
export class RequestTimeout {
  /** The deadline, in milliseconds. */
  readonly timeout: number;

  /**
   * Sets the deadline.
   *
   * @param timeout The deadline, in milliseconds.
   * @throws {RangeError} When it is not a positive number of milliseconds.
   */
  constructor(timeout: number) {
    checkTimeout(
      timeout,
      "new RequestTimeout(timeout)",
      "new RequestTimeout(5000)",
    );
    this.timeout = timeout;
  }
}

/**
 * Endpoint metadata: no deadline for this endpoint, whatever the default
 * (ASP.NET's `[DisableRequestTimeout]`); for long polls and downloads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DisableRequestTimeout } from "./request_timeouts.ts";
 *
 * assert.ok(new DisableRequestTimeout() instanceof DisableRequestTimeout);
 * ```
 */
export class DisableRequestTimeout {}

/** Options for {@linkcode requestTimeouts}. */
export interface RequestTimeoutsOptions {
  /**
   * The deadline of every request, in milliseconds, unless its endpoint has
   * {@linkcode RequestTimeout} or {@linkcode DisableRequestTimeout}.
   * `undefined` means only endpoints with `RequestTimeout` get one.
   * @default {undefined}
   */
  timeout?: number;
  /**
   * The status sent when the deadline passes before the response started.
   * @default {504}
   */
  timeoutStatusCode?: number;
  /**
   * Writes the body of that response (status and an empty response are set
   * already); without it the body is empty.
   * @default {undefined}
   */
  writeTimeoutResponse?: (ctx: HttpContext) => void | Promise<void>;
}

function checkRequestTimeoutsOptions(options: RequestTimeoutsOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `requestTimeouts() options must be an object, got ${
        String(options)
      }: try requestTimeouts({ timeout: 10_000 })`,
    );
  }
  if (options.timeout !== undefined) {
    checkTimeout(
      options.timeout,
      'requestTimeouts() option "timeout"',
      "requestTimeouts({ timeout: 10_000 })",
    );
  }
  const code = options.timeoutStatusCode;
  if (
    code !== undefined &&
    (!Number.isInteger(code) || code < 400 || code > 599)
  ) {
    throw new RangeError(
      `requestTimeouts() option "timeoutStatusCode" must be an HTTP error status from 400 to 599, got ${
        String(code)
      }: try 504 or 503`,
    );
  }
  const writer = options.writeTimeoutResponse;
  if (writer !== undefined && typeof writer !== "function") {
    throw new TypeError(
      `requestTimeouts() option "writeTimeoutResponse" must be a function (ctx) => …, got ${typeof writer}`,
    );
  }
}

/**
 * Gives each request a deadline (ASP.NET's `UseRequestTimeouts`). At the
 * deadline `ctx.requestAborted` fires (with a `TimeoutError`), and a
 * response that has not started is answered at once with 504 and an empty
 * body (or `writeTimeoutResponse`'s); one already streaming is broken off.
 * What the handler does after that is ignored. Place it after
 * `useRouting()` for endpoint metadata ({@linkcode RequestTimeout},
 * {@linkcode DisableRequestTimeout}) to apply.
 *
 * @param options The default deadline and the timeout response.
 * @returns The middleware.
 * @throws {RangeError} When a timeout or status code is out of range.
 * @throws {TypeError} When an option has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { RequestTimeout, requestTimeouts } from "./request_timeouts.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(requestTimeouts({ timeout: 10_000 }));
 *     app.mapGet("/slow", async (ctx) => {
 *       // Work that takes the signal stops at the deadline.
 *       await new Promise((_, reject) =>
 *         ctx.requestAborted.addEventListener("abort", () => reject(ctx.requestAborted.reason))
 *       );
 *     }).withMetadata(new RequestTimeout(20));
 *   })
 *   .build();
 * const response = await host.fetch("/slow");
 * assert.equal(response.status, 504);
 * await response.body?.cancel();
 * await host.stop();
 * ```
 */
export function requestTimeouts(
  options: RequestTimeoutsOptions = {},
): Middleware {
  checkRequestTimeoutsOptions(options);
  const status = options.timeoutStatusCode ?? 504;
  const writeBody = options.writeTimeoutResponse;
  return readsEndpointMetadata(
    async function requestTimeoutsMiddleware(ctx, next) {
      const metadata = ctx.getEndpoint()?.metadata;
      if (metadata?.get(DisableRequestTimeout) !== undefined) {
        return await next();
      }
      const timeout = metadata?.get(RequestTimeout)?.timeout ?? options.timeout;
      if (timeout === undefined) return await next();

      // A server that sets no lifetime feature gets one from the context when
      // requestAborted is read; one that does is left unread.
      let outer = ctx.features.get(HttpRequestLifetimeFeature);
      if (outer === undefined) {
        void ctx.requestAborted;
        outer = ctx.features.get(HttpRequestLifetimeFeature)!;
      }
      const deadline = new AbortController();
      // Everyone after this middleware sees a signal that fires at the
      // deadline as well as when the client goes away, linked when first read:
      // a handler that never looks pays nothing, and the server's own signal
      // is not touched (reading it makes Deno print its "legacy abort" notice).
      let linked: AbortSignal | undefined;
      const lifetime: HttpRequestLifetimeFeature = {
        get requestAborted() {
          return linked ??= AbortSignal.any([
            outer.requestAborted,
            deadline.signal,
          ]);
        },
        // After the deadline this middleware answers: code that gives up
        // because its signal fired (a queue, say) must not reset the 504.
        abort: (reason) => {
          if (!deadline.signal.aborted) outer.abort(reason);
        },
      };
      ctx.features.set(HttpRequestLifetimeFeature, lifetime);
      let answered: Promise<void> | undefined;
      // Deno's core timer list: a global setTimeout and clearTimeout cost a
      // request about 1.2 µs more (Node's timers, since Deno 2.9).
      const timer = scheduleDeadline(() => {
        const reason = new DOMException(
          `The request timed out after ${timeout} ms`,
          "TimeoutError",
        );
        deadline.abort(reason);
        answered = answer(ctx, status, writeBody, () => outer.abort(reason));
      }, timeout);
      try {
        await next();
      } catch (error) {
        // After the deadline, what the handler throws (most often the abort
        // itself) is what the deadline caused: the client has its answer.
        if (answered === undefined) throw error;
      } finally {
        timer.cancel();
        if (ctx.features.get(HttpRequestLifetimeFeature) === lifetime) {
          ctx.features.set(HttpRequestLifetimeFeature, outer);
        }
      }
      await answered;
    },
    "useRequestTimeouts()",
    [RequestTimeout, DisableRequestTimeout],
  );
}

// Sends the timeout response now, without waiting for a handler that may
// ignore its signal; a response already under way can only be broken off.
async function answer(
  ctx: HttpContext,
  status: number,
  writeBody: RequestTimeoutsOptions["writeTimeoutResponse"],
  breakOff: () => void,
): Promise<void> {
  const response = ctx.response;
  if (response.hasStarted) return breakOff();
  try {
    response.clear();
  } catch {
    // The handler completed its response just as the deadline passed: it
    // goes out as it is.
    return;
  }
  response.status = status;
  try {
    await writeBody?.(ctx);
  } catch (error) {
    // The status is what matters; a failed body leaves it empty, and the
    // app's developers hear of it.
    errorLogger(ctx, "Roost.Hosting.RequestTimeouts").error(
      "writeTimeoutResponse threw for request {traceId} ({method} {path}); the {status} went out with an empty body",
      { ...requestProperties(ctx), status, error },
    );
  }
  try {
    // start() hands the response over now; the pipeline may run on.
    await response.start();
    await response.complete();
  } catch {
    breakOff();
  }
}
