/**
 * `requestTimeouts()`: a deadline per request (ASP.NET's
 * `UseRequestTimeouts`), with per-endpoint overrides through metadata.
 *
 * @module
 */

import {
  FeatureCollection,
  HttpContext,
  HttpRequestLifetimeFeature,
  HttpResponseBodyFeature,
  HttpResponseFeature,
  type ResponseCallback,
} from "../../features/mod.ts";
import type { Middleware } from "../pipeline.ts";
import { scheduleDeadline } from "../../server/_timers.ts";
import { misuse } from "../../server/_report.ts";
import { COMPLETE, markReported } from "../../features/_done.ts";
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
 * What the handler does after that is ignored: its response refuses every
 * change (a `TypeError`), and `writeTimeoutResponse` gets a context over the
 * real one. Place it after
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
      let handBack: (() => void) | undefined;
      let reason: DOMException | undefined;
      // Deno's core timer list: a global setTimeout and clearTimeout cost a
      // request about 1.2 µs more (Node's timers, since Deno 2.9).
      const timer = scheduleDeadline(() => {
        reason = new DOMException(
          `The request timed out after ${timeout} ms`,
          "TimeoutError",
        );
        deadline.abort(reason);
        const breakOff = () => outer.abort(reason);
        const response = ctx.response;
        if (response.hasStarted) return breakOff();
        try {
          response.clear();
        } catch {
          // The handler completed its response just as the deadline passed:
          // it goes out as it is.
          return;
        }
        response.status = status;
        // From here on the response is the timeout's: the handler (which may
        // ignore its signal and answer late) holds one that refuses every
        // change, and the writer gets the real one.
        const handOver = sealResponse(ctx, status, outer);
        handBack = handOver.handBack;
        answered = answer(handOver.writer, status, writeBody, breakOff);
      }, timeout);
      try {
        await next();
      } catch (error) {
        // After the deadline, what the handler throws (most often the abort
        // itself, or the refusal of a late change) is what the deadline
        // caused: the client has its answer. Anything else is the app's.
        if (reason === undefined) throw error;
        if (!causedByDeadline(error, reason)) {
          errorLogger(ctx, "Roost.Hosting.RequestTimeouts").error(
            "Request {traceId} ({method} {path}) failed after it timed out",
            { ...requestProperties(ctx), error },
          );
        }
      } finally {
        timer.cancel();
        if (ctx.features.get(HttpRequestLifetimeFeature) === lifetime) {
          ctx.features.set(HttpRequestLifetimeFeature, outer);
        }
      }
      await answered;
      handBack?.();
    },
    "useRequestTimeouts()",
    [RequestTimeout, DisableRequestTimeout],
  );
}

// Whether an error thrown after the deadline is one the deadline caused:
// the abort itself (or an abort error from work that took the signal), or
// the refusal of a change to the answered response.
function causedByDeadline(error: unknown, reason: DOMException): boolean {
  return error === reason || error instanceof AnsweredError ||
    (error instanceof DOMException &&
      (error.name === "AbortError" || error.name === "TimeoutError"));
}

/**
 * What a change to a response the timeout answered throws. No mistake to
 * report (the handler was late, not wrong): marked reported, so a call
 * nobody awaited does not end the process.
 */
class AnsweredError extends TypeError {
  constructor(what: string) {
    super(
      `Cannot ${what}: the request timed out, and useRequestTimeouts() answered it`,
    );
    this.name = "TypeError";
    markReported(this);
  }
}

// A rejection for a late call, already handled: awaited, it still throws.
function refused(what: string): Promise<never> {
  return misuse(undefined, new AnsweredError(what));
}

// The headers the handler sees once the timeout answered: read-only.
class AnsweredHeaders extends Headers {
  override set(_name: string, _value: string): void {
    throw new AnsweredError("set a header");
  }
  override append(_name: string, _value: string): void {
    throw new AnsweredError("add a header");
  }
  override delete(_name: string): void {
    throw new AnsweredError("remove a header");
  }
}

