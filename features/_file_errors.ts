// What a client hears when a file cannot be sent. Shared by sendFile's
// planning (features) and its streaming (server), so both map an OS error
// to the same status.

import { HttpError } from "./http_error.ts";

/**
 * Maps an error from opening or statting a file to what the client should
 * hear: 404 for a missing file (or a path no file can have: a name too
 * long, a loop of symbolic links, a NUL byte), 403 for one the process may
 * not read. The OS error names the path: it stays in the cause, out of the
 * response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileError } from "./_file_errors.ts";
 * import { HttpError } from "./http_error.ts";
 *
 * const error = fileError(new Deno.errors.NotFound("no such file"));
 * assert.ok(error instanceof HttpError);
 * assert.equal(error.status, 404);
 * ```
 *
 * @param error What Deno threw.
 * @returns An {@linkcode HttpError}, or `error` itself when it is no
 * client's business.
 */
export function fileError(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (
    error instanceof Deno.errors.NotFound ||
    error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.IsADirectory ||
    error instanceof Deno.errors.FilesystemLoop ||
    code === "ENAMETOOLONG" ||
    (error instanceof TypeError && code === "EINVAL")
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

/**
 * The key, on a `sendFile` options object, of the file a response was
 * planned from: validators and ranges answered about it hold only for
 * bytes read from the same file.
 */
export const PLANNED_FROM: unique symbol = Symbol("roost.plannedFrom");

/** What a response was planned from, as the key above holds it. */
export interface PlannedFile {
  /** The file's inode, where the system has them. */
  ino: number | null;
}

/** The identity of a statted file, for {@linkcode PLANNED_FROM}. */
export function plannedFile(stat: Deno.FileInfo): PlannedFile {
  return { ino: stat.ino ?? null };
}

/**
 * Throws when the file opened cannot give what the response was planned
 * to send: another file put in its place between the stat and the open (a
 * deploy's rename), or one now shorter than the bytes promised. A file that
 * grew (a log written to) still has them, and is sent as planned. Answered
 * 503, nothing sent yet: asking again gets a response that matches.
 *
 * @param path The file's path (kept in the cause, out of the response).
 * @param stat The open file's stat.
 * @param planned What the response was planned from, if it was.
 * @param end Where the planned bytes end (offset plus count).
 * @throws {HttpError} 503 when the file cannot give them.
 */
export function checkPlanned(
  path: string,
  stat: Deno.FileInfo,
  planned: PlannedFile | undefined,
  end: number,
): void {
  if (planned === undefined) return;
  const ino = stat.ino ?? null;
  const replaced = planned.ino !== null && ino !== null && ino !== planned.ino;
  if (!replaced && stat.size >= end) return;
  throw new HttpError(503, "Service Unavailable", {
    cause: new Error(
      replaced
        ? `The file "${path}" was replaced between planning its response and opening it`
        : `The file "${path}" shrank to ${stat.size} bytes between planning its response and opening it (${end} were to be sent)`,
    ),
    headers: { "retry-after": "0" },
  });
}
