/**
 * Response compression (ASP.NET Core's `UseResponseCompression`): zstd,
 * brotli and gzip, negotiated by `Accept-Encoding`.
 *
 * What Deno 2.9.6 offers, measured: `node:zlib` has `gzipSync`,
 * `brotliCompressSync`, `zstdCompressSync` and the streaming
 * `createGzip`, `createBrotliCompress`, `createZstdCompress`;
 * `CompressionStream` takes `"gzip"`, `"deflate"`, `"deflate-raw"` and
 * `"brotli"` (not `"br"`, not `"zstd"`), at fixed levels and with no flush.
 * This middleware compresses with `node:zlib`, which it imports on the first
 * response it compresses: a host that never compresses never boots Deno's
 * Node layer.
 *
 * Default levels and order, from `bench/compression.ts` on ~1 MB of JSON
 * and of HTML (MB/s of input per CPU second; compressed size / original;
 * one call on 2 KiB of JSON, where set-up dominates):
 *
 * | encoding | level | MB/s (JSON, HTML) | ratio (JSON, HTML) | 2 KiB call |
 * | -------- | ----- | ----------------- | ------------------ | ---------- |
 * | zstd     | 3     | 318, 419          | 0.222, 0.164       | 40 µs      |
 * | br       | 4     | 75, 94            | 0.220, 0.172       | 72 µs      |
 * | gzip     | 4     | 101, 127          | 0.220, 0.162       | 21 µs      |
 *
 * zstd 3 compresses as small as brotli 4 and gzip 4 (within a few percent)
 * at three to four times their speed, so it is preferred when the client
 * takes it. brotli comes before gzip for browsers without zstd: on real
 * files (a 260 KB rustdoc HTML page, a 130 KB JavaScript file, with
 * `--file`) brotli 4 is 2–6% smaller than gzip 4 at about the same speed.
 * gzip 4 keeps ~95% of gzip 6's saving at up to twice its speed; brotli 5
 * and up, and zstd 6 and up, cost two to four times the CPU for a few
 * percent. The first compressed response pays the `node:zlib` import
 * (~16 ms).
 *
 * @module
 */

import type { Middleware } from "../pipeline.ts";
import {
  HttpResponseBodyFeature,
  HttpResponseFeature,
} from "../../features/mod.ts";
import { DONE } from "../../features/_done.ts";
import {
  type CompressionEncoding,
  negotiator,
  typeMatcher,
} from "./_compression_negotiation.ts";
import {
  checkEncodings,
  checkLevels,
  checkPatterns,
} from "./_compression_options.ts";
import type { CompressingBody } from "./_compression_body.ts";
import type { Policy } from "./_compression_encoders.ts";

export type { CompressionEncoding } from "./_compression_negotiation.ts";

/**
 * The content types compressed by default: text, JSON, JavaScript, XML,
 * SVG and WebAssembly. Server-sent events are excluded separately
 * (`excludedMimeTypes`).
 *
 * @example Adding a type to the defaults
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   COMPRESSIBLE_TYPES,
 *   responseCompression,
 * } from "./response_compression.ts";
 *
 * assert.ok(COMPRESSIBLE_TYPES.includes("+json"));
 * const middleware = responseCompression({
 *   mimeTypes: [...COMPRESSIBLE_TYPES, "application/x-yaml"],
 * });
 * assert.equal(typeof middleware, "function");
 * ```
 */
export const COMPRESSIBLE_TYPES: readonly string[] = Object.freeze([
  "text/*",
  "application/json",
  "+json",
  "application/javascript",
  "application/xml",
  "+xml",
  "image/svg+xml",
  "application/wasm",
]);

/**
 * Compression level per encoding: higher is smaller and slower. The
 * defaults favour throughput, for responses made per request.
 *
 * @example Smaller gzip, faster brotli
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type CompressionLevels,
 *   responseCompression,
 * } from "./response_compression.ts";
 *
 * const levels: CompressionLevels = { gzip: 6, br: 1 };
 * assert.equal(typeof responseCompression({ levels }), "function");
 * assert.throws(() => responseCompression({ levels: { gzip: 10 } }), RangeError);
 * ```
 */
