// One resolved promise shared by every layer. A pipeline that hands it back
// finished synchronously, and the server can answer without a promise of its
// own: the identity check is the fast path.

/** The resolved promise Roost returns for work that is already done. */
export const DONE: Promise<void> = Promise.resolve();
