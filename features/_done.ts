// One resolved promise shared by every layer. A pipeline that hands it back
// finished synchronously, and the server can answer without a promise of its
// own: the identity check is the fast path.

/** The resolved promise Roost returns for work that is already done. */
export const DONE: Promise<void> = Promise.resolve();

/**
 * The key of a body feature's `[COMPLETE]()`: whether the response was
 * ended already, so that a method with work to do first (`sendFile`) hands
 * a late call straight to the feature, which reports it.
 */
export const COMPLETE: unique symbol = Symbol("roost.responseComplete");

/** Whether a body feature says its response was ended (`[COMPLETE]()`). */
export function isComplete(body: object): boolean {
  return (body as { [COMPLETE]?: () => boolean })[COMPLETE]?.() === true;
}

/**
 * The key of a body feature's `[WRITTEN]()`: whether anything was written
 * to the body already, so that `sendFile` does not answer conditions and
 * ranges about a file for a body that holds more than the file.
 */
export const WRITTEN: unique symbol = Symbol("roost.responseWritten");

/** Whether a body feature says something was written to it (`[WRITTEN]()`). */
export function isWritten(body: object): boolean {
  return (body as { [WRITTEN]?: () => boolean })[WRITTEN]?.() === true;
}

// Errors already dealt with where they happened (a misuse of a complete
// response, reported, or a late call after a timeout or stop answered for
// the app, which is no mistake to report): whoever later catches one need
// not report it again, and a promise rejected with one is marked handled.
const reported = new WeakSet<object>();

/** Marks `error` as reported where it happened. */
export function markReported(error: object): void {
  reported.add(error);
}

/** Whether `error` was already reported where it happened. */
export function wasReported(error: unknown): boolean {
  return typeof error === "object" && error !== null && reported.has(error);
}

/**
 * A promise rejected with `error`, marked handled when the error was
 * already reported: what a promise-returning method answers for a
 * synchronous failure, so that a call nobody awaited ends nothing.
 */
export function rejectedWith(error: unknown): Promise<never> {
  const rejected = Promise.reject(error);
  if (wasReported(error)) rejected.catch(() => {});
  return rejected;
}

/**
 * Settles as `work` does; when `work` fails with an error already reported,
 * the returned promise is marked handled first, so a call nobody awaited
 * does not end the process (an async method's own promise would otherwise
 * wrap the handled rejection in a new one).
 */
export function handledWhenReported<T>(work: Promise<T>): Promise<T> {
  const { promise, resolve, reject } = Promise.withResolvers<T>();
  work.then(resolve, (error) => {
    if (wasReported(error)) promise.catch(() => {});
    reject(error);
  });
  return promise;
}

/** The error for a write() of something that is neither text nor bytes. */
export function notWritable(chunk: unknown): TypeError {
  return new TypeError(
    `write() takes text or a Uint8Array, got ${
      chunk === null ? "null" : typeof chunk
    }${
      chunk instanceof ArrayBuffer
        ? " (an ArrayBuffer: wrap it, new Uint8Array(buffer))"
        : ""
    }`,
  );
}
