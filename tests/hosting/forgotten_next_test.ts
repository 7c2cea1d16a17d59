// A middleware that calls next() without awaiting or returning it must never
// take the process down nor answer before the pipeline below it is done:
// Roost waits for what it handed out and warns once, naming the middleware.

import assert from "node:assert/strict";
import {
  type CollectingOutput,
  collectLogs,
  delay,
  SERVER_KINDS,
  startHost,
} from "../_helpers.ts";

const WARNING = "Roost.Hosting.Pipeline";

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} waits for a next() that a sync middleware forgot to return, and warns once`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) => {
      app.use(function forgetful(ctx, next) {
        ctx.response.headers.set("x-seen", "yes");
        next();
      });
      app.run(async (ctx) => {
        await delay(5);
        await ctx.response.send("late but whole");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    for (let i = 0; i < 2; i++) {
      const response = await running.fetch("/");
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "late but whole");
    }
    const warnings = logs!.messages(WARNING, "warning");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Middleware "forgetful" finished before/);
    assert.match(warnings[0], /await next\(\)/);
  });

  Deno.test(`${kind} survives an async middleware that forgot to await a next() that fails`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) => {
      app.use(async (_ctx, next) => {
        await Promise.resolve();
        next();
      });
      app.run(async () => {
        await delay(5);
        throw new Error("the handler failed");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    const response = await running.fetch("/");
    // The failure reached the error handler: a 500, not an empty 200 and not
    // an unhandled rejection that ends the process.
    assert.equal(response.status, 500);
    await response.body?.cancel();
    const warnings = logs!.messages(WARNING, "warning");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /Middleware #1 finished before/);
  });

  Deno.test(`${kind} does not warn about middleware that awaits or returns next()`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) => {
      app.use(async (_ctx, next) => {
        await next();
      });
      app.use((_ctx, next) => next());
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "1");
      });
      app.map("/branch", (branch) =>
        branch.run(async (ctx) => {
          await delay(1);
          await ctx.response.send("branch");
        }));
      app.run(async (ctx) => {
        await delay(1);
        await ctx.response.send("main");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    for (const path of ["/", "/branch"]) {
      const response = await running.fetch(path);
      assert.equal(response.headers.get("x-after"), "1");
      await response.text();
    }
    assert.deepEqual(logs!.messages(WARNING, "warning"), []);
  });
}
