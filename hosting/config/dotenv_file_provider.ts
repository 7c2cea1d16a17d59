/**
 * `DotEnvConfigurationProvider`: values from a `.env` file.
 *
 * @module
 */

import { ConfigurationError } from "./configuration_error.ts";
import { FileConfigurationProvider } from "./file_provider.ts";

const ASSIGNMENT = /^\s*(?:export\s+)?([^=\s#][^=]*?)\s*=\s*(.*)$/;
const NAME = /^[A-Za-z_][\w.:-]*$/;
const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  n: "\n",
  r: "\r",
  t: "\t",
  '"': '"',
  "\\": "\\",
  $: "$",
};

/**
 * Values from a `.env` file: `KEY=value` lines, `#` comments (whole lines,
 * or after whitespace in an unquoted value), an optional `export` prefix,
 * and `"double"` (with `\n`, `\t`, `\"` escapes; may span lines),
 * `'single'` or `` `backtick` `` quoted values. `__` in a name means `:`, as
 * in environment variables (`Server__Port=80` sets `Server:Port`). A later
 * line wins over an earlier one. Variables are not expanded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DotEnvConfigurationProvider } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/.env`, [
 *   "# Local settings",
 *   "export Server__Port=8080 # the dev port",
 *   'GREETING="Hello,\\nworld"',
 * ].join("\n"));
 * const provider = new DotEnvConfigurationProvider(".env", { basePath: dir });
 * provider.load();
 * assert.equal(provider.get("server:port"), "8080");
 * assert.equal(provider.get("greeting"), "Hello,\nworld");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class DotEnvConfigurationProvider extends FileConfigurationProvider {
  /** Says where the values come from: `.env file ".env"`. */
  get description(): string {
    return `.env file "${this.displayPath}"`;
  }

  /**
   * Reads the `.env` text.
   *
   * @param text The file's contents.
   * @returns The pairs, `__` in names turned into `:`.
   * @throws {ConfigurationError} Naming the file and line of a line that
   * is not `KEY=value`, or of a quote that is never closed.
   */
  protected parse(text: string): Iterable<readonly [string, string]> {
    const lines = text.split(/\r?\n/);
    const pairs: [string, string][] = [];
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index];
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) continue;
      const match = ASSIGNMENT.exec(line);
      const name = match?.[1];
      if (match === null || name === undefined || !NAME.test(name)) {
        throw this.#error(
          `expected KEY=value with a name of letters, digits, "_", ".", ":" or "-", got ${
            JSON.stringify(trimmed)
          }`,
          index,
          (line.length - line.trimStart().length) + 1,
        );
      }
      let rest = match[2];
      const quote = rest[0];
      let value: string;
      if (quote === '"' || quote === "'" || quote === "`") {
        const startLine = index;
        let end = closingQuote(rest, quote);
        while (end === -1 && index + 1 < lines.length) {
          rest += "\n" + lines[++index];
          end = closingQuote(rest, quote);
        }
        if (end === -1) {
          throw this.#error(
            `the ${quote} quote of "${name}" is never closed; close it or remove it`,
            startLine,
            line.indexOf(quote) + 1,
          );
        }
        const after = rest.slice(end + 1).trim();
        if (after !== "" && !after.startsWith("#")) {
          throw this.#error(
            `unexpected ${
              JSON.stringify(after)
            } after the quoted value of "${name}"; put it inside the quotes or after a #`,
            index,
          );
        }
        value = rest.slice(1, end);
        if (quote === '"') {
          value = value.replace(
            /\\(.)/g,
            (all, char: string) => DOUBLE_QUOTED_ESCAPES[char] ?? all,
          );
        }
      } else {
        value = rest.replace(/(^|\s+)#.*$/, "").trim();
      }
      pairs.push([name.replaceAll("__", ":"), value]);
    }
    return pairs;
  }

  #error(reason: string, index: number, column?: number): ConfigurationError {
    const line = index + 1;
    const where = column === undefined
      ? `line ${line}`
      : `line ${line}, column ${column}`;
    return new ConfigurationError(
      `Invalid .env file "${this.path}" at ${where}: ${reason}`,
      { file: this.path, line, column },
    );
  }
}

/** The index of the quote closing the one at 0, or -1. */
function closingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\" && quote === '"') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
