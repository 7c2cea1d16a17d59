// The implicit scope of a record, kept by LogTape's implicit contexts, and
// the process-wide LogTape configuration Roost installs for them.
//
// LogTape keeps its context storage in its one global configuration. Roost
// installs that configuration while any LoggerFactory is alive (counted),
// unless the application configured LogTape itself: then Roost uses the
// application's context storage when it has one, and its own otherwise.

import { AsyncLocalStorage } from "node:async_hooks";
import {
  configureSync,
  getConfig,
  type LogTapeRecord,
  resetSync,
  withContext,
} from "./_logtape.ts";
import { setOwnConfig, withCapture } from "./_template.ts";

type Scope = Record<string, unknown>;

const storage = new AsyncLocalStorage<Scope>();
const EMPTY_SCOPE: Scope = Object.freeze({});

/** The configuration Roost installed, while it is LogTape's. */
let installed: ReturnType<typeof getConfig> = null;
let holders = 0;

/**
 * Makes sure LogTape has a configuration with a context storage, sending
 * what LogTape loggers write to `sink`. Balance with
 * {@linkcode releaseLogTape}.
 */
export function retainLogTape(sink: (record: LogTapeRecord) => void): void {
  holders++;
  if (getConfig() !== null) return;
  configureSync({
    sinks: { roost: withCapture(sink) },
    loggers: [
      // Roost filters; LogTape hands over everything.
      { category: [], sinks: ["roost"], lowestLevel: "trace" },
      // Keeps LogTape's "loggers are configured" notice out of the output.
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
    contextLocalStorage: storage,
  });
  installed = getConfig();
  setOwnConfig(installed);
}

/** Undoes one {@linkcode retainLogTape}; the last one resets LogTape. */
export function releaseLogTape(): void {
  if (holders === 0) return;
  holders--;
  if (holders > 0 || installed === null) return;
  // Reset only our own configuration, not one the application made since.
  if (getConfig() === installed) resetSync();
  installed = null;
  setOwnConfig(null);
}

/** Where implicit contexts live now: LogTape's storage, else our own. */
function activeStorage(): { getStore(): Scope | undefined } {
  return getConfig()?.contextLocalStorage ?? storage;
}

/** The current implicit scope; a shared empty object outside any scope. */
export function currentScope(): Scope {
  return activeStorage().getStore() ?? EMPTY_SCOPE;
}

/**
 * Runs `fn` with `scope` added to the current implicit scope, through
 * LogTape's `withContext` when LogTape has a context storage.
 */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  if (getConfig()?.contextLocalStorage !== undefined) {
    return withContext(scope, fn);
  }
  return storage.run({ ...storage.getStore(), ...scope }, fn);
}
