// How a server helps HttpRequest read a body natively, through Deno's own
// readers: the request feature may carry these methods. One times a read
// it cannot watch byte by byte (Deno's readers show nothing until the
// end); the other hands over a body that has already arrived whole, as
// text, in one step. Internal to Roost.

/** The key of a request feature's body-read timer. */
export const TIME_BODY_READ: unique symbol = Symbol("roost.timeBodyRead");

/** A request feature that times the native reads of its body. */
export interface BodyReadTimer {
  /** Returns `read`, or a promise that also rejects when the body is too slow. */
  [TIME_BODY_READ]<T>(read: Promise<T>): Promise<T>;
}

/** The key of a request feature's whole-body-as-text taker. */
export const TAKE_BODY_TEXT: unique symbol = Symbol("roost.takeBodyText");

/** A request feature that can hand over a body already received whole. */
export interface BodyTextTaker {
  /**
   * The body as UTF-8 text (decoded as `Response.text()` does, with
   * replacement characters, but a byte order mark kept), when it has
   * already arrived whole; else `null`, and the body is left to be read as
   * usual. Only for a body handed out natively.
   */
  [TAKE_BODY_TEXT](): string | null;
}
