// The body stream of a response that started early: writes feed it with
// backpressure, and a client that leaves cancels it. Made only when a
// response streams, so buffered responses never pay for it.

import { DONE } from "../features/_done.ts";

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

/** A body that fails at once: the client sees a broken connection. */
export function brokenBody(reason: unknown): ReadableStream<Uint8Array> {
  if (typeof reason === "object" && reason !== null) resets.add(reason);
  return new ReadableStream({
    start: (controller) => controller.error(reason),
  });
}

/** A byte stream fed by writes, with backpressure. */
export class ResponseStream {
  readonly readable: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #drain: PromiseWithResolvers<void> | undefined;
  #gone = false;
  #closed = false;
  readonly #discard: boolean;

  /**
   * @param onCancel Called when the client goes away.
   * @param discard Drop every byte: the response to a HEAD request has
   * headers only, and its readable is never handed over.
   */
  constructor(onCancel: (reason: unknown) => void, discard = false) {
    this.#discard = discard;
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#release(),
      cancel: (reason) => {
        this.#gone = true;
        this.#release();
        onCancel(reason);
      },
    }, { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength });
  }

  /** True once the client left or the stream was reset. */
  get gone(): boolean {
    return this.#gone;
  }

  #release(): void {
    const drain = this.#drain;
    if (drain !== undefined) {
      this.#drain = undefined;
      drain.resolve();
    }
  }

  /**
   * Queues bytes; resolves when there is room for more. Writes after the
   * client left are dropped, as Kestrel does: the app learns of it from
   * requestAborted and need not catch every write.
   */
  enqueue(bytes: Uint8Array): Promise<void> {
    if (this.#gone || this.#closed || this.#discard) return DONE;
    const controller = this.#controller;
    controller.enqueue(bytes);
    if (controller.desiredSize! > 0) return DONE;
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
    this.#controller.close();
  }

  /** Breaks the body off: the client sees a reset connection. */
  error(reason: unknown): void {
    if (typeof reason === "object" && reason !== null) resets.add(reason);
    this.#gone = true;
    this.#release();
    try {
      this.#controller.error(reason);
    } catch {
      // already closed or errored
    }
  }
}
