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
