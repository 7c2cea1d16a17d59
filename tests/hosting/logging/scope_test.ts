// Implicit scopes: what runInScope sets reaches every record logged inside
// it, through nested async code, and nothing outside it.

import assert from "node:assert/strict";
import { LoggerFactory } from "../../../hosting/logging/mod.ts";
import { delay, MemoryOutput } from "./_helpers.ts";

function setup(): { factory: LoggerFactory; output: MemoryOutput } {
  const output = new MemoryOutput();
  return { factory: new LoggerFactory({ outputs: [output] }), output };
}

Deno.test("records logged from nested async code carry the scope", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const log = factory.createLogger("App");
  const scope = { traceId: "t1", method: "GET", path: "/orders" };
  await factory.runInScope(scope, async () => {
    log.information("sync");
    await delay(1);
    log.information("after await");
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        log.information("in a timer");
        resolve();
      }, 1)
    );
    await Promise.all([1, 2].map(async (n) => {
      await delay(n);
      log.information(`task ${n}`);
    }));
    queueMicrotask(() => log.information("in a microtask"));
    await delay(0);
  });
  assert.deepEqual(output.messages, [
    "sync",
    "after await",
    "in a timer",
    "task 1",
    "task 2",
    "in a microtask",
  ]);
  for (const record of output.records) assert.deepEqual(record.scope, scope);
});

Deno.test("nothing logged outside runInScope sees its scope", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const log = factory.createLogger("App");
  log.information("before");
  await factory.runInScope({ traceId: "t1" }, async () => {
    await delay(1);
  });
  log.information("after");
  await delay(1).then(() => log.information("timer started outside"));
  assert.deepEqual(output.records.map((record) => record.scope), [{}, {}, {}]);
});

Deno.test("a scope does not leak when its function throws", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const log = factory.createLogger("App");
  assert.throws(() =>
    factory.runInScope({ traceId: "t1" }, () => {
      throw new Error("boom");
    }), /boom/);
  await assert.rejects(
    factory.runInScope({ traceId: "t2" }, async () => {
      await delay(1);
      throw new Error("async boom");
    }),
    /async boom/,
  );
  log.information("after");
  assert.deepEqual(output.records[0].scope, {});
});

Deno.test("nested scopes merge, the inner value wins, and the outer comes back", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const log = factory.createLogger("App");
  await factory.runInScope({ traceId: "t1", user: "ada" }, async () => {
    await factory.runInScope({ user: "bob", step: 2 }, async () => {
      await delay(1);
      log.information("inner");
    });
    log.information("outer");
  });
  assert.deepEqual(output.records[0].scope, {
    traceId: "t1",
    user: "bob",
    step: 2,
  });
  assert.deepEqual(output.records[1].scope, { traceId: "t1", user: "ada" });
});

Deno.test("concurrent scopes stay apart across interleaved awaits", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const log = factory.createLogger("App");
  const request = (traceId: string, wait: number) =>
    factory.runInScope({ traceId }, async () => {
      log.information(`${traceId} start`);
      await delay(wait);
      log.information(`${traceId} end`);
    });
  await Promise.all([request("a", 5), request("b", 1), request("c", 3)]);
  assert.equal(output.records.length, 6);
  for (const record of output.records) {
    assert.equal(record.scope.traceId, record.message.split(" ")[0]);
  }
});

Deno.test("runInScope returns what the function returns", async () => {
  const { factory } = setup();
  await using _ = factory;
  assert.equal(factory.runInScope({}, () => 42), 42);
  assert.equal(await factory.runInScope({}, () => Promise.resolve("x")), "x");
});

Deno.test("the scope is copied: changing the object afterwards changes nothing", async () => {
  const { factory, output } = setup();
  await using _ = factory;
  const scope: Record<string, unknown> = { traceId: "t1" };
  await factory.runInScope(scope, async () => {
    scope.traceId = "changed";
    await delay(1);
    factory.createLogger("App").information("m");
  });
  assert.deepEqual(output.records[0].scope, { traceId: "t1" });
});

Deno.test("a scope reaches the records of every factory", async () => {
  const first = setup();
  const second = setup();
  await using _a = first.factory;
  await using _b = second.factory;
  await first.factory.runInScope({ traceId: "t1" }, async () => {
    await delay(1);
    second.factory.createLogger("Other").information("m");
  });
  assert.deepEqual(second.output.records[0].scope, { traceId: "t1" });
});
