/**
 * The one place an error becomes a response: RFC 9457 problem details for
 * clients that ask for JSON, plain text for the others.
 *
 * @module
 */

import type { FeatureCollection } from "./feature_collection.ts";
import { HttpError } from "./http_error.ts";
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
  const title = REASON_PHRASES[status] ??
    (status < 500 ? "Client Error" : "Server Error");
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
  const request = features.get(HttpRequestFeature);
  let body: string;
  if (prefersJson(request?.headers.get("accept") ?? null)) {
    const problem: ProblemDetails = { type: "about:blank", title, status };
    if (shown !== undefined) problem.detail = shown;
    else if (detailed) {
      problem.detail = error instanceof Error ? error.message : String(error);
      if (error instanceof Error && error.stack) problem.stack = error.stack;
    }
    const traceId = features.get(HttpRequestIdentifierFeature)
      ?.traceIdentifier;
    if (traceId !== undefined) problem.traceId = traceId;
    headers.set("content-type", "application/problem+json");
    body = JSON.stringify(problem);
  } else {
    headers.set("content-type", "text/plain; charset=utf-8");
    if (shown !== undefined) body = shown;
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

// RFC 9110 §12.4.2's qvalue: 0 to 1 with at most three decimals.
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Whether an Accept header prefers problem details to plain text: it names
 * `application/json` or `application/problem+json`, and by RFC 9110's rules
 * (the most specific matching range gives each type its quality) JSON ranks
 * above 0 and at least as high as `text/plain`. A browser's
 * `text/html,…;q=0.8` and curl's bare wildcard name no JSON: they get text.
 */
function prefersJson(accept: string | null): boolean {
  if (accept === null || !accept.includes("json")) return false;
  // Quality and specificity (3 exact, 2 "type/*", 1 the bare wildcard) of
  // the best match so far, for problem+json, json and text/plain.
  const quality = [0, 0, 0];
  const specificity = [0, 0, 0];
  for (const range of accept.split(",")) {
    const parts = range.split(";");
    const type = parts[0].trim().toLowerCase();
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const [name, value = ""] = parts[i].split("=", 2);
      if (name.trim().toLowerCase() !== "q") continue;
      // A malformed quality makes the range unusable: ignore it.
      q = QVALUE.test(value.trim()) ? Number(value.trim()) : -1;
      break;
    }
    if (q < 0) continue;
    const matches = [
      rank(type, "application/problem+json"),
      rank(type, "application/json"),
      rank(type, "text/plain"),
    ];
    for (let i = 0; i < 3; i++) {
      const how = matches[i];
      if (how === 0 || how < specificity[i]) continue;
      quality[i] = how > specificity[i] ? q : Math.max(quality[i], q);
      specificity[i] = how;
    }
  }
  const json = Math.max(quality[0], quality[1]);
  return json > 0 && json >= quality[2];
}

/** How specifically a media range matches a type: 3, 2, 1, or 0 for not. */
function rank(range: string, type: string): number {
  if (range === type) return 3;
  if (range === "*/*") return 1;
  const slash = type.indexOf("/");
  return range.length === slash + 2 && range.endsWith("/*") &&
      range.startsWith(type.slice(0, slash + 1))
    ? 2
    : 0;
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
