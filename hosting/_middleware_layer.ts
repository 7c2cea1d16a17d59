// How the pipeline knows whether a middleware awaited its next(): the
// components that keep frames, for use() and run().

import { type HttpContext, HttpResponseBodyFeature } from "../features/mod.ts";
import { DONE, isComplete } from "../features/_done.ts";
import type {
  Middleware,
  PipelineComponent,
  RequestDelegate,
} from "./pipeline.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const WebResponse = globalThis.Response;

// How a middleware learns, without a reaction of its own, whether the part of
// the pipeline its next() ran has finished: each layer built here keeps a
// frame, and the first one entered during next() is its child. A layer whose
// promise settles while its child's frame is not done forgot to await next().
interface Frame {
  done: boolean;
  child: Frame | undefined;
  /** Done when its child is: it returned next()'s own promise. */
  passThrough: boolean;
}
let entered: Frame | undefined;

/**
 * Marks middleware that re-executes the rest of the pipeline (the exception
 * handler, status code pages' re-execute): its next() may be called again
 * once the first call settled. Everyone else gets the once-only check.
 */
export const REEXECUTES: unique symbol = Symbol("roost.reExecutes");

// Waits for the pipeline below a layer, then marks the layer done. Only a
// layer that did not wait itself gets here, so no closure is made per request.
function waitFor(frame: Frame, pending: Promise<void>): Promise<void> {
  return pending.finally(() => {
    frame.done = true;
  });
}

// A next() refused: rejected for whoever awaits it, and handled, so that
// one nobody awaits does not end the process (the misuse is logged).
function refusedNext(message: string): Promise<never> {
  const rejected = Promise.reject(new Error(message));
  rejected.catch(() => {});
  return rejected;
}

// What next() returns when the pipeline below threw: a rejection, done (for
// the layer above) once settled, as an async handler's would be. A
// middleware that catches it has handled the error; one that drops it is
// waited for, and the error goes on up.
function thrown(error: unknown): Promise<never> {
  const frame: Frame = { done: false, child: undefined, passThrough: false };
  const rejected = Promise.reject(error);
  rejected.catch(() => {
    frame.done = true;
  });
  entered = frame;
  return rejected;
}

// Whether a frame's work is over; `unknown` answers for a missing frame.
function isDone(frame: Frame | undefined, unknown: boolean): boolean {
  while (frame !== undefined) {
    if (frame.done) return true;
    if (!frame.passThrough) return false;
    frame = frame.child;
  }
  return unknown;
}

// Sends what a terminal handler (or a middleware, as Hono's may) returned,
// when it is a Response. Anything else is a mistake raw Deno.serve answers
// 500 for, and so does Roost, saying what came back: it must not pass for an
// empty 200.
function sendReturned(
  ctx: HttpContext,
  value: unknown,
  who = "handler",
): Promise<void> | void {
  if (value === undefined) return;
  if (value instanceof WebResponse) return ctx.response.send(value);
  throw notAResponse(who, value);
}

/**
 * The error for a handler that returned something other than a Response or
 * nothing.
 */
export function notAResponse(who: string, value: unknown): TypeError {
  return new TypeError(
    `The ${who} returned ${
      describe(value)
    } instead of a Response: return a Response, or answer with ctx.response.send(), json() or write() and return nothing`,
  );
}

/**
 * What a value is, in a few words, without trusting it (a Proxy or a getter
 * may throw).
 */
export function describe(value: unknown): string {
  try {
    if (value === null || value === undefined) return String(value);
    switch (typeof value) {
      case "string": {
        const text = value.length > 40 ? `${value.slice(0, 40)}…` : value;
        return `a string (${JSON.stringify(text)})`;
      }
      case "object": {
        const name = Object.getPrototypeOf(value)?.constructor?.name;
        return typeof name === "string" && name !== "Object"
          ? `an object of class ${name}`
          : "a plain object";
      }
      case "function":
        return `a function (${value.name || "anonymous"})`;
      default:
        return `the ${typeof value} ${String(value)}`;
    }
  } catch {
    return `a value of type ${typeof value}`;
  }
}

/**
 * What a middleware's layer reports (the builder logs each once per
 * middleware): it finished before the next() it called, called next() after
 * it had finished, called it twice, or returned a Response once the response
 * was already complete.
 */
export interface Misuse {
  forgot(): void;
  late(): void;
  twice(): void;
  /** It returned a Response once the response was already complete. */
  ignored(): void;
}

