/**
 * `createDefaultBuilder`: the batteries-included start, behind
 * `createDefaultBuilder(args)`.
 *
 * @module
 */

import { ConfigurationBuilder } from "./config/mod.ts";
import { HostSettings } from "./host_settings.ts";
import { WebHostBuilder } from "./web_host_builder.ts";
import { EDGE_DEFAULTS } from "./_edge_defaults.ts";

// Command-line keys that are host settings; the rest is app configuration.
const HOST_KEYS = new Set(
  Object.values(HostSettings).map((key) => key.toLowerCase()),
);

/**
 * Makes a {@linkcode WebHostBuilder} with Roost's defaults; see
 * `createDefaultBuilder`.
 *
 * @param args The command-line arguments.
 * @returns The builder.
 * @throws {ConfigurationError} When an argument is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createDefaultBuilder } from "./default_builder.ts";
 *
 * const builder = createDefaultBuilder(["--urls", "http://127.0.0.1:0"]);
 * assert.equal(builder.getSetting("urls"), "http://127.0.0.1:0");
 * assert.equal(builder.getSettingSource("urls"), "command line");
 * ```
 */
export function createDefaultBuilder(args: readonly string[]): WebHostBuilder {
  const builder = new WebHostBuilder();
  if (builder.getSetting(HostSettings.contentRoot) === undefined) {
    builder.useContentRoot(Deno.cwd());
  }
  // Parsing here, not at start, makes a malformed argument fail at once.
  const commandLine = new ConfigurationBuilder().addCommandLine(args).build();
  for (const [key, value] of commandLine.asEntries()) {
    if (HOST_KEYS.has(key.toLowerCase())) {
      builder.useConfiguration(
        new ConfigurationBuilder().addInMemory([[key, value]]).build(),
        "command line",
      );
    }
  }
  builder.configureAppConfiguration(({ environment }, config) => {
    const options = { optional: true, reloadOnChange: true };
    config
      .addJsonFile("appsettings.json", options)
      .addYamlFile("appsettings.yaml", options)
      .addYamlFile("appsettings.yml", options)
      .addJsonFile(`appsettings.${environment.name}.json`, options)
      .addYamlFile(`appsettings.${environment.name}.yaml`, options)
      .addYamlFile(`appsettings.${environment.name}.yml`, options)
      .addEnvironmentVariables()
      .addCommandLine(args);
  });
  // Forwarded headers (ROOST_FORWARDEDHEADERS_ENABLED=true or the
  // ForwardedHeaders section) and host filtering (AllowedHosts) go first.
  builder.configureServices((services) =>
    services.addSingleton(EDGE_DEFAULTS, true)
  );
  return builder;
}
