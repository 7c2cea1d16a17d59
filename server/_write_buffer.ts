// The writes of a response that has not started yet, held until it is sent
// whole or starts streaming.

import { concat, holdHighSurrogate, toBytes } from "./_response_body.ts";

/**
 * Buffered writes. Text stays text while every write is text and the
 * whole is small: Deno takes a string body as it is, which saves an encode
 * and a copy. Anything else is kept as bytes, counted exactly.
 */
export class WriteBuffer {
  readonly #limit: number;
  #text: string | undefined;
  #chunks: Uint8Array[] | undefined;
  #size = 0;
  // Once text is kept as bytes, the first half of a surrogate pair that
  // ended a write waits for the second (encoded alone, either is U+FFFD).
  #high = "";

  /** @param limit The byte count past which the response should stream. */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether anything was written. */
  get isEmpty(): boolean {
    return this.#text === undefined && this.#chunks === undefined;
  }

  /** Whether the writes outgrew the limit: time to stream. */
  get isFull(): boolean {
    return this.#size > this.#limit;
  }

  add(chunk: Uint8Array | string): void {
    if (typeof chunk === "string" && this.#chunks === undefined) {
      const text = this.#text === undefined ? chunk : this.#text + chunk;
      // At most 3 UTF-8 bytes a UTF-16 unit: past that bound, count exactly.
      if (text.length * 3 <= this.#limit) {
        this.#text = text;
        return;
      }
      this.#text = undefined;
      chunk = text;
    } else if (this.#text !== undefined) {
      const bytes = toBytes(this.#text);
      this.#chunks = [bytes];
      this.#size = bytes.byteLength;
      this.#text = undefined;
    }
    if (typeof chunk === "string") {
      [chunk, this.#high] = holdHighSurrogate(this.#high, chunk);
    } else this.#flushHigh();
    this.#push(toBytes(chunk));
  }

  #push(bytes: Uint8Array): void {
    (this.#chunks ??= []).push(bytes);
    this.#size += bytes.byteLength;
  }

  // A held half with no other half to come goes out as it would have.
  #flushHigh(): void {
    if (this.#high === "") return;
    const high = this.#high;
    this.#high = "";
    this.#push(toBytes(high));
  }

  /**
   * Takes out the half of a surrogate pair held for the next write, for a
   * writer that carries on (a stream the writes move to).
   */
  takeHeld(): string {
    const high = this.#high;
    this.#high = "";
    return high;
  }

  /** Takes everything out as one body: text if it is all text. */
  take(): string | Uint8Array<ArrayBuffer> | undefined {
    this.#flushHigh();
    const text = this.#text;
    const chunks = this.#chunks;
    const size = this.#size;
    this.clear();
    if (text !== undefined) return text;
    return chunks === undefined ? undefined : concat(chunks, size);
  }

  clear(): void {
    this.#text = this.#chunks = undefined;
    this.#size = 0;
    this.#high = "";
  }
}
