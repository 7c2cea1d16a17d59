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

Deno.test("TestServer.stop waits for requests still running, as DenoServer does", async () => {
  const entered = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const events: string[] = [];
  const server = new TestServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure((app) =>
      app.run(async (ctx) => {
        entered.resolve();
        await release.promise;
        events.push("handler done");
        await ctx.response.send("finished");
      })
    )
    .build();
  host.lifetime.stopped.addEventListener("abort", () => events.push("stopped"));
  await host.start();
  const answer = server.fetch("/").then((response) => response.text());
  await entered.promise;
  const stopping = server.stop().then(() => events.push("server stopped"));
  // New requests are refused at once; the running one holds the stop.
  await assert.rejects(() => server.fetch("/"), /not started/);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(events, []);
  release.resolve();
  await stopping;
  assert.equal(await answer, "finished");
  await host.stop();
  assert.deepEqual(events, ["handler done", "server stopped", "stopped"]);
});

Deno.test("TestServer.stop cancels what still runs at the deadline: requestAborted fires and the client gets 503", async () => {
  const entered = Promise.withResolvers<void>();
  let aborted = false;
  const server = new TestServer({ onError: () => {} });
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .useSetting("shutdownTimeoutSeconds", "0.05")
    .configure((app) =>
      app.run(async (ctx) => {
        entered.resolve();
        await new Promise<void>((resolve) =>
          ctx.requestAborted.addEventListener("abort", () => {
            aborted = true;
            resolve();
          })
        );
      })
    )
    .build();
  await host.start();
  const answer = server.fetch("/");
  await entered.promise;
  await host.stop();
  const response = await answer;
  assert.equal(response.status, 503);
  await response.body?.cancel();
  assert.equal(aborted, true);
});

// A Response whose body the app already read (or holds a reader of): raw
// Deno.serve answers 500, and TestServer handed it to the caller, whose
// read then threw "Body already consumed".
Deno.test("TestServer answers 500 to a returned Response whose body was read or is being read, as Deno.serve does", async () => {
  const reports: string[] = [];
  const server = new TestServer({
    onError: (message) => reports.push(message),
  });
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure((app) =>
      app.run(async (ctx) => {
        const response = new Response("used");
        if (ctx.request.path === "/read") await response.text();
        else response.body!.getReader();
        return response;
      })
    )
    .build();
  await host.start();
  try {
    for (const path of ["/read", "/locked"]) {
      const response = await server.fetch(path);
      assert.equal(response.status, 500);
      assert.equal(await response.text(), "Internal Server Error");
    }
    assert.equal(reports.length, 2);
    assert.match(reports[0], /whose body was already read or is being read/);
  } finally {
    await host.stop();
  }
});
