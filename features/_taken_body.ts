// Taking over the body of a Response the app made, for a new Response
// built from it (with other headers or another status), without asking for
// `response.body` where Deno holds the body in memory, and using the app's
// Response as sending it would: a body goes out once, as in raw Deno.serve.

const { ReadableStream } = globalThis;

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
  // A static body Deno keeps apart until asked comes into the inner body.
  if (lazyBodyOf(response, bodyKeys) !== undefined) void response.headers;
  const held = heldBodyOf(response, bodyKeys) as
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

// What Deno holds as a Response's body: a stream, or a record of a body
// in memory; undefined when there is none.
function heldBodyOf(response: Response, keys: BodyKeys): unknown {
  const inner = (response as unknown as Record<symbol, unknown>)[
    keys.inner
  ] as { body?: { streamOrStatic?: unknown } | null } | undefined;
  return inner?.body?.streamOrStatic;
}

// The static body Deno keeps apart until asked for, if any.
function lazyBodyOf(response: Response, keys: BodyKeys): unknown {
  const lazy = (response as unknown as Record<symbol, unknown>)[keys.lazy];
  return lazy === null ? undefined : lazy;
}

// Whether Deno holds a Response's body in memory (not as a stream).
function heldInMemory(response: Response): boolean {
  bodyKeys ??= findBodyKeys(response);
  if (bodyKeys === null) return false;
  const held = heldBodyOf(response, bodyKeys);
  return typeof held === "object" && held !== null &&
    !(held instanceof ReadableStream);
}

/**
 * A new Response made by `make` with the body of `response`: the body Deno
 * holds in memory as it is, else its stream. Either way `response` is used
 * after it, as if it had been sent.
 */
export function rebuildWithBody(
  response: Response,
  make: (body: BodyInit | null) => Response,
): Response {
  const held = takeStaticBody(response);
  if (held !== undefined) return make(held);
  const stream = response.body;
  const rebuilt = make(stream);
  // Deno makes a Response from a stream of a body it held in memory with
  // that body itself, leaving the stream unread: the app's Response would
  // look unused, and could go out again.
  if (stream !== null && !stream.locked && heldInMemory(rebuilt)) {
    stream.cancel().catch(() => {});
  }
  return rebuilt;
}

/**
 * Lets go of the body of a Response that will not go out (answered 304 in
 * its place, or cleared for an error page): a stream is cancelled, so that
 * what feeds it (a fetch() from an upstream) stops now, not when it is
 * collected. A body Deno holds in memory is left as it is: the Response
 * may still go out another time.
 */
export function releaseBody(response: Response): void {
  bodyKeys ??= findBodyKeys(response);
  if (bodyKeys === null || lazyBodyOf(response, bodyKeys) !== undefined) {
    return;
  }
  const held = heldBodyOf(response, bodyKeys);
  if (!(held instanceof ReadableStream) || held.locked) return;
  held.cancel().catch(() => {});
}
