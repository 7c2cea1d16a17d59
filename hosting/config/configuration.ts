/**
 * `Configuration`: the root of a built configuration.
 *
 * @module
 */

import { SectionView, winningProvider } from "./_section.ts";
import type { ConfigurationProvider } from "./configuration_provider.ts";
import type {
  AsEntriesOptions,
  ConfigurationSection,
} from "./configuration_section.ts";

/** How a {@linkcode Configuration} reports trouble in the background. */
export interface ConfigurationOptions {
  /**
   * Called when a watched provider fails to reload (a malformed edit, a
   * deleted file that is not optional). The last good values stay.
   *
   * @default {logReloadError} (one `console.error` line per failure)
   */
  onReloadError?: (error: unknown) => void;
  /**
   * Called when a change callback (`onChange`) throws or its promise
   * rejects: the other callbacks still run.
   *
   * @default {undefined} (one `console.error` line per failure)
   */
  onChangeError?: (error: unknown) => void;
}

/**
 * Logs a failed reload with `console.error`: the default
 * {@linkcode ConfigurationOptions.onReloadError}.
 *
 * @param error The reload's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationError } from "./mod.ts";
 * import { logReloadError } from "./configuration.ts";
 *
 * const lines: unknown[] = [];
 * const original = console.error;
 * console.error = (line: unknown) => lines.push(line);
 * try {
 *   logReloadError(new ConfigurationError('Invalid JSON in "/srv/app/appsettings.json" at line 3, column 5: Unexpected "}"'));
 * } finally {
 *   console.error = original;
 * }
 * assert.deepEqual(lines, [
 *   'Configuration reload failed; keeping the last good values. Invalid JSON in "/srv/app/appsettings.json" at line 3, column 5: Unexpected "}"',
 * ]);
 * ```
 */
export function logReloadError(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(
    `Configuration reload failed; keeping the last good values. ${message}`,
  );
}

/**
 * The root of a configuration (`IConfigurationRoot`): loads its providers
 * when made (later providers win), answers for the whole key space, tells
 * where a value came from, and notifies on change. Dispose of it to stop
 * watching files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   CommandLineConfigurationProvider,
 *   Configuration,
 *   MemoryConfigurationProvider,
 * } from "./mod.ts";
 *
 * using config = new Configuration([
 *   new MemoryConfigurationProvider({ Server: { Port: 8000, Host: "localhost" } }),
 *   new CommandLineConfigurationProvider(["--server:port", "9000"]),
 * ]);
 * assert.equal(config.get("Server:Port"), "9000");
 * assert.equal(config.describeSource("server:port"), "command line");
 * assert.deepEqual(config.getSection("Server").asEntries({ makePathsRelative: true }), [
 *   ["Host", "localhost"],
 *   ["Port", "9000"],
 * ]);
 * ```
 */
export class Configuration implements ConfigurationSection {
  readonly #providers: readonly ConfigurationProvider[];
  readonly #root: SectionView;
  readonly #listeners = new Set<() => void>();
  readonly #onReloadError: (error: unknown) => void;
  readonly #onChangeError: (error: unknown) => void;
  #stopWatching: (() => void)[] = [];

