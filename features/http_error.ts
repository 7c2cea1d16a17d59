/**
 * The one error type Roost throws for HTTP-level failures.
 *
 * @module
 */

/** Options for {@linkcode HttpError}: its cause, and headers to answer with. */
export interface HttpErrorOptions extends ErrorOptions {
  /**
   * Headers sent with the error response, e.g. `Allow` on a 405 or
   * `Retry-After` on a 503. `content-type` is ignored: the error body is
   * Roost's own.
   * @default {undefined}
   */
  headers?: HeadersInit;
}

/**
 * An error that carries the HTTP status it should answer with, and headers
 * to send along. Throw it from a handler to answer with that status; Roost
 * throws it itself, e.g. with 413 when a request body is over the limit and
 * 400 when it is not valid JSON. Messages of 4xx errors are shown to the
 * client; 5xx messages are not, unless detailed errors are on. Clients that
 * ask for JSON get the error as RFC 9457 problem details.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpError, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run(() => {
 *       throw new HttpError(405, "Use GET or HEAD.", {
 *         headers: { allow: "GET, HEAD" },
 *       });
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/", { method: "DELETE" });
 * assert.equal(response.status, 405);
 * assert.equal(response.headers.get("allow"), "GET, HEAD");
 * assert.equal(await response.text(), "Use GET or HEAD.");
 * ```
 */
export class HttpError extends Error {
  /** The status to answer with, 400–599. */
  readonly status: number;
  /** Headers sent with the error response (empty unless given). */
  readonly headers: Headers;

  /**
   * Makes an error that answers with `status`.
   *
   * @param status An HTTP status from 400 to 599.
   * @param message What went wrong, shown to the client for 4xx statuses.
   * @param options The error's cause, and headers to answer with.
   * @throws {RangeError} When `status` is not an integer from 400 to 599.
   * @throws {TypeError} When `options.headers` holds an invalid header.
   */
  constructor(status: number, message?: string, options?: HttpErrorOptions) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(
        `HttpError status must be an integer from 400 to 599, got ${status}`,
      );
    }
    super(message ?? `HTTP ${status}`, options);
    this.name = "HttpError";
    this.status = status;
    this.headers = new Headers(options?.headers);
  }
}
