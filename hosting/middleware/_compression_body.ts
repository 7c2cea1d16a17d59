// The compressing HttpResponseBodyFeature that responseCompression puts in
// front of the server's for the length of next() (ASP.NET's
// ResponseCompressionBody). It decides once, when status and headers are
// known (the first write, start(), or complete()), and then either forwards
// everything untouched or compresses:
//
// - a whole body (complete(text | bytes | Blob | Response made in memory),
//   or writes that end before BUFFER_LIMIT) in one sync call, handed on whole
//   so the server keeps its no-stream fast path;
// - a stream, a large body, writes past BUFFER_LIMIT or after start(),
//   through a streaming compressor that flushes each write, with
//   backpressure (every write waits for the server to take its output).
//
// Files (sendFile) are never compressed: their validators, ranges and
// Content-Length are decided by sendFile itself, and static files are better
// served from precompressed siblings.

import { forDecodedBody } from "../../features/_decoded_body.ts";
import type {
  HttpResponseBodyFeature,
  HttpResponseFeature,
  SendFileOptions,
} from "../../features/mod.ts";
import {
  COMPLETE,
  DONE,
  handledWhenReported,
  isComplete,
  isWritten,
  notWritable,
  WRITTEN,
} from "../../features/_done.ts";
import type { CompressionEncoding } from "./_compression_negotiation.ts";
import { type Policy, StreamEncoder } from "./_compression_encoders.ts";
import { compressBody, compressResponse } from "./_compression_response.ts";
import {
  addVary,
  implicitType,
  lengthOf,
  type Lookup,
  markEncoded,
  toBytes,
  utf8Length,
} from "./_compression_headers.ts";

const { Response, ReadableStream, Blob, Headers } = globalThis;

/**
 * Written bytes held back to learn a body's size (under the minimum, it is
 * not compressed); past this, compression starts as a stream.
 */
const BUFFER_LIMIT = 65_536;
// Statuses that carry no body, and 206, whose Content-Range counts the
// uncompressed bytes.
const NO_COMPRESS_STATUSES = new Set([101, 103, 204, 205, 206, 304]);

type Phase = "undecided" | "sizing" | "identity" | "compressing" | "done";

/** The body feature of one request while the middleware runs next(). */
export class CompressingBody implements HttpResponseBodyFeature {
  #phase: Phase = "undecided";
  readonly #inner: HttpResponseBodyFeature;
  readonly #head: HttpResponseFeature;
  readonly #encoding: CompressionEncoding | null;
  readonly #policy: Policy;
  #chunks: Uint8Array[] = [];
  #size = 0;
  #encoder: StreamEncoder | undefined;
  // Compression work runs in order, one step after another; the middleware
  // waits for the last before it returns.
  #tail: Promise<void> = DONE;
  // Steps not finished yet: with none, a call after the end goes straight
  // to the server, whose answer (a misuse reported, its rejection handled)
  // is then the caller's, unwrapped.
  #running = 0;
  #failure: { error: unknown } | undefined;
  #writable: WritableStream<Uint8Array> | undefined;

  constructor(
    inner: HttpResponseBodyFeature,
    head: HttpResponseFeature,
    encoding: CompressionEncoding | null,
    policy: Policy,
  ) {
    this.#inner = inner;
    this.#head = head;
    this.#encoding = encoding;
    this.#policy = policy;
  }

