// ConfigurationBuilder: base path, providers, build.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  type ConfigurationProvider,
  type FileConfigurationProvider,
  MemoryConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("the base path defaults to the current directory", () => {
  assert.equal(new ConfigurationBuilder().basePath, Deno.cwd());
});

Deno.test("relative file paths resolve against the base path set before adding them", () => {
  const builder = new ConfigurationBuilder({ basePath: "/srv/one" })
    .addJsonFile("a.json")
    .setBasePath("/srv/two")
    .addYamlFile("config/b.yaml")
    .addDotEnvFile("/etc/app/.env");
  assert.equal(builder.basePath, "/srv/two");
  const files = builder.providers.map((provider) =>
    (provider as FileConfigurationProvider).path
  );
  assert.deepEqual(files, [
    "/srv/one/a.json",
    "/srv/two/config/b.yaml",
    "/etc/app/.env",
  ]);
});

Deno.test("a relative base path resolves against the current directory", () => {
  assert.equal(
    new ConfigurationBuilder().setBasePath("conf").basePath,
    `${Deno.cwd()}/conf`,
  );
});

Deno.test("file options reach the provider", () => {
  const [provider] = new ConfigurationBuilder({ basePath: "/srv" })
    .addJsonFile("a.json", {
      optional: true,
      reloadOnChange: true,
      reloadDelay: 5,
    })
    .providers as FileConfigurationProvider[];
  assert.deepEqual(
    [provider.optional, provider.reloadOnChange, provider.reloadDelay],
    [true, true, 5],
  );
});

Deno.test("providers are listed in the order they were added, as a frozen copy", () => {
  const custom: ConfigurationProvider = {
    load() {},
    get: () => undefined,
    entries: () => [],
  };
  const builder = new ConfigurationBuilder().addInMemory({}).add(custom)
    .addEnvironmentVariables({ prefix: "X_" }).addCommandLine([]);
  const providers = builder.providers;
  assert.equal(providers.length, 4);
  assert.ok(providers[0] instanceof MemoryConfigurationProvider);
  assert.equal(providers[1], custom);
  assert.deepEqual(
    providers.map((provider) => provider.description),
    [
      "memory",
      undefined,
      "environment variables (prefix X_)",
      "command line",
    ],
  );
  assert.ok(Object.isFrozen(providers));
  builder.addInMemory({});
  assert.equal(providers.length, 4);
});

Deno.test("build loads every provider in order and the built configuration has them", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.json`, '{ "A": "json" }');
  const builder = new ConfigurationBuilder({ basePath: dir.path })
    .addInMemory({ A: "memory", B: "memory" })
    .addJsonFile("a.json");
  const config = builder.build();
  assert.deepEqual(config.providers, builder.providers);
  assert.deepEqual(config.asEntries(), [["A", "json"], ["B", "memory"]]);
});