export interface CompressionLevels {
  /**
   * gzip level, 1 (fastest) to 9 (smallest).
   * @default {4}
   */
  gzip?: number;
  /**
   * Brotli quality, 0 (fastest) to 11 (smallest; ~1 MB/s, for static files
   * compressed ahead of time, not for responses).
   * @default {4}
   */
  br?: number;
  /**
   * zstd level, 1 (fastest) to 22 (smallest).
   * @default {3}
   */
  zstd?: number;
}

/**
 * Options of {@linkcode responseCompression}.
 *
 * @example Compressing HTTPS responses that carry no secrets
 * ```ts
 * import assert from "node:assert/strict";
 * import { brotliDecompressSync } from "node:zlib";
 * import { WebHostBuilder } from "../../mod.ts";
 * import {
 *   type ResponseCompressionOptions,
 *   responseCompression,
 * } from "./response_compression.ts";
 *
 * const options: ResponseCompressionOptions = {
 *   enableForHttps: true,
 *   minimumSize: 256,
 * };
 * const page = "<p>public page</p>".repeat(20);
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(responseCompression(options)).run((ctx) =>
 *       ctx.response.send(page, { headers: { "content-type": "text/html" } })
 *     )
 *   )
 *   .build();
 * const response = await host.fetch("https://localhost/", {
 *   headers: { "accept-encoding": "br" },
 * });
 * assert.equal(response.headers.get("content-encoding"), "br");
 * const bytes = new Uint8Array(await response.arrayBuffer());
 * assert.equal(brotliDecompressSync(bytes).toString(), page);
 * ```
 */
export interface ResponseCompressionOptions {
  /**
   * The encodings to offer, most preferred first. Among those the client
   * accepts with the same q-value, the first listed wins.
   * @default {["zstd", "br", "gzip"]}
   */
  encodings?: readonly CompressionEncoding[];
  /**
   * Compression level per encoding; levels not given keep their default.
   * @default {{ gzip: 4, br: 4, zstd: 3 }}
   */
  levels?: CompressionLevels;
  /**
   * Content types to compress, matched against the response's
   * `Content-Type` without its parameters: `"type/subtype"`, `"type/*"`,
   * `"+suffix"` (any type ending in it, e.g. `+json`) or `"*\/*"`.
   * @default {COMPRESSIBLE_TYPES}
   */
  mimeTypes?: readonly string[];
  /**
   * Content types never to compress, in the same forms; they win over
   * `mimeTypes`. Server-sent events are excluded because a client must see
   * each event as it is sent.
   * @default {["text/event-stream"]}
   */
  excludedMimeTypes?: readonly string[];
  /**
   * Bodies smaller than this many bytes are sent as they are, when their
   * size is known (a whole body, or a `Content-Length`): compressing them
   * saves less than it costs. Streams of unknown size are compressed.
   * @default {1024}
   */
  minimumSize?: number;
  /**
   * Compress responses to HTTPS requests too. Off by default, as in ASP.NET:
   * compressing secrets next to attacker-chosen text over TLS opens the door
   * to BREACH-style attacks. Turn it on when responses do not mix the two.
   * @default {false}
   */
  enableForHttps?: boolean;
}

/**
 * Compresses responses for clients that accept it: zstd, brotli or gzip,
 * chosen by the request's `Accept-Encoding` (q-values honoured, `q=0`
 * refuses, `*` stands for any other coding) and the server's preference.
 *
 * A response is compressed when its `Content-Type` is in `mimeTypes`, its
 * size is unknown or at least `minimumSize`, and none of these holds:
 * status 204, 206 or 304, a `Content-Range`, a `Content-Encoding`
 * already (a precompressed file), `Cache-Control: no-transform`, HTTPS
 * without `enableForHttps`. A compressed response gets `Content-Encoding`,
 * loses `Content-Length` (the server sets the new one), and a strong `ETag`
 * becomes weak. Every response of a compressible type gets
 * `Vary: Accept-Encoding`, compressed or not. A HEAD is compressed as its
 * GET would be, so its headers say what the GET's say. Requests without an
 * `Accept-Encoding` header (and HTTPS ones, unless enabled) pass through
 * untouched at no cost, as in ASP.NET.
 *
 * Whole bodies (`send`, `json`, a returned `Response` made in memory, and
 * writes that end before 64 KiB) are compressed in one piece; streams,
 * `start()` and longer writes are compressed as they come, each write
 * flushed, with backpressure. Files from `sendFile` are sent as they are:
 * serve precompressed siblings for static files.
 *
 * @param options What to compress, how, and how hard.
 * @returns The middleware; put it before the middleware whose responses it
 * should compress.
 * @throws {TypeError} When an option has the wrong type or an unknown value.
 * @throws {RangeError} When a level or `minimumSize` is out of range.
 *
 * @example Compressing JSON for a client that accepts gzip
 * ```ts
 * import assert from "node:assert/strict";
 * import { gunzipSync } from "node:zlib";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { responseCompression } from "./response_compression.ts";
 *
 * const items = Array.from({ length: 100 }, (_, id) => ({ id, name: "item" }));
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(responseCompression()).run((ctx) => ctx.response.json(items))
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/", {
 *   headers: { "accept-encoding": "gzip" },
 * });
 * assert.equal(response.headers.get("content-encoding"), "gzip");
 * assert.equal(response.headers.get("vary"), "Accept-Encoding");
 * const bytes = new Uint8Array(await response.arrayBuffer());
 * assert.deepEqual(JSON.parse(gunzipSync(bytes).toString()), items);
 * ```
 */
