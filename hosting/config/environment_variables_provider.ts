/**
 * `EnvironmentVariablesConfigurationProvider`: values from the environment.
 *
 * @module
 */

import { KeyValueConfigurationProvider } from "./configuration_provider.ts";

/** Which environment variables to read. */
export interface EnvironmentVariablesOptions {
  /**
   * Only read variables whose names start with this (in any case), and
   * strip it: with `ROOST_`, `ROOST_URLS` sets `URLS`.
   *
   * @default {""}
   */
  prefix?: string;
}

/**
 * Values from environment variables. `__` in a name means `:`
 * (`Server__Port` sets `Server:Port`), since `:` is not allowed in names
 * on every platform. Without env permission (`--allow-env`) there are no
 * values, and no error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnvironmentVariablesConfigurationProvider } from "./mod.ts";
 *
 * Deno.env.set("EXAMPLE_Server__Port", "8080");
 * const provider = new EnvironmentVariablesConfigurationProvider({ prefix: "example_" });
 * provider.load();
 * assert.equal(provider.get("server:port"), "8080");
 * Deno.env.delete("EXAMPLE_Server__Port");
 * ```
 */
export class EnvironmentVariablesConfigurationProvider
  extends KeyValueConfigurationProvider {
  /** The prefix of the variables read, as given. */
  readonly prefix: string;

  /**
   * Makes a provider of the environment variables.
   *
   * @param options The prefix of the variables to read.
   */
  constructor(options: EnvironmentVariablesOptions = {}) {
    super();
    this.prefix = options.prefix ?? "";
  }

  /**
   * Says where the values come from: `environment variables`, or
   * `environment variables (prefix ROOST_)`.
   */
  get description(): string {
    return this.prefix === ""
      ? "environment variables"
      : `environment variables (prefix ${this.prefix})`;
  }

  /** Reads the variables now; none without env permission. */
  protected read(): Iterable<readonly [string, string]> {
    let variables: Record<string, string>;
    try {
      variables = Deno.env.toObject();
    } catch (error) {
      if (
        error instanceof Deno.errors.NotCapable ||
        error instanceof Deno.errors.PermissionDenied
      ) {
        return [];
      }
      throw error;
    }
    const prefix = this.prefix.toLowerCase();
    const pairs: [string, string][] = [];
    for (const [name, value] of Object.entries(variables)) {
      if (!name.toLowerCase().startsWith(prefix)) continue;
      const key = name.slice(prefix.length).replaceAll("__", ":");
      if (key !== "") pairs.push([key, value]);
    }
    // The environment has no order; sorting keeps "first seen" spelling stable.
    return pairs.sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0);
  }
}
