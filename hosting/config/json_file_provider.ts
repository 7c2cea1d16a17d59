/**
 * `JsonConfigurationProvider`: values from a JSON file.
 *
 * @module
 */

import { JsonSyntaxError, lineAndColumn, readJson } from "./_jsonc.ts";
import { ConfigurationError } from "./configuration_error.ts";
import { FileConfigurationProvider } from "./file_provider.ts";

/**
 * Values from a JSON file such as `appsettings.json`. The top level is an
 * object; nested objects flatten to `a:b:c` and arrays to `key:0`, `key:1`.
 * As in ASP.NET Core, `//` and `/* *\/` comments and trailing commas are
 * allowed; numbers keep their text (`1.0` stays `"1.0"`), `null` is `""`,
 * and a key repeated in one object (in any case) is an error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonConfigurationProvider } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/appsettings.json`, `{
 *   // Comments are fine.
 *   "Server": { "Port": 8080, "Urls": ["http://a", "http://b"] },
 * }`);
 * const provider = new JsonConfigurationProvider("appsettings.json", { basePath: dir });
 * provider.load();
 * assert.equal(provider.get("server:port"), "8080");
 * assert.equal(provider.get("Server:Urls:1"), "http://b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class JsonConfigurationProvider extends FileConfigurationProvider {
  /** Says where the values come from: `JSON file "appsettings.json"`. */
  get description(): string {
    return `JSON file "${this.displayPath}"`;
  }

  /**
   * Reads the JSON text.
   *
   * @param text The file's contents.
   * @returns The flattened pairs.
   * @throws {ConfigurationError} Naming the file, line and column of the
   * first syntax error.
   */
  protected parse(text: string): Iterable<readonly [string, string]> {
    try {
      return readJson(text);
    } catch (error) {
      if (!(error instanceof JsonSyntaxError)) throw error;
      const { line, column } = lineAndColumn(text, error.offset);
      throw new ConfigurationError(
        `Invalid JSON in "${this.path}" at line ${line}, column ${column}: ${error.message}`,
        { file: this.path, line, column, cause: error },
      );
    }
  }
}