  #serial(step: () => Promise<void>): Promise<void> {
    this.#running++;
    const run = this.#tail.then(step);
    this.#tail = run.catch((error) => {
      this.#failure ??= { error };
    }).finally(() => {
      this.#running--;
    });
    return run;
  }

  // What comes after our end goes to the server once our steps are over;
  // a misuse it reports (a second body) must not end the process when
  // nobody awaited the call.
  #afterEnd<T>(call: () => Promise<T>): Promise<T> {
    if (this.#running === 0) return call();
    return handledWhenReported(this.#tail.then(call));
  }

  // Whether to compress, by status and headers; adds Vary to `vary` when the
  // type is one to compress, whatever the answer, so that caches keep the
  // variants apart.
  #decide(
    status: number,
    get: Lookup,
    contentType: string | null,
    vary: Headers,
    size: number | undefined,
  ): boolean {
    if (!this.#policy.compressible(contentType)) return false;
    addVary(vary);
    if (this.#encoding === null || NO_COMPRESS_STATUSES.has(status)) {
      return false;
    }
    if (get("content-encoding") !== null || get("content-range") !== null) {
      return false;
    }
    const cacheControl = get("cache-control");
    if (cacheControl !== null && /no-transform/i.test(cacheControl)) {
      return false;
    }
    const length = size ?? lengthOf(get);
    // An empty body would only grow (minimumSize may be 0).
    return length === undefined ||
      (length > 0 && length >= this.#policy.minimumSize);
  }

  #decideHead(size: number | undefined, contentType?: string | null): boolean {
    const head = this.#head;
    const headers = head.headers;
    return this.#decide(
      head.status,
      (name) => headers.get(name),
      contentType ?? headers.get("content-type"),
      headers,
      size,
    );
  }

  get stream(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => this.complete(),
      abort: (reason) => {
        this.abandon();
        return this.#inner.stream.abort(reason);
      },
    });
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
      return Promise.reject(notWritable(chunk));
    }
    switch (this.#phase) {
      case "undecided":
        if (!this.#decideHead(undefined)) {
          this.#phase = "identity";
          return this.#inner.write(chunk);
        }
        this.#phase = "sizing";
        return this.write(chunk);
      case "sizing": {
        const bytes = toBytes(chunk);
        this.#chunks.push(bytes);
        this.#size += bytes.byteLength;
        return this.#size > BUFFER_LIMIT ? this.#beginStream() : DONE;
      }
      case "compressing":
        return this.#serial(() => this.#push(toBytes(chunk), true));
      case "done":
        return this.#afterEnd(() => this.#inner.write(chunk));
      default:
        return this.#inner.write(chunk);
    }
  }

  start(): Promise<void> {
    const inner = this.#inner;
    switch (this.#phase) {
      case "undecided":
        if (!this.#decideHead(undefined)) {
          this.#phase = "identity";
          return inner.start();
        }
        this.#phase = "sizing";
        return this.start();
      case "sizing":
        this.#beginStream();
        return this.#serial(() => inner.start());
      case "compressing":
        return this.#serial(() => inner.start());
      default:
        return inner.start();
    }
  }

  // Starts streaming compression with what was written so far.
  #beginStream(): Promise<void> {
    const encoding = this.#encoding!;
    this.#phase = "compressing";
    markEncoded(this.#head.headers, encoding, null);
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#size = 0;
    return this.#serial(async () => {
      this.#encoder = await StreamEncoder.create(encoding, this.#policy.levels);
      // Streaming now: the head goes out, so what compresses well is not held
      // back until the server's buffer fills with compressed bytes (and a
      // timeout or a client sees the response has started).
      await this.#inner.start();
      for (let i = 0; i < chunks.length; i++) {
        await this.#push(chunks[i], i === chunks.length - 1);
      }
    });
  }

  // Compresses a chunk and hands the output on, waiting for the server to
  // take it: this is where backpressure reaches the app.
  async #push(chunk: Uint8Array, flush: boolean): Promise<void> {
    const out = await this.#encoder!.push(chunk, flush);
    for (const piece of out) await this.#inner.write(piece);
  }

  async #endStream(): Promise<void> {
    const out = await this.#encoder!.end();
    for (const piece of out) await this.#inner.write(piece);
    await this.#inner.complete();
  }

  [COMPLETE](): boolean {
    return this.#phase === "done" || isComplete(this.#inner);
  }

  [WRITTEN](): boolean {
    return this.#size > 0 || this.#chunks.length > 0 ||
      this.#encoder !== undefined || isWritten(this.#inner);
  }

  complete(body?: BodyInit | Response | null): Promise<void> {
    const phase = this.#phase;
    if (phase === "identity") return this.#inner.complete(body);
    if (phase === "done") {
      // After our own complete() reached the server, so that it answers
      // (a second complete() is a no-op, a second body an error) as it would
      // without us.
      return this.#afterEnd(() => this.#inner.complete(body));
    }
    if (phase === "compressing") {
      this.#phase = "done";
      if (body instanceof Response) {
        return Promise.reject(
          new TypeError(
            `Cannot send a Response (status ${body.status}) after writing a compressed body: send its body instead`,
          ),
        );
      }
      return this.#serial(async () => {
        const source = body === undefined || body === null
          ? null
          : (body instanceof ReadableStream ? body : new Response(body).body);
        if (source !== null) {
          for await (const chunk of source) await this.#push(chunk, true);
        }
        await this.#endStream();
      });
    }
    if (body instanceof Response) {
      if (phase === "undecided") return this.#completeResponse(body);
      // Written bytes and then a Response: rare, and the server merges the
      // two in its own way, so let it.
      return this.#forward(() => this.#inner.complete(body));
    }
    return this.#completeBody(body ?? null);
  }

  // The written bytes held back, to the server as they were written, and
  // then `then` (without a promise turn when nothing was held back: the
  // server's synchronous fast path stays).
  #forward(then?: () => Promise<void>): Promise<void> {
    this.#phase = "identity";
    const chunks = this.#chunks;
    if (chunks.length === 0) return then === undefined ? DONE : then();
    this.#chunks = [];
    this.#size = 0;
    let last = DONE;
    for (const chunk of chunks) last = this.#inner.write(chunk);
    return then === undefined ? last : last.then(then);
  }

  #completeBody(body: BodyInit | null): Promise<void> {
    const headers = this.#head.headers;
    const contentType = headers.get("content-type") ??
      (body === null || this.#phase === "sizing" ? null : implicitType(body));
    let bytes: Uint8Array | undefined;
    let size: number | undefined = this.#size;
    if (body === null) {
      // the written bytes are the body
    } else if (typeof body === "string") {
      size += utf8Length(body, this.#policy.minimumSize - size);
    } else if (ArrayBuffer.isView(body)) {
      bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
      size += bytes.byteLength;
    } else if (body instanceof ArrayBuffer) {
      bytes = new Uint8Array(body);
      size += bytes.byteLength;
    } else if (body instanceof Blob) size += body.size;
    else if (body instanceof ReadableStream) size = undefined;
    else {
      // Form data and URLSearchParams: their content type comes from the
      // Response built around them, which a compressed body would lose.
      return this.#forward(() => this.#inner.complete(body));
    }
    const compress = this.#phase === "sizing"
      ? size === undefined || size >= this.#policy.minimumSize
      : this.#decideHead(size, contentType);
    if (!compress || this.#encoding === null) {
      return this.#forward(() => this.#inner.complete(body));
    }
    const encoding = this.#encoding;
    this.#phase = "done";
    const chunks = this.#chunks;
    this.#chunks = [];
    markEncoded(headers, encoding, contentType);
    return this.#serial(async () =>
      this.#inner.complete(
        await compressBody(chunks, body, bytes, encoding, this.#policy),
      )
    );
  }

  #completeResponse(response: Response): Promise<void> {
    const own = response.headers;
    const ctxHeaders = this.#head.headers;
    // The server lays the Response's headers over those set before it.
    const get: Lookup = (name) => own.get(name) ?? ctxHeaders.get(name);
    const contentType = get("content-type");
    if (!this.#policy.compressible(contentType)) {
      // Untouched: the server's fast path for a Response stays.
      this.#phase = "identity";
      return this.#inner.complete(response);
    }
    this.#phase = "done";
    // A copy, as fetch() makes Responses with read-only headers; Vary goes
    // on the Response's own, since they win over those set before it.
    const headers = forDecodedBody(response, new Headers(own));
    const init = {
      status: response.status,
      statusText: response.statusText,
      headers,
    };
    const compress = this.#decide(
      response.status,
      // The copy: a body fetch() decoded is no longer encoded.
      (name) => headers.get(name) ?? ctxHeaders.get(name),
      contentType,
      headers,
      undefined,
    );
    if (!compress || response.body === null) {
      return this.#inner.complete(new Response(response.body, init));
    }
    const encoding = this.#encoding!;
    return this.#serial(async () =>
      this.#inner.complete(
        await compressResponse(
          response,
          init,
          encoding,
          this.#policy,
          ctxHeaders,
        ),
      )
    );
  }

  clear(): void {
    this.#inner.clear(); // throws once the response has started
    this.abandon();
    const headers = this.#head.headers;
    if (this.#phase === "compressing" || this.#phase === "done") {
      // Ours, not the app's: the next body decides for itself.
      if (headers.get("content-encoding") === this.#encoding) {
        headers.delete("content-encoding");
      }
    }
    this.#chunks = [];
    this.#size = 0;
    this.#phase = "undecided";
  }

  sendFile(path: string, options?: SendFileOptions): Promise<void> {
    if (this.#phase === "undecided") {
      // Never compressed (see the top of this file); Vary still tells caches
      // that other bodies of this type may be.
      this.#decideHead(0);
      this.#phase = "identity";
    } else if (this.#phase === "sizing") {
      return this.#forward(() => this.#inner.sendFile(path, options));
    } else if (this.#phase === "compressing") {
      return Promise.reject(
        new TypeError(
          `Cannot send the file "${path}" after writing a compressed body: write its bytes instead`,
        ),
      );
    } else if (this.#phase === "done") {
      return this.#afterEnd(() => this.#inner.sendFile(path, options));
    }
    return this.#inner.sendFile(path, options);
  }

  /** Frees a streaming compressor the response no longer needs. */
  abandon(): void {
    this.#encoder?.destroy();
    this.#encoder = undefined;
  }

  /**
   * The pipeline below finished: waits for compression still running, and
   * ends a body the app wrote but did not complete.
   */
  finish(): Promise<void> {
    const phase = this.#phase;
    // The common case, nothing left running: no promise turn of our own.
    if (
      this.#tail === DONE && phase !== "sizing" && phase !== "compressing"
    ) {
      return DONE;
    }
    return this.#finishSlow();
  }

  async #finishSlow(): Promise<void> {
    await this.#tail;
    if (this.#failure !== undefined) throw this.#failure.error;
    if (this.#phase === "sizing") {
      if (this.#size < this.#policy.minimumSize) return this.#forward();
      return this.#completeBody(null);
    }
    if (this.#phase === "compressing") {
      this.#phase = "done";
      await this.#serial(() => this.#endStream());
    }
  }
}
