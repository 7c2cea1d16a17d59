/**
 * `exceptionHandler()`: the production error page (ASP.NET's
 * `UseExceptionHandler`).
 *
 * @module
 */

import { reselectEndpoint } from "../routing/_endpoint_router.ts";
import {
  EndpointFeature,
  type HttpContext,
  HttpError,
  problemResponse,
} from "../../features/mod.ts";
import { ExceptionHandlerFeature } from "../../features/error_features.ts";
import type { Middleware } from "../pipeline.ts";
import {
  checkPath,
  errorLogger,
  reExecuting,
  requestProperties,
} from "./_error_shared.ts";
import { wasReported } from "../../server/_report.ts";

/** Options for {@linkcode exceptionHandler}: give `path` or `handler`. */
export interface ExceptionHandlerOptions {
  /**
   * A path to run the rest of the pipeline again with, as a `GET`
   * (`"/error"`): the error page is an ordinary endpoint.
   * @default {undefined}
   */
  path?: string;
  /**
   * Answers the error instead of a re-executed path. It finds the error on
   * `ctx.features.get(ExceptionHandlerFeature)`.
   * @default {undefined}
   */
  handler?: (ctx: HttpContext) => void | Promise<void>;
}

/** The category the handler logs errors under. */
const CATEGORY = "Roost.Hosting.ExceptionHandler";

/**
 * Middleware that turns an error thrown by the rest of the pipeline into the
 * app's own error page, without ever showing the client the error's message
 * or stack.
 *
 * An `HttpError` with a 4xx status is a deliberate answer, not a failure:
 * it goes on to the host, which sends its status, headers (a 405's `Allow`)
 * and message. On any other error, the response is cleared (status,
 * headers, buffered body), its status set to 500 (a 5xx `HttpError`'s own
 * status instead), and an
 * {@linkcode ExceptionHandlerFeature} describing the error set on
 * `ctx.features`. Then either `handler(ctx)` runs, or the rest of the
 * pipeline runs again with the request's path set to `path` and its method
 * set to `GET` (`HEAD` stays `HEAD`): unlike ASP.NET, which keeps the
 * method, so that a failed `POST` reaches a `mapGet("/error", …)` page. The
 * original path, method and endpoint are restored afterwards.
 *
 * The error is logged once, with the request's trace id (category
 * `Roost.Hosting.ExceptionHandler`, Error), and not again by the host. When the error page throws too,
 * both errors are logged and the client gets the generic error response;
 * when re-executing `path` finds nothing (404), the generic error response
 * too. When the response had already started, the error is rethrown
 * unlogged: the host logs it and breaks the connection off.
 *
 * @param pathOrOptions The error page's path, or `{ path }` / `{ handler }`.
 * @returns The middleware.
 * @throws {TypeError} When neither or both of `path` and `handler` are
 * given, `path` does not start with `/`, or `handler` is not a function.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { ExceptionHandlerFeature } from "../../features/error_features.ts";
 * import { exceptionHandler } from "./exception_handler.ts";
 *
 * const host = new WebHostBuilder()
 *   .configureLogging((logging) => logging.clearOutputs()) // a quiet example
 *   .configure((app) => {
 *     app.use(exceptionHandler("/error"));
 *     app.mapGet("/error", (ctx) => {
 *       const failed = ctx.features.get(ExceptionHandlerFeature);
 *       return ctx.response.send(`Sorry, ${failed?.path} is broken.`);
 *     });
 *     app.mapPost("/orders", () => {
 *       throw new Error("connection string: secret");
 *     });
 *   })
 *   .build();
 * const response = await host.fetch("/orders", { method: "POST" });
 * assert.equal(response.status, 500);
 * assert.equal(await response.text(), "Sorry, /orders is broken.");
 * ```
 */
