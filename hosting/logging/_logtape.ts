// The one module that imports LogTape; the rest of hosting/logging (and
// its tests) import it from here. tests/layering_test.ts checks the
// "exactly one" part.

// Inline pinned npm specifier, so the package works from JSR and raw URLs.
// deno-lint-ignore no-import-prefix
import * as logtape from "npm:@logtape/logtape@2.4.2";

/** A record as LogTape's sinks receive it. */
export type LogTapeRecord = logtape.LogRecord;

export const {
  configureSync,
  getConfig,
  getLogger,
  resetSync,
  withConfigSync,
  withContext,
} = logtape;