export function responseCompression(
  options: ResponseCompressionOptions = {},
): Middleware {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `responseCompression: options must be an object, got ${String(options)}`,
    );
  }
  const encodings = checkEncodings(options.encodings);
  const levels = checkLevels(options.levels);
  const minimumSize = options.minimumSize ?? 1024;
  if (!Number.isSafeInteger(minimumSize) || minimumSize < 0) {
    throw new RangeError(
      `responseCompression: minimumSize must be a whole number of bytes, 0 or more, got ${
        String(options.minimumSize)
      }`,
    );
  }
  const enableForHttps = options.enableForHttps ?? false;
  if (typeof enableForHttps !== "boolean") {
    throw new TypeError(
      `responseCompression: enableForHttps must be true or false, got ${
        JSON.stringify(enableForHttps)
      }`,
    );
  }
  const policy: Policy = {
    levels,
    minimumSize,
    compressible: typeMatcher(
      checkPatterns("mimeTypes", options.mimeTypes, COMPRESSIBLE_TYPES),
      checkPatterns("excludedMimeTypes", options.excludedMimeTypes, [
        "text/event-stream",
      ]),
    ),
  };
  const negotiate = negotiator(encodings);

  const middleware: Middleware = (ctx, next) => {
    const request = ctx.request;
    const accept = request.header("accept-encoding");
    // The costless path: nothing to negotiate, or HTTPS left alone.
    if (accept === null || (!enableForHttps && request.isHttps)) {
      return next();
    }
    const features = ctx.features;
    const inner = features.get(HttpResponseBodyFeature);
    const head = features.get(HttpResponseFeature);
    if (inner === undefined || head === undefined) return next();
    // HEAD is answered as GET would be, compressed too (the server sends
    // no body), so that its Content-Encoding and Content-Length are the
    // ones a GET gets (RFC 9110 §9.3.2). The compressing body loads with the first request that may need it:
    // a host that never compresses never loads it.
    if (Body === undefined) {
      return loadBody().then(() => middleware(ctx, next));
    }
    const encoding = negotiate(accept);
    const body = new Body(inner, head, encoding, policy);
    features.set(HttpResponseBodyFeature, body);
    let below: Promise<void>;
    try {
      below = next();
    } catch (error) {
      features.set(HttpResponseBodyFeature, inner);
      body.abandon();
      throw error;
    }
    if (below === DONE) {
      // The pipeline below finished synchronously (a buffered send): no
      // promise turn of our own.
      features.set(HttpResponseBodyFeature, inner);
      return body.finish();
    }
    return below.then(
      () => {
        features.set(HttpResponseBodyFeature, inner);
        return body.finish();
      },
      (error) => {
        features.set(HttpResponseBodyFeature, inner);
        body.abandon();
        throw error;
      },
    );
  };
  return middleware;
}

let Body: typeof CompressingBody | undefined;
let loadingBody: Promise<typeof CompressingBody> | undefined;

function loadBody(): Promise<typeof CompressingBody> {
  return loadingBody ??= import("./_compression_body.ts").then((module) =>
    Body = module.CompressingBody
  );
}
