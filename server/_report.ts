// Where a server's own errors go: the ones no application code can catch.

import {
  type FeatureCollection,
  ServerReportingFeature,
} from "../features/mod.ts";

/** Reports an error the application did not handle. */
export type ErrorReporter = (message: string, error: unknown) => void;

/** Writes to stderr: what a server without `onError` does. */
export const defaultReporter: ErrorReporter = (message, error) =>
  console.error(message, error);

/**
 * Where a server reports: its own `onError` option, else what the host set
 * on its features (`ServerReportingFeature`), else stderr.
 */
export function serverReporter(
  own: ErrorReporter | undefined,
  features: FeatureCollection,
): (message: string, error?: unknown) => void {
  return (message, error) => {
    const report = own ?? features.get(ServerReportingFeature)?.onError;
    if (report !== undefined) report(message, error);
    else console.error(message, error ?? "");
  };
}

// Errors already reported where they happened, with what the app did wrong:
// whoever later catches one need not report it again.
const reported = new WeakSet<object>();

/**
 * A rejected promise for an app's misuse of a response, reported now (in
 * the request's context) unless `report` is undefined (a late call after a
 * timeout or stop answered for the app is no mistake of its own), and
 * marked handled: a call nobody awaited, such as a second send() after a
 * forgotten `return`, must not end the process as an unhandled rejection
 * would.
 */
export function misuse(
  report: ErrorReporter | undefined,
  error: TypeError,
): Promise<never> {
  if (report !== undefined) {
    report("The application misused a response:", error);
    reported.add(error);
  }
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  return rejected;
}

/** Whether `error` was already reported where it happened. */
export function wasReported(error: unknown): boolean {
  return typeof error === "object" && error !== null && reported.has(error);
}
