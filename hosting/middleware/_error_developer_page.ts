// Answers a request with the developer exception page, for the middleware
// and for the host's Development default alike.

import {
  type HttpContext,
  HttpError,
  negotiateErrorFormat,
  problemResponse,
} from "../../features/mod.ts";
import { renderHtml, renderText } from "./_error_page_html.ts";
import {
  describeRequest,
  errorChain,
  type ErrorReport,
  readSources,
} from "./_error_report.ts";

/** Options of {@linkcode developerPageResponse}. */
export interface DeveloperPageOptions {
  /** Source lines shown on each side of a frame's line. */
  sourceLines: number;
}

/**
 * The developer exception page for `error`, negotiated by `Accept`: an HTML
 * page for browsers, problem details with the same information for JSON
 * clients, plain text for the rest. Status and headers as
 * `problemResponse` gives them (an `HttpError`'s own, or 500).
 */
export async function developerPageResponse(
  ctx: HttpContext,
  error: unknown,
  options: DeveloperPageOptions,
): Promise<Response> {
  const status = error instanceof HttpError ? error.status : 500;
  const report: ErrorReport = {
    status,
    errors: errorChain(error),
    request: describeRequest(ctx),
  };
  const features = ctx.features;
  const format = negotiateErrorFormat(ctx.request.header("accept"), {
    html: true,
  });
  if (format === "html") {
    await readSources(report.errors, options.sourceLines);
    return problemResponse(features, error, {
      detailed: true,
      html: renderHtml(report),
    });
  }
  if (format === "text") {
    return problemResponse(features, error, {
      detailed: true,
      text: renderText(report),
    });
  }
  const [first, ...causes] = report.errors;
  const request = report.request;
  return problemResponse(features, error, {
    detailed: true,
    extensions: {
      // Also for a 4xx, whose standard members carry no stack.
      detail: first.message,
      stack: first.stack,
      errorName: first.name,
      causes: causes.map(({ name, message, stack }) => ({
        name,
        message,
        stack,
      })),
      request: {
        method: request.method,
        path: request.path,
        queryString: request.queryString,
        query: Object.fromEntries(request.query),
        headers: Object.fromEntries(request.headers),
        routeValues: request.routeValues,
      },
    },
  });
}

/**
 * Answers the request with the developer exception page in place of
 * whatever the app had set (status, headers, buffered body).
 */
export async function writeDeveloperPage(
  ctx: HttpContext,
  error: unknown,
  options: DeveloperPageOptions,
): Promise<void> {
  const page = await developerPageResponse(ctx, error, options);
  ctx.response.clear();
  await ctx.response.send(page);
}
