// Byte and header helpers of the response bridge.

import { HttpError, type SendFileOptions } from "../features/mod.ts";

const { Headers, TextEncoder } = globalThis;
const encoder = new TextEncoder();

/** Text as UTF-8 bytes; bytes as they are. */
export function toBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === "string" ? encoder.encode(chunk) : chunk;
}

/** The chunks as one array (the only chunk itself when there is one). */
export function concat(
  chunks: Uint8Array[],
  size: number,
): Uint8Array<ArrayBuffer> {
  if (chunks.length === 1) return chunks[0] as Uint8Array<ArrayBuffer>;
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** The error for writing to a response that is already complete. */
export function alreadyComplete(what: string): TypeError {
  return new TypeError(
    `Cannot ${what}: the response is already complete (send, json, redirect, sendFile and complete each end it)`,
  );
}

/**
 * Merges the headers set so far into a Response's own, which win. A
 * Response's headers are mutable unless it came from fetch() or
 * Response.redirect(): then a copy is made (`copied`), and the caller must
 * build a new Response with it.
 */
export function mergeHeaders(
  ours: Headers | undefined,
  response: Response,
): { headers: Headers; copied: boolean } {
  const theirs = response.headers;
  try {
    if (ours !== undefined) {
      for (const [name, value] of ours) {
        if (!theirs.has(name)) theirs.append(name, value);
      }
    }
    // Headers has no "is it immutable" query: a write says.
    theirs.append("x-roost-probe", "");
    theirs.delete("x-roost-probe");
    return { headers: theirs, copied: false };
  } catch {
    const headers = new Headers(ours);
    replaceHeaders(headers, theirs);
    return { headers, copied: true };
  }
}

/** Replaces every header `from` has in `into`, keeping the others. */
export function replaceHeaders(into: Headers, from: Headers): void {
  for (const name of from.keys()) into.delete(name);
  for (const [name, value] of from) into.append(name, value);
}

/** Opens a file at `options.offset`, with how many bytes to send. */
export async function openRange(
  path: string,
  options: SendFileOptions | undefined,
): Promise<{ file: Deno.FsFile; count: number }> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    throw unopenable(error);
  }
  try {
    const { offset, count } = rangeOf(path, await file.stat(), options);
    if (offset > 0) await file.seek(offset, Deno.SeekMode.Start);
    return { file, count };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * How many bytes `sendFile` would send, without opening the file: the
 * answer to a HEAD request.
 */
export async function statRange(
  path: string,
  options: SendFileOptions | undefined,
): Promise<number> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.stat(path);
  } catch (error) {
    throw unopenable(error);
  }
  return rangeOf(path, stat, options).count;
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
  return {
    offset,
    count: Math.min(options?.count ?? size - offset, size - offset),
  };
}

// What a client should hear when a file cannot be opened. The OS error
// names the path: it stays in the cause, out of the response.
function unopenable(error: unknown): unknown {
  if (
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.IsADirectory
  ) {
    return new HttpError(404, "Not Found", { cause: error });
  }
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.NotCapable
  ) {
    return new HttpError(403, "Forbidden", { cause: error });
  }
  return error;
}
