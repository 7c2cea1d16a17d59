/**
 * `ConfigurationBuilder`: collects providers and builds a {@linkcode Configuration}.
 *
 * @module
 */

import { resolve } from "./_path.ts";
import { CommandLineConfigurationProvider } from "./command_line_provider.ts";
import type { CommandLineOptions } from "./command_line_provider.ts";
import { Configuration } from "./configuration.ts";
import type { ConfigurationProvider } from "./configuration_provider.ts";
import { DotEnvConfigurationProvider } from "./dotenv_file_provider.ts";
import {
  EnvironmentVariablesConfigurationProvider,
  type EnvironmentVariablesOptions,
} from "./environment_variables_provider.ts";
import type { FileProviderOptions } from "./file_provider.ts";
import { JsonConfigurationProvider } from "./json_file_provider.ts";
import { MemoryConfigurationProvider } from "./memory_provider.ts";
import { YamlConfigurationProvider } from "./yaml_file_provider.ts";

/** How a {@linkcode ConfigurationBuilder} starts. */
export interface ConfigurationBuilderOptions {
  /**
   * The directory relative file paths resolve against.
   *
   * @default {Deno.cwd()}
   */
  basePath?: string;
  /**
   * Called when a watched file fails to reload; the last good values stay.
   *
   * @default {logReloadError} (one `console.error` line per failure)
   */
  onReloadError?: (error: unknown) => void;
  /**
   * Called when a change callback throws or its promise rejects.
   *
   * @default {undefined} (one `console.error` line per failure)
   */
  onChangeError?: (error: unknown) => void;
}

