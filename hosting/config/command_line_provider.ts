/**
 * `CommandLineConfigurationProvider`: values from command-line arguments.
 *
 * @module
 */

import { ConfigurationError } from "./configuration_error.ts";
import { KeyValueConfigurationProvider } from "./configuration_provider.ts";

/** How command-line arguments are read. */
export interface CommandLineOptions {
  /**
   * Switches that stand for keys, like `{ "-p": "urls", "--env": "environment" }`.
   * Each switch starts with `-` or `--`; matching ignores case. A short
   * switch (`-p`) must be mapped here to be used.
   *
   * @default {{}}
   */
  switchMappings?: Record<string, string>;
  /**
   * Whether `/key value` and `/key=value` are switches. That form is
   * Windows' (and ASP.NET's there); elsewhere an argument starting with `/`
   * is an absolute path, so it is a positional argument, left for the app
   * like any other (`createDefaultBuilder(["/srv/www"])` sets nothing).
   *
   * @default {Deno.build.os === "windows"}
   */
  slashSwitches?: boolean;
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}

/**
 * Values from command-line arguments, in the forms ASP.NET Core accepts:
 * `--key value`, `--key=value`, `key=value`, mapped switches (`-p 8080`
 * with `{ "-p": "urls" }`) and, on Windows only (see
 * {@linkcode CommandLineOptions.slashSwitches}), `/key value` and
 * `/key=value`. Keys may be nested (`--Server:Port 80`). Arguments in none
 * of these forms (a bare `serve`, an absolute path such as `/srv/www`
 * outside Windows) are left for the app; a lone `--` ends the options. The
 * arguments are copied when the provider is made and parsed on `load()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CommandLineConfigurationProvider } from "./mod.ts";
 *
 * const provider = new CommandLineConfigurationProvider(
 *   ["--environment", "Staging", "-p", "http://localhost:8080", "Logging:Level=debug"],
 *   { switchMappings: { "-p": "urls" } },
 * );
 * provider.load();
 * assert.equal(provider.get("environment"), "Staging");
 * assert.equal(provider.get("urls"), "http://localhost:8080");
 * assert.equal(provider.get("logging:level"), "debug");
 * ```
 */
export class CommandLineConfigurationProvider
  extends KeyValueConfigurationProvider {
  readonly #args: readonly string[];
  readonly #switchMappings: Record<string, string>;
  readonly #slashSwitches: boolean;

  /** Says where the values come from: `command line`. */
  readonly description: string = "command line";

  /**
   * Reads the arguments.
   *
   * @param args The arguments, usually `Deno.args`.
   * @param options The switch mappings.
   */
  constructor(args: readonly string[], options: CommandLineOptions = {}) {
    super();
    this.#args = [...args];
    this.#switchMappings = { ...options.switchMappings };
    this.#slashSwitches = options.slashSwitches ??
      Deno.build.os === "windows";
  }

  /**
   * Parses the arguments.
   *
   * @returns The pairs, in order.
   * @throws {ConfigurationError} Naming the argument: a short switch that is
   * not mapped, a switch with no value (at the end, or followed by another
   * switch), an argument with an empty key, or a bad switch mapping.
   */
  protected read(): Iterable<readonly [string, string]> {
    return parseArgs(
      this.#args,
      mappingsOf(this.#switchMappings),
      this.#slashSwitches,
    );
  }
}

function mappingsOf(
  switchMappings: Record<string, string>,
): Map<string, string> {
  const mappings = new Map<string, string>();
  for (const [name, key] of Object.entries(switchMappings)) {
    if (!/^--?[^-=]/.test(name)) {
      fail(
        `Switch mapping "${name}" must start with "-" or "--" and name a switch, like "-p" or "--port"`,
      );
    }
    if (mappings.has(name.toLowerCase())) {
      fail(
        `Switch mapping "${name}" is given twice (switches ignore case); keep one`,
      );
    }
    if (typeof key !== "string" || key === "") {
      fail(
        `Switch mapping "${name}" must map to a configuration key, got ${
          JSON.stringify(key)
        }`,
      );
    }
    mappings.set(name.toLowerCase(), key);
  }
  return mappings;
}

function parseArgs(
  args: readonly string[],
  mappings: Map<string, string>,
  slashSwitches: boolean,
): [string, string][] {
  const isSwitch = (arg: string): boolean =>
    arg.startsWith("--") || mappings.has(arg.split("=", 1)[0].toLowerCase());
  const pairs: [string, string][] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") break;
    // Outside Windows "/srv/www" is a path, even with "=" in it: the app's.
    if (arg.startsWith("/") && !slashSwitches) continue;
    const prefix = arg.startsWith("--")
      ? "--"
      : arg.startsWith("-") || arg.startsWith("/")
      ? arg[0]
      : "";
    const equals = arg.indexOf("=");
    if (prefix === "") {
      if (equals === -1) continue; // a positional argument: the app's business
      if (equals === 0) {
        fail(`Command-line argument "${arg}" has no key before "="`);
      }
      pairs.push([arg.slice(0, equals), arg.slice(equals + 1)]);
      continue;
    }
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const mapped = mappings.get(name.toLowerCase());
    if (prefix === "-" && mapped === undefined) {
      fail(
        `Unknown short switch "${name}" on the command line; use "-${name}" with two dashes, or map it with switchMappings: { "${name}": "key" }`,
      );
    }
    const key = mapped ?? name.slice(prefix.length);
    if (key === "") fail(`Command-line argument "${arg}" has no key`);
    if (equals !== -1) {
      pairs.push([key, arg.slice(equals + 1)]);
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || next === "--" || isSwitch(next)) {
      const after = next === undefined
        ? "it is the last argument"
        : `it is followed by "${next}"`;
      fail(
        `Command-line switch "${name}" has no value (${after}); pass "${name} value" or "${name}=value"`,
      );
    }
    pairs.push([key, next]);
    i++;
  }
  return pairs;
}