  /**
   * Loads every provider in order, then starts watching those that watch.
   *
   * @param providers The providers; later ones win.
   * @param options What to do with background reload errors.
   * @throws What a provider's `load()` or `watch()` throws; no watcher is
   * left running then.
   */
  constructor(
    providers: readonly ConfigurationProvider[],
    options: ConfigurationOptions = {},
  ) {
    this.#providers = Object.freeze([...providers]);
    this.#root = new SectionView(this.#providers, "");
    this.#onReloadError = options.onReloadError ?? logReloadError;
    this.#onChangeError = options.onChangeError ??
      ((error) =>
        console.error("A configuration change callback threw:", error));
    for (const provider of this.#providers) provider.load();
    try {
      for (const provider of this.#providers) {
        const stop = provider.watch?.(
          () => this.#notify(),
          (error) => this.#reportReloadError(error),
        );
        if (stop !== undefined) this.#stopWatching.push(stop);
      }
    } catch (error) {
      this[Symbol.dispose]();
      throw error;
    }
  }

  /** The providers, in order; later ones win. */
  get providers(): readonly ConfigurationProvider[] {
    return this.#providers;
  }

  /** Always `""`: this is the root. */
  get key(): string {
    return "";
  }

  /** Always `""`: this is the root. */
  get path(): string {
    return "";
  }

  /** Always `undefined`: the root has no value of its own. */
  get value(): string | undefined {
    return undefined;
  }

  /**
   * The value of a full key.
   *
   * @param key A full key, like `Server:Port`; any case.
   * @returns The value from the last provider that has it, or `undefined`.
   */
  get(key: string): string | undefined {
    return this.#root.get(key);
  }

  /**
   * A section. Never `undefined`: check {@linkcode ConfigurationSection.exists}.
   *
   * @param key A key, like `Server:Limits`; any case.
   * @returns The section.
   */
  getSection(key: string): ConfigurationSection {
    return this.#root.getSection(key);
  }

  /**
   * The top-level sections, ordered as {@linkcode ConfigurationSection.getChildren} says.
   *
   * @returns The sections.
   */
  getChildren(): ConfigurationSection[] {
    return this.#root.getChildren();
  }

  /** Whether there is any key at all. */
  exists(): boolean {
    return this.#root.exists();
  }

  /**
   * Every `[key, value]`, depth first.
   *
   * @param options Accepted for symmetry with sections; at the root, keys
   * are already relative.
   * @returns The pairs.
   */
  asEntries(options?: AsEntriesOptions): [string, string][] {
    return this.#root.asEntries(options);
  }

  /**
   * Which provider supplied the winning value of a key, for "where did
   * this setting come from" logs.
   *
   * @param key A full key; any case.
   * @returns The provider's description (`JSON file "appsettings.json"`,
   * `environment variables (prefix ROOST_)`, `command line`, `memory`), or
   * `undefined` when no provider has the key.
   */
  describeSource(key: string): string | undefined {
    const provider = winningProvider(this.#providers, key);
    if (provider === undefined) return undefined;
    return provider.description ?? provider.constructor.name;
  }

  /**
   * Calls `callback` after any provider reloads with new values, and after
   * {@linkcode Configuration.reload}. A callback that throws is logged and
   * does not stop the others.
   *
   * @param callback The function to call.
   * @returns A function that stops calling it.
   */
  onChange(callback: () => void): () => void {
    // A wrapper per registration, so the same function can be added twice
    // and each disposer removes only its own.
    const listener = (): void => callback();
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Reloads every provider, then notifies the change callbacks. Providers
   * that fail keep their last good values.
   *
   * @throws The error of the provider that failed, after the others have
   * reloaded and the callbacks ran; an `AggregateError` if several failed.
   */
  reload(): void {
    const errors: unknown[] = [];
    for (const provider of this.#providers) {
      try {
        provider.load();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#notify();
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(
        errors,
        `${errors.length} configuration providers failed to reload; see its errors`,
      );
    }
  }

  /** Stops watching files. The values stay readable. */
  [Symbol.dispose](): void {
    const stops = this.#stopWatching;
    this.#stopWatching = [];
    for (const stop of stops) stop();
  }

  #notify(): void {
    const report = (error: unknown) => {
      try {
        this.#onChangeError(error);
      } catch (thrown) {
        console.error("The configuration change error handler threw:", thrown);
      }
    };
    for (const listener of [...this.#listeners]) {
      try {
        // An async callback's rejection is its failure too: reported, not
        // left to end the process.
        const result: unknown = listener();
        if (result instanceof Promise) result.catch(report);
      } catch (error) {
        report(error);
      }
    }
  }

  #reportReloadError(error: unknown): void {
    try {
      this.#onReloadError(error);
    } catch (thrown) {
      console.error("The configuration reload error handler threw:", thrown);
    }
  }
}
