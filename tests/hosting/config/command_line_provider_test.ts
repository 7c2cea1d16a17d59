// CommandLineConfigurationProvider: every form, switch mappings, errors.

import assert from "node:assert/strict";
import {
  CommandLineConfigurationProvider,
  type CommandLineOptions,
  ConfigurationBuilder,
} from "../../../hosting/config/mod.ts";

function parse(
  args: string[],
  options?: CommandLineOptions,
): [string, string][] {
  const provider = new CommandLineConfigurationProvider(args, options);
  provider.load();
  return [...provider.entries()];
}

function parseError(args: string[], options?: CommandLineOptions): string {
  try {
    parse(args, options);
  } catch (error) {
    assert.ok(error instanceof Error);
    assert.equal(error.name, "ConfigurationError");
    return error.message;
  }
  assert.fail(`${JSON.stringify(args)} parsed`);
}

Deno.test("the command line reads --key value, --key=value, /key value, /key=value and key=value", () => {
  assert.deepEqual(
    parse([
      "--a",
      "1",
      "--b=2",
      "/c",
      "3",
      "/d=4",
      "e=5",
      "--Server:Port",
      "80",
      "--f=x=y",
      "--g=",
    ], { slashSwitches: true }),
    [
      ["a", "1"],
      ["b", "2"],
      ["c", "3"],
      ["d", "4"],
      ["e", "5"],
      ["Server:Port", "80"],
      ["f", "x=y"],
      ["g", ""],
    ],
  );
});

Deno.test("a command-line value may look like a path or a negative number", () => {
  assert.deepEqual(parse(["--contentRoot", "/srv/app", "--offset", "-5"]), [
    ["contentRoot", "/srv/app"],
    ["offset", "-5"],
  ]);
});

Deno.test("outside Windows an absolute path is a positional argument, not a /switch", () => {
  const args = ["/srv/www", "--a", "1", "/srv/x=y", "/b", "2"];
  assert.deepEqual(parse(args, { slashSwitches: false }), [["a", "1"]]);
  // The Windows form reads the same arguments as switches.
  assert.match(
    parseError(args, { slashSwitches: true }),
    /^Command-line switch "\/srv\/www" has no value/,
  );
  assert.deepEqual(
    parse(["/b", "2"]),
    Deno.build.os === "windows" ? [["b", "2"]] : [],
  );
});

Deno.test("plain command-line arguments are left alone and -- ends the options", () => {
  assert.deepEqual(parse(["serve", "--a", "1", "--", "--b", "2", "c=3"]), [
    ["a", "1"],
  ]);
});

Deno.test("switch mappings turn short and long switches into keys, in any case", () => {
  const options = {
    switchMappings: { "-p": "urls", "--env": "environment" },
  };
  assert.deepEqual(
    parse(["-p", "http://localhost:1", "--ENV=Staging"], options),
    [["urls", "http://localhost:1"], ["environment", "Staging"]],
  );
  assert.deepEqual(parse(["-P=x", "--env", "Dev"], options), [
    ["urls", "x"],
    ["environment", "Dev"],
  ]);
});

Deno.test("later command-line values win over earlier ones", () => {
  const config = new ConfigurationBuilder()
    .addCommandLine(["--port", "1", "--PORT=2"])
    .build();
  assert.equal(config.get("port"), "2");
  assert.equal(config.describeSource("port"), "command line");
});

Deno.test("a short switch that is not mapped is an error naming it", () => {
  assert.equal(
    parseError(["-x", "1"], { switchMappings: { "-p": "urls" } }),
    'Unknown short switch "-x" on the command line; use "--x" with two dashes, or map it with switchMappings: { "-x": "key" }',
  );
  assert.match(parseError(["-x=1"]), /^Unknown short switch "-x"/);
});

Deno.test("a switch with no value is an error naming it", () => {
  assert.equal(
    parseError(["--a", "1", "--port"]),
    'Command-line switch "--port" has no value (it is the last argument); pass "--port value" or "--port=value"',
  );
  assert.equal(
    parseError(["--port", "--env", "Staging"]),
    'Command-line switch "--port" has no value (it is followed by "--env"); pass "--port value" or "--port=value"',
  );
  assert.match(
    parseError(["/port", "-p", "1"], {
      switchMappings: { "-p": "urls" },
      slashSwitches: true,
    }),
    /^Command-line switch "\/port" has no value \(it is followed by "-p"\)/,
  );
});

Deno.test("a command-line argument with an empty key is an error", () => {
  assert.equal(
    parseError(["=value"]),
    'Command-line argument "=value" has no key before "="',
  );
  assert.equal(
    parseError(["--=value"]),
    'Command-line argument "--=value" has no key',
  );
});

Deno.test("bad switch mappings are errors naming the switch", () => {
  assert.match(
    parseError([], { switchMappings: { p: "urls" } }),
    /^Switch mapping "p" must start with "-" or "--"/,
  );
  assert.match(
    parseError([], { switchMappings: { "-p": "urls", "-P": "port" } }),
    /^Switch mapping "-P" is given twice \(switches ignore case\); keep one$/,
  );
  assert.match(
    parseError([], { switchMappings: { "-p": "" } }),
    /^Switch mapping "-p" must map to a configuration key, got ""$/,
  );
});

Deno.test("command-line errors surface when the configuration is built", () => {
  const builder = new ConfigurationBuilder().addCommandLine(["--port"]);
  assert.throws(() => builder.build(), {
    name: "ConfigurationError",
    message: /"--port" has no value/,
  });
});
