// How a server times a body read it cannot watch byte by byte (Deno's own
// readers show nothing until the end): the request feature may carry this
// method, and HttpRequest hands it each such read. Internal to Roost.

/** The key of a request feature's body-read timer. */
export const TIME_BODY_READ: unique symbol = Symbol("roost.timeBodyRead");

/** A request feature that times the native reads of its body. */
export interface BodyReadTimer {
  /** Returns `read`, or a promise that also rejects when the body is too slow. */
  [TIME_BODY_READ]<T>(read: Promise<T>): Promise<T>;
}
