// Filter rules: Default, longest prefix, per-output overrides, code rules.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
} from "../../../hosting/config/mod.ts";
import { LoggerFactory, type LogLevel } from "../../../hosting/logging/mod.ts";
import { MemoryOutput } from "./_helpers.ts";

const LEVELS: LogLevel[] = [
  "trace",
  "debug",
  "information",
  "warning",
  "error",
  "critical",
];

function factoryWith(
  logging: Record<string, unknown>,
  ...outputs: MemoryOutput[]
): LoggerFactory {
  const configuration = new ConfigurationBuilder()
    .addInMemory({ Logging: logging })
    .build();
  return new LoggerFactory({
    configuration,
    outputs: outputs.length > 0 ? outputs : [new MemoryOutput()],
  });
}

/** The levels a category's logger has enabled. */
function enabled(factory: LoggerFactory, category: string): LogLevel[] {
  const log = factory.createLogger(category);
  return LEVELS.filter((level) => log.isEnabled(level));
}

Deno.test("without configuration, Information and above are enabled", async () => {
  await using factory = new LoggerFactory({ outputs: [new MemoryOutput()] });
  assert.deepEqual(enabled(factory, "App"), [
    "information",
    "warning",
    "error",
    "critical",
  ]);
});

Deno.test("Logging:LogLevel:Default sets the level of every category", async () => {
  await using factory = factoryWith({ LogLevel: { Default: "Warning" } });
  assert.deepEqual(enabled(factory, "App"), ["warning", "error", "critical"]);
  assert.deepEqual(enabled(factory, "Roost.Hosting"), [
    "warning",
    "error",
    "critical",
  ]);
});

Deno.test("the longest matching category prefix wins, whatever the order", async () => {
  await using factory = factoryWith({
    LogLevel: {
      "Roost.Hosting.Lifetime": "Error",
      Default: "Information",
      Roost: "Trace",
      "Roost.Hosting": "Warning",
    },
  });
  assert.equal(enabled(factory, "Roost.Hosting.Lifetime")[0], "error");
  assert.equal(enabled(factory, "Roost.Hosting.Diagnostics")[0], "warning");
  assert.equal(enabled(factory, "Roost.Server")[0], "trace");
  assert.equal(enabled(factory, "Roost")[0], "trace");
  assert.equal(enabled(factory, "App")[0], "information");
});

Deno.test("prefixes match on dotted boundaries only", async () => {
  await using factory = factoryWith({
    LogLevel: { Default: "Information", "Roost.Host": "Trace" },
  });
  assert.equal(enabled(factory, "Roost.Host.Lifetime")[0], "trace");
  assert.equal(enabled(factory, "Roost.Hosting")[0], "information");
  assert.equal(enabled(factory, "RoostX")[0], "information");
});

Deno.test("categories and prefixes are compared ignoring case", async () => {
  await using factory = factoryWith({ LogLevel: { "roost.HOSTING": "Debug" } });
  assert.equal(enabled(factory, "Roost.Hosting.Lifetime")[0], "debug");
});

Deno.test("level values in configuration are read in any case and as aliases", async () => {
  await using factory = factoryWith({
    LogLevel: { Default: "WARN", "A": "trace", "B": "Fatal", "C": "NONE" },
  });
  assert.equal(enabled(factory, "X")[0], "warning");
  assert.equal(enabled(factory, "A")[0], "trace");
  assert.deepEqual(enabled(factory, "B"), ["critical"]);
  assert.deepEqual(enabled(factory, "C"), []);
});

Deno.test("isEnabled is false for filtered levels, and for none always", async () => {
  await using factory = factoryWith({ LogLevel: { Default: "Error" } });
  const log = factory.createLogger("App");
  assert.equal(log.isEnabled("warning"), false);
  assert.equal(log.isEnabled("error"), true);
  assert.equal(log.isEnabled("none"), false);
});

Deno.test("records below the level are not written", async () => {
  const output = new MemoryOutput();
  await using factory = factoryWith(
    { LogLevel: { Default: "Warning" } },
    output,
  );
  const log = factory.createLogger("App");
  log.trace("t");
  log.debug("d");
  log.information("i");
  log.warning("w");
  log.log("error", "e");
  log.log("none", "n");
  log.critical("c");
  assert.deepEqual(output.messages, ["w", "e", "c"]);
});

Deno.test("a per-output rule wins over the general rules for that output only", async () => {
  const console = new MemoryOutput("Console");
  const file = new MemoryOutput("File");
  await using factory = factoryWith(
    {
      LogLevel: { Default: "Information", "Roost.Hosting": "Debug" },
      Console: { LogLevel: { Default: "Warning" } },
    },
    console,
    file,
  );
  const log = factory.createLogger("Roost.Hosting.Lifetime");
  log.debug("debug");
  log.information("information");
  log.warning("warning");
  // ASP.NET picks an output's own rule even over a longer general prefix.
  assert.deepEqual(console.messages, ["warning"]);
  assert.deepEqual(file.messages, ["debug", "information", "warning"]);
  assert.equal(log.isEnabled("debug"), true);
});

