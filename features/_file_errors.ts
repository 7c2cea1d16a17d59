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
