// The body stream of a response that started early: writes feed it with
// backpressure, and a client that leaves cancels it. Made only when a
// response streams, so buffered responses never pay for it.

import { DONE } from "../features/_done.ts";
import { holdHighSurrogate, toBytes } from "./_response_body.ts";
import { WriteBuffer } from "./_write_buffer.ts";
import { scheduleImmediate, type Timer } from "./_timers.ts";

const { ReadableStream } = globalThis;

const HIGH_WATER_MARK = 65_536;

// Why response streams were broken off on purpose (an abort, a shutdown,
// an app error already reported): Deno.serve hands them to its onError,
// which need not report them again.
const resets = new WeakSet<object>();

/** Whether `error` is the reason a response stream was broken off on purpose. */
export function isDeliberateReset(error: unknown): boolean {
  return typeof error === "object" && error !== null && resets.has(error);
}

/**
 * The error for a body chunk that is not bytes: what Deno says of such a
 * stream, with the fix.
 */
export function notBytes(chunk: unknown): TypeError {
  const kind = typeof chunk === "string"
    ? "a string"
    : chunk === null
    ? "null"
    : typeof chunk === "object" || typeof chunk === "undefined"
    ? `an ${typeof chunk}`
    : `a ${typeof chunk}`;
  return new TypeError(
    `A response body stream gave ${kind} chunk: response streams must give Uint8Array chunks (encode text with TextEncoder, or pipe through TextEncoderStream)`,
  );
}

/** A body that fails at once: the client sees a broken connection. */
export function brokenBody(reason: unknown): ReadableStream<Uint8Array> {
  if (typeof reason === "object" && reason !== null) resets.add(reason);
  return new ReadableStream({
    start: (controller) => controller.error(reason),
  });
}

/**
 * A byte stream fed by writes, with backpressure. Writes the server has not
 * asked for yet wait in a list and go out together, as one chunk, when it
 * asks (Kestrel's output pipe does the same): eight 100-byte writes in a row
 * cost Deno a third more as eight chunks than as one. A write the server is
 * already waiting for goes out on the next turn of the event loop, with
 * whatever else was written in this one.
 */
export class ResponseStream {
  readonly readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  // Text stays text until it goes out: one encode for many writes.
  // Full at 64 KiB exactly: a 64 KiB write (a file stream's chunk) goes out
  // as it is, not copied into one with the next.
  readonly #pending = new WriteBuffer(HIGH_WATER_MARK - 1);
  // The first half of a surrogate pair that ended a write, held for the
  // second half the next write starts with: encoded alone, either half is
  // U+FFFD.
  #highSurrogate = "";
  // The server is reading and found nothing.
  #wanted = false;
  #delivery: Timer | undefined;
  #drain: PromiseWithResolvers<void> | undefined;
  #gone = false;
  #closed = false;
  readonly #discard: boolean;
  readonly #onCancel: (reason: unknown) => void;

  /**
   * @param onCancel Called when the client goes away.
   * @param discard Drop every byte: the response to a HEAD request has
   * headers only, and its readable is never handed over.
   */
  constructor(onCancel: (reason: unknown) => void, discard = false) {
    this.#discard = discard;
    this.#onCancel = onCancel;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        if (this.#pending.isFull) return this.#deliver();
        this.#wanted = true;
        if (!this.#pending.isEmpty) this.#scheduleDelivery();
      },
      cancel: (reason) => {
        this.#gone = true;
        this.#drop();
        onCancel(reason);
      },
    }, { highWaterMark: 0 });
  }

  /** True once the client left or the stream was reset. */
  get gone(): boolean {
    return this.#gone;
  }

  // Hands what was written to the server as one chunk, and lets writers on.
  #deliver(): void {
    this.#delivery?.cancel();
    this.#delivery = undefined;
    const body = this.#pending.take();
    if (body !== undefined) {
      this.#wanted = false;
      this.#controller.enqueue(toBytes(body));
    }
    this.#release();
  }

  // Delivers on the next turn of the event loop, so that what the app writes
  // in this one goes along.
  #scheduleDelivery(): void {
    this.#delivery ??= scheduleImmediate(() => this.#deliver());
  }

  // A held half surrogate goes out as it would have (U+FFFD).
  #flushSurrogate(): void {
    if (this.#highSurrogate === "") return;
    this.#pending.add(this.#highSurrogate);
    this.#highSurrogate = "";
  }

  // Forgets what was not delivered: the stream will not be read again.
  #drop(): void {
    this.#delivery?.cancel();
    this.#delivery = undefined;
    this.#pending.clear();
    this.#release();
  }

  #release(): void {
    const drain = this.#drain;
    if (drain !== undefined) {
      this.#drain = undefined;
      drain.resolve();
    }
  }

  /**
   * Queues bytes or text (sent as UTF-8); resolves when there is room for more. Writes after the
   * client left are dropped, as Kestrel does: the app learns of it from
   * requestAborted and need not catch every write.
   */
  enqueue(chunk: Uint8Array | string): Promise<void> {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
      return Promise.reject(notBytes(chunk));
    }
    if (this.#discard && !this.#gone) {
      // A HEAD response has all it will get: as when a client leaves, the
      // app hears of it from requestAborted, so that a producer that never
      // ends stops (Deno.serve's own request signal fires there too).
      this.#gone = true;
      this.#onCancel(
        new DOMException("A HEAD request reads no body", "AbortError"),
      );
    }
    if (this.#gone || this.#closed || this.#discard) return DONE;
    if (typeof chunk === "string") {
      [chunk, this.#highSurrogate] = holdHighSurrogate(
        this.#highSurrogate,
        chunk,
      );
      if (chunk === "") return DONE;
    } else {
      // Bytes next: the held half never gets its pair.
      this.#flushSurrogate();
      if (chunk.byteLength === 0) return DONE;
    }
    this.#pending.add(chunk);
    if (!this.#pending.isFull) {
      if (this.#wanted) this.#scheduleDelivery();
      return DONE;
    }
    // Enough to send: at once, when the server is waiting for it.
    if (this.#wanted) {
      this.#deliver();
      return DONE;
    }
    return (this.#drain ??= Promise.withResolvers()).promise;
  }

  /** Copies a stream in, until it ends or the client leaves. */
  async pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    if (this.#discard) return await stream.cancel();
    const reader = stream.getReader();
    try {
      while (!this.#gone) {
        const { done, value } = await reader.read();
        if (done) return;
        // Text is for write(); a stream gives bytes, as Deno requires.
        if (!(value instanceof Uint8Array)) throw notBytes(value);
        await this.enqueue(value);
      }
      await reader.cancel();
    } finally {
      reader.releaseLock();
    }
  }

  /** Ends the body normally. */
  close(): void {
    if (this.#gone || this.#closed) return;
    this.#closed = true;
    this.#flushSurrogate();
    this.#deliver();
    this.#controller.close();
  }

  /** Breaks the body off: the client sees a reset connection. */
  error(reason: unknown): void {
    if (typeof reason === "object" && reason !== null) resets.add(reason);
    this.#gone = true;
    this.#drop();
    try {
      this.#controller.error(reason);
    } catch {
      // already closed or errored
    }
  }
}
