// The implicit scope of a record, and the process-wide LogTape configuration
// Roost installs so that LogTape loggers write through Roost.
//
// Both load lazily: node:async_hooks (~4 ms of start-up, it boots Deno's Node
// compatibility layer) when the first scope is entered, and LogTape (~10 ms)
// only when something in the process uses it. A host with neither (the
// default console output, no LogTape in the app) loads neither.
//
// LogTape keeps its context storage in its one global configuration. Roost
// installs that configuration while any LoggerFactory is alive (counted) and
// LogTape is loaded, unless the application configured LogTape itself: then
// Roost uses the application's context storage when it has one, and its own
// otherwise.

import type { AsyncLocalStorage } from "node:async_hooks";

type Scope = Record<string, unknown>;
type ScopeStorage = AsyncLocalStorage<Scope>;
type StorageClass = typeof AsyncLocalStorage;

/** What Roost uses of LogTape; `_logtape.ts` hands it over when loaded. */
export interface LogTapeApi {
  /**
   * Configures LogTape to send every record to `sink`, with `storage` for
   * implicit contexts.
   */
  install(sink: (record: never) => void, storage: ScopeStorage): void;
  getConfig():
    | { contextLocalStorage?: { getStore(): Scope | undefined } }
    | null;
  resetSync(): void;
  withContext<T>(context: Scope, fn: () => T): T;
}

const EMPTY_SCOPE: Scope = Object.freeze({});

let AsyncStorage: StorageClass | undefined;
let storage: ScopeStorage | undefined;
let logTape: LogTapeApi | undefined;

/** The configuration Roost installed, while it is LogTape's. */
let installed: ReturnType<LogTapeApi["getConfig"]> = null;
let holders = 0;
let sink: ((record: never) => void) | undefined;

/** Roost's own context storage, made on first use. */
function ownStorage(): ScopeStorage {
  // Fetched synchronously (~13 ms: it sets up Node's `process`) only when
  // nothing loaded it first (loadScopes(), _logtape.ts): a LoggerFactory
  // used on its own entering its first scope, or a host that made its
  // first scope-showing output after it started.
  AsyncStorage ??= process.getBuiltinModule("node:async_hooks")
    .AsyncLocalStorage as StorageClass;
  return storage ??= new AsyncStorage<Scope>();
}

/**
 * Loads node:async_hooks ahead of the first scope, so that entering it does
 * not fetch the module synchronously.
 */
export async function loadScopes(): Promise<void> {
  AsyncStorage ??= (await import("node:async_hooks")).AsyncLocalStorage;
}

// LogTape shares its root logger through globalThis, and makes it when its
// module loads.
const ROOT_LOGGER = Symbol.for("logtape.rootLogger");

/** True when LogTape is loaded in the process, by Roost or anyone else. */
export function logTapeInProcess(): boolean {
  return (globalThis as Record<symbol, unknown>)[ROOT_LOGGER] != null;
}

/**
 * Calls `onLoad` once LogTape loads, when it is not loaded yet (an app or a
 * library importing it after the first factory was made): this catches
 * LogTape's module setting its root logger on globalThis.
 */
export function whenLogTapeLoads(onLoad: () => void): void {
  if (Object.getOwnPropertyDescriptor(globalThis, ROOT_LOGGER) !== undefined) {
    return; // loaded, or already watched
  }
  Object.defineProperty(globalThis, ROOT_LOGGER, {
    configurable: true,
    get: () => undefined,
    set(value: unknown) {
      Object.defineProperty(globalThis, ROOT_LOGGER, {
        value,
        writable: true,
        configurable: true,
        enumerable: true,
      });
      onLoad();
    },
  });
}

/** Called by `_logtape.ts` when it loads: from now on Roost uses LogTape. */
export function useLogTape(api: LogTapeApi, storageClass: StorageClass): void {
  if (logTape !== undefined) return;
  logTape = api;
  AsyncStorage ??= storageClass;
  if (holders > 0) install();
}

function install(): void {
  if (logTape === undefined || sink === undefined) return;
  if (logTape.getConfig() !== null) return;
  logTape.install(sink, ownStorage());
  installed = logTape.getConfig();
}

/**
 * Makes sure LogTape, once loaded, has a configuration with a context
 * storage, sending what LogTape loggers write to `forward`. Balance with
 * {@linkcode releaseLogTape}.
 */
export function retainLogTape(forward: (record: never) => void): void {
  holders++;
  sink = forward;
  install();
}

/** Undoes one {@linkcode retainLogTape}; the last one resets LogTape. */
export function releaseLogTape(): void {
  if (holders === 0) return;
  holders--;
  if (holders > 0 || installed === null) return;
  // Reset only our own configuration, not one the application made since.
  if (logTape?.getConfig() === installed) logTape.resetSync();
  installed = null;
}

/** The current implicit scope; a shared empty object outside any scope. */
export function currentScope(): Scope {
  // LogTape's storage, else our own: no storage yet means no scope yet.
  const active = logTape?.getConfig()?.contextLocalStorage ?? storage;
  return active?.getStore() ?? EMPTY_SCOPE;
}

/**
 * Runs `fn` with `scope` added to the current implicit scope, through
 * LogTape's `withContext` when LogTape has a context storage.
 */
export function runInScope<T>(scope: Scope, fn: () => T): T {
  if (logTape?.getConfig()?.contextLocalStorage !== undefined) {
    return logTape.withContext(scope, fn);
  }
  const own = ownStorage();
  return own.run({ ...own.getStore(), ...scope }, fn);
}
