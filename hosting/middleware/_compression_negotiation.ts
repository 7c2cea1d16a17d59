// Which encoding a request accepts, and which content types are worth
// compressing. Both answers depend only on a header value and the options, and
// the values repeat (every Chrome sends the same Accept-Encoding), so each
// matcher keeps a small cache: a request pays a Map lookup, not a parse.

import { QVALUE } from "../../features/_accept.ts";

/**
 * The content codings `responseCompression` can produce.
 *
 * @example Preferring gzip, then brotli
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type CompressionEncoding,
 *   responseCompression,
 * } from "./response_compression.ts";
 *
 * const encodings: CompressionEncoding[] = ["gzip", "br"];
 * assert.equal(typeof responseCompression({ encodings }), "function");
 * ```
 */
export type CompressionEncoding = "zstd" | "br" | "gzip";

/** Every encoding this runtime can produce, in the default preference order. */
export const ENCODINGS: readonly CompressionEncoding[] = ["zstd", "br", "gzip"];

// Enough distinct header values for any real mix of clients; a flood of
// made-up values only clears the cache, it cannot grow it.
const CACHE_LIMIT = 256;

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
  return value;
}

/**
 * The encoding to answer with for an `Accept-Encoding` value: the one with the
 * highest q-value, ties going to the server's `preference` order; `null` for
 * none (nothing acceptable, every match refused with `q=0`, or `identity`
 * asked for with a higher q than any encoding we have). `*` stands for every
 * coding the header does not name.
 */
export function negotiator(
  preference: readonly CompressionEncoding[],
): (acceptEncoding: string) => CompressionEncoding | null {
  const cache = new Map<string, CompressionEncoding | null>();
  return (header) => {
    const known = cache.get(header);
    if (known !== undefined) return known;
    return remember(cache, header, negotiate(header, preference));
  };
}

/**
 * The codings an `Accept-Encoding` value names, lower case (`x-gzip` as
 * `gzip`, RFC 9110 §8.4.1.3), with their q-values: 1 when none is given,
 * `NaN` when the given one is no qvalue (each caller decides what a
 * malformed weight means). `*` is kept as a name.
 */
export function acceptedCodings(header: string): Map<string, number> {
  const codings = new Map<string, number>();
  for (const item of header.split(",")) {
    const [coding, ...parameters] = item.split(";");
    const name = coding.trim().toLowerCase();
    if (name === "") continue;
    let q = 1;
    for (const parameter of parameters) {
      const [key, value = ""] = parameter.split("=", 2);
      if (key.trim().toLowerCase() !== "q") continue;
      q = QVALUE.test(value.trim()) ? Number(value.trim()) : NaN;
    }
    codings.set(name === "x-gzip" ? "gzip" : name, q);
  }
  return codings;
}

function negotiate(
  header: string,
  preference: readonly CompressionEncoding[],
): CompressionEncoding | null {
  const codings = acceptedCodings(header);
  // A malformed q is treated as absent rather than as a refusal: the client
  // clearly listed the coding.
  const weight = (name: string) => {
    const q = codings.get(name);
    return q === undefined ? undefined : Number.isNaN(q) ? 1 : q;
  };
  const wildcard = weight("*");
  let best: CompressionEncoding | null = null;
  let bestQ = 0;
  for (const encoding of preference) {
    const q = weight(encoding) ?? wildcard ?? 0;
    // Strictly greater: among equal q-values the server's order wins.
    if (q > bestQ) {
      best = encoding;
      bestQ = q;
    }
  }
  const identity = weight("identity");
  if (best !== null && identity !== undefined && identity > bestQ) return null;
  return best;
}

/** The media type of a `Content-Type` value: lower case, no parameters. */
export function essence(contentType: string): string {
  const semicolon = contentType.indexOf(";");
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim().toLowerCase();
}

// One entry of a mimeTypes list: "type/subtype", "type/*", "+suffix" (any
// type whose subtype ends in it) or "*/*".
function matches(pattern: string, type: string): boolean {
  if (pattern === "*/*") return type.includes("/");
  if (pattern.startsWith("+")) return type.endsWith(pattern);
  if (pattern.endsWith("/*")) return type.startsWith(pattern.slice(0, -1));
  return type === pattern;
}

/**
 * Whether a `Content-Type` value names a type to compress: matched by
 * `include` and not by `exclude`. A response with no content type is not
 * compressed: nobody said what it is.
 */
export function typeMatcher(
  include: readonly string[],
  exclude: readonly string[],
): (contentType: string | null) => boolean {
  const cache = new Map<string, boolean>();
  return (contentType) => {
    if (contentType === null) return false;
    const known = cache.get(contentType);
    if (known !== undefined) return known;
    const type = essence(contentType);
    const result = include.some((pattern) => matches(pattern, type)) &&
      !exclude.some((pattern) => matches(pattern, type));
    return remember(cache, contentType, result);
  };
}

/**
 * Checks one `mimeTypes` / `excludedMimeTypes` entry and returns it in lower
 * case.
 *
 * @throws {TypeError} When it is not one of the accepted forms.
 */
export function checkPattern(option: string, pattern: unknown): string {
  if (typeof pattern === "string") {
    const lower = pattern.trim().toLowerCase();
    if (
      /^\+[a-z0-9.!#$&^_-]+$/.test(lower) ||
      /^([a-z0-9.!#$&^_+-]+|\*)\/([a-z0-9.!#$&^_+-]+|\*)$/.test(lower) &&
        !lower.startsWith("*/") ||
      lower === "*/*"
    ) {
      return lower;
    }
  }
  throw new TypeError(
    `responseCompression: ${option} entry ${
      JSON.stringify(pattern)
    } is not a media type pattern; use "type/subtype" (application/json), "type/*" (text/*), "+suffix" (+json) or "*/*"`,
  );
}
