// Byte and header helpers of the compressing body.

import type { CompressionEncoding } from "./_compression_negotiation.ts";

const { Blob, TextEncoder } = globalThis;

/** Encodes text as UTF-8, once per process. */
export const encoder: TextEncoder = new TextEncoder();

/** Looks a response header up. */
export type Lookup = (name: string) => string | null;

/** Text as UTF-8 bytes; bytes as they are. */
export function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** The content type a body gets from Response when the app set none. */
export function implicitType(body: BodyInit): string | null {
  if (typeof body === "string") return "text/plain;charset=UTF-8";
  if (body instanceof Blob) return body.type || null;
  return null;
}

/** Adds `Accept-Encoding` to `Vary`, once. */
export function addVary(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary !== null) {
    const lower = vary.toLowerCase();
    if (lower.includes("accept-encoding") || lower.trim() === "*") return;
  }
  headers.append("vary", "Accept-Encoding");
}

/**
 * Marks a head as compressed: its length changes, and a strong ETag
 * promises the exact bytes (RFC 9110 section 8.8.1), so it becomes weak.
 */
export function markEncoded(
  headers: Headers,
  encoding: CompressionEncoding,
  contentType: string | null,
): void {
  headers.set("content-encoding", encoding);
  headers.delete("content-length");
  if (contentType !== null && !headers.has("content-type")) {
    headers.set("content-type", contentType);
  }
  const etag = headers.get("etag");
  if (etag !== null && etag.startsWith('"')) headers.set("etag", `W/${etag}`);
}

/** A valid Content-Length, or undefined. */
export function lengthOf(get: Lookup): number | undefined {
  const value = get("content-length");
  if (value === null) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) && length >= 0 ? length : undefined;
}

/**
 * The UTF-8 size of `text`, exact below `enough` and a lower bound from there
 * on: all a minimum-size check needs, without encoding (an op call) the many
 * small bodies that are not compressed.
 */
export function utf8Length(text: string, enough: number): number {
  const units = text.length;
  // One to three bytes per UTF-16 unit (a surrogate pair is four for two).
  if (units >= enough || units * 3 < enough) return units;
  let bytes = 0;
  for (let i = 0; i < units && bytes < enough; i++) {
    const code = text.charCodeAt(i);
    // Each half of a surrogate pair counts two: four for the pair.
    bytes += code < 0x80
      ? 1
      : code < 0x800 || (code & 0xf800) === 0xd800
      ? 2
      : 3;
  }
  return bytes;
}
