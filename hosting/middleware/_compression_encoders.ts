// The compressors, all from node:zlib (Deno 2.9.6 has gzip, brotli and zstd
// there, sync and streaming). CompressionStream is not used: its gzip is fixed
// at level 6 (~50 MB/s, half of level 4's speed for ~the same ratio), it has
// no zstd, its "brotli" runs at ~30 MB/s, and it cannot flush, so a streamed
// response would sit in its buffer. See bench/compression.ts for the numbers.
//
// node:zlib is imported on first use: importing any node: module boots Deno's
// Node layer (several ms), which a host that never compresses must not pay.

import type { CompressionEncoding } from "./_compression_negotiation.ts";
import { notBytes } from "../../server/_response_stream.ts";

type Zlib = typeof import("node:zlib");
type ZlibStream = ReturnType<Zlib["createGzip"]>;

/** Compression level per encoding. */
export interface Levels {
  gzip: number;
  br: number;
  zstd: number;
}

/** What the middleware decided for all requests. */
export interface Policy {
  readonly levels: Levels;
  readonly minimumSize: number;
  readonly compressible: (contentType: string | null) => boolean;
}

let loading: Promise<Zlib> | undefined;
let zlib: Zlib | undefined;

/** node:zlib, imported once, on the first response that is compressed. */
export function loadZlib(): Promise<Zlib> {
  return loading ??= import("node:zlib").then((module) => zlib = module);
}

/** Whether node:zlib was loaded in this process (for tests). */
export function zlibLoaded(): boolean {
  return zlib !== undefined;
}

/** Compresses a whole body in one call (bodies are small: see BUFFER_LIMIT). */
export async function compressWhole(
  encoding: CompressionEncoding,
  levels: Levels,
  bytes: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const z = zlib ?? await loadZlib();
  const { constants } = z;
  let out: Uint8Array;
  if (encoding === "gzip") out = z.gzipSync(bytes, { level: levels.gzip });
  else if (encoding === "br") {
    out = z.brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: levels.br,
        // Lets brotli pick a window no bigger than the body: less to allocate.
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.byteLength,
      },
    });
  } else {
    out = z.zstdCompressSync(bytes, {
      params: { [constants.ZSTD_c_compressionLevel]: levels.zstd },
    });
  }
  return out as Uint8Array<ArrayBuffer>;
}

/**
 * A streaming compressor. Calls must not overlap: each waits for the one
 * before (the body serializes them).
 */
export class StreamEncoder {
  #stream: ZlibStream;
  #out: Uint8Array[] = [];
  #error: unknown;
  // The step in progress: an error fails it (a failed stream may never call
  // the step's callback).
  #failStep: ((error: unknown) => void) | undefined;

  private constructor(stream: ZlibStream) {
    this.#stream = stream;
    // Deno's zlib emits a chunk's output before the write's callback runs,
    // so whatever is collected when a callback fires is complete.
    stream.on("data", (chunk: Uint8Array) => this.#out.push(chunk));
    stream.on("error", (error: unknown) => {
      this.#error ??= error;
      this.#failStep?.(error);
    });
  }

  // Runs one step on the stream; settles when `start`'s callback is called
  // or the stream fails.
  #step(start: (done: () => void) => void): Promise<Uint8Array[]> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    return new Promise<void>((resolve, reject) => {
      this.#failStep = reject;
      start(resolve);
    }).then(() => {
      this.#failStep = undefined;
      return this.#take();
    });
  }

  /** A compressor for `encoding` at its level. */
  static async create(
    encoding: CompressionEncoding,
    levels: Levels,
  ): Promise<StreamEncoder> {
    const z = zlib ?? await loadZlib();
    const { constants } = z;
    const stream = encoding === "gzip"
      ? z.createGzip({ level: levels.gzip })
      : encoding === "br"
      ? z.createBrotliCompress({
        params: { [constants.BROTLI_PARAM_QUALITY]: levels.br },
      })
      : z.createZstdCompress({
        params: { [constants.ZSTD_c_compressionLevel]: levels.zstd },
      });
    return new StreamEncoder(stream as ZlibStream);
  }

  #take(): Uint8Array[] {
    if (this.#error !== undefined) throw this.#error;
    const out = this.#out;
    this.#out = [];
    return out;
  }

  /**
   * Compresses a chunk. With `flush`, everything so far comes out, so the
   * client can decode what the app wrote (a progress line, an event) now
   * rather than when the compressor's window fills.
   */
  push(chunk: Uint8Array, flush: boolean): Promise<Uint8Array[]> {
    const stream = this.#stream;
    return this.#step((done) => {
      if (!flush) stream.write(chunk, done);
      else {
        if (chunk.byteLength > 0) stream.write(chunk);
        stream.flush(done);
      }
    });
  }

  /** Ends the stream: the compressor's last bytes. */
  end(): Promise<Uint8Array[]> {
    const stream = this.#stream;
    return this.#step((done) => {
      stream.once("end", done);
      stream.end();
    });
  }

  /** Frees the compressor without finishing it (the response was dropped). */
  destroy(): void {
    this.#stream.destroy();
  }
}

/**
 * `source` (after `prefix`, bytes already read from it) compressed, as a
 * stream pulled by the server: backpressure reaches `source` through pull.
 * Each chunk is flushed, so a slow source still reaches the client as it
 * comes. `waiting` is a read of `source` already under way.
 */
export function compressedStream(
  encoder: StreamEncoder,
  prefix: Uint8Array[],
  source: ReadableStreamDefaultReader<Uint8Array> | undefined,
  waiting?: Promise<ReadableStreamReadResult<Uint8Array>>,
): ReadableStream<Uint8Array> {
  const pending = prefix;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      // Loop until something comes out: a compressor may swallow a chunk.
      while (true) {
        let chunk: Uint8Array | undefined;
        if (pending.length > 0) chunk = pending.shift();
        else if (source !== undefined) {
          // A read started before this stream was made comes first.
          const read = await (waiting ?? source.read());
          waiting = undefined;
          if (!read.done) chunk = read.value;
        }
        // What Roost says of such a body uncompressed; the compressor would
        // take nothing from it and send an empty 200.
        if (chunk !== undefined && !(chunk instanceof Uint8Array)) {
          throw notBytes(chunk);
        }
        const out = chunk === undefined
          ? await encoder.end()
          : await encoder.push(chunk, pending.length === 0);
        for (const piece of out) controller.enqueue(piece);
        if (chunk === undefined) return controller.close();
        if (out.length > 0) return;
      }
    },
    cancel(reason) {
      encoder.destroy();
      return source?.cancel(reason);
    },
  });
}
