/**
 * `MemoryConfigurationProvider`: values given in code.
 *
 * @module
 */

import { flatten } from "./_keys.ts";
import { KeyValueConfigurationProvider } from "./configuration_provider.ts";

/**
 * Values given in code, as a nested object (flattened: `{ Server: { Port: 80 } }`
 * gives `Server:Port`; arrays give `key:0`, `key:1`; `null` gives `""`) or
 * as `[key, value]` pairs. The values are copied when the provider is made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryConfigurationProvider } from "./mod.ts";
 *
 * const provider = new MemoryConfigurationProvider({ Server: { Port: 8080, Urls: ["a", "b"] } });
 * provider.load();
 * assert.deepEqual([...provider.entries()], [
 *   ["Server:Port", "8080"],
 *   ["Server:Urls:0", "a"],
 *   ["Server:Urls:1", "b"],
 * ]);
 * ```
 */
export class MemoryConfigurationProvider extends KeyValueConfigurationProvider {
  readonly #pairs: readonly (readonly [string, string])[];

  /** Says where the values come from: `memory`. */
  readonly description: string = "memory";

  /**
   * Makes a provider of these values.
   *
   * @param values A nested object, or `[key, value]` pairs.
   * @throws {TypeError} When a value is not a string, number, boolean, null,
   * array, plain object, `Date` or `URL`.
   */
  constructor(
    values: Record<string, unknown> | Iterable<readonly [string, string]>,
  ) {
    super();
    this.#pairs = Symbol.iterator in values
      ? Array.from(values as Iterable<readonly [string, string]>, pair)
      : flatten(values);
  }

  /** The values given to the constructor. */
  protected read(): Iterable<readonly [string, string]> {
    return this.#pairs;
  }
}

function pair(entry: readonly [string, string]): readonly [string, string] {
  const [key, value] = entry;
  if (typeof key !== "string" || typeof value !== "string") {
    throw new TypeError(
      `In-memory configuration pairs must be [string, string], got [${typeof key}, ${typeof value}]`,
    );
  }
  return [key, value];
}
