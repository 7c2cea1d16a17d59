// The request body as the app reads it as a stream: the read that passes the
// size limit fails with 413, and a body that breaks on the wire fails with a
// 400 RequestBodyError instead of whatever the runtime reported.

import { HttpError } from "../features/mod.ts";
import { bodyReadFailure } from "../features/_body_error.ts";

const { ReadableStream } = globalThis;

/**
 * Wraps a body so that reading past `limit` (when not null) fails with 413
 * and a broken body fails with a RequestBodyError.
 */
export function guardedBody(
  source: ReadableStream<Uint8Array>,
  limit: number | null,
  close: boolean,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        return controller.error(bodyReadFailure(error));
      }
      const { done, value } = chunk;
      if (done) return controller.close();
      seen += value.byteLength;
      if (limit !== null && seen > limit) {
        const error = tooLarge(limit, close);
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

/**
 * The 413 error for a body over `limit`. On HTTP/1 it closes the connection,
 * so a client still sending learns to stop (Deno has already answered any
 * `Expect: 100-continue` with 100 before the app runs).
 */
export function tooLarge(limit: number, close: boolean): HttpError {
  return new HttpError(
    413,
    `Request body too large: the limit is ${limit} bytes`,
    close ? { headers: { connection: "close" } } : undefined,
  );
}
