/**
 * The one place an error becomes a response: RFC 9457 problem details for
 * clients that ask for JSON, plain text for the others.
 *
 * @module
 */

import type { FeatureCollection } from "./feature_collection.ts";
import { HttpError } from "./http_error.ts";
import { namesHtml, prefersJson } from "./_accept.ts";
import {
  HttpRequestFeature,
  HttpRequestIdentifierFeature,
} from "./request_features.ts";

/**
 * The body of an `application/problem+json` error response (RFC 9457), as
 * {@linkcode problemResponse} writes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError, type ProblemDetails, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run(() => {
 *       throw new HttpError(404, "No order 42.");
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("/orders/42", {
 *   headers: { accept: "application/json" },
 * });
 * const problem: ProblemDetails = await response.json();
 * assert.equal(problem.title, "Not Found");
 * assert.equal(problem.detail, "No order 42.");
 * ```
 */
export interface ProblemDetails {
  /** The problem type: `"about:blank"`, meaning the status says it all. */
  type: string;
  /** The status's reason phrase, e.g. `"Not Found"`. */
  title: string;
  /** The HTTP status, 400–599. */
  status: number;
  /**
   * What went wrong this time: an `HttpError`'s message for a 4xx; for a
   * 5xx only with detailed errors on, otherwise absent.
   */
  detail?: string;
  /** The request's trace identifier, to find it in the logs. */
  traceId?: string;
  /** The error's stack: only for a 5xx with detailed errors on. */
  stack?: string;
  /**
   * Extension members (RFC 9457 §3.2), e.g. the developer exception page's
   * `causes` and `request`.
   */
  [extension: string]: unknown;
}

/** Options for {@linkcode problemResponse}. */
export interface ProblemResponseOptions {
  /**
   * Show what a 5xx error says, with its stack (the host turns this on in
   * Development, or with the `detailedErrors` setting). 4xx responses carry
   * the `HttpError` message either way, and never a stack.
   * @default {false}
   */
  detailed?: boolean;
  /**
   * Extension members added to the problem details JSON clients get (RFC
   * 9457 §3.2). They never replace a standard member.
   * @default {undefined}
   */
  extensions?: Readonly<Record<string, unknown>>;
  /**
   * The body for clients that get plain text, in place of the default.
   * @default {undefined}
   */
  text?: string;
  /**
   * An HTML page to answer clients whose `Accept` names `text/html` (and
   * that do not prefer JSON), as `text/html; charset=utf-8`. Without it
   * those clients get plain text.
   * @default {undefined}
   */
  html?: string;
}

/**
 * The response for an error, the way Roost answers every unhandled one. The
 * status is an {@linkcode HttpError}'s, anything else is a 500. A request
 * whose `Accept` header prefers JSON (it names `application/json` or
 * `application/problem+json`, and ranks it at least as high as `text/plain`
 * by its q-values) gets RFC 9457 problem details as
 * `application/problem+json`; other clients, browsers among them, get
 * `text/plain`. The body of a 4xx is the error's message; a 5xx says only its
 * reason phrase unless `detailed` is on (then its message and stack). The
 * `HttpError`'s headers are sent too, with `cache-control: no-store` unless
 * they set their own (then `vary: Accept` is added).
 *
 * @param features The request's features: its `Accept` header and trace
 * identifier are read from them.
 * @param error What was thrown.
 * @param options Whether to show 5xx details.
 * @returns A response to send as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection, HttpError, problemResponse } from "../mod.ts";
 *
 * const features = new FeatureCollection();
 * const error = new HttpError(405, "Use GET.", { headers: { allow: "GET" } });
 * const text = problemResponse(features, error);
 * assert.equal(text.status, 405);
 * assert.equal(text.headers.get("allow"), "GET");
 * assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
 * assert.equal(await text.text(), "Use GET.");
 *
 * const hidden = problemResponse(features, new Error("disk full"));
 * assert.equal(hidden.status, 500);
 * assert.equal(await hidden.text(), "Internal Server Error");
 * ```
 *
 * @example Problem details for a JSON client
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configureLogging((logging) => logging.clearOutputs()) // a quiet example
 *   .configure((app) =>
 *     app.run(() => {
 *       throw new Error("the database is down");
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("/", {
 *   headers: { accept: "application/json" },
 * });
 * assert.equal(response.status, 500);
 * assert.equal(response.headers.get("content-type"), "application/problem+json");
 * const { traceId, ...problem } = await response.json();
 * assert.equal(typeof traceId, "string");
 * assert.deepEqual(problem, {
 *   type: "about:blank",
 *   title: "Internal Server Error",
 *   status: 500,
 * });
 * ```
 */
export function problemResponse(
  features: FeatureCollection,
  error: unknown,
  options?: ProblemResponseOptions,
): Response {
  const httpError = error instanceof HttpError ? error : undefined;
  const status = httpError?.status ?? 500;
  const title = reasonPhrase(status);
  // A 4xx says what the client got wrong; a 5xx keeps the app's secrets.
  const shown = httpError !== undefined && status < 500
    ? httpError.message
    : undefined;
  const detailed = shown === undefined && options?.detailed === true;
  const headers = new Headers(httpError?.headers);
  headers.delete("content-length");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  // The body depends on Accept: a cache the error let store it must know.
  else headers.append("vary", "Accept");
  const format = negotiateErrorFormat(
    features.get(HttpRequestFeature)?.headers.get("accept") ?? null,
    { html: options?.html !== undefined },
  );
  let body: string;
  if (format === "json") {
    let detail = shown;
    let stack: string | undefined;
    if (shown === undefined && detailed) {
      detail = error instanceof Error ? error.message : String(error);
      if (error instanceof Error && error.stack) stack = error.stack;
    }
    const problem = problemDetailsFor(features, status, {
      detail,
      extensions: stack === undefined
        ? options?.extensions
        : { stack, ...options?.extensions },
    });
    headers.set("content-type", "application/problem+json");
    body = JSON.stringify(problem);
  } else if (format === "html") {
    headers.set("content-type", "text/html; charset=utf-8");
    body = options!.html!;
  } else {
    headers.set("content-type", "text/plain; charset=utf-8");
    if (options?.text !== undefined) body = options.text;
    else if (shown !== undefined) body = shown;
    else if (detailed) body = `${status} ${describe(error)}\n`;
    else body = title;
  }
  return new Response(body, { status, headers });
}

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? String(error))
    : String(error);
}