/**
 * Collects configuration providers (`IConfigurationBuilder`). Later
 * providers win over earlier ones, so add the defaults first and the
 * overrides (environment, command line) last.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/appsettings.json`, '{ "Server": { "Port": 8000 } }');
 * using config = new ConfigurationBuilder({ basePath: dir })
 *   .addInMemory({ Server: { Port: 80, Host: "localhost" } })
 *   .addJsonFile("appsettings.json")
 *   .addJsonFile("appsettings.Production.json", { optional: true })
 *   .addEnvironmentVariables({ prefix: "ROOST_" })
 *   .addCommandLine(["--Server:Host", "0.0.0.0"])
 *   .build();
 * assert.equal(config.get("server:port"), "8000");
 * assert.equal(config.get("server:host"), "0.0.0.0");
 * assert.equal(config.describeSource("server:port"), 'JSON file "appsettings.json"');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class ConfigurationBuilder {
  readonly #providers: ConfigurationProvider[] = [];
  readonly #onReloadError: ((error: unknown) => void) | undefined;
  readonly #onChangeError: ((error: unknown) => void) | undefined;
  #basePath: string | undefined;

  /**
   * Makes an empty builder.
   *
   * @param options The base path and the reload error handler.
   */
  constructor(options: ConfigurationBuilderOptions = {}) {
    if (options.basePath !== undefined) this.setBasePath(options.basePath);
    this.#onReloadError = options.onReloadError;
    this.#onChangeError = options.onChangeError;
  }

  /**
   * The directory relative file paths resolve against; the current
   * directory unless set.
   */
  get basePath(): string {
    return this.#basePath ??= Deno.cwd();
  }

  /**
   * Sets the directory that relative file paths added *after* this call
   * resolve against (a relative `path` resolves against the current one).
   *
   * @param path The directory.
   */
  setBasePath(path: string): this {
    this.#basePath = resolve(path);
    return this;
  }

  /** The providers added so far, in order. */
  get providers(): readonly ConfigurationProvider[] {
    return Object.freeze([...this.#providers]);
  }

  /**
   * Adds a provider.
   *
   * @param provider Any {@linkcode ConfigurationProvider}.
   */
  add(provider: ConfigurationProvider): this {
    this.#providers.push(provider);
    return this;
  }

  /**
   * Adds values given in code; nested objects and arrays flatten.
   *
   * @param values A nested object, or `[key, value]` pairs.
   */
  addInMemory(
    values: Record<string, unknown> | Iterable<readonly [string, string]>,
  ): this {
    return this.add(new MemoryConfigurationProvider(values));
  }

  /**
   * Adds a JSON file (comments and trailing commas allowed).
   *
   * @param path The file; relative to {@linkcode ConfigurationBuilder.basePath}.
   * @param options Whether it is optional and reloaded on change.
   */
  addJsonFile(path: string, options: FileProviderOptions = {}): this {
    return this.add(
      new JsonConfigurationProvider(path, {
        ...options,
        basePath: this.basePath,
      }),
    );
  }

  /**
   * Adds a YAML file.
   *
   * @param path The file; relative to {@linkcode ConfigurationBuilder.basePath}.
   * @param options Whether it is optional and reloaded on change.
   */
  addYamlFile(path: string, options: FileProviderOptions = {}): this {
    return this.add(
      new YamlConfigurationProvider(path, {
        ...options,
        basePath: this.basePath,
      }),
    );
  }

  /**
   * Adds a `.env` file: `KEY=value` lines, `#` comments, quotes, `export`
   * prefixes; `__` in names means `:`.
   *
   * @param path The file; relative to {@linkcode ConfigurationBuilder.basePath}.
   * @param options Whether it is optional and reloaded on change.
   */
  addDotEnvFile(path: string, options: FileProviderOptions = {}): this {
    return this.add(
      new DotEnvConfigurationProvider(path, {
        ...options,
        basePath: this.basePath,
      }),
    );
  }

  /**
   * Adds environment variables; `__` in names means `:`. Without
   * `--allow-env` this adds no values, and no error.
   *
   * @param options The prefix to read and strip (any case), like `ROOST_`.
   */
  addEnvironmentVariables(options: EnvironmentVariablesOptions = {}): this {
    return this.add(new EnvironmentVariablesConfigurationProvider(options));
  }

  /**
   * Adds command-line arguments: `--key value`, `--key=value`,
   * `/key value`, `/key=value`, `key=value`, and mapped switches.
   *
   * @param args The arguments, usually `Deno.args`.
   * @param options Switch mappings, like `{ "-p": "urls" }`. The arguments
   * are parsed by {@linkcode ConfigurationBuilder.build}.
   */
  addCommandLine(
    args: readonly string[],
    options: CommandLineOptions = {},
  ): this {
    return this.add(new CommandLineConfigurationProvider(args, options));
  }

  /**
   * Loads every provider in order (later ones win) and starts watching
   * the files added with `reloadOnChange`.
   *
   * @returns The configuration; dispose of it to stop watching.
   * @throws {ConfigurationError} When a file is missing or malformed, or a
   * command-line argument is.
   */
  build(): Configuration {
    return new Configuration(this.#providers, {
      onReloadError: this.#onReloadError,
      onChangeError: this.#onChangeError,
    });
  }

  /**
   * Runs every provider's asynchronous `prepare()` step (the YAML provider
   * imports its parser there, only when a YAML file exists), then
   * {@linkcode ConfigurationBuilder.build}s.
   *
   * @returns The configuration; dispose of it to stop watching.
   * @throws {ConfigurationError} As {@linkcode ConfigurationBuilder.build}
   * does, through the promise.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConfigurationBuilder } from "./mod.ts";
   *
   * const dir = await Deno.makeTempDir();
   * await Deno.writeTextFile(`${dir}/app.yaml`, "Greeting: hi\n");
   * const config = await new ConfigurationBuilder({ basePath: dir })
   *   .addYamlFile("app.yaml")
   *   .buildAsync();
   * assert.equal(config.get("greeting"), "hi");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async buildAsync(): Promise<Configuration> {
    await Promise.all(this.#providers.map((provider) => provider.prepare?.()));
    return this.build();
  }
}
