// A request body that broke while it was read (invalid chunked framing, an
// HTTP/2 stream reset, a client that left) is the client's doing: a 400, or
// a quiet end when no answer can reach the client, never a 500.

import { HttpError } from "./http_error.ts";

/** The error a body read fails with when the body itself broke. */
export class RequestBodyError extends HttpError {
  /** @param cause What the runtime reported. */
  constructor(cause: unknown) {
    super(
      400,
      `The request body could not be read: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      { cause },
    );
    this.name = "RequestBodyError";
  }
}

/**
 * What a failed body read means: an HttpError (413, 400) or a TypeError (the
 * app read the body twice) stays as it is; anything else came from the wire.
 */
export function bodyReadFailure(error: unknown): unknown {
  if (error instanceof HttpError || error instanceof TypeError) return error;
  return new RequestBodyError(error);
}
