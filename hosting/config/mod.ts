/**
 * Configuration, after ASP.NET Core's `Microsoft.Extensions.Configuration`:
 * layered providers (memory, JSON, YAML, `.env`, environment variables,
 * command line) where later providers win, `:`-separated case-insensitive
 * keys, sections, reload on file change, and binding to plain objects
 * validated by any Standard Schema.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind, ConfigurationBuilder } from "./mod.ts";
 *
 * using config = new ConfigurationBuilder()
 *   .addInMemory({ Server: { Port: 8000, Urls: ["http://localhost:8000"] } })
 *   .addJsonFile("appsettings.json", { optional: true, reloadOnChange: true })
 *   .addEnvironmentVariables({ prefix: "ROOST_" })
 *   .addCommandLine(["--Server:Port", "9000"])
 *   .build();
 * assert.equal(config.get("server:port"), "9000");
 * assert.deepEqual(bind(config.getSection("Server")), { Port: 9000, Urls: ["http://localhost:8000"] });
 * ```
 *
 * @module
 */

export { bind, bindAsync } from "./bind.ts";
export {
  CommandLineConfigurationProvider,
  type CommandLineOptions,
} from "./command_line_provider.ts";
export { Configuration, type ConfigurationOptions } from "./configuration.ts";
export {
  ConfigurationBuilder,
  type ConfigurationBuilderOptions,
} from "./configuration_builder.ts";
export {
  ConfigurationError,
  type ConfigurationErrorOptions,
  type ConfigurationIssue,
} from "./configuration_error.ts";
export {
  type ConfigurationProvider,
  KeyValueConfigurationProvider,
} from "./configuration_provider.ts";
export type {
  AsEntriesOptions,
  ConfigurationSection,
} from "./configuration_section.ts";
export { DotEnvConfigurationProvider } from "./dotenv_file_provider.ts";
export {
  EnvironmentVariablesConfigurationProvider,
  type EnvironmentVariablesOptions,
} from "./environment_variables_provider.ts";
export {
  FileConfigurationProvider,
  type FileConfigurationProviderOptions,
  type FileProviderOptions,
} from "./file_provider.ts";
export { JsonConfigurationProvider } from "./json_file_provider.ts";
export { MemoryConfigurationProvider } from "./memory_provider.ts";
export type {
  StandardFailureResult,
  StandardIssue,
  StandardPathSegment,
  StandardProps,
  StandardResult,
  StandardSchemaV1,
  StandardSuccessResult,
  StandardTypes,
} from "./standard_schema.ts";
export { YamlConfigurationProvider } from "./yaml_file_provider.ts";
