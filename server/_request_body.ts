// The request body as the app reads it as a stream: the read that passes the
// size limit fails with 413, and a body that breaks on the wire fails with a
// 400 RequestBodyError instead of whatever the runtime reported.

import { HttpError } from "../features/mod.ts";
import { bodyReadFailure } from "../features/_body_error.ts";
import type { MinDataRate } from "../features/mod.ts";
import { BodyWatch, type BodyWatches, tooSlow } from "./_body_rate.ts";

const { ReadableStream } = globalThis;

/** A minimum rate to hold a body to, and where its checks run. */
export interface BodyPace {
  rate: MinDataRate;
  watches: BodyWatches;
  /** Called once the body was found too slow (the connection must end). */
  onSlow(): void;
}

/**
 * Wraps a body so that reading past `limit` (when not null) fails with 413
 * (saying Connection: close when `tooLargeCloses()`, which ends the
 * connection) and a broken body fails with a RequestBodyError.
 */
export function guardedBody(
  source: ReadableStream<Uint8Array>,
  limit: number | null,
  close: boolean,
  pace?: BodyPace,
  tooLargeCloses: () => boolean = () => close,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  let watch: BodyWatch | undefined;
  const stopWatching = () => {
    if (watch !== undefined) pace!.watches.delete(watch);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pace !== undefined && watch === undefined) {
        // The clock starts with the first read, as Kestrel's does.
        watch = new BodyWatch(pace.rate, undefined, () => {
          const error = tooSlow(pace.rate, close);
          controller.error(error);
          reader.cancel(error).catch(() => {});
          pace.onSlow();
        });
        pace.watches.add(watch);
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        stopWatching();
        return controller.error(bodyReadFailure(error));
      }
      const { done, value } = chunk;
      if (done) {
        stopWatching();
        return controller.close();
      }
      seen += value.byteLength;
      if (watch !== undefined) watch.bytes = seen;
      if (limit !== null && seen > limit) {
        const error = tooLarge(limit, tooLargeCloses());
        stopWatching();
        controller.error(error);
        reader.cancel(error).catch(() => {});
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      stopWatching();
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
