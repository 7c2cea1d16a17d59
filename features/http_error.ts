/**
 * The one error type Roost throws for HTTP-level failures.
 *
 * @module
 */

/**
 * An error that carries the HTTP status it should answer with. Throw it from
 * a handler to answer with that status; Roost throws it itself, e.g. with 413
 * when a request body is over the limit. Messages of 4xx errors are shown to
 * the client; 5xx messages are not, unless detailed errors are on.
 *
 * @example
 * ```ts
 * import { HttpError, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run(() => {
 *       throw new HttpError(418, "The teapot is busy.");
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/");
 * console.log(response.status, await response.text()); // 418 "The teapot is busy."
 * ```
 */
export class HttpError extends Error {
  /** The status to answer with, 400–599. */
  readonly status: number;

  /**
   * Makes an error that answers with `status`.
   *
   * @param status An HTTP status from 400 to 599.
   * @param message What went wrong, shown to the client for 4xx statuses.
   * @param options The error's cause.
   */
  constructor(status: number, message?: string, options?: ErrorOptions) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(
        `HttpError status must be an integer from 400 to 599, got ${status}`,
      );
    }
    super(message ?? `HTTP ${status}`, options);
    this.name = "HttpError";
    this.status = status;
  }
}