// A Response a middleware returned (as Hono's may): sent, unless the
// response is complete already (the handler below answered, and the
// middleware returned one after await next()); that one is left out, as
// Hono leaves it, and said, rather than turning a good answer into a 500.
function sendFromMiddleware(
  ctx: HttpContext,
  value: unknown,
  ignored: () => void,
): Promise<void> | void {
  if (value instanceof WebResponse) {
    const body = ctx.features.get(HttpResponseBodyFeature);
    if (ctx.response.hasStarted || (body !== undefined && isComplete(body))) {
      ignored();
      return;
    }
  }
  return sendReturned(ctx, value, "middleware");
}

/** The component of a middleware, reporting its misuses to `misuse`. */
export function middlewareComponent(
  middleware: Middleware,
  misuse: Misuse,
): PipelineComponent {
  return (next) => (ctx) => {
    // Every field from the start: one shape for every frame.
    const frame: Frame = { done: false, child: undefined, passThrough: false };
    const value = layer(ctx, next, middleware, frame, misuse);
    // The parent's next() reads this once the call returns.
    entered = frame;
    return value;
  };
}

function layer(
  ctx: HttpContext,
  next: RequestDelegate,
  middleware: Middleware,
  frame: Frame,
  { forgot, late, twice, ignored }: Misuse,
): void | Promise<void> {
  let called = false;
  let handed: Promise<void> | undefined;
  const result = middleware(ctx, () => {
    if (called && !(REEXECUTES in middleware)) {
      // Awaited, it fails the request; dropped (a second call nobody
      // awaits), it must not end the process: handled, and said.
      twice();
      return refusedNext(
        "next() was called more than once by the same middleware: call it once, and await it",
      );
    }
    if (frame.done && !called) {
      // From a timer or a callback, after the middleware finished: the
      // request is over, and the rest of the pipeline must not run on it.
      late();
      return refusedNext(
        "next() was called after the middleware had finished, so the rest of the pipeline did not run: call next() before your middleware returns, and await it",
      );
    }
    called = true;
    entered = undefined;
    // Components built here return void or Promise<void>; a Response only
    // comes from run(), which sends it itself. A throw below becomes a
    // rejection: next() returns a promise, so .catch() and .finally() on it
    // see every error, as with an async handler.
    let downstream: Promise<void>;
    try {
      downstream = (next(ctx) as Promise<void> | undefined) ?? DONE;
    } catch (error) {
      downstream = thrown(error);
    }
    frame.child = entered;
    // The last call's is what counts: one that re-executes has seen the
    // earlier one settle.
    handed = downstream === DONE ? undefined : downstream;
    return downstream;
  });
  if (handed !== undefined && result === handed) {
    // The middleware handed next()'s promise back: done when it is.
    frame.passThrough = true;
    return handed;
  }
  // DONE is already settled: a middleware that returns it (next()'s own,
  // from a pipeline that finished synchronously, or send()'s) has finished
  // too, and a reaction would only make the whole pipeline asynchronous.
  if (result === DONE || !(result instanceof Promise)) {
    if (handed === undefined || isDone(frame.child, false)) {
      frame.done = true;
      return result === undefined || result === DONE
        ? DONE
        : sendFromMiddleware(ctx, result, ignored);
    }
    forgot();
    return waitFor(frame, handed);
  }
  // One reaction per async layer: when the middleware's promise settles,
  // the pipeline below it (which next() may have started after an await)
  // must have settled too.
  return result.then((value) => {
    if (handed === undefined || isDone(frame.child, false)) {
      frame.done = true;
      return value === undefined
        ? undefined
        : sendFromMiddleware(ctx, value, ignored);
    }
    // A child that keeps no frame (a raw component) is not ours to judge.
    if (frame.child !== undefined) forgot();
    return waitFor(frame, handed);
  }, (error) => {
    frame.done = true;
    throw error;
  });
}

/** The component of a terminal handler; a returned `Response` is sent. */
export function handlerComponent(handler: RequestDelegate): PipelineComponent {
  return () => (ctx) => {
    const result = handler(ctx);
    // DONE comes back from send(), json() and friends on the buffered path.
    if (result === undefined || result === DONE) return result;
    if (result instanceof Promise) {
      // Every field from the start: one shape for every frame.
      const frame: Frame = {
        done: false,
        child: undefined,
        passThrough: false,
      };
      entered = frame;
      return result.then((value) => {
        frame.done = true;
        return sendReturned(ctx, value);
      }, (error) => {
        frame.done = true;
        throw error;
      });
    }
    return sendReturned(ctx, result);
  };
}
