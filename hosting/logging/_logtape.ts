// The one module that imports LogTape; the rest of hosting/logging (and
// its tests) import it from here. tests/layering_test.ts checks the
// "exactly one" part. Loaded only when something uses LogTape (see
// _scope.ts): it costs ~10 ms of start-up.

import { AsyncLocalStorage } from "node:async_hooks";
// Inline pinned npm specifier, so the package works from JSR and raw URLs.
// deno-lint-ignore no-import-prefix
import * as logtape from "npm:@logtape/logtape@2.4.2";
import { useLogTape } from "./_scope.ts";

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

// From here on, Roost's factories configure LogTape and its scopes are
// LogTape's implicit contexts.
useLogTape({
  install(sink, storage): void {
    configureSync({
      // The factories' forwarder, which takes LogTape's records.
      sinks: { roost: sink as (record: LogTapeRecord) => void },
      loggers: [
        // Roost filters; LogTape hands over everything.
        { category: [], sinks: ["roost"], lowestLevel: "trace" },
        // Keeps LogTape's "loggers are configured" notice out of the output.
        { category: ["logtape", "meta"], lowestLevel: "warning" },
      ],
      contextLocalStorage: storage,
    });
  },
  getConfig,
  resetSync,
  withContext,
}, AsyncLocalStorage);