/** Options for {@linkcode problemDetailsFor}. */
export interface ProblemDetailsOptions {
  /**
   * What went wrong this time, for the `detail` member.
   * @default {undefined}
   */
  detail?: string;
  /**
   * Extension members; they never replace a standard member.
   * @default {undefined}
   */
  extensions?: Readonly<Record<string, unknown>>;
}

/**
 * The RFC 9457 problem details for a status, as every error response of
 * Roost's writes them: `type`, `title` (the reason phrase), `status`,
 * `detail` when given, the request's `traceId`, then extension members.
 * Middleware that answers a bare status (status code pages) uses it so that
 * its JSON matches the error responses'.
 *
 * @param features The request's features (its trace identifier is read).
 * @param status The HTTP status, 400–599.
 * @param options The detail and extension members.
 * @returns The problem details, ready for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection } from "./feature_collection.ts";
 * import { problemDetailsFor } from "./problem_details.ts";
 *
 * const problem = problemDetailsFor(new FeatureCollection(), 404, {
 *   extensions: { path: "/missing" },
 * });
 * assert.deepEqual(problem, {
 *   type: "about:blank",
 *   title: "Not Found",
 *   status: 404,
 *   path: "/missing",
 * });
 * ```
 */
export function problemDetailsFor(
  features: FeatureCollection,
  status: number,
  options?: ProblemDetailsOptions,
): ProblemDetails {
  const problem: ProblemDetails = {
    type: "about:blank",
    title: reasonPhrase(status),
    status,
  };
  if (options?.detail !== undefined) problem.detail = options.detail;
  const traceId = features.get(HttpRequestIdentifierFeature)?.traceIdentifier;
  if (traceId !== undefined) problem.traceId = traceId;
  const extensions = options?.extensions;
  if (extensions !== undefined) {
    for (const name of Object.keys(extensions)) {
      if (!(name in problem)) problem[name] = extensions[name];
    }
  }
  return problem;
}

/**
 * The reason phrase of a 4xx or 5xx status (RFC 9110 §15), or `"Client
 * Error"` / `"Server Error"` for one without a registered phrase.
 *
 * @param status The HTTP status.
 * @returns Its reason phrase.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { reasonPhrase } from "./problem_details.ts";
 *
 * assert.equal(reasonPhrase(404), "Not Found");
 * assert.equal(reasonPhrase(599), "Server Error");
 * ```
 */
export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ??
    (status < 500 ? "Client Error" : "Server Error");
}

/** What an error response is written as: see {@linkcode negotiateErrorFormat}. */
export type ErrorFormat = "json" | "html" | "text";

/** Options for {@linkcode negotiateErrorFormat}. */
export interface NegotiateErrorFormatOptions {
  /**
   * Whether an HTML page is on offer (the developer exception page).
   * @default {false}
   */
  html?: boolean;
}

/**
 * How an error response answers a request's `Accept` header: `"json"`
 * (problem details) when it names `application/json` or
 * `application/problem+json` and ranks it at least as high as `text/plain`;
 * else `"html"` when a page is on offer and the header names `text/html`
 * (browsers do; a bare wildcard, as curl sends, does not count); else
 * `"text"`.
 *
 * @param accept The request's `Accept` header, or `null`.
 * @param options Whether HTML is on offer.
 * @returns The format to answer in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { negotiateErrorFormat } from "./problem_details.ts";
 *
 * assert.equal(negotiateErrorFormat("application/json"), "json");
 * assert.equal(negotiateErrorFormat("text/html,*\/*;q=0.8", { html: true }), "html");
 * assert.equal(negotiateErrorFormat("text/html", { html: false }), "text");
 * assert.equal(negotiateErrorFormat("*\/*", { html: true }), "text");
 * ```
 */
export function negotiateErrorFormat(
  accept: string | null,
  options?: NegotiateErrorFormatOptions,
): ErrorFormat {
  if (prefersJson(accept)) return "json";
  if (options?.html === true && namesHtml(accept)) return "html";
  return "text";
}

// The reason phrases of RFC 9110 §15 (and of the 4xx/5xx codes other RFCs
// registered), by status.
const REASON_PHRASES: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  402: "Payment Required",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  406: "Not Acceptable",
  407: "Proxy Authentication Required",
  408: "Request Timeout",
  409: "Conflict",
  410: "Gone",
  411: "Length Required",
  412: "Precondition Failed",
  413: "Content Too Large",
  414: "URI Too Long",
  415: "Unsupported Media Type",
  416: "Range Not Satisfiable",
  417: "Expectation Failed",
  418: "I'm a teapot",
  421: "Misdirected Request",
  422: "Unprocessable Content",
  423: "Locked",
  424: "Failed Dependency",
  425: "Too Early",
  426: "Upgrade Required",
  428: "Precondition Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  451: "Unavailable For Legal Reasons",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
  505: "HTTP Version Not Supported",
  506: "Variant Also Negotiates",
  507: "Insufficient Storage",
  508: "Loop Detected",
  510: "Not Extended",
  511: "Network Authentication Required",
};
