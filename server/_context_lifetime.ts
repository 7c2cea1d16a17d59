// How an application tells the server that a context must outlive the
// app's work: a Response the app returned is still being sent, and what
// the context holds (a request's services) may be feeding its body.

/**
 * An application's optional method, under this symbol: whether `context`
 * holds something that must live until its response has been sent.
 * Without it, the server disposes a context as soon as the app finished.
 */
export const HOLDS_UNTIL_SENT: unique symbol = Symbol("roost.holdsUntilSent");

/** An application that may keep a context until its response is sent. */
export interface HoldsUntilSent<C> {
  [HOLDS_UNTIL_SENT](context: C): boolean;
}
