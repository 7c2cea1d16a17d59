// A Response fetch() made keeps the headers of the body as it came over the
// wire: Deno's fetch decodes gzip and br itself (measured on 2.9.6; not
// deflate, zstd or x-gzip) yet keeps Content-Encoding and Content-Length, as
// the fetch standard says, and leaves them out only when it serves that very
// Response. A copy Roost makes of such a Response (to merge the headers a
// middleware set, to apply send()'s init, to compress it) must leave them
// out too: a client told "gzip, 84 bytes" that gets the first 84 bytes of
// the decoded text cannot read it, where raw Deno.serve sends it right.

// What Deno's fetch decodes, where its own mark cannot be read.
const DECODED_BY_FETCH = new Set(["gzip", "br"]);

// The headers that describe the body on the wire, not the decoded one.
const WIRE_HEADERS = [
  "content-encoding",
  "content-length",
  "transfer-encoding",
];

/** Whether `response` came from fetch() with a body fetch decoded. */
export function bodyDecoded(response: Response): boolean {
  // new Response(), Response.json() and Response.redirect() are "default".
  if (response.type === "default") return false;
  const coding = response.headers.get("content-encoding");
  if (coding === null) return false;
  // Deno marks it on the Response it keeps inside (its "bodyDecoded"),
  // which is the truth when it can be found.
  for (const key of Object.getOwnPropertySymbols(response)) {
    if (key.description !== "response") continue;
    const inner = (response as unknown as Record<symbol, unknown>)[key];
    const decoded = (inner as { bodyDecoded?: unknown } | undefined)
      ?.bodyDecoded;
    if (typeof decoded === "boolean") return decoded;
  }
  return DECODED_BY_FETCH.has(coding.trim().toLowerCase());
}

/**
 * `headers` (a copy of a Response's) without what describes a body fetch
 * decoded, when `response`'s was: as Deno serves such a Response itself.
 */
export function forDecodedBody(response: Response, headers: Headers): Headers {
  if (bodyDecoded(response)) {
    for (const name of WIRE_HEADERS) headers.delete(name);
  }
  return headers;
}
