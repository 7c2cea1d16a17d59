/**
 * The {@linkcode ConfigurationProvider} contract, and a base class for
 * providers that keep their values in memory.
 *
 * @module
 */

/**
 * A source of configuration values (`IConfigurationProvider`). Keys are
 * `:`-separated (`Server:Limits:Port`) and case-insensitive; arrays are
 * numbered children (`urls:0`, `urls:1`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ConfigurationProvider, ConfigurationBuilder } from "./mod.ts";
 *
 * // A provider of one fixed value.
 * const answer: ConfigurationProvider = {
 *   description: "the answer",
 *   load() {},
 *   get: (key) => key.toLowerCase() === "answer" ? "42" : undefined,
 *   entries: () => [["Answer", "42"]],
 * };
 * const config = new ConfigurationBuilder().add(answer).build();
 * assert.equal(config.get("ANSWER"), "42");
 * assert.equal(config.describeSource("answer"), "the answer");
 * ```
 */
export interface ConfigurationProvider {
  /**
   * Says where the values come from, for "where did this setting come
   * from" messages: `JSON file "appsettings.json"`, `command line`.
   */
  readonly description?: string;
  /**
   * Optional: an asynchronous step before the first `load()`, for what is
   * too costly to import up front (the YAML provider imports its parser
   * here). {@linkcode ConfigurationBuilder.buildAsync} and the host await
   * it.
   *
   * @returns A promise that settles once `load()` can run.
   */
  prepare?(): Promise<void>;
  /** Loads (or reloads) synchronously; throws a clear error on malformed input. */
  load(): void;
  /**
   * The value of a full key (case-insensitive), or `undefined`.
   *
   * @param key A full key, like `Server:Port`.
   */
  get(key: string): string | undefined;
  /** All `[key, value]` pairs this provider has. */
  entries(): Iterable<[string, string]>;
  /**
   * Optional: starts watching the source; calls `changed()` after a
   * (debounced) successful reload, and `onError` when a reload fails.
   *
   * @param changed Called after the values changed.
   * @param onError Called with the error of a failed reload.
   * @returns A function that stops watching.
   */
  watch?(changed: () => void, onError: (error: unknown) => void): () => void;
}

/**
 * A provider that holds its values in a case-insensitive map; subclasses
 * say how to {@linkcode KeyValueConfigurationProvider.read} them. A failed
 * read leaves the previous values in place.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder, KeyValueConfigurationProvider } from "./mod.ts";
 *
 * class ClockProvider extends KeyValueConfigurationProvider {
 *   readonly description = "clock";
 *   protected read(): Iterable<readonly [string, string]> {
 *     return [["Clock:Year", String(new Date().getFullYear())]];
 *   }
 * }
 * const config = new ConfigurationBuilder().add(new ClockProvider()).build();
 * assert.ok(Number(config.get("clock:year")) >= 2024);
 * ```
 */
export abstract class KeyValueConfigurationProvider
  implements ConfigurationProvider {
  /** Lower-cased key → the key as first seen, and its value. */
  #data = new Map<string, [string, string]>();

  /** Says where the values come from. */
  abstract readonly description: string;

  /**
   * Reads every `[key, value]` pair from the source. Keys are full
   * `:`-separated keys; a repeated key (in any case) keeps its first
   * spelling and its last value.
   *
   * @returns The pairs.
   * @throws When the source is malformed or cannot be read.
   */
  protected abstract read(): Iterable<readonly [string, string]>;

  /** Loads (or reloads) the values; on error, the old values stay. */
  load(): void {
    const data = new Map<string, [string, string]>();
    for (const [key, value] of this.read()) {
      const lower = key.toLowerCase();
      const seen = data.get(lower);
      data.set(lower, [seen?.[0] ?? key, value]);
    }
    this.#data = data;
  }

  /**
   * The value of a full key (case-insensitive), or `undefined`.
   *
   * @param key A full key, like `Server:Port`.
   */
  get(key: string): string | undefined {
    return this.#data.get(key.toLowerCase())?.[1];
  }

  /** All `[key, value]` pairs, keys spelled as first seen. */
  *entries(): IterableIterator<[string, string]> {
    for (const [key, value] of this.#data.values()) yield [key, value];
  }
}
