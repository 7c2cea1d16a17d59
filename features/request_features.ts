/**
 * The features that describe a request: its line and headers, its body limits,
 * its lifetime and its identifier.
 *
 * @module
 */

import { type FeatureKey, featureKey } from "./feature_collection.ts";

/**
 * The request as the server read it (ASP.NET's `IHttpRequestFeature`).
 * Middleware may rewrite any field; `pathBase` followed by `path` is always
 * the path the client asked for, percent-encoded as in `URL.pathname`.
 *
 * @example Reading the request line
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   HttpRequestFeature,
 *   HttpResponseBodyFeature,
 *   TestServer,
 * } from "../mod.ts";
 *
 * await using server = new TestServer();
 * await server.start({
 *   createContext: (features) => features,
 *   processRequest: async (features) => {
 *     const request = features.get(HttpRequestFeature)!;
 *     await features.get(HttpResponseBodyFeature)!.complete(`${request.method} ${request.path}`);
 *   },
 *   disposeContext() {},
 * });
 * const response = await server.fetch("http://localhost/hi");
 * assert.equal(await response.text(), "GET /hi");
 * ```
 */
export interface HttpRequestFeature {
  /** `"HTTP/1.1"`, `"HTTP/2"` or `"HTTP/1.0"`. */
  protocol: string;
  /** `"http"` or `"https"`. */
  scheme: string;
  /** The method, upper case as the client sent it (`"GET"`). */
  method: string;
  /**
   * The host and port the client addressed (`Host` or `:authority`), as the
   * client sent it: untrusted input.
   */
  host: string;
  /** The part of the path a `map()` branch consumed (`"/api"`), or `""`. */
  pathBase: string;
  /**
   * The rest of the path: starts with `/`, or is `""` when a `map()` branch
   * consumed the whole path (`map("/api")` on `/api`).
   */
  path: string;
  /** The query string with its leading `?`, or `""`. */
  queryString: string;
  /** The request target exactly as received (`"/a%20b?x=1"`). */
  readonly rawTarget: string;
  /**
   * The request headers. Headers read from a socket are immutable: assign a
   * new `Headers` to change them.
   */
  headers: Headers;
  /**
   * The body as a byte stream, or `null` when the request has none. Taking
   * it fixes the request's body size limit, which the stream enforces.
   */
  body: ReadableStream<Uint8Array> | null;
  /**
   * The web-standard request this feature was made from, while it still
   * matches it (no field above was changed) and its body needs no limit
   * enforced beyond its own framing; `undefined` otherwise. Taking it counts
   * as taking the body.
   */
  readonly request?: Request;
}
/** The key of {@linkcode HttpRequestFeature}. */
export const HttpRequestFeature: FeatureKey<HttpRequestFeature> = featureKey<
  HttpRequestFeature
>("HttpRequestFeature");

/**
 * The connection a request arrived on (`IHttpConnectionFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type FeatureCollection,
 *   HttpConnectionFeature,
 *   WebHostBuilder,
 * } from "../mod.ts";
 *
 * function remote(features: FeatureCollection): string {
 *   const connection = features.get(HttpConnectionFeature);
 *   return `${connection?.remoteAddress}:${connection?.remotePort}`;
 * }
 * const host = new WebHostBuilder()
 *   .configure((app) => app.run((ctx) => ctx.response.send(remote(ctx.features))))
 *   .build();
 * // The in-memory server reports a loopback peer on port 0.
 * assert.equal(await (await host.fetch("http://localhost/")).text(), "127.0.0.1:0");
 * ```
 */
export interface HttpConnectionFeature {
  /** An identifier for the connection, unique within the process. */
  readonly connectionId: string;
  /** The client's address (`"127.0.0.1"`, `"::1"`, or a socket path). */
  readonly remoteAddress: string;
  /** The client's port, or 0 on a Unix socket. */
  readonly remotePort: number;
  /**
   * The address the client reached: on a connection DenoServer accepted
   * itself, the interface it arrived on (not the `0.0.0.0` listened on);
   * else the address the server listens on.
   */
  readonly localAddress: string;
  /** The port the client reached, or 0 on a Unix socket. */
  readonly localPort: number;
}
/** The key of {@linkcode HttpConnectionFeature}. */
export const HttpConnectionFeature: FeatureKey<HttpConnectionFeature> =
  featureKey<HttpConnectionFeature>("HttpConnectionFeature");

