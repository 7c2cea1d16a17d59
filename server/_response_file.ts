// sendFile: a file, or a range of one, streamed into a response with
// backpressure: each chunk waits for the client to take the one before, so a
// slow client holds at most the stream's high-water mark, not the file.
// Validators, conditions and Range are decided before this, in
// features/_file_conditions.ts.

import { HttpError, type SendFileOptions } from "../features/mod.ts";
import {
  checkPlanned,
  fileError,
  PLANNED_FROM,
  type PlannedFile,
} from "../features/_file_errors.ts";
import type { ResponseStream } from "./_response_stream.ts";

const FILE_CHUNK = 65_536;

/** What sendFileTo needs of the response it feeds. */
export interface FileTarget {
  /** Nothing written or sent yet: the file's length may be set. */
  readonly fresh: boolean;
  /** How many times the response was cleared so far. */
  readonly clears: number;
  /**
   * Undefined while the response takes a file; once it was ended (or
   * cleared since `clears`), the rejection that reports the late call
   * (marked reported).
   */
  tooLate(clears?: number): Promise<void> | undefined;
  readonly headers: Headers;
  complete(): Promise<void>;
  /** Ends a fresh response with a file's own stream as its whole body. */
  completeWithFile(stream: ReadableStream<Uint8Array>): Promise<void>;
  start(): Promise<void>;
  /** The body stream, while the response streams and is still wanted. */
  readonly streamBody: ResponseStream | undefined;
}

/**
 * Streams `path` (or `options`' range of it) into `target`. A fresh
 * response (nothing written yet) gets a Content-Length; a HEAD request only
 * learns the length, and the file is never opened. The response is looked
 * at again after each wait: a call nobody awaited may find it ended or
 * started by another answer meanwhile.
 */
export async function sendFileTo(
  target: FileTarget,
  path: string,
  options: SendFileOptions | undefined,
  isHead: boolean,
): Promise<void> {
  const clears = target.clears;
  if (isHead && target.fresh) {
    const count = await statRange(path, options);
    const late = target.tooLate(clears);
    if (late !== undefined) return late;
    if (target.fresh) {
      target.headers.set("content-length", String(count));
      return target.complete();
    }
  }
  const { file, count, toEnd } = await openRange(path, options);
  const late = target.tooLate(clears);
  if (late !== undefined) {
    file.close();
    return late;
  }
  const fresh = target.fresh;
  if (fresh && toEnd) {
    // The rest of the file, to a response not started: Deno's own file
    // stream, which it pipes without a JavaScript chunk per read (with its
    // own backpressure), and which closes the file when done or cancelled.
    target.headers.set("content-length", String(count));
    return target.completeWithFile(file.readable);
  }
  let left = count;
  try {
    if (fresh) target.headers.set("content-length", String(left));
    await target.start();
    let stream = target.streamBody;
    while (left > 0 && stream !== undefined && !stream.gone) {
      const buffer = new Uint8Array(Math.min(FILE_CHUNK, left));
      const read = await file.read(buffer);
      if (read === null) break;
      left -= read;
      await stream.enqueue(
        read === buffer.byteLength ? buffer : buffer.subarray(0, read),
      );
      stream = target.streamBody;
    }
  } finally {
    file.close();
  }
}

/** Opens a file at `options.offset`, with how many bytes to send. */
async function openRange(
  path: string,
  options: SendFileOptions | undefined,
): Promise<{ file: Deno.FsFile; count: number; toEnd: boolean }> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw fileError(error);
  }
  try {
    // fstat on an open file answers from the kernel's inode: no disk and
    // no reason for a trip through the blocking pool.
    const stat = file.statSync();
    checkPlanned(path, stat, plannedOf(options), plannedEnd(options));
    const { offset, count } = rangeOf(path, stat, options);
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    return { file, count, toEnd: offset + count === stat.size };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * How many bytes `sendFile` would send, without opening the file: the
 * answer to a HEAD request.
 */
async function statRange(
  path: string,
  options: SendFileOptions | undefined,
): Promise<number> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (error) {
    throw fileError(error);
  }
  checkPlanned(path, stat, plannedOf(options), plannedEnd(options));
  return rangeOf(path, stat, options).count;
}

// Where the bytes a planned response promised end.
function plannedEnd(options: SendFileOptions | undefined): number {
  return (options?.offset ?? 0) + (options?.count ?? 0);
}

function plannedOf(
  options: SendFileOptions | undefined,
): PlannedFile | undefined {
  return (options as { [PLANNED_FROM]?: PlannedFile } | undefined)?.[
    PLANNED_FROM
  ];
}

function rangeOf(
  path: string,
  stat: Deno.FileInfo,
  options: SendFileOptions | undefined,
): { offset: number; count: number } {
  if (stat.isDirectory) {
    throw new HttpError(404, "Not Found", {
      cause: new TypeError(
        `sendFile was given a directory, "${path}": pass the path of a file`,
      ),
    });
  }
  const size = stat.size;
  const offset = options?.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > size) {
    throw new RangeError(
      `sendFile offset must be from 0 to the file's size ${size}, got ${offset}`,
    );
  }
  const count = options?.count;
  if (count !== undefined && (!Number.isSafeInteger(count) || count < 0)) {
    throw new RangeError(
      `sendFile count must be a whole number of bytes from 0, got ${count}`,
    );
  }
  return {
    offset,
    count: Math.min(count ?? size - offset, size - offset),
  };
}
