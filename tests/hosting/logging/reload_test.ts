// Rules and the console format follow configuration reloads.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
} from "../../../hosting/config/mod.ts";
import { LoggerFactory } from "../../../hosting/logging/mod.ts";
import { tempDir, until } from "../config/_helpers.ts";
import {
  consoleLines,
  MemoryOutput,
  mutableConfiguration,
} from "./_helpers.ts";

Deno.test("rules follow configuration.reload() on loggers already made", async () => {
  const { configuration, provider } = mutableConfiguration({
    "Logging:LogLevel:Default": "Warning",
  });
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  const log = factory.createLogger("App.Orders");
  assert.equal(log.isEnabled("debug"), false);
  provider.set("Logging:LogLevel:App", "Debug");
  configuration.reload();
  assert.equal(log.isEnabled("debug"), true);
  log.debug("now written");
  provider.delete("Logging:LogLevel:App");
  configuration.reload();
  log.debug("not written");
  assert.equal(log.isEnabled("information"), false);
  assert.deepEqual(output.messages, ["now written"]);
});

Deno.test("the console format follows Logging:Console:FormatterName across reloads", async () => {
  const { configuration, provider } = mutableConfiguration({
    "Logging:Console:FormatterName": "Json",
  });
  const { output, lines } = consoleLines();
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  const log = factory.createLogger("App");
  log.information("one");
  provider.set("Logging:Console:FormatterName", "SYSTEMD");
  configuration.reload();
  log.information("two");
  provider.delete("Logging:Console:FormatterName");
  configuration.reload();
  log.information("three");
  assert.equal(JSON.parse(lines[0]).message, "one");
  assert.equal(lines[1], "<6>App[0]: two");
  assert.equal(lines[2], "info: App[0]\n      three");
});

Deno.test("an explicit formatter wins over the configured one", async () => {
  const { configuration } = mutableConfiguration({
    "Logging:Console:FormatterName": "json",
  });
  const { output, lines } = consoleLines("systemd");
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  factory.createLogger("App").information("m");
  assert.deepEqual(lines, ["<6>App[0]: m"]);
  assert.equal(output.formatter, "systemd");
});

Deno.test("an output added later reads its configured settings", async () => {
  const { configuration } = mutableConfiguration({
    "Logging:Console:FormatterName": "systemd",
  });
  await using factory = new LoggerFactory({ configuration });
  const { output, lines } = consoleLines();
  factory.addOutput(output);
  factory.createLogger("App").warning("m");
  assert.deepEqual(lines, ["<4>App[0]: m"]);
});

Deno.test("a bad value on reload keeps the last good rules and is logged as an error", async () => {
  const { configuration, provider } = mutableConfiguration({
    "Logging:LogLevel:Default": "Debug",
  });
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  const log = factory.createLogger("App");
  provider.set("Logging:LogLevel:Default", "Loud");
  configuration.reload();
  assert.equal(log.isEnabled("debug"), true);
  const [report] = output.records;
  assert.equal(report.category, "Roost.Logging");
  assert.equal(report.level, "error");
  assert.match(report.message, /last good settings stay/);
  assert.ok(report.error instanceof ConfigurationError);
  assert.match(
    report.error.message,
    /Logging:LogLevel:Default: "Loud" is not a log level \(from test values\)/,
  );
});

Deno.test("reload() throws for a bad value and keeps the rules", async () => {
  const { configuration, provider } = mutableConfiguration({
    "Logging:LogLevel:Default": "Error",
  });
  await using factory = new LoggerFactory({
    configuration,
    outputs: [new MemoryOutput()],
  });
  provider.set("Logging:LogLevel:Default", "Trace");
  provider.set("Logging:LogLevel:App", "Sometimes");
  provider.load();
  assert.throws(() => factory.reload(), ConfigurationError);
  assert.equal(factory.createLogger("Other").isEnabled("warning"), false);
});

Deno.test("a bad formatter name is a ConfigurationError naming the key; the format stays", async () => {
  const { configuration, provider } = mutableConfiguration({});
  const { output, lines } = consoleLines();
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  provider.set("Logging:Console:FormatterName", "xml");
  provider.load();
  assert.throws(
    () => factory.reload(),
    (error: unknown) =>
      error instanceof ConfigurationError &&
      error.message.includes(
        'Logging:Console:FormatterName: "xml" is not a console formatter',
      ) &&
      error.message.includes("Use Simple, Json or Systemd"),
  );
  factory.createLogger("App").information("m");
  assert.deepEqual(lines, ["info: App[0]\n      m"]);
});

Deno.test("rules follow an edited JSON file that is reloaded on change", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/appsettings.json`;
  await Deno.writeTextFile(
    file,
    '{ "Logging": { "LogLevel": { "Default": "Warning" } } }',
  );
  using configuration = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("appsettings.json", { reloadOnChange: true, reloadDelay: 10 })
    .build();
  const { output, lines } = consoleLines();
  await using factory = new LoggerFactory({ configuration, outputs: [output] });
  const log = factory.createLogger("App");
  assert.equal(log.isEnabled("debug"), false);
  await Deno.writeTextFile(
    file,
    '{ "Logging": { "LogLevel": { "Default": "Debug" }, "Console": { "FormatterName": "json" } } }',
  );
  await until(
    () => log.isEnabled("debug"),
    "the Debug rule from the edited file",
  );
  log.debug("m");
  assert.equal(JSON.parse(lines[0]).level, "Debug");
});