export function exceptionHandler(
  pathOrOptions: string | ExceptionHandlerOptions,
): Middleware {
  const options = typeof pathOrOptions === "string"
    ? { path: pathOrOptions }
    : pathOrOptions;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `exceptionHandler() takes a path or { path } or { handler }, got ${
        String(options)
      }: try exceptionHandler("/error")`,
    );
  }
  const { path, handler } = options;
  if ((path === undefined) === (handler === undefined)) {
    throw new TypeError(
      `exceptionHandler() needs exactly one of "path" and "handler", got ${
        path === undefined ? "neither" : "both"
      }: try exceptionHandler("/error") or exceptionHandler({ handler: (ctx) => … })`,
    );
  }
  if (path !== undefined) {
    checkPath(path, 'exceptionHandler() "path"', 'exceptionHandler("/error")');
  } else if (typeof handler !== "function") {
    throw new TypeError(
      `exceptionHandler() option "handler" must be a function (ctx) => …, got ${typeof handler}`,
    );
  }
  return reExecuting(async function exceptionHandlerMiddleware(ctx, next) {
    try {
      await next();
    } catch (error) {
      // A 4xx HttpError is a deliberate answer (a 405 with its Allow, a
      // 404, a 400 for a bad body), not a crash: the host sends it as it is.
      if (ctx.response.hasStarted || isClientError(error)) throw error;
      await handle(
        ctx,
        error,
        () =>
          path === undefined
            ? handler!(ctx)
            : reExecuteErrorPath(ctx, path, next),
        path,
      );
    }
  });
}

function isClientError(error: unknown): boolean {
  return error instanceof HttpError && error.status < 500;
}

/** Answers `error` with the app's error page; never throws. */
async function handle(
  ctx: HttpContext,
  error: unknown,
  page: () => void | Promise<void>,
  errorPath: string | undefined,
): Promise<void> {
  const logger = errorLogger(ctx, CATEGORY);
  const properties = { ...requestProperties(ctx), error };
  const status = error instanceof HttpError ? error.status : 500;
  // A 4xx HttpError is an answer, not a crash: as quiet as the host is.
  if (status >= 500) {
    // A misuse the server reported where it happened is not said twice.
    if (!wasReported(error)) {
      logger.error(
        "An unhandled exception was thrown while processing request {traceId} ({method} {path}); answering with the error page",
        properties,
      );
    }
  } else if (logger.isEnabled("debug")) {
    logger.debug(
      "Request {traceId} ({method} {path}) was answered {status} by the error page",
      { ...properties, status },
    );
  }
  const request = ctx.request;
  ctx.features.set(ExceptionHandlerFeature, {
    error,
    path: request.path,
    method: request.method,
    endpoint: ctx.getEndpoint(),
    routeValues: request.routeValues,
  });
  const response = ctx.response;
  response.clear();
  response.status = status;
  try {
    await page();
    // A missing error page says nothing: the generic answer is better, and
    // the app's developers should hear that the page is missing.
    if (!response.hasStarted && response.status === 404 && status !== 404) {
      logger.warning(
        'The error page {errorPath} answered 404 for request {traceId}: map it (app.mapGet("{errorPath}", …)); the generic error response went out instead',
        { ...requestProperties(ctx), errorPath: errorPath ?? "(handler)" },
      );
      return generic(ctx, error);
    }
  } catch (pageError) {
    logger.error(
      "The error page of request {traceId} ({method} {path}) threw too; answering with the generic error response",
      { ...requestProperties(ctx), error: pageError, originalError: error },
    );
    // Half an error page cannot be taken back.
    if (response.hasStarted) return ctx.abort(pageError);
    return generic(ctx, error);
  } finally {
    ctx.features.set(ExceptionHandlerFeature, undefined);
  }
}

/** The host's own answer, never detailed: no message or stack leaks. */
function generic(ctx: HttpContext, error: unknown): Promise<void> {
  ctx.response.clear();
  return ctx.response.send(problemResponse(ctx.features, error));
}

/** Runs the rest of the pipeline at `path`, restoring the request after. */
async function reExecuteErrorPath(
  ctx: HttpContext,
  path: string,
  next: () => Promise<void>,
): Promise<void> {
  const request = ctx.request;
  const features = ctx.features;
  const original = {
    path: request.path,
    method: request.method,
    endpoint: features.get(EndpointFeature),
  };
  // Routing must match the error path afresh, not keep the failed endpoint:
  // where useRouting() came first, it selects it now, so that CORS or a rate
  // limit between it and the endpoints reads the error page's metadata.
  features.set(EndpointFeature, undefined);
  request.path = path;
  if (original.method !== "HEAD") request.method = "GET";
  reselectEndpoint(ctx);
  try {
    await next();
  } finally {
    request.path = original.path;
    request.method = original.method;
    features.set(EndpointFeature, original.endpoint);
  }
}
