// LogTape loaded after the first factory was made (an app or a library
// importing it lazily): Roost still sends its loggers through its logging.
// Its own file: nothing may have loaded LogTape before these tests.

import assert from "node:assert/strict";
import { LoggerFactory } from "../../../hosting/logging/mod.ts";
import { setDefaultLoggerFactory } from "../../../hosting/logging/logger_factory.ts";
import { MemoryOutput } from "./_helpers.ts";

Deno.test("LogTape loaded after a factory is configured to write through it", async () => {
  assert.equal(Symbol.for("logtape.rootLogger") in globalThis, false);
  const output = new MemoryOutput();
  const factory = new LoggerFactory({ outputs: [output] });
  setDefaultLoggerFactory(factory);
  // As an app would import it.
  // deno-lint-ignore no-import-prefix
  const logtape = await import("npm:@logtape/logtape@2.4.2");
  try {
    const deadline = Date.now() + 5_000;
    while (logtape.getConfig() === null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    logtape.getLogger(["lib"]).warning("Late {what}", { what: "load" });
    assert.deepEqual(
      output.records.map((r) => [r.category, r.level, r.message]),
      [["lib", "warning", "Late load"]],
    );
  } finally {
    setDefaultLoggerFactory(undefined);
    await factory[Symbol.asyncDispose]();
  }
  // The last factory gone, Roost's configuration is too.
  assert.equal(logtape.getConfig(), null);
});
