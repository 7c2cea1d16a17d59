// Byte and header helpers of the response bridge.

const { Headers, TextEncoder } = globalThis;
const encoder = new TextEncoder();

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
 * Merges the headers set so far into a Response's own, which win. A
 * Response's headers are mutable unless it came from fetch() or
 * Response.redirect(): then a copy is made (`copied`), and the caller must
 * build a new Response with it.
 */
export function mergeHeaders(
  ours: Headers | undefined,
  response: Response,
): { headers: Headers; copied: boolean } {
  const theirs = response.headers;
  try {
    if (ours !== undefined) addMissing(theirs, ours);
    // Headers has no "is it immutable" query: a write says.
    theirs.append("x-roost-probe", "");
    theirs.delete("x-roost-probe");
    return { headers: theirs, copied: false };
  } catch {
    const headers = new Headers(theirs);
    if (ours !== undefined) addMissing(headers, ours);
    return { headers, copied: true };
  }
}

// Adds to `theirs` each header of `ours` it does not have. Cookies add up
// (each Set-Cookie is a header of its own), but one `theirs` already carries
// (an app that built its Response from ctx.response.headers) is not sent
// twice.
function addMissing(theirs: Headers, ours: Headers): void {
  // Read before the merge.
  let cookies: Set<string> | undefined;
  // forEach: Deno reads Headers at a fifth of what for…of costs.
  ours.forEach((value, name) => {
    if (name === "set-cookie") {
      cookies ??= new Set(theirs.getSetCookie());
      if (!cookies.has(value)) theirs.append(name, value);
    } else if (!theirs.has(name)) theirs.append(name, value);
  });
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
