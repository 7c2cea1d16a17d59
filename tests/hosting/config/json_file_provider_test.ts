// JsonConfigurationProvider: nesting, arrays, comments, errors with positions.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  JsonConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { tempDir } from "./_helpers.ts";

function loadJson(dir: string, text: string): JsonConfigurationProvider {
  Deno.writeTextFileSync(`${dir}/appsettings.json`, text);
  const provider = new JsonConfigurationProvider("appsettings.json", {
    basePath: dir,
  });
  provider.load();
  return provider;
}

function jsonError(text: string): ConfigurationError {
  const path = "/srv/app/appsettings.json";
  const provider = new (class extends JsonConfigurationProvider {
    parseText(): Iterable<readonly [string, string]> {
      return this.parse(text);
    }
  })(path);
  try {
    provider.parseText();
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    assert.equal(error.file, path);
    return error;
  }
  assert.fail(`${JSON.stringify(text)} parsed`);
}

Deno.test("a JSON file's nested objects and arrays become colon keys", async () => {
  await using dir = await tempDir();
  const provider = loadJson(
    dir.path,
    `{
      "Server": { "Limits": { "MaxBody": 1024 }, "Urls": ["http://a", "http://b"] },
      "Logging": { "Levels": [{ "Name": "app", "Level": "debug" }] },
      "Enabled": true, "Ratio": 1.50, "Cleared": null, "Empty": {}, "Nothing": []
    }`,
  );
  assert.deepEqual(Object.fromEntries(provider.entries()), {
    "Server:Limits:MaxBody": "1024",
    "Server:Urls:0": "http://a",
    "Server:Urls:1": "http://b",
    "Logging:Levels:0:Name": "app",
    "Logging:Levels:0:Level": "debug",
    "Enabled": "true",
    "Ratio": "1.50",
    "Cleared": "",
  });
});

Deno.test("JSON keys are case-insensitive", async () => {
  await using dir = await tempDir();
  const provider = loadJson(dir.path, '{ "Server": { "Port": 80 } }');
  assert.equal(provider.get("server:port"), "80");
  assert.equal(provider.get("SERVER:PORT"), "80");
});

Deno.test("a JSON file may have comments and trailing commas, as appsettings.json may", async () => {
  await using dir = await tempDir();
  const provider = loadJson(
    dir.path,
    '\uFEFF{\n  // the port\n  "Port": 80, /* inline */\n  "List": [1, 2,],\n}\n',
  );
  assert.deepEqual(Object.fromEntries(provider.entries()), {
    Port: "80",
    "List:0": "1",
    "List:1": "2",
  });
});

Deno.test("a JSON file saved as UTF-16 with a byte order mark is read, as .NET reads it", async () => {
  await using dir = await tempDir();
  const text = '{ "Greeting": "grüß dich" }';
  const utf16le = new Uint8Array([
    0xff,
    0xfe,
    ...[...text].flatMap((c) => {
      const code = c.charCodeAt(0);
      return [code & 0xff, code >> 8];
    }),
  ]);
  const utf16be = new Uint8Array([
    0xfe,
    0xff,
    ...[...text].flatMap((c) => {
      const code = c.charCodeAt(0);
      return [code >> 8, code & 0xff];
    }),
  ]);
  for (const [name, bytes] of [["le", utf16le], ["be", utf16be]] as const) {
    Deno.writeFileSync(`${dir.path}/${name}.json`, bytes);
    const provider = new JsonConfigurationProvider(`${name}.json`, {
      basePath: dir.path,
    });
    provider.load();
    assert.equal(provider.get("Greeting"), "grüß dich", name);
  }
});

Deno.test("JSON strings are unescaped and big numbers keep every digit", async () => {
  await using dir = await tempDir();
  const provider = loadJson(
    dir.path,
    '{ "S": "a\\"b\\\\c\\n\\u00e9", "Id": 12345678901234567890, "E": -1.5e3 }',
  );
  assert.equal(provider.get("s"), 'a"b\\c\né');
  assert.equal(provider.get("id"), "12345678901234567890");
  assert.equal(provider.get("e"), "-1.5e3");
});