/**
 * Present on requests that came over TLS (`ITlsHandshakeFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type FeatureCollection,
 *   TlsHandshakeFeature,
 *   WebHostBuilder,
 * } from "../mod.ts";
 *
 * const secure = (features: FeatureCollection): boolean =>
 *   features.get(TlsHandshakeFeature) !== undefined;
 * const host = new WebHostBuilder()
 *   .configure((app) => app.run((ctx) => ctx.response.send(`${secure(ctx.features)}`)))
 *   .build();
 * assert.equal(await (await host.fetch("https://localhost/")).text(), "true");
 * assert.equal(await (await host.fetch("http://localhost/")).text(), "false");
 * ```
 */
export interface TlsHandshakeFeature {
  /** The protocols the endpoint offered by ALPN (`["h2", "http/1.1"]`). */
  readonly alpnProtocols: readonly string[];
  /**
   * The protocol the handshake settled on (`"h2"` or `"http/1.1"`), `null`
   * when the client offered none, and `undefined` where the server cannot
   * tell (on `Deno.serve`). Deno reports no TLS version or cipher.
   * @default {undefined}
   */
  readonly alpnProtocol?: string | null;
}
/** The key of {@linkcode TlsHandshakeFeature}. */
export const TlsHandshakeFeature: FeatureKey<TlsHandshakeFeature> = featureKey<
  TlsHandshakeFeature
>("TlsHandshakeFeature");

/**
 * The request's lifetime (`IHttpRequestLifetimeFeature`): `requestAborted`
 * fires when the client goes away or the request is aborted, and never after
 * a response was delivered normally.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection, HttpRequestLifetimeFeature } from "../mod.ts";
 *
 * const log: string[] = [];
 * function watch(features: FeatureCollection): void {
 *   features.get(HttpRequestLifetimeFeature)?.requestAborted
 *     .addEventListener("abort", () => log.push("client left"));
 * }
 * const controller = new AbortController();
 * const features = new FeatureCollection();
 * features.set(HttpRequestLifetimeFeature, {
 *   requestAborted: controller.signal,
 *   abort: (reason) => controller.abort(reason),
 * });
 * watch(features);
 * features.get(HttpRequestLifetimeFeature)?.abort();
 * assert.deepEqual(log, ["client left"]);
 * ```
 */
export interface HttpRequestLifetimeFeature {
  /**
   * Aborted when the client disconnects or `abort()` is called. On
   * DenoServer, as with Deno's own `req.signal`, a disconnect is seen only
   * once the signal has been read: read it when work that should stop
   * begins (pass it to `fetch`, say), not after a long await.
   */
  readonly requestAborted: AbortSignal;
  /** Gives up on the request: the client's connection is reset. */
  abort(reason?: unknown): void;
}
/** The key of {@linkcode HttpRequestLifetimeFeature}. */
export const HttpRequestLifetimeFeature: FeatureKey<
  HttpRequestLifetimeFeature
> = featureKey<HttpRequestLifetimeFeature>("HttpRequestLifetimeFeature");

/**
 * A name for the request in logs and traces (`IHttpRequestIdentifierFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection, HttpRequestIdentifierFeature } from "../mod.ts";
 *
 * const id = (features: FeatureCollection) =>
 *   features.get(HttpRequestIdentifierFeature)?.traceIdentifier;
 * const features = new FeatureCollection();
 * assert.equal(id(features), undefined);
 * features.set(HttpRequestIdentifierFeature, { traceIdentifier: "req-1" });
 * assert.equal(id(features), "req-1");
 * ```
 */
export interface HttpRequestIdentifierFeature {
  /** Unique within the process; settable, e.g. from an incoming trace header. */
  traceIdentifier: string;
}
/** The key of {@linkcode HttpRequestIdentifierFeature}. */
export const HttpRequestIdentifierFeature: FeatureKey<
  HttpRequestIdentifierFeature
> = featureKey<HttpRequestIdentifierFeature>("HttpRequestIdentifierFeature");

/**
 * This request's body size limit (`IHttpMaxRequestBodySizeFeature`). It can be
 * changed until the body is first read; then `isReadOnly` is true and setting
 * it throws.
 *
 * @example Raising the limit for one upload route
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type FeatureCollection,
 *   HttpMaxRequestBodySizeFeature,
 *   WebHostBuilder,
 * } from "../mod.ts";
 *
 * function allowLargeUpload(features: FeatureCollection): void {
 *   const limit = features.get(HttpMaxRequestBodySizeFeature);
 *   if (limit && !limit.isReadOnly) limit.maxRequestBodySize = 1_000_000_000;
 * }
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) => {
 *       allowLargeUpload(ctx.features);
 *       const limit = ctx.features.get(HttpMaxRequestBodySizeFeature);
 *       ctx.response.send(`${limit?.maxRequestBodySize}`);
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/upload", { method: "POST", body: "x" });
 * assert.equal(await response.text(), "1000000000");
 * ```
 */
