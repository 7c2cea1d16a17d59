// A response to HEAD has the headers a GET would have had, and no body:
// what it needs to know about the body it will not send.

import { NULL_BODY_STATUSES, toBytes } from "./_response_body.ts";
import { schedule } from "./_timers.ts";

export { NULL_BODY_STATUSES };

const { Blob, URLSearchParams } = globalThis;

// How much of a Response's body a HEAD request may read to learn its length.
const HEAD_MEASURE_LIMIT = 1_048_576;

/** The Content-Length and Content-Type a GET's body would have given. */
export function headForGet(
  body: BodyInit,
  status: number,
  headers: Headers,
  written: boolean,
): Headers {
  const length = byteLength(body);
  if (
    length !== undefined && !NULL_BODY_STATUSES.has(status) &&
    !headers.has("content-length")
  ) {
    headers.set("content-length", String(length));
  }
  // The type new Response(body) would have given it; a status that carries
  // no body (204, 304) goes out without one, as the GET does.
  if (NULL_BODY_STATUSES.has(status)) return headers;
  const type = typeof body === "string"
    ? written ? undefined : "text/plain;charset=UTF-8"
    : body instanceof URLSearchParams
    ? "application/x-www-form-urlencoded;charset=UTF-8"
    : body instanceof Blob && body.type !== ""
    ? body.type
    : undefined;
  if (type !== undefined && !headers.has("content-type")) {
    headers.set("content-type", type);
  }
  return headers;
}

/** A body's length in bytes, when it can be known without reading it. */
export function byteLength(body: BodyInit): number | undefined {
  if (typeof body === "string") return toBytes(body).byteLength;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) {
    return body.byteLength;
  }
  if (body instanceof Blob) return body.size;
  if (body instanceof URLSearchParams) return toBytes(String(body)).byteLength;
  return undefined;
}

/**
 * The length of a body that is already in memory: read until it ends, but
 * give up (undefined) past the limit or once a task turn passes, so a
 * stream fed by I/O or a timer is never waited for.
 */
export async function measure(
  body: ReadableStream<Uint8Array>,
): Promise<number | undefined> {
  const reader = body.getReader();
  let size = 0;
  let late = false;
  const timer = schedule(() => {
    late = true;
    reader.cancel().catch(() => {});
  }, 0);
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return late ? undefined : size;
      size += value.byteLength;
      if (size > HEAD_MEASURE_LIMIT) {
        // Not awaited: the body measured is a clone's branch, whose cancel
        // settles only once the other branch is cancelled too (when the
        // HEAD answer goes out), so awaiting it would wait for ever.
        reader.cancel().catch(() => {});
        return undefined;
      }
    }
  } catch {
    return undefined;
  } finally {
    timer.cancel();
  }
}