Deno.test("an empty JSON file has no values", async () => {
  await using dir = await tempDir();
  assert.deepEqual([...loadJson(dir.path, "  \n").entries()], []);
});

Deno.test("malformed JSON is a ConfigurationError naming the file, line and column", () => {
  const error = jsonError('{\n  "A": 1,\n    "B": }\n');
  assert.equal(
    error.message,
    'Invalid JSON in "/srv/app/appsettings.json" at line 3, column 10: Unexpected "}"; expected a value',
  );
  assert.equal(error.line, 3);
  assert.equal(error.column, 10);
});

Deno.test("JSON errors point at the right place for each kind of mistake", () => {
  const cases: [string, number, number, RegExp][] = [
    [
      '{ "A": 1 "B": 2 }',
      1,
      10,
      /Expected "," or "}" after the value of "A", got "\\""/,
    ],
    [
      '{\n"A": "open\n}',
      2,
      11,
      /Unescaped control character "\\n" in a string/,
    ],
    ['{ "A": "never closed', 1, 8, /Unterminated string/],
    [
      "{ A: 1 }",
      1,
      3,
      /Expected a property name in double quotes or "}", got "A"/,
    ],
    ['{ "A" 1 }', 1, 7, /Expected ":" after "A", got "1"/],
    ['{ "A": [1 2] }', 1, 11, /Expected "," or "]" after an array item/],
    ['{ "A": tru }', 1, 8, /Unexpected "t"; expected a value/],
    ['{ "A": "\\x" }', 1, 9, /Invalid escape "\\x"/],
    ["{ /* never closed", 1, 3, /Unterminated \/\* comment/],
    ['{ "A": 1 } x', 1, 12, /Unexpected "x" after the top-level object/],
    ["{", 1, 2, /got end of input/],
    ['[{ "A": 1 }]', 1, 1, /Expected an object at the top level, got "\["/],
    [
      '{ "Port": 1, "port": 2 }',
      1,
      14,
      /Duplicate key "port" \(keys are case-insensitive\)/,
    ],
  ];
  for (const [text, line, column, message] of cases) {
    const error = jsonError(text);
    assert.deepEqual([error.line, error.column], [line, column], text);
    assert.match(error.message, message, text);
    assert.ok(
      error.message.startsWith(
        `Invalid JSON in "/srv/app/appsettings.json" at line ${line}, column ${column}: `,
      ),
      error.message,
    );
  }
});

Deno.test("a missing JSON file is an error that says how to make it optional", async () => {
  await using dir = await tempDir();
  const builder = new ConfigurationBuilder({ basePath: dir.path }).addJsonFile(
    "appsettings.json",
  );
  assert.throws(() => builder.build(), {
    name: "ConfigurationError",
    message:
      `Configuration file "${dir.path}/appsettings.json" was not found; create it or pass { optional: true }`,
  });
});

Deno.test("a missing optional JSON file has no values", async () => {
  await using dir = await tempDir();
  const config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("appsettings.json", { optional: true })
    .addInMemory({ A: "1" })
    .build();
  assert.deepEqual(config.asEntries(), [["A", "1"]]);
});

Deno.test("a JSON file path that is a directory is a clear error", async () => {
  await using dir = await tempDir();
  const provider = new JsonConfigurationProvider(dir.path, { optional: true });
  assert.throws(() => provider.load(), {
    name: "ConfigurationError",
    message: new RegExp(`^Could not read configuration file "${dir.path}": `),
  });
});

Deno.test("a JSON provider is described by the path it was given", () => {
  const provider = new JsonConfigurationProvider("config/app.json", {
    basePath: "/srv/app",
  });
  assert.equal(provider.description, 'JSON file "config/app.json"');
  assert.equal(provider.path, "/srv/app/config/app.json");
});