export interface HttpMaxRequestBodySizeFeature {
  /** True once the body has been read from. */
  readonly isReadOnly: boolean;
  /** The limit in bytes, or `null` for none. */
  maxRequestBodySize: number | null;
}
/** The key of {@linkcode HttpMaxRequestBodySizeFeature}. */
export const HttpMaxRequestBodySizeFeature: FeatureKey<
  HttpMaxRequestBodySizeFeature
> = featureKey<HttpMaxRequestBodySizeFeature>("HttpMaxRequestBodySizeFeature");

/**
 * The slowest a request body may arrive (Kestrel's `MinDataRate`): once
 * `gracePeriod` has passed, a body arriving slower than `bytesPerSecond` is
 * aborted. With a declared `Content-Length` the whole body must arrive within
 * `gracePeriod + length / bytesPerSecond` (the grace period in milliseconds
 * plus the length's time in seconds: 5 s plus 1 s per 240 bytes by default);
 * a chunked body is checked as it arrives.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { MinDataRate } from "../mod.ts";
 *
 * // Kestrel's default: 240 B/s after a 5 s grace period.
 * const rate: MinDataRate = { bytesPerSecond: 240, gracePeriod: 5_000 };
 * // A declared 24,000-byte body must arrive within 5 s + 100 s.
 * assert.equal(rate.gracePeriod + (24_000 / rate.bytesPerSecond) * 1000, 105_000);
 * ```
 */
export interface MinDataRate {
  /**
   * The slowest rate allowed, in bytes per second; greater than 0, and may be
   * fractional (`0.5` is one byte every two seconds).
   */
  readonly bytesPerSecond: number;
  /**
   * How long the rate is not checked at first, in whole milliseconds (0 or
   * more), so that a connection's slow start is not mistaken for an attack.
   */
  readonly gracePeriod: number;
}

/**
 * This request's minimum body data rate (`IHttpMinRequestBodyDataRateFeature`):
 * the server's `minRequestBodyDataRate` limit, changeable for one request. An
 * upload slower than it after the grace period is aborted, answered 408 when
 * the response has not started.
 *
 * `minDataRate` can be set until the body is first read; setting it after
 * throws a `TypeError` saying that the body has already been read, since the
 * rate is then already being enforced. `null` turns the check off for the
 * request (for a route that takes uploads from slow links).
 *
 * @example Relaxing the rate for one upload route
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   FeatureCollection,
 *   HttpMinRequestBodyDataRateFeature,
 *   type MinDataRate,
 * } from "../mod.ts";
 *
 * function allowSlowUploads(features: FeatureCollection): void {
 *   const feature = features.get(HttpMinRequestBodyDataRateFeature);
 *   if (feature) feature.minDataRate = { bytesPerSecond: 1, gracePeriod: 60_000 };
 * }
 *
 * // The feature a server provides, reduced to its contract.
 * let bodyRead = false;
 * let rate: MinDataRate | null = { bytesPerSecond: 240, gracePeriod: 5_000 };
 * const features = new FeatureCollection();
 * features.set(HttpMinRequestBodyDataRateFeature, {
 *   get minDataRate() {
 *     return rate;
 *   },
 *   set minDataRate(value) {
 *     if (bodyRead) throw new TypeError("The request body has already been read");
 *     rate = value;
 *   },
 * });
 *
 * allowSlowUploads(features);
 * assert.deepEqual(
 *   features.get(HttpMinRequestBodyDataRateFeature)?.minDataRate,
 *   { bytesPerSecond: 1, gracePeriod: 60_000 },
 * );
 * bodyRead = true;
 * assert.throws(() => allowSlowUploads(features), TypeError);
 * ```
 */
export interface HttpMinRequestBodyDataRateFeature {
  /**
   * The slowest the body may arrive, or `null` for no check. Setting it
   * after the body was first read throws a `TypeError`.
   */
  minDataRate: MinDataRate | null;
}
/** The key of {@linkcode HttpMinRequestBodyDataRateFeature}. */
export const HttpMinRequestBodyDataRateFeature: FeatureKey<
  HttpMinRequestBodyDataRateFeature
> = featureKey<HttpMinRequestBodyDataRateFeature>(
  "HttpMinRequestBodyDataRateFeature",
);
