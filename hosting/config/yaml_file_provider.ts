/**
 * `YamlConfigurationProvider`: values from a YAML file.
 *
 * @module
 */

import process from "node:process";
// The project pins third-party code inline, imported in this one module only.
// deno-lint-ignore no-import-prefix
import { parseDocument, type YAMLParseError } from "npm:yaml@2.9.1";
import { flatten } from "./_keys.ts";
import { ConfigurationError } from "./configuration_error.ts";
import { FileConfigurationProvider } from "./file_provider.ts";

/**
 * Values from a YAML file (YAML 1.2, one document; `<<` merge keys
 * allowed). The top level is a mapping; nested mappings flatten to `a:b:c`
 * and sequences to `key:0`, `key:1`; `null` and `~` are `""`; a repeated
 * key is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { YamlConfigurationProvider } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/appsettings.yaml`, "Server:\n  Port: 8080\n  Urls: [http://a, http://b]\n");
 * const provider = new YamlConfigurationProvider("appsettings.yaml", { basePath: dir });
 * provider.load();
 * assert.equal(provider.get("server:port"), "8080");
 * assert.equal(provider.get("Server:Urls:1"), "http://b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class YamlConfigurationProvider extends FileConfigurationProvider {
  /** Says where the values come from: `YAML file "appsettings.yaml"`. */
  get description(): string {
    return `YAML file "${this.displayPath}"`;
  }

  /**
   * Reads the YAML text.
   *
   * @param text The file's contents.
   * @returns The flattened pairs.
   * @throws {ConfigurationError} Naming the file, line and column of the
   * first error, or saying the top level is not a mapping.
   */
  protected parse(text: string): Iterable<readonly [string, string]> {
    const value = withoutEnvironmentLookups(() => {
      const document = parseDocument(text, {
        intAsBigInt: true, // big integers keep every digit
        merge: true,
        prettyErrors: true,
        uniqueKeys: true,
      });
      const error = document.errors[0];
      if (error !== undefined) throw this.#syntaxError(error);
      return document.toJS({ maxAliasCount: 1000 });
    });
    if (value === null || value === undefined) return []; // an empty file
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigurationError(
        `Invalid YAML in "${this.path}": the top level must be a mapping of keys, got ${
          Array.isArray(value)
            ? "a sequence"
            : `the scalar ${JSON.stringify(String(value))}`
        }`,
        { file: this.path },
      );
    }
    return flatten(value);
  }

  #syntaxError(error: YAMLParseError): ConfigurationError {
    const position = error.linePos?.[0];
    // The library appends " at line L, column C:" and a code excerpt.
    const reason = error.message.split("\n")[0].replace(
      / at line \d+, column \d+:?$/,
      "",
    );
    const where = position === undefined
      ? ""
      : ` at line ${position.line}, column ${position.col}`;
    return new ConfigurationError(
      `Invalid YAML in "${this.path}"${where}: ${reason}`,
      {
        file: this.path,
        line: position?.line,
        column: position?.col,
        cause: error,
      },
    );
  }
}

/**
 * Runs `fn` with an empty `process.env` when env access is not granted: the
 * yaml package reads `LOG_TOKENS` and `LOG_STREAM` while parsing, which
 * throws `NotCapable` without `--allow-env`. Parsing is synchronous, so no
 * other code sees the swap.
 */
function withoutEnvironmentLookups<T>(fn: () => T): T {
  const granted = ["LOG_TOKENS", "LOG_STREAM"].every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
  if (granted) return fn();
  const env = process.env;
  process.env = {};
  try {
    return fn();
  } finally {
    process.env = env;
  }
}
