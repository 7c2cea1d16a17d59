// ConsoleOutput: formats, colours, and where the default writer writes.

import assert from "node:assert/strict";
import {
  type ConsoleFormatterName,
  ConsoleOutput,
  LoggerFactory,
} from "../../../hosting/logging/mod.ts";

Deno.test("the console output is named Console and writes simple by default", async () => {
  const written: [string, string][] = [];
  const output = new ConsoleOutput({
    write: (line, level) => written.push([line, level]),
  });
  assert.equal(output.name, "Console");
  assert.equal(output.formatter, "simple");
  await using factory = new LoggerFactory({ outputs: [output] });
  factory.createLogger("App").error("m");
  assert.deepEqual(written, [["fail: App[0]\n      m", "error"]]);
});

Deno.test("a custom writer gets no colours unless asked", async () => {
  const plain: string[] = [];
  const colored: string[] = [];
  await using one = new LoggerFactory({
    outputs: [new ConsoleOutput({ write: (line) => plain.push(line) })],
  });
  await using two = new LoggerFactory({
    outputs: [
      new ConsoleOutput({ colors: true, write: (line) => colored.push(line) }),
    ],
  });
  one.createLogger("App").information("m");
  two.createLogger("App").information("m");
  assert.deepEqual(plain, ["info: App[0]\n      m"]);
  assert.deepEqual(colored, ["\x1b[32minfo\x1b[0m: App[0]\n      m"]);
});

Deno.test("an unknown formatter is a RangeError", () => {
  assert.throws(
    () => new ConsoleOutput({ formatter: "xml" as ConsoleFormatterName }),
    /Unknown console formatter "xml"; use simple, json or systemd/,
  );
});

Deno.test("the default writer writes lines to stdout, and to stderr from stderrLevel", async () => {
  const mod = new URL("../../../hosting/logging/mod.ts", import.meta.url).href;
  const source = `
    import { ConsoleOutput, LoggerFactory } from ${JSON.stringify(mod)};
    await using factory = new LoggerFactory({
      outputs: [new ConsoleOutput({ formatter: "systemd", stderrLevel: "error" })],
    });
    const log = factory.createLogger("App");
    log.information("out");
    log.error("err");
    log.warning("out again");
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", source],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decoder = new TextDecoder();
  assert.equal(output.code, 0, decoder.decode(output.stderr));
  assert.equal(
    decoder.decode(output.stdout),
    "<6>App[0]: out\n<4>App[0]: out again\n",
  );
  assert.equal(decoder.decode(output.stderr), "<3>App[0]: err\n");
});
