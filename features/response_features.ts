/**
 * The features an application answers through: status and headers, and the
 * body.
 *
 * @module
 */

import { type FeatureKey, featureKey } from "./feature_collection.ts";

/** A callback run when the response starts or completes. */
export type ResponseCallback = () => void | Promise<void>;

/**
 * The response's status and headers (`IHttpResponseFeature`). Both can be
 * changed until the response has started; after that, changing them throws.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type FeatureCollection,
 *   HttpResponseFeature,
 *   WebHostBuilder,
 * } from "../mod.ts";
 *
 * function noStore(features: FeatureCollection): void {
 *   const response = features.get(HttpResponseFeature)!;
 *   response.onStarting(() => {
 *     response.headers.set("cache-control", "no-store");
 *   });
 * }
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) => {
 *       noStore(ctx.features);
 *       ctx.response.send("fresh");
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/");
 * assert.equal(response.headers.get("cache-control"), "no-store");
 * assert.equal(await response.text(), "fresh");
 * ```
 */
export interface HttpResponseFeature {
  /**
   * The status code, 200 unless set. Setting one Deno cannot send (not a
   * whole number from 200 to 599, or 101) throws a `RangeError`.
   */
  status: number;
  /** The reason phrase, or `undefined` for the standard one. */
  reasonPhrase: string | undefined;
  /** The response headers. */
  readonly headers: Headers;
  /** True once status and headers were handed to the server. */
  readonly hasStarted: boolean;
  /**
   * Registers a callback to run just before the response starts: the last
   * chance to change headers. Callbacks run in reverse registration order.
   */
  onStarting(callback: ResponseCallback): void;
  /**
   * Registers a callback to run after the response was delivered (or the
   * client went away). Callbacks run in reverse registration order; one that
   * throws does not stop the others.
   */
  onCompleted(callback: ResponseCallback): void;
}
/** The key of {@linkcode HttpResponseFeature}. */
export const HttpResponseFeature: FeatureKey<HttpResponseFeature> = featureKey<
  HttpResponseFeature
>("HttpResponseFeature");

/**
 * Options for {@linkcode HttpResponseBodyFeature.sendFile}. Giving `offset`
 * or `count` sends exactly those bytes: `HttpResponse.sendFile` then answers
 * 200 without validators, conditional requests or `Range`.
 */
export interface SendFileOptions {
  /**
   * The first byte to send.
   * @default {0}
   */
  offset?: number;
  /**
   * How many bytes to send, or `undefined` for the rest of the file.
   * @default {undefined}
   */
  count?: number;
}

/**
 * The response body (`IHttpResponseBodyFeature`). Small writes are buffered
 * and sent with the headers in one piece when the application finishes; the
 * response starts streaming when the application calls `start()`, writes past
 * the server's buffer size, or sends a stream or a file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type FeatureCollection,
 *   HttpResponseBodyFeature,
 *   WebHostBuilder,
 * } from "../mod.ts";
 *
 * async function countdown(features: FeatureCollection): Promise<void> {
 *   const body = features.get(HttpResponseBodyFeature)!;
 *   await body.start(); // headers go out now
 *   for (const n of [3, 2, 1]) await body.write(`${n}\n`);
 *   await body.complete();
 * }
 * const host = new WebHostBuilder()
 *   .configure((app) => app.run((ctx) => countdown(ctx.features)))
 *   .build();
 * assert.equal(await (await host.fetch("http://localhost/")).text(), "3\n2\n1\n");
 * ```
 */
export interface HttpResponseBodyFeature {
  /** A writable view of the body; closing it completes the response. */
  readonly stream: WritableStream<Uint8Array>;
  /** Starts the response: runs `onStarting` callbacks and sends the headers. */
  start(): Promise<void>;
  /**
   * Appends to the body. Strings are encoded as UTF-8.
   *
   * @param chunk The bytes or text to append.
   */
  write(chunk: Uint8Array | string): Promise<void>;
  /**
   * Ends the body. `body`, when given and nothing was written before, is the
   * whole body and is handed to the server as it is (a stream stays a
   * stream). A `Response` gives its status and headers too; headers set
   * before it are kept unless it sets the same name.
   *
   * @param body The whole body, or nothing to end what was written.
   */
  complete(body?: BodyInit | Response | null): Promise<void>;
  /**
   * Discards what was written or given to `complete()` but not yet sent, so
   * that a different body can be sent instead (an error page, say).
   *
   * @throws {TypeError} When the response has already started.
   */
  clear(): void;
  /**
   * Sends a file (or part of one) as the rest of the body.
   *
   * @param path The file's path.
   * @param options Which part of the file to send.
   */
  sendFile(path: string, options?: SendFileOptions): Promise<void>;
}
/** The key of {@linkcode HttpResponseBodyFeature}. */
export const HttpResponseBodyFeature: FeatureKey<HttpResponseBodyFeature> =
  featureKey<HttpResponseBodyFeature>("HttpResponseBodyFeature");
