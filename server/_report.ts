// Where a server's own errors go: the ones no application code can catch.

/** Reports an error the application did not handle. */
export type ErrorReporter = (message: string, error: unknown) => void;

/** Writes to stderr: what a server without `onError` does. */
export const defaultReporter: ErrorReporter = (message, error) =>
  console.error(message, error);
