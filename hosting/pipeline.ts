/**
 * The shapes of the middleware pipeline: handlers, middleware and the
 * components `ApplicationBuilder` composes.
 *
 * @module
 */

import type { HttpContext } from "../features/mod.ts";

/** Handles a request. Returning a `Response` sends it. */
export type RequestDelegate = (
  ctx: HttpContext,
) => void | Response | Promise<void | Response>;

/** Calls the rest of the pipeline. Call it at most once. */
export type Next = () => Promise<void>;

/**
 * Middleware: does work before and after the rest of the pipeline, or answers
 * without calling `next` (with `ctx.response`, or by returning a `Response`,
 * as a handler may).
 */
export type Middleware = (
  ctx: HttpContext,
  next: Next,
) => void | Response | Promise<void | Response>;

/** A web-standard fetch handler, as `Deno.serve` and Hono take. */
export type FetchHandler = (
  request: Request,
  info: { remoteAddr: Deno.Addr },
) => Response | Promise<Response>;

/** An object with a fetch handler: a Hono app, or a `deno serve` module. */
export interface Fetchable {
  /** Handles a request. */
  fetch: FetchHandler;
}

/** A pipeline component, as ASP.NET's `Func<RequestDelegate, RequestDelegate>`. */
export type PipelineComponent = (next: RequestDelegate) => RequestDelegate;
