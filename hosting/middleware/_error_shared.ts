// What the error middleware share: the logger they report through, the
// properties of an error log, and the mark that lets middleware run the
// rest of the pipeline a second time.

import type { HttpContext } from "../../features/mod.ts";
import type { Logger } from "../logging/mod.ts";
import { LoggerFactory } from "../logging/logger_factory.ts";
import { getDefaultLoggerFactory } from "../logging/logger_factory.ts";
import type { Middleware } from "../pipeline.ts";
import { REEXECUTES } from "../_middleware_layer.ts";

/**
 * A logger of `category` from the host's logging (the request's services),
 * or the process's default factory outside a host. Asked only when there is
 * an error to log, so requests without one pay nothing.
 */
export function errorLogger(ctx: HttpContext, category: string): Logger {
  const factory = ctx.requestServices?.get(LoggerFactory) ??
    getDefaultLoggerFactory();
  return factory.createLogger(category);
}

/** The trace id, method and path, as the host's own error logs name them. */
export function requestProperties(ctx: HttpContext): Record<string, unknown> {
  const request = ctx.request;
  return {
    traceId: ctx.traceIdentifier,
    method: request.method,
    path: `${request.pathBase}${request.path}`,
  };
}

/** Lets `middleware` call next() again after the first call settled. */
export function reExecuting(middleware: Middleware): Middleware {
  return Object.defineProperty(middleware, REEXECUTES, { value: true });
}

/**
 * Checks that a path given to an error middleware is one the pipeline can
 * run: it starts with `/`.
 */
export function checkPath(path: unknown, what: string, example: string): void {
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(
      `${what} must be a path starting with "/", got ${
        typeof path === "string" ? `"${path}"` : String(path)
      }: try ${example}`,
    );
  }
}