// The response the handler holds from the deadline on: started, with the
// timeout's status, and every change refused (a late send, write, status,
// header or returned Response goes nowhere, and the handler hears why).
// Callbacks for the end of the response still reach the real one.
class AnsweredResponse implements HttpResponseFeature, HttpResponseBodyFeature {
  readonly headers: Headers = new AnsweredHeaders();
  readonly hasStarted = true;
  readonly #status: number;
  readonly #real: HttpResponseFeature;
  #stream: WritableStream<Uint8Array> | undefined;

  constructor(status: number, real: HttpResponseFeature) {
    this.#status = status;
    this.#real = real;
  }

  get status(): number {
    return this.#status;
  }
  set status(value: number) {
    throw new AnsweredError(`set the status to ${value}`);
  }

  get reasonPhrase(): string | undefined {
    return undefined;
  }
  set reasonPhrase(_value: string | undefined) {
    throw new AnsweredError("set the reason phrase");
  }

  onStarting(_callback: ResponseCallback): void {
    throw new AnsweredError("register onStarting");
  }

  onCompleted(callback: ResponseCallback): void {
    this.#real.onCompleted(callback);
  }

  /** Ended, for the handler: a late call is refused as after an end. */
  [COMPLETE](): boolean {
    return true;
  }

  get stream(): WritableStream<Uint8Array> {
    return this.#stream ??= new WritableStream({
      write() {
        throw new AnsweredError("write to the response");
      },
    });
  }

  start(): Promise<void> {
    return refused("start the response");
  }

  write(_chunk: Uint8Array | string): Promise<void> {
    return refused("write to the response");
  }

  complete(_body?: BodyInit | Response | null): Promise<void> {
    return refused("complete the response");
  }

  clear(): void {
    throw new AnsweredError("clear the response");
  }

  sendFile(_path: string): Promise<void> {
    return refused("send a file");
  }
}

// Gives the request's context the answered response, and returns a context
// for the timeout's writer over the real one (its signal the client's, not
// the deadline's), and how to hand the real one back once the handler is
// done, for the middleware before this one.
function sealResponse(
  ctx: HttpContext,
  status: number,
  outer: HttpRequestLifetimeFeature,
): { writer: HttpContext; handBack: () => void } {
  const features = ctx.features;
  // Made on first use from ctx's features: made now, so the writer shares
  // them instead of making its own.
  void ctx.traceIdentifier;
  void ctx.requestServices;
  const real = features.get(HttpResponseFeature)!;
  const realBody = features.get(HttpResponseBodyFeature)!;
  const own = new FeatureCollection(features);
  own.set(HttpResponseFeature, real);
  own.set(HttpResponseBodyFeature, realBody);
  own.set(HttpRequestLifetimeFeature, outer);
  const answered = new AnsweredResponse(status, real);
  features.set(HttpResponseFeature, answered);
  features.set(HttpResponseBodyFeature, answered);
  return {
    writer: new HttpContext(own),
    handBack() {
      if (features.get(HttpResponseFeature) === answered) {
        features.set(HttpResponseFeature, real);
      }
      if (features.get(HttpResponseBodyFeature) === answered) {
        features.set(HttpResponseBodyFeature, realBody);
      }
    },
  };
}

// Writes and sends the timeout response, cleared and given its status
// already, without waiting for a handler that may ignore its signal.
async function answer(
  writer: HttpContext,
  status: number,
  writeBody: RequestTimeoutsOptions["writeTimeoutResponse"],
  breakOff: () => void,
): Promise<void> {
  const response = writer.response;
  try {
    await writeBody?.(writer);
  } catch (error) {
    const started = response.hasStarted;
    // The status is what matters: a body the writer left half made is
    // dropped, and the app's developers hear of it. One it had begun to
    // send can only be broken off.
    errorLogger(writer, "Roost.Hosting.RequestTimeouts").error(
      started
        ? "writeTimeoutResponse threw for request {traceId} ({method} {path}) after its {status} had started; it was broken off"
        : "writeTimeoutResponse threw for request {traceId} ({method} {path}); the {status} went out with an empty body",
      { ...requestProperties(writer), status, error },
    );
    if (started) return breakOff();
    try {
      response.clear();
      response.status = status;
    } catch {
      return breakOff();
    }
  }
  try {
    // start() hands the response over now; the pipeline may run on.
    await response.start();
    await response.complete();
  } catch {
    breakOff();
  }
}
