// LoggerFactory: loggers, records, outputs, disposal.

import assert from "node:assert/strict";
import {
  Configuration,
  MemoryConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import {
  createLoggingBuilder,
  LoggerFactory,
  type LogOutput,
} from "../../../hosting/logging/mod.ts";
import { MemoryOutput } from "./_helpers.ts";

Deno.test("createLogger gives the same logger for the same category", async () => {
  await using factory = new LoggerFactory();
  const log = factory.createLogger("App.Orders");
  assert.equal(factory.createLogger("App.Orders"), log);
  assert.notEqual(factory.createLogger("App.Users"), log);
  assert.equal(log.category, "App.Orders");
});

Deno.test("a record carries the level, category, message, properties and time", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  const before = Date.now();
  factory.createLogger("App").warning("Slow", { ms: 900 });
  const [record] = output.records;
  assert.equal(record.level, "warning");
  assert.equal(record.category, "App");
  assert.equal(record.message, "Slow");
  assert.deepEqual(record.properties, { ms: 900 });
  assert.deepEqual(record.scope, {});
  assert.ok(record.timestamp >= before && record.timestamp <= Date.now());
  assert.equal("error" in record, false);
});

Deno.test("the error property becomes the record's error, at any level", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  const log = factory.createLogger("App");
  const error = new Error("card declined");
  const properties = { error, orderId: 42 };
  log.error("Payment failed", properties);
  log.warning("Retrying", { error: "timeout" });
  assert.equal(output.records[0].error, error);
  assert.deepEqual(output.records[0].properties, { orderId: 42 });
  assert.equal(output.records[1].error, "timeout");
  assert.deepEqual(output.records[1].properties, {});
  // The caller's object is left as it was.
  assert.deepEqual(properties, { error, orderId: 42 });
});

Deno.test("a factory without outputs has nothing enabled", async () => {
  await using factory = new LoggerFactory();
  assert.equal(factory.createLogger("App").isEnabled("critical"), false);
});

Deno.test("an output that throws is reported, and the others still get the record", async () => {
  const failures: [unknown, string][] = [];
  const broken: LogOutput = {
    name: "Broken",
    write() {
      throw new Error("disk full");
    },
  };
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({
    outputs: [broken, output],
    onOutputError: (error, failed) => failures.push([error, failed.name]),
  });
  factory.createLogger("App").information("m");
  assert.deepEqual(output.messages, ["m"]);
  assert.equal(failures.length, 1);
  assert.match(String(failures[0][0]), /disk full/);
  assert.equal(failures[0][1], "Broken");
});

Deno.test("an output error handler that throws does not make logging throw", async () => {
  await using factory = new LoggerFactory({
    outputs: [{
      name: "Broken",
      write: () => {
        throw new Error("a");
      },
    }],
    onOutputError: () => {
      throw new Error("b");
    },
  });
  factory.createLogger("App").information("m");
});

Deno.test("adding an output with a taken name replaces the old one", async () => {
  const first = new MemoryOutput("Memory");
  const second = new MemoryOutput("MEMORY");
  const factory = new LoggerFactory({ outputs: [first] });
  factory.addOutput(second);
  factory.createLogger("App").information("m");
  assert.deepEqual(first.messages, []);
  assert.deepEqual(second.messages, ["m"]);
  assert.deepEqual(factory.outputs, [second]);
  await factory[Symbol.asyncDispose]();
  assert.equal(
    first.disposed,
    1,
    "a replaced output is disposed with the factory",
  );
});

Deno.test("clearOutputs stops all writing, and the outputs are disposed with the factory", async () => {
  const output = new MemoryOutput();
  const factory = new LoggerFactory({ outputs: [output] });
  const log = factory.createLogger("App");
  assert.equal(log.isEnabled("information"), true);
  factory.clearOutputs();
  log.information("m");
  assert.deepEqual(output.messages, []);
  assert.equal(log.isEnabled("critical"), false);
  await factory[Symbol.asyncDispose]();
  assert.equal(output.disposed, 1);
});

Deno.test("disposing disposes the outputs once and turns the loggers off", async () => {
  const output = new MemoryOutput();
  const factory = new LoggerFactory({ outputs: [output] });
  const log = factory.createLogger("App");
  await factory[Symbol.asyncDispose]();
  await factory[Symbol.asyncDispose]();
  assert.equal(output.disposed, 1);
  log.critical("m");
  assert.deepEqual(output.messages, []);
  assert.equal(log.isEnabled("critical"), false);
});

class CountingConfiguration extends Configuration {
  subscribed = 0;
  unsubscribed = 0;

  override onChange(callback: () => void): () => void {
    this.subscribed++;
    const stop = super.onChange(callback);
    return () => {
      this.unsubscribed++;
      stop();
    };
  }
}

Deno.test("a factory follows configuration changes until it is disposed", async () => {
  const configuration = new CountingConfiguration([
    new MemoryConfigurationProvider({}),
  ]);
  const factory = new LoggerFactory({ configuration });
  assert.equal(configuration.subscribed, 1);
  assert.equal(configuration.unsubscribed, 0);
  await factory[Symbol.asyncDispose]();
  assert.equal(configuration.unsubscribed, 1);
});

Deno.test("the logging builder adds the console once and sets rules on the factory", async () => {
  await using factory = new LoggerFactory();
  const logging = createLoggingBuilder(factory);
  assert.equal(logging.factory, factory);
  logging.addConsole().addConsole({ formatter: "json", write: () => {} });
  assert.deepEqual(factory.outputs.map((o) => o.name), ["Console"]);
  const output = new MemoryOutput();
  logging.clearOutputs().addOutput(output).setMinimumLevel("debug")
    .addFilter("App.Noisy", "error").addFilter("App.Noisy", "trace", "Other");
  factory.createLogger("App").debug("kept");
  factory.createLogger("App.Noisy").warning("dropped");
  assert.deepEqual(output.messages, ["kept"]);
});
