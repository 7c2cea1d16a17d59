// Where a server's own errors go: the ones no application code can catch.

import {
  type FeatureCollection,
  ServerReportingFeature,
} from "../features/mod.ts";
import { markReported, wasReported } from "../features/_done.ts";

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
  }
  markReported(error);
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  return rejected;
}

export { wasReported };