Deno.test("an output's own configured rule beats a general code rule added later", async () => {
  const console = new MemoryOutput("Console");
  const file = new MemoryOutput("File");
  await using factory = factoryWith(
    { Console: { LogLevel: { Default: "Warning" } } },
    console,
    file,
  );
  factory.addFilter("App", "debug");
  factory.createLogger("App.Orders").debug("detail");
  assert.deepEqual(console.messages, []);
  assert.deepEqual(file.messages, ["detail"]);
});

Deno.test("per-output rules also pick the longest prefix, and match the output name in any case", async () => {
  const output = new MemoryOutput("Console");
  await using factory = factoryWith(
    {
      console: {
        LogLevel: { Default: "Error", "App.Orders": "Trace" },
      },
    },
    output,
  );
  factory.createLogger("App.Orders.Checkout").trace("kept");
  factory.createLogger("App.Users").warning("dropped");
  assert.deepEqual(output.messages, ["kept"]);
});

Deno.test("code rules win over configured rules for the same prefix", async () => {
  await using factory = factoryWith({
    LogLevel: { Default: "Information", App: "Debug" },
  });
  factory.addFilter("App", "error").setMinimumLevel("warning");
  assert.equal(enabled(factory, "App.Orders")[0], "error");
  assert.equal(enabled(factory, "Other")[0], "warning");
});

Deno.test("a more specific configured rule still beats a code Default", async () => {
  await using factory = factoryWith({ LogLevel: { "Roost.Hosting": "Debug" } });
  factory.setMinimumLevel("error");
  assert.equal(enabled(factory, "Roost.Hosting.Lifetime")[0], "debug");
  assert.equal(enabled(factory, "App")[0], "error");
});

Deno.test("addFilter for one output leaves the others alone", async () => {
  const console = new MemoryOutput("Console");
  const file = new MemoryOutput("File");
  await using factory = new LoggerFactory({ outputs: [console, file] });
  factory.addFilter("App", "trace", "console");
  factory.createLogger("App").trace("detail");
  assert.deepEqual(console.messages, ["detail"]);
  assert.deepEqual(file.messages, []);
});

Deno.test("a later code rule for the same prefix replaces the earlier one", async () => {
  await using factory = new LoggerFactory({ outputs: [new MemoryOutput()] });
  factory.addFilter("App", "trace").addFilter("app", "critical");
  assert.deepEqual(enabled(factory, "App"), ["critical"]);
  factory.setMinimumLevel("debug").setMinimumLevel("error");
  assert.equal(enabled(factory, "Other")[0], "error");
});

Deno.test("rules from code take effect on loggers made before them", async () => {
  await using factory = new LoggerFactory({ outputs: [new MemoryOutput()] });
  const log = factory.createLogger("App");
  assert.equal(log.isEnabled("debug"), false);
  factory.setMinimumLevel("debug");
  assert.equal(log.isEnabled("debug"), true);
  factory.addFilter("App", "none");
  assert.equal(log.isEnabled("critical"), false);
});

Deno.test("a level that is not one is a ConfigurationError naming the key and its source", () => {
  const configuration = new ConfigurationBuilder()
    .addInMemory({
      Logging: {
        LogLevel: { Default: "Verbose" },
        Console: { LogLevel: { App: "Loud" } },
      },
    })
    .build();
  assert.throws(
    () => new LoggerFactory({ configuration }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigurationError);
      assert.match(
        error.message,
        /Logging:LogLevel:Default: "Verbose" is not a log level \(from memory\)/,
      );
      assert.match(error.message, /Logging:Console:LogLevel:App: "Loud"/);
      assert.match(error.message, /Use Trace, Debug, Information/);
      assert.deepEqual(error.issues.map((issue) => issue.path), [
        "Logging:LogLevel:Default",
        "Logging:Console:LogLevel:App",
      ]);
      return true;
    },
  );
});

Deno.test("addFilter and setMinimumLevel reject a level that is not one", async () => {
  await using factory = new LoggerFactory();
  assert.throws(
    () => factory.addFilter("App", "loud" as LogLevel),
    /Unknown log level "loud"/,
  );
  assert.throws(() => factory.setMinimumLevel("" as LogLevel), RangeError);
});

Deno.test("logging at a level that is not one is a TypeError", async () => {
  await using factory = new LoggerFactory();
  const log = factory.createLogger("App");
  assert.throws(() => log.log("info" as LogLevel, "x"), TypeError);
  assert.throws(() => log.isEnabled("toString" as LogLevel), TypeError);
});
