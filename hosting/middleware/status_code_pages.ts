/**
 * `statusCodePages()`: a body for error statuses the app answered without
 * one (ASP.NET's `UseStatusCodePages`, `UseStatusCodePagesWithReExecute`
 * and `UseStatusCodePagesWithRedirects` in one).
 *
 * @module
 */

import { reselectEndpoint } from "../routing/_endpoint_router.ts";
import {
  EndpointFeature,
  type HttpContext,
  HttpRequestFeature,
  HttpResponseBodyFeature,
  negotiateErrorFormat,
  problemDetailsFor,
  reasonPhrase,
} from "../../features/mod.ts";
import { StatusCodeReExecuteFeature } from "../../features/error_features.ts";
import type { Middleware } from "../pipeline.ts";
import { isComplete } from "../../features/_done.ts";
import { BodyWatch } from "./_error_body_watch.ts";
import {
  checkPath,
  errorLogger,
  reExecuting,
  requestProperties,
} from "./_error_shared.ts";

/**
 * Options for {@linkcode statusCodePages}: at most one of `handler`,
 * `reExecutePath` and `redirect`; `contentType` and `bodyFormat` only
 * without them. In templates, `{0}` is the status code.
 */
export interface StatusCodePagesOptions {
  /**
   * Writes the body itself; it sees the status on `ctx.response.status`.
   * @default {undefined}
   */
  handler?: (ctx: HttpContext) => void | Promise<void>;
  /**
   * Runs the rest of the pipeline again as a `GET` of this path (and query),
   * `{0}` replaced by the status (`"/errors/{0}"`). The original status is
   * kept unless the page sets another; the original request is on
   * {@linkcode StatusCodeReExecuteFeature} meanwhile.
   * @default {undefined}
   */
  reExecutePath?: string;
  /**
   * Redirects (302) to this location, `{0}` replaced by the status
   * (`"/errors/{0}"`). The client then sees a 302, not the error status.
   * @default {undefined}
   */
  redirect?: string;
  /**
   * The content type of a `bodyFormat` body.
   * @default {"text/plain; charset=utf-8"}
   */
  contentType?: string;
  /**
   * The body, `{0}` replaced by the status and `{1}` by its reason phrase.
   * Given, every client gets it; without it, clients that prefer JSON get
   * problem details and the others `Status Code: 404; Not Found`.
   * @default {"Status Code: {0}; {1}"}
   */
  bodyFormat?: string;
}

const TEXT = "text/plain; charset=utf-8";
const FORMAT = "Status Code: {0}; {1}";

function fill(template: string, status: number): string {
  return template.replaceAll("{0}", String(status)).replaceAll(
    "{1}",
    reasonPhrase(status),
  );
}

function checkStatusCodePagesOptions(options: StatusCodePagesOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `statusCodePages() options must be an object, got ${
        String(options)
      }: try statusCodePages({ reExecutePath: "/errors/{0}" })`,
    );
  }
  const given = (["handler", "reExecutePath", "redirect"] as const).filter((
    name,
  ) => options[name] !== undefined);
  if (given.length > 1) {
    throw new TypeError(
      `statusCodePages() takes one of "handler", "reExecutePath" and "redirect", got ${
        given.map((name) => `"${name}"`).join(" and ")
      }: pick one`,
    );
  }
  const formats = (["contentType", "bodyFormat"] as const).filter((name) =>
    options[name] !== undefined
  );
  if (given.length === 1 && formats.length > 0) {
    throw new TypeError(
      `statusCodePages() option "${formats[0]}" has no effect with "${
        given[0]
      }": drop one of them`,
    );
  }
  if (
    options.handler !== undefined && typeof options.handler !== "function"
  ) {
    throw new TypeError(
      `statusCodePages() option "handler" must be a function (ctx) => …, got ${typeof options
        .handler}`,
    );
  }
  if (options.reExecutePath !== undefined) {
    checkPath(
      options.reExecutePath,
      'statusCodePages() option "reExecutePath"',
      '{ reExecutePath: "/errors/{0}" }',
    );
  }
  for (const name of ["redirect", "contentType", "bodyFormat"] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      throw new TypeError(
        `statusCodePages() option "${name}" must be a non-empty string, got ${
          typeof value === "string" ? '""' : String(value)
        }`,
      );
    }
  }
}

/**
 * Middleware that gives a body to responses the rest of the pipeline
 * answered with a 400–599 status and no body (a bare `404` from the end of
 * the pipeline, a `401` from an auth check): by default
 * `Status Code: 404; Not Found` as `text/plain; charset=utf-8`, or RFC 9457
 * problem details (the same writer as error responses) for clients that
 * prefer JSON. Options swap in a handler, a re-executed path, a redirect, or
 * a body format of your own.
 *
 * Responses that have a body or have started are left alone, and so are
 * errors thrown by the pipeline (those are the exception handler's and the
 * host's). Headers the app set (`WWW-Authenticate`, say) are kept. A `HEAD`
 * request gets the same status and headers, and no body, as always.
 *
 * @param options What to answer with.
 * @returns The middleware.
 * @throws {TypeError} When options conflict, `reExecutePath` does not start
 * with `/`, or an option has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { statusCodePages } from "./status_code_pages.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(statusCodePages());
 *     app.mapGet("/private", (ctx) => {
 *       ctx.response.status = 401;
 *     });
 *   })
 *   .build();
 * const missing = await host.fetch("/nowhere");
 * assert.equal(missing.status, 404);
 * assert.equal(await missing.text(), "Status Code: 404; Not Found");
 * const json = await host.fetch("/private", {
 *   headers: { accept: "application/json" },
 * });
 * assert.equal(json.status, 401);
 * assert.equal((await json.json()).title, "Unauthorized");
 * ```
 */
