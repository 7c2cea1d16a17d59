// The parts of the response bridge about status and headers: the read-only
// view once a response has started, and what a HEAD response needs to know
// about the body it will not send.

import { toBytes } from "./_response_body.ts";

const { Headers, Blob, URLSearchParams } = globalThis;

// How much of a Response's body a HEAD request may read to learn its length.
const HEAD_MEASURE_LIMIT = 1_048_576;

export function started(what: string): TypeError {
  return new TypeError(
    `Cannot ${what}: the response has already started, and its status and headers are read-only (set them before the first write, start() or send)`,
  );
}

// What ctx.response.headers is once the response has started: changes would
// be lost, so they throw, as Kestrel's "Headers are read-only" does.
export class SentHeaders extends Headers {
  override set(name: string): void {
    throw started(`set the header "${name}"`);
  }
  override append(name: string): void {
    throw started(`append the header "${name}"`);
  }
  override delete(name: string): void {
    throw started(`delete the header "${name}"`);
  }
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
  const timer = setTimeout(() => {
    late = true;
    reader.cancel().catch(() => {});
  }, 0);
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) return late ? undefined : size;
      size += value.byteLength;
      if (size > HEAD_MEASURE_LIMIT) {
        await reader.cancel();
        return undefined;
      }
    }
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
