// LogTape underneath: its implicit contexts carry Roost's scopes, its
// loggers write through Roost, and an application's own LogTape setup is
// left alone.

import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { LoggerFactory } from "../../../hosting/logging/mod.ts";
import { setDefaultLoggerFactory } from "../../../hosting/logging/logger_factory.ts";
import {
  configureSync,
  getConfig,
  getLogger,
  type LogTapeRecord,
  resetSync,
} from "../../../hosting/logging/_logtape.ts";
import { delay, MemoryOutput } from "./_helpers.ts";

Deno.test("LogTape is configured while a factory lives, and reset after the last one", async () => {
  assert.equal(getConfig(), null);
  const first = new LoggerFactory();
  const second = new LoggerFactory();
  assert.notEqual(getConfig()?.contextLocalStorage, undefined);
  await first[Symbol.asyncDispose]();
  assert.notEqual(getConfig(), null);
  await second[Symbol.asyncDispose]();
  assert.equal(getConfig(), null);
});

Deno.test("runInScope is a LogTape implicit context", async () => {
  await using factory = new LoggerFactory();
  await factory.runInScope({ traceId: "t1" }, async () => {
    await delay(1);
    assert.deepEqual(getConfig()?.contextLocalStorage?.getStore(), {
      traceId: "t1",
    });
  });
});

Deno.test("LogTape loggers write through the default factory's filters, with the scope apart", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  setDefaultLoggerFactory(factory);
  factory.addFilter("lib.db", "debug");
  await factory.runInScope({ traceId: "t1" }, async () => {
    await delay(1);
    getLogger(["lib", "db"]).debug("Query {sql} took {ms} ms", {
      sql: "SELECT 1",
      ms: 3,
    });
    getLogger(["lib", "http"]).debug("Dropped: below Information");
    getLogger(["lib", "http"]).fatal("Down");
  });
  assert.deepEqual(
    output.records.map((r) => [r.category, r.level, r.message]),
    [
      ["lib.db", "debug", "Query SELECT 1 took 3 ms"],
      ["lib.http", "critical", "Down"],
    ],
  );
  assert.deepEqual(output.records[0].properties, { sql: "SELECT 1", ms: 3 });
  assert.deepEqual(output.records[0].scope, { traceId: "t1" });
});

Deno.test("LogTape's error(error) arrives as the record's error", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  setDefaultLoggerFactory(factory);
  const error = new Error("socket closed");
  getLogger(["lib"]).error(error);
  assert.equal(output.records[0].level, "error");
  assert.equal(output.records[0].message, "socket closed");
  assert.equal(output.records[0].error, error);
  assert.deepEqual(output.records[0].properties, {});
});

Deno.test("an application's own LogTape configuration is kept, and its context storage used", async () => {
  const seen: LogTapeRecord[] = [];
  const storage = new AsyncLocalStorage<Record<string, unknown>>();
  configureSync({
    sinks: { mine: (record) => seen.push(record) },
    loggers: [
      { category: "app", sinks: ["mine"], lowestLevel: "info" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
    contextLocalStorage: storage,
  });
  try {
    const mine = getConfig();
    const output = new MemoryOutput();
    const factory = new LoggerFactory({ outputs: [output] });
    assert.equal(getConfig(), mine);
    await factory.runInScope({ traceId: "t1" }, async () => {
      await delay(1);
      assert.deepEqual(storage.getStore(), { traceId: "t1" });
      getLogger("app").info("To the application's sink");
      factory.createLogger("Roost").information("To Roost's output");
    });
    await factory[Symbol.asyncDispose]();
    assert.equal(getConfig(), mine);
    assert.deepEqual(seen[0].properties, { traceId: "t1" });
    assert.deepEqual(output.records[0].scope, { traceId: "t1" });
  } finally {
    resetSync();
  }
});

Deno.test("scopes work when the application's LogTape has no context storage", async () => {
  configureSync({
    sinks: {},
    loggers: [{ category: ["logtape", "meta"], lowestLevel: "error" }],
  });
  try {
    const output = new MemoryOutput();
    await using factory = new LoggerFactory({ outputs: [output] });
    await factory.runInScope({ traceId: "t1" }, async () => {
      await delay(1);
      factory.createLogger("App").information("m");
    });
    factory.createLogger("App").information("outside");
    assert.deepEqual(output.records.map((r) => r.scope), [
      { traceId: "t1" },
      {},
    ]);
  } finally {
    resetSync();
  }
});
