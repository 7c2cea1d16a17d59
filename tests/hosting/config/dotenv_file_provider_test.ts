// DotEnvConfigurationProvider: KEY=value lines, comments, quotes, export.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  DotEnvConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { tempDir, thrown } from "./_helpers.ts";

async function loadDotEnv(text: string): Promise<Record<string, string>> {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/.env`, text);
  const provider = new DotEnvConfigurationProvider(".env", {
    basePath: dir.path,
  });
  provider.load();
  return Object.fromEntries(provider.entries());
}

async function dotEnvError(text: string): Promise<ConfigurationError> {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/.env`, text);
  const provider = new DotEnvConfigurationProvider(`${dir.path}/.env`);
  const error = thrown(() => provider.load());
  assert.ok(error instanceof ConfigurationError, String(error));
  assert.equal(error.file, `${dir.path}/.env`);
  return error;
}

Deno.test(".env lines are KEY=value, with comments, blank lines and an export prefix", async () => {
  assert.deepEqual(
    await loadDotEnv(
      [
        "# a comment",
        "",
        "PLAIN=value",
        "  SPACED  =  padded value  ",
        "export EXPORTED=yes",
        "INLINE=kept # dropped",
        "HASH=a#b",
        "EMPTY=",
        "Server__Limits__Port=8080",
        "PLAIN=later wins",
      ].join("\r\n"),
    ),
    {
      PLAIN: "later wins",
      SPACED: "padded value",
      EXPORTED: "yes",
      INLINE: "kept",
      HASH: "a#b",
      EMPTY: "",
      "Server:Limits:Port": "8080",
    },
  );
});

Deno.test(".env values may be double, single or backtick quoted", async () => {
  assert.deepEqual(
    await loadDotEnv(
      [
        'DOUBLE="a # not a comment\\n\\t\\"q\\" \\\\"  # comment',
        "SINGLE='raw \\n $x # too'",
        'BACKTICK=`it\'s "both"`',
        'MULTI="line one',
        'line two"',
        "AFTER=still read",
      ].join("\n"),
    ),
    {
      DOUBLE: 'a # not a comment\n\t"q" \\',
      SINGLE: "raw \\n $x # too",
      BACKTICK: `it's "both"`,
      MULTI: "line one\nline two",
      AFTER: "still read",
    },
  );
});

Deno.test("a .env line without = is an error naming the file and line", async () => {
  const error = await dotEnvError("A=1\n  not an assignment\n");
  assert.match(
    error.message,
    /^Invalid \.env file ".+\/\.env" at line 2, column 3: expected KEY=value with a name of letters, digits, "_", "\.", ":" or "-", got "not an assignment"$/,
  );
  assert.equal(error.line, 2);
  assert.equal(error.column, 3);
});

Deno.test("an unclosed quote in a .env file is an error at its line", async () => {
  const error = await dotEnvError('A=1\nB="open\nC=3\n');
  assert.match(
    error.message,
    /at line 2, column 3: the " quote of "B" is never closed; close it or remove it$/,
  );
});

Deno.test("text after a closing quote in a .env file is an error", async () => {
  const error = await dotEnvError("A='x' y\n");
  assert.match(
    error.message,
    /at line 1: unexpected "y" after the quoted value of "A"; put it inside the quotes or after a #$/,
  );
});

Deno.test("addDotEnvFile resolves against the base path and is described as a .env file", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/.env`, "PORT=1\n");
  const config = new ConfigurationBuilder().setBasePath(dir.path)
    .addDotEnvFile(".env").addDotEnvFile(".env.local", { optional: true })
    .build();
  assert.equal(config.get("port"), "1");
  assert.equal(config.describeSource("PORT"), '.env file ".env"');
});
