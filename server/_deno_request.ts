// Reading one header of a request Deno.serve made without building them all,
// and its body as text in one step. `Request.headers` turns every header
// into a Headers object on first use, measured at about 1 µs per request:
// more than the rest of Roost's request bookkeeping. Deno keeps its
// serve-side record of the request under an internal symbol, whose
// `header(name)` reads one header with one op and whose `consumeTextBody()`
// takes a body that has arrived whole. It is internal, so it is
// feature-detected per request, and the public API is the fallback (a
// Request made in memory has no such record).

interface ServeRecord {
  header?(name: string): string | null;
  consumeTextBody?(): string | null;
}

let recordKey: symbol | null | undefined;

function findRecordKey(request: Request): symbol | null {
  return Object.getOwnPropertySymbols(request).find((symbol) =>
    symbol.description === "request"
  ) ?? null;
}

// Deno's serve-side record of `request`, or undefined (a Request made in
// memory, or a Deno that keeps it elsewhere).
function serveRecord(request: Request): ServeRecord | undefined {
  recordKey ??= findRecordKey(request);
  if (recordKey === null) return undefined;
  return (request as unknown as Record<symbol, ServeRecord | undefined>)[
    recordKey
  ];
}

/**
 * One request header, read the cheapest way the runtime allows.
 *
 * @param request A request from Deno.serve, or any Request.
 * @param name The header's name, in any case (Deno's record and Headers both ignore it).
 */
export function requestHeader(request: Request, name: string): string | null {
  const record = serveRecord(request);
  if (typeof record?.header === "function") {
    try {
      return record.header(name);
    } catch {
      // Closed or changed: ask the public API.
    }
  }
  return request.headers.get(name);
}

/**
 * The body of a request Deno.serve made, as text, when Deno has already
 * received it whole: one op, with no stream, no bytes copied into
 * JavaScript and no decoding there (Deno's own `json()` reads this way; its
 * `text()` does not). `null` when the body is still arriving, was already
 * taken, or the request has no serve record; the body is then untouched.
 * The text is UTF-8 decoded with replacement characters, as `text()`
 * decodes, but keeps a byte order mark, which `text()` drops.
 *
 * @param request A request from Deno.serve, or any Request.
 */
export function takeBodyText(request: Request): string | null {
  const record = serveRecord(request);
  if (typeof record?.consumeTextBody !== "function") return null;
  try {
    return record.consumeTextBody() ?? null;
  } catch {
    // Closed: the usual read reports it.
    return null;
  }
}
