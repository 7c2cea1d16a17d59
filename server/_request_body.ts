// The request body limit: a stream that fails the read which passes it.

import { HttpError } from "../features/mod.ts";

const { ReadableStream } = globalThis;

/** Wraps a body of unknown length so that reading past `limit` fails with 413. */
export function limitedBody(
  source: ReadableStream<Uint8Array>,
  limit: number,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) return controller.close();
      seen += value.byteLength;
      if (seen > limit) {
        const error = tooLarge(limit);
        controller.error(error);
        reader.cancel(error).catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

/** The 413 error for a body over `limit`. */
export function tooLarge(limit: number): HttpError {
  return new HttpError(
    413,
    `Request body too large: the limit is ${limit} bytes`,
  );
}
