// What a host loads only when it is used: LogTape when something in the
// process uses LogTape, node:async_hooks when the first scope is entered.
// This file imports LogTape itself (as an app or a library would), never
// through Roost's `_logtape.ts`.

import assert from "node:assert/strict";
// As an app would import it.
// deno-lint-ignore no-import-prefix
import { getLogger } from "npm:@logtape/logtape@2.4.2";
import { type LogRecord, WebHostBuilder } from "../../../mod.ts";
import { LoggerFactory } from "../../../hosting/logging/mod.ts";
import {
  loadLogTapeIfUsed,
  setDefaultLoggerFactory,
} from "../../../hosting/logging/logger_factory.ts";
import { MemoryOutput } from "./_helpers.ts";

Deno.test("a minimal host loads no LogTape", async () => {
  const script = `
    const { WebHostBuilder } = await import(${
    JSON.stringify(new URL("../../../mod.ts", import.meta.url).href)
  });
    const host = new WebHostBuilder()
      .useUrls("http://127.0.0.1:0")
      .useSetting("suppressStatusMessages", "true")
      .configure((app) => app.run((ctx) => ctx.response.send("hi")))
      .build();
    await host.start();
    const text = await (await fetch(host.addresses[0])).text();
    await host.stop();
    console.log(text, globalThis[Symbol.for("logtape.rootLogger")] != null);
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
  }).output();
  assert.equal(output.success, true, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stdout).trim(), "hi false");
});

// First: no host has loaded Roost's side of LogTape yet.
Deno.test("a factory made on its own configures the app's LogTape once Roost's side has loaded", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  setDefaultLoggerFactory(factory);
  try {
    await loadLogTapeIfUsed();
    await factory.runInScope({ traceId: "t1" }, async () => {
      await Promise.resolve();
      getLogger(["lib"]).warning("Slow");
    });
    assert.deepEqual(
      output.records.map((r) => [r.category, r.message, r.scope]),
      [["lib", "Slow", { traceId: "t1" }]],
    );
  } finally {
    setDefaultLoggerFactory(undefined);
  }
});

Deno.test("a host in an app that uses LogTape sends LogTape loggers through its logging", async () => {
  const records: LogRecord[] = [];
  const host = new WebHostBuilder()
    .configureLogging((logging) =>
      logging.clearOutputs().addOutput({
        name: "Memory",
        write: (r) => records.push(r),
      })
    )
    .configure((app) =>
      app.run((ctx) => {
        getLogger(["lib", "db"]).info("Query {sql}", { sql: "SELECT 1" });
        return ctx.response.send("ok");
      })
    )
    .build();
  try {
    await (await host.fetch("/")).text();
    const record = records.find((r) => r.category === "lib.db");
    assert.equal(record?.message, "Query SELECT 1");
    assert.equal(record?.messageTemplate, "Query {sql}");
  } finally {
    await host.stop();
  }
});
