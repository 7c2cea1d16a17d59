// YamlConfigurationProvider: nesting, sequences, errors with positions.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  YamlConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { configModule, runIsolated, tempDir } from "./_helpers.ts";

async function loadYaml(
  dir: string,
  text: string,
): Promise<YamlConfigurationProvider> {
  Deno.writeTextFileSync(`${dir}/appsettings.yaml`, text);
  const provider = new YamlConfigurationProvider("appsettings.yaml", {
    basePath: dir,
  });
  await provider.prepare();
  provider.load();
  return provider;
}

async function yamlError(
  dir: string,
  text: string,
): Promise<ConfigurationError> {
  try {
    await loadYaml(dir, text);
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.file, `${dir}/appsettings.yaml`);
    return error;
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

Deno.test("a YAML file's mappings and sequences become colon keys", async () => {
  await using dir = await tempDir();
  const provider = await loadYaml(
    dir.path,
    [
      "Server:",
      "  Limits: { MaxBody: 1024 }",
      "  Urls:",
      "    - http://a",
      "    - http://b",
      "Logging:",
      "  Levels: [{ Name: app, Level: debug }]",
      "Enabled: true",
      "Cleared: ~",
      "Id: 12345678901234567890",
    ].join("\n"),
  );
  assert.deepEqual(Object.fromEntries(provider.entries()), {
    "Server:Limits:MaxBody": "1024",
    "Server:Urls:0": "http://a",
    "Server:Urls:1": "http://b",
    "Logging:Levels:0:Name": "app",
    "Logging:Levels:0:Level": "debug",
    "Enabled": "true",
    "Cleared": "",
    "Id": "12345678901234567890",
  });
});

Deno.test("YAML numbers and booleans keep the text they were written as, as JSON's do", async () => {
  await using dir = await tempDir();
  const provider = await loadYaml(
    dir.path,
    [
      "Zip: 01234",
      "Code: 0042",
      "Version: 2.10",
      "Ratio: 1.0",
      "Mask: 0x1F",
      "Scale: 1e3",
      "Flag: True",
      "List: [1, 02]",
      "base: &b { Rate: 1.50 }",
      "child: { <<: *b }",
    ].join("\n"),
  );
  assert.deepEqual(Object.fromEntries(provider.entries()), {
    "Zip": "01234",
    "Code": "0042",
    "Version": "2.10",
    "Ratio": "1.0",
    "Mask": "0x1F",
    "Scale": "1e3",
    "Flag": "True",
    "List:0": "1",
    "List:1": "02",
    "base:Rate": "1.50",
    "child:Rate": "1.50",
  });
});

Deno.test("YAML keys are case-insensitive", async () => {
  await using dir = await tempDir();
  const provider = await loadYaml(dir.path, "Server:\n  Port: 80\n");
  assert.equal(provider.get("SERVER:port"), "80");
});

Deno.test("YAML merge keys and anchors are followed", async () => {
  await using dir = await tempDir();
  const provider = await loadYaml(
    dir.path,
    "defaults: &defaults\n  Port: 80\n  Host: a\nServer:\n  <<: *defaults\n  Host: b\n",
  );
  assert.equal(provider.get("server:port"), "80");
  assert.equal(provider.get("server:host"), "b");
});

Deno.test("an empty YAML file has no values", async () => {
  await using dir = await tempDir();
  assert.deepEqual(
    [...(await loadYaml(dir.path, "# nothing yet\n")).entries()],
    [],
  );
});

Deno.test("malformed YAML is a ConfigurationError naming the file, line and column", async () => {
  await using dir = await tempDir();
  const error = await yamlError(
    dir.path,
    "Server:\n  Port: 80\n  Urls: [http://a\n",
  );
  assert.equal(error.line, 4);
  assert.equal(error.column, 1);
  assert.match(
    error.message,
    new RegExp(
      `^Invalid YAML in "${dir.path}/appsettings\\.yaml" at line 4, column 1: Flow sequence .+ end with a \\]$`,
    ),
  );
});

Deno.test("a key repeated in a YAML mapping is an error at the repeat", async () => {
  await using dir = await tempDir();
  const error = await yamlError(dir.path, "Port: 1\nPort: 2\n");
  assert.equal(
    error.message,
    `Invalid YAML in "${dir.path}/appsettings.yaml" at line 2, column 1: Map keys must be unique`,
  );
});

Deno.test("a YAML file must be a mapping at the top level", async () => {
  await using dir = await tempDir();
  assert.equal(
    (await yamlError(dir.path, "- a\n- b\n")).message,
    `Invalid YAML in "${dir.path}/appsettings.yaml": the top level must be a mapping of keys, got a sequence`,
  );
  assert.equal(
    (await yamlError(dir.path, "just text\n")).message,
    `Invalid YAML in "${dir.path}/appsettings.yaml": the top level must be a mapping of keys, got the scalar "just text"`,
  );
});

Deno.test("a missing YAML file is an error unless optional", async () => {
  await using dir = await tempDir();
  assert.throws(
    () =>
      new ConfigurationBuilder({ basePath: dir.path }).addYamlFile("app.yaml")
        .build(),
    {
      name: "ConfigurationError",
      message:
        `Configuration file "${dir.path}/app.yaml" was not found; create it or pass { optional: true }`,
    },
  );
  const config = new ConfigurationBuilder({ basePath: dir.path })
    .addYamlFile("app.yaml", { optional: true })
    .build();
  assert.equal(config.exists(), false);
});

Deno.test("a YAML file read before its parser is imported names the fix", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/app.yaml`, "Port: 1\n");
  // In a fresh process: this one's parser may already be imported.
  const { code, stdout } = await runIsolated(
    `import { ConfigurationBuilder } from "${configModule("mod.ts")}";
     const builder = new ConfigurationBuilder({ basePath: ${
      JSON.stringify(dir.path)
    } }).addYamlFile("app.yaml");
     try { builder.build(); } catch (error) { console.log(error.name, error.message); }
     console.log((await builder.buildAsync()).get("port"));`,
    [`--allow-read=${dir.path}`],
  );
  assert.equal(code, 0);
  assert.equal(
    stdout.trim(),
    `ConfigurationError Cannot read YAML file "${dir.path}/app.yaml" yet: the YAML parser is imported on first use. Await provider.prepare() or build with await ConfigurationBuilder.buildAsync() (hosts do this themselves)\n1`,
  );
});

Deno.test("YAML is read without env permission, though the yaml package looks up LOG_TOKENS", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/app.yaml`, "Server:\n  Port: 80\n");
  const { code, stdout, stderr } = await runIsolated(
    `import { YamlConfigurationProvider } from "${
      configModule("yaml_file_provider.ts")
    }";
     const provider = new YamlConfigurationProvider(${
      JSON.stringify(`${dir.path}/app.yaml`)
    });
     await provider.prepare();
     provider.load();
     console.log(provider.get("server:port"));`,
    [`--allow-read=${dir.path}`],
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "80");
});

Deno.test("a YAML provider is described by the path it was given", () => {
  const provider = new YamlConfigurationProvider("app.yaml", {
    basePath: "/srv",
  });
  assert.equal(provider.description, 'YAML file "app.yaml"');
});

Deno.test("a watched YAML file that appears after the build imports the parser and is read", async () => {
  await using dir = await tempDir();
  // In a fresh process, so the parser is not imported yet when it appears.
  const { code, stdout, stderr } = await runIsolated(
    `import { ConfigurationBuilder } from "${configModule("mod.ts")}";
     const dir = ${JSON.stringify(dir.path)};
     using config = await new ConfigurationBuilder({ basePath: dir })
       .addYamlFile("app.yaml", { optional: true, reloadOnChange: true, reloadDelay: 10 })
       .buildAsync();
     console.log(config.get("port") ?? "none");
     const changed = new Promise((resolve) => config.onChange(resolve));
     await Deno.writeTextFile(dir + "/app.yaml", "Port: 8080\\n");
     await changed;
     console.log(config.get("port"));`,
    [`--allow-read=${dir.path}`, `--allow-write=${dir.path}`],
  );
  assert.equal(stderr, "");
  assert.equal(code, 0);
  assert.equal(stdout.trim(), "none\n8080");
});
