// A Response the app completed with, compressed: what its body has at once
// is read ahead, so that one made in memory (Response.json, text) is
// compressed whole and a real stream streams.

import type { CompressionEncoding } from "./_compression_negotiation.ts";
import {
  compressedStream,
  compressWhole,
  type Policy,
  StreamEncoder,
} from "./_compression_encoders.ts";
import { encoder, markEncoded } from "./_compression_headers.ts";
import { concat } from "../../server/_response_body.ts";

const { Response, ReadableStream, Blob } = globalThis;

/**
 * The largest whole body compressed in one synchronous call: ~2.5 ms of CPU
 * at 100 MB/s. Larger ones go through the streaming compressor a chunk at a
 * time, so other requests get the event loop in between.
 */
const WHOLE_LIMIT = 262_144;
const SLICE = 65_536;

/** How much of a Response's body is read to learn whether it is all there. */
export const READ_AHEAD = 65_536;

const TURN_OVER: unique symbol = Symbol("turn over");

// Settles once the event loop has turned: a body made in memory has been
// read to its end by then, a stream that waits for anything has not.
function turnEnd(): { over: Promise<typeof TURN_OVER>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const over = new Promise<typeof TURN_OVER>((resolve) => {
    timer = setTimeout(() => resolve(TURN_OVER), 0);
  });
  return { over, clear: () => clearTimeout(timer) };
}

/**
 * `response`'s body under `init`, compressed with `encoding` unless it
 * turns out smaller than the policy's minimum. `init.headers` and `before`
 * (the headers set before the Response) are marked (Content-Encoding, no
 * Content-Length, a weak ETag) when it is compressed.
 *
 * Only what the body has at once is read ahead (up to READ_AHEAD bytes,
 * until the event loop turns): a stream that waits for its data (a log
 * tail, a slow upstream) is compressed as it comes, its headers sent now,
 * as raw Deno.serve sends them, rather than after 64 KiB or never.
 */
export async function compressResponse(
  response: Response,
  init: ResponseInit & { headers: Headers },
  encoding: CompressionEncoding,
  policy: Policy,
  before: Headers,
): Promise<Response> {
  const reader = response.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let ended = false;
  let waiting: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  const turn = turnEnd();
  try {
    while (size <= READ_AHEAD) {
      const reading = reader.read();
      const read = await Promise.race([reading, turn.over]);
      if (read === TURN_OVER) {
        waiting = reading;
        break;
      }
      if (read.done) {
        ended = true;
        break;
      }
      chunks.push(read.value);
      size += read.value.byteLength;
    }
  } finally {
    turn.clear();
  }
  if (ended && size < policy.minimumSize) {
    return new Response(concat(chunks, size) as Uint8Array<ArrayBuffer>, init);
  }
  markEncoded(init.headers, encoding, init.headers.get("content-type"));
  // The server merges headers set before the Response under its own: a
  // Content-Length or strong ETag there must not come back.
  markEncoded(before, encoding, null);
  const body = ended
    ? await compressWhole(encoding, policy.levels, concat(chunks, size))
    : compressedStream(
      await StreamEncoder.create(encoding, policy.levels),
      chunks,
      reader,
      waiting,
    );
  return new Response(body, init);
}

// A large buffer in slices, so the streaming compressor yields between them.
function sliced(chunks: Uint8Array[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const chunk of chunks) {
    for (let at = 0; at < chunk.byteLength; at += SLICE) {
      out.push(chunk.subarray(at, at + SLICE));
    }
  }
  return out;
}

/**
 * A whole body (the written `chunks`, then `body`, of which `bytes` may be
 * the bytes already) compressed: in one call when it is at most WHOLE_LIMIT
 * bytes and in memory, else as a stream.
 */
export async function compressBody(
  chunks: Uint8Array[],
  body: BodyInit | null,
  bytes: Uint8Array | undefined,
  encoding: CompressionEncoding,
  policy: Policy,
): Promise<BodyInit> {
  if (body !== null && !(body instanceof ReadableStream)) {
    if (bytes === undefined && typeof body === "string") {
      bytes = encoder.encode(body);
    } else if (body instanceof Blob && body.size <= WHOLE_LIMIT) {
      bytes = await body.bytes();
    }
  }
  if (bytes !== undefined) chunks.push(bytes);
  const whole = body === null || bytes !== undefined;
  const total = chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0);
  if (whole && total <= WHOLE_LIMIT) {
    return await compressWhole(encoding, policy.levels, concat(chunks, total));
  }
  const source = whole
    ? undefined
    : body instanceof ReadableStream
    ? body.getReader()
    : new Response(body).body!.getReader();
  const stream = await StreamEncoder.create(encoding, policy.levels);
  return compressedStream(stream, sliced(chunks), source);
}
