/**
 * `developerExceptionPage()`: shows an error the rest of the pipeline threw,
 * with its causes, stack, source lines and request (ASP.NET's
 * `UseDeveloperExceptionPage`). For Development only.
 *
 * @module
 */

import type { Middleware } from "../pipeline.ts";
import { errorLogger, requestProperties } from "./_error_shared.ts";
import { wasReported } from "../../server/_report.ts";

/** Options for {@linkcode developerExceptionPage}. */
export interface DeveloperExceptionPageOptions {
  /**
   * How many source lines to show on each side of a stack frame's line, for
   * frames in the app's own files (an integer from 0 to 50).
   * @default {3}
   */
  sourceLines?: number;
}

/** The category the page logs the errors it shows under. */
const CATEGORY = "Roost.Hosting.DeveloperExceptionPage";

/**
 * Middleware that answers an error thrown by the rest of the pipeline with
 * everything a developer needs to fix it: the error's name and message, its
 * `cause` chain, each stack with the source lines around the app's own
 * frames (Roost's and Deno's frames are marked, without source), and the
 * request (method, path, query, route values, headers with `Authorization`,
 * `Cookie`, `Proxy-Authorization` and `Set-Cookie` masked). Browsers get an
 * HTML page, clients that prefer JSON get RFC 9457 problem details with the
 * same information (`detail`, `stack`, `errorName`, `causes`, `request`),
 * others plain text. The status is an `HttpError`'s, otherwise 500. The
 * error is logged once (category `Roost.Hosting.DeveloperExceptionPage`).
 * When the response has already started, the error is rethrown (the server
 * breaks the connection off).
 *
 * The host shows this page by itself in the Development environment for
 * errors that reach it; add it yourself to show it for 4xx `HttpError`s
 * too, or to choose its options. Never use it in Production: it shows
 * source code and request headers.
 *
 * @param options How many source lines to show.
 * @returns The middleware.
 * @throws {RangeError} When `sourceLines` is not an integer from 0 to 50.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { developerExceptionPage } from "./developer_exception_page.ts";
 *
 * const host = new WebHostBuilder()
 *   .configureLogging((logging) => logging.clearOutputs()) // a quiet example
 *   .configure((app) => {
 *     app.use(developerExceptionPage());
 *     app.run(() => {
 *       throw new Error("<b>the cache is cold</b>");
 *     });
 *   })
 *   .build();
 * const response = await host.fetch("/", { headers: { accept: "text/html" } });
 * assert.equal(response.status, 500);
 * assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
 * const page = await response.text();
 * assert.ok(page.includes("&lt;b&gt;the cache is cold&lt;/b&gt;"));
 * ```
 */
export function developerExceptionPage(
  options?: DeveloperExceptionPageOptions,
): Middleware {
  const sourceLines = options?.sourceLines ?? 3;
  if (
    !Number.isInteger(sourceLines) || sourceLines < 0 || sourceLines > 50
  ) {
    throw new RangeError(
      `developerExceptionPage() option "sourceLines" must be an integer from 0 to 50, got ${sourceLines}: try { sourceLines: 3 }`,
    );
  }
  return async function developerExceptionPageMiddleware(ctx, next) {
    try {
      await next();
    } catch (error) {
      if (ctx.response.hasStarted) throw error;
      if (!wasReported(error)) {
        errorLogger(ctx, CATEGORY).error(
          "An unhandled exception was thrown while processing request {traceId} ({method} {path})",
          { ...requestProperties(ctx), error },
        );
      }
      // The page's code loads with the first error, as the host's own does.
      const { writeDeveloperPage } = await import("./_error_developer_page.ts");
      await writeDeveloperPage(ctx, error, { sourceLines });
    }
  };
}