export function statusCodePages(
  options: StatusCodePagesOptions = {},
): Middleware {
  checkStatusCodePagesOptions(options);
  const answer = options.handler ??
    (options.reExecutePath !== undefined
      ? undefined
      : options.redirect !== undefined
      ? redirectTo(options.redirect)
      : writeBody(options.contentType, options.bodyFormat));
  const reExecutePath = options.reExecutePath;
  return reExecuting(async function statusCodePagesMiddleware(ctx, next) {
    const features = ctx.features;
    const inner = features.get(HttpResponseBodyFeature);
    if (inner === undefined) return next();
    const watch = new BodyWatch(inner);
    features.set(HttpResponseBodyFeature, watch);
    try {
      await next();
    } finally {
      // Someone after us who swapped the body feature put theirs back.
      if (features.get(HttpResponseBodyFeature) === watch) {
        features.set(HttpResponseBodyFeature, inner);
      }
    }
    const response = ctx.response;
    const status = response.status;
    if (
      status < 400 || status > 599 || watch.wrote || response.hasStarted
    ) {
      return;
    }
    if (isComplete(inner)) takePlaceOfBodiless(ctx, inner, status);
    if (reExecutePath !== undefined) {
      const target = fill(reExecutePath, status);
      const page = new BodyWatch(inner);
      features.set(HttpResponseBodyFeature, page);
      try {
        await reExecuteStatusPage(ctx, target, status, next);
      } finally {
        if (features.get(HttpResponseBodyFeature) === page) {
          features.set(HttpResponseBodyFeature, inner);
        }
      }
      // A page nobody mapped answers an empty 404 in place of the status it
      // was to describe: the default page is better, and the app's
      // developers should hear that theirs is missing (as the exception
      // handler says of its error page).
      if (
        !page.wrote && !response.hasStarted && response.status === 404 &&
        status !== 404
      ) {
        errorLogger(ctx, "Roost.Hosting.StatusCodePages").warning(
          'The status code page {page} answered 404 for request {traceId}: map it (app.mapGet("{page}", …)); the default status page went out instead',
          { ...requestProperties(ctx), page: target },
        );
        response.status = status;
        if (isComplete(inner)) takePlaceOfBodiless(ctx, inner, status);
        await writeBody(undefined, undefined)(ctx);
      }
      return;
    }
    await answer!(ctx);
  });
}

// Headers that describe a body: the page's own replace them.
const BODY_HEADERS = new Set([
  "content-encoding",
  "content-length",
  "content-range",
  "content-type",
  "etag",
  "last-modified",
]);

// The app answered with a bodiless Response (`return new Response(null,
// { status: 404 })`): that ended the response without starting it, so the
// page takes its place, keeping its status and headers but those that
// describe a body.
function takePlaceOfBodiless(
  ctx: HttpContext,
  inner: HttpResponseBodyFeature,
  status: number,
): void {
  const response = ctx.response;
  const kept = new Headers(response.headers);
  inner.clear();
  response.status = status;
  kept.forEach((value, name) => {
    if (!BODY_HEADERS.has(name)) response.headers.append(name, value);
  });
}

function redirectTo(template: string): (ctx: HttpContext) => Promise<void> {
  return (ctx) => ctx.response.redirect(fill(template, ctx.response.status));
}

function writeBody(
  contentType: string | undefined,
  bodyFormat: string | undefined,
): (ctx: HttpContext) => Promise<void> {
  return (ctx) => {
    const response = ctx.response;
    const status = response.status;
    const accept = ctx.request.header("accept");
    if (bodyFormat === undefined && negotiateErrorFormat(accept) === "json") {
      return response.send(
        JSON.stringify(problemDetailsFor(ctx.features, status)),
        { headers: { "content-type": "application/problem+json" } },
      );
    }
    return response.send(fill(bodyFormat ?? FORMAT, status), {
      headers: { "content-type": contentType ?? TEXT },
    });
  };
}

/** Runs the rest of the pipeline at `target`, restoring the request after. */
async function reExecuteStatusPage(
  ctx: HttpContext,
  target: string,
  status: number,
  next: () => Promise<void>,
): Promise<void> {
  const features = ctx.features;
  const request = features.get(HttpRequestFeature)!;
  const original = {
    pathBase: request.pathBase,
    path: request.path,
    queryString: request.queryString,
    method: request.method,
    endpoint: features.get(EndpointFeature),
  };
  features.set(StatusCodeReExecuteFeature, {
    originalStatusCode: status,
    originalPathBase: original.pathBase,
    originalPath: original.path,
    originalQueryString: original.queryString,
    originalMethod: original.method,
    endpoint: original.endpoint?.endpoint,
    routeValues: original.endpoint?.routeValues ?? {},
  });
  const query = target.indexOf("?");
  request.path = query === -1 ? target : target.slice(0, query);
  request.queryString = query === -1 ? "" : target.slice(query);
  if (original.method !== "HEAD") request.method = "GET";
  // Routing must match the page's path afresh (see the exception handler).
  features.set(EndpointFeature, undefined);
  reselectEndpoint(ctx);
  try {
    await next();
  } finally {
    request.path = original.path;
    request.queryString = original.queryString;
    request.method = original.method;
    features.set(EndpointFeature, original.endpoint);
    features.set(StatusCodeReExecuteFeature, undefined);
  }
}
