// Byte and header helpers of the response bridge.

import { forDecodedBody } from "../features/_decoded_body.ts";
import { appendMissing, clearHeaders, copyHeaders } from "./_header_list.ts";

const { Headers, TextEncoder } = globalThis;
const encoder = new TextEncoder();

/** Statuses whose responses never carry a body (RFC 9110 §15). */
export const NULL_BODY_STATUSES: ReadonlySet<number> = new Set([
  101,
  103,
  204,
  205,
  304,
]);

/** Text as UTF-8 bytes; bytes as they are. */
export function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/**
 * Text written after `held` (half a surrogate pair an earlier write ended
 * with), split into what can be encoded now and the half, if any, this one
 * ends with: encoded alone, either half of a pair is U+FFFD.
 */
export function holdHighSurrogate(
  held: string,
  text: string,
): [ready: string, held: string] {
  const whole = held + text;
  const last = whole.charCodeAt(whole.length - 1);
  return last >= 0xd800 && last <= 0xdbff
    ? [whole.slice(0, -1), whole.slice(-1)]
    : [whole, ""];
}

/** The chunks as one array (the only chunk itself when there is one). */
export function concat(
  chunks: Uint8Array[],
  size: number,
): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The error for writing to a response that is already complete. */
export function alreadyComplete(what: string): TypeError {
  return new TypeError(
    `Cannot ${what}: the response is already complete (send, json, redirect, sendFile and complete each end it)`,
  );
}

/**
 * The headers set so far merged into a copy of a Response's own, which
 * win. The app's Response is never changed: it may be returned again for
 * another request (a module-level Response, raw Deno.serve serves a
 * bodiless one each time), or not go out at all (a middleware answered
 * 304 in its place, or an error page did), and either way a change would
 * hand this request's headers, cookies included, to the next. The caller
 * builds a new Response with the copy.
 */
export function mergeHeaders(
  ours: Headers | undefined,
  response: Response,
): Headers {
  const headers = new Headers();
  copyHeaders(response.headers, headers);
  forDecodedBody(response, headers);
  if (ours !== undefined) addMissing(headers, ours);
  return headers;
}

/**
 * Merges a Response's headers into `ours` in place, as `mergeHeaders`
 * merges them (the Response's win; cookies add up, ours first), so that a
 * middleware holding `ctx.response.headers` from before `next()` still
 * writes to the headers that go out. The Response is not changed.
 */
export function adoptHeaders(ours: Headers, response: Response): void {
  const merged = mergeHeaders(ours, response);
  clearHeaders(ours);
  copyHeaders(merged, ours);
}

// Adds to `theirs` each header of `ours` it does not have. Cookies add up
// (each Set-Cookie is a header of its own): ours first, then the Response's
// own, since a browser applies them in order and the Response's (a logout
// clearing a session cookie a middleware refreshed) must have the last
// word, as its other headers do. One it already carries (an app that built
// it from ctx.response.headers) is not sent twice. Says whether it wrote.
export function addMissing(theirs: Headers, ours: Headers): boolean {
  const appended = appendMissing(ours, theirs);
  if (appended !== undefined) return appended;
  let cookies: string[] | undefined;
  let wrote = false;
  // forEach: Deno reads Headers at a fifth of what for…of costs.
  ours.forEach((value, name) => {
    if (name === "set-cookie") (cookies ??= []).push(value);
    else if (!theirs.has(name)) {
      theirs.append(name, value);
      wrote = true;
    }
  });
  if (cookies === undefined) return wrote;
  const own = theirs.getSetCookie();
  const carried = new Set(own);
  theirs.delete("set-cookie");
  for (const cookie of cookies) {
    if (!carried.has(cookie)) theirs.append("set-cookie", cookie);
  }
  for (const cookie of own) theirs.append("set-cookie", cookie);
  return true;
}

/**
 * Replaces every header `from` has in `into`, keeping the others; cookies
 * add up, as in {@linkcode mergeHeaders}.
 */
export function replaceHeaders(into: Headers, from: Headers): void {
  const cookies = new Set(into.getSetCookie());
  for (const name of from.keys()) {
    if (name !== "set-cookie") into.delete(name);
  }
  from.forEach((value, name) => {
    if (name !== "set-cookie" || !cookies.has(value)) into.append(name, value);
  });
}
