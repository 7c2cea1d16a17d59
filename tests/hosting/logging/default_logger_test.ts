// logger(): loggers of the process-wide default factory.

import assert from "node:assert/strict";
import { logger, LoggerFactory } from "../../../hosting/logging/mod.ts";
import {
  getDefaultLoggerFactory,
  setDefaultLoggerFactory,
} from "../../../hosting/logging/logger_factory.ts";
import { MemoryOutput } from "./_helpers.ts";

Deno.test("logger() gives the same object for the same category", () => {
  assert.equal(logger("App.Orders"), logger("App.Orders"));
  assert.equal(logger("App.Orders").category, "App.Orders");
});

Deno.test("a logger made before the host starts writes through the factory set later", async () => {
  const log = logger("App.Early");
  const first = new MemoryOutput();
  const second = new MemoryOutput();
  await using one = new LoggerFactory({ outputs: [first] });
  await using two = new LoggerFactory({ outputs: [second] });
  setDefaultLoggerFactory(one);
  log.information("to one");
  setDefaultLoggerFactory(two);
  two.setMinimumLevel("debug");
  assert.equal(log.isEnabled("debug"), true);
  log.debug("to two");
  log.log("warning", "also to two");
  assert.deepEqual(first.messages, ["to one"]);
  assert.deepEqual(second.messages, ["to two", "also to two"]);
  assert.deepEqual(second.records.map((r) => r.category), [
    "App.Early",
    "App.Early",
  ]);
});

Deno.test("without a default set, logger() writes to a console factory", () => {
  setDefaultLoggerFactory(undefined);
  const factory = getDefaultLoggerFactory();
  assert.deepEqual(factory.outputs.map((output) => output.name), ["Console"]);
  assert.equal(getDefaultLoggerFactory(), factory);
  assert.equal(logger("App").isEnabled("information"), true);
  assert.equal(logger("App").isEnabled("debug"), false);
});

Deno.test("a disposed default factory stops being the default", async () => {
  const factory = new LoggerFactory();
  setDefaultLoggerFactory(factory);
  assert.equal(getDefaultLoggerFactory(), factory);
  await factory[Symbol.asyncDispose]();
  assert.notEqual(getDefaultLoggerFactory(), factory);
});
