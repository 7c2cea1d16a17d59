// Byte and header helpers of the response bridge.

import { forDecodedBody } from "../features/_decoded_body.ts";
import { appendMissing, copyHeaders } from "./_header_list.ts";

const { Headers, ReadableStream, TextEncoder } = globalThis;
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

// Deno keeps a Response's body on internal fields: the inner response's
// `body`, and a static body (a string, JSON) apart until asked for. Asking
// `response.body` turns a static body into a stream, which Deno then serves
// far more slowly (a hello returned behind a middleware that set one header
// measured 0.64× of not asking), so those fields are read, found once by
// their symbols' descriptions; without them, it asks after all.
interface BodyKeys {
  inner: symbol;
  lazy: symbol;
  /** The content type of a lazy static body, when not text/plain. */
  lazyType: symbol | undefined;
  /** The Headers object, once asked for. */
  headers: symbol | undefined;
  /** Set once Deno sent a lazy static body. */
  consumed: symbol | undefined;
}

let bodyKeys: BodyKeys | null | undefined;

function findBodyKeys(response: Response): BodyKeys | null {
  const symbols = Object.getOwnPropertySymbols(response);
  const named = (description: string) =>
    symbols.find((symbol) => symbol.description === description);
  const inner = named("response");
  const lazy = named("lazy static body");
  return inner === undefined || lazy === undefined ? null : {
    inner,
    lazy,
    lazyType: named("lazy static content type"),
    headers: named("headers"),
    consumed: named("serve fast consumed"),
  };
}

/**
 * The text of `new Response(text)` at status 200, with no headers but the
 * default content type and its headers never asked for, taken for a new
 * Response: it has nothing to merge, so a copy of it is just its text. It
 * is used then, as sending it would. `undefined` for any other Response.
 */
export function takeLazyText(response: Response): string | undefined {
  bodyKeys ??= findBodyKeys(response);
  if (
    bodyKeys === null || bodyKeys.lazyType === undefined ||
    bodyKeys.headers === undefined || bodyKeys.consumed === undefined
  ) {
    return undefined;
  }
  const fields = response as unknown as Record<symbol, unknown>;
  const text = fields[bodyKeys.lazy];
  const inner = fields[bodyKeys.inner] as
    | { headerList?: unknown; status?: unknown; statusMessage?: unknown }
    | undefined;
  if (
    typeof text !== "string" || fields[bodyKeys.lazyType] !== null ||
    fields[bodyKeys.headers] !== null || fields[bodyKeys.consumed] !== false ||
    inner?.status !== 200 || inner.statusMessage !== "" ||
    !Array.isArray(inner.headerList) || inner.headerList.length !== 0
  ) {
    return undefined;
  }
  fields[bodyKeys.consumed] = true;
  return text;
}

/**
 * A Response's body as Deno holds it in memory (a string or bytes), taken
 * for a new Response without asking for `response.body`, which would make
 * it a stream (see above). Taking it uses it, as sending it would: the
 * Response cannot go out again. `undefined` when the body is a stream, is
 * used already, or cannot be read this way; the caller then asks for it.
 */
export function takeStaticBody(
  response: Response,
): string | Uint8Array<ArrayBuffer> | undefined {
  bodyKeys ??= findBodyKeys(response);
  if (bodyKeys === null) return undefined;
  const fields = response as unknown as Record<symbol, unknown>;
  // A static body Deno keeps apart until asked comes into the inner body.
  if (fields[bodyKeys.lazy] !== null && fields[bodyKeys.lazy] !== undefined) {
    void response.headers;
  }
  const inner = fields[bodyKeys.inner] as
    | { body?: { streamOrStatic?: unknown } | null }
    | undefined;
  const held = inner?.body?.streamOrStatic as
    | { body?: unknown; consumed?: unknown }
    | undefined;
  if (
    typeof held !== "object" || held === null ||
    held instanceof ReadableStream || held.consumed !== false
  ) {
    return undefined;
  }
  const body = held.body;
  if (typeof body !== "string" && !(body instanceof Uint8Array)) {
    return undefined;
  }
  held.consumed = true;
  return body as string | Uint8Array<ArrayBuffer>;
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
