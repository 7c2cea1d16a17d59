// TestServer.fetch behaves as fetch does toward a real server.

import assert from "node:assert/strict";
import { TestServer, WebHostBuilder } from "../../mod.ts";

Deno.test("TestServer.fetch rejects with the signal's reason when aborted before the response, as fetch does", async () => {
  const started = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const server = new TestServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .configure((app) =>
      app.run(async (ctx) => {
        started.resolve();
        await release.promise;
        await ctx.response.send("late");
      })
    )
    .build();
  await host.start();
  try {
    const controller = new AbortController();
    const answer = server.fetch("/", { signal: controller.signal });
    await started.promise;
    controller.abort();
    await assert.rejects(answer, { name: "AbortError" });
    release.resolve();
  } finally {
    await host.stop();
  }
});

Deno.test("TestServer.fetch with an aborted signal sends nothing", async () => {
  let reached = false;
  const server = new TestServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .configure((app) =>
      app.run((ctx) => {
        reached = true;
        return ctx.response.send("hi");
      })
    )
    .build();
  await host.start();
  try {
    const reason = new Error("never mind");
    await assert.rejects(
      server.fetch("/", { signal: AbortSignal.abort(reason) }),
      (error) => error === reason,
    );
    assert.equal(reached, false);
    // Without a signal, or one that never aborts, it answers as before.
    const response = await server.fetch("/", {
      signal: new AbortController().signal,
    });
    assert.equal(await response.text(), "hi");
  } finally {
    await host.stop();
  }
});
