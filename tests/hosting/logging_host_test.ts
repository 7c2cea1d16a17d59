// Logging through the host: request scopes, request diagnostics, and the
// roost command logging JSON.

import assert from "node:assert/strict";
import { logger, WebHostBuilder } from "../../mod.ts";
import { collectLogs, spawnHost } from "../_helpers.ts";

Deno.test("logs from nested async code inside a request carry its trace id, method and path", async () => {
  let traceId = "";
  const builder = new WebHostBuilder().configure((app) =>
    app.map("/orders", (orders) =>
      orders.run(async (ctx) => {
        traceId = ctx.traceIdentifier;
        await new Promise((resolve) => setTimeout(resolve, 5));
        await Promise.resolve().then(() =>
          logger("App.Orders").information("order placed", { id: 7 })
        );
        return ctx.response.send("ok");
      }))
  );
  const logs = collectLogs(builder);
  const host = builder.build();
  await (await host.fetch("/orders/new", { method: "POST" })).text();
  logger("App.Orders").information("outside any request");
  const [inside, outside] = logs.records.filter((r) =>
    r.category === "App.Orders"
  );
  assert.deepEqual(inside.scope, {
    traceId,
    method: "POST",
    path: "/orders/new",
  });
  assert.equal(inside.properties.id, 7);
  assert.deepEqual(outside.scope, {});
  await host.stop();
});

Deno.test("Roost.Hosting.Diagnostics logs request starting and finished when enabled", async () => {
  const builder = new WebHostBuilder()
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Logging: { LogLevel: { "Roost.Hosting.Diagnostics": "Information" } },
      })
    )
    .configure((app) =>
      app.run((ctx) => ctx.response.send("hi", { status: 201 }))
    );
  const logs = collectLogs(builder);
  const host = builder.build();
  await (await host.fetch("http://localhost/path?q=1")).text();
  const lines = logs.messages("Roost.Hosting.Diagnostics", "information");
  assert.equal(
    lines[0],
    "Request starting HTTP/1.1 GET http://localhost/path?q=1 - -",
  );
  assert.match(
    lines[1],
    // The type is the one the response went out with (Deno's default for
    // text); the length is added on the wire, after the log.
    /^Request finished HTTP\/1\.1 GET http:\/\/localhost\/path\?q=1 - 201 - text\/plain;charset=UTF-8 \d+\.\d\dms$/,
  );
  await host.stop();
});

Deno.test("request diagnostics are off by default", async () => {
  const builder = new WebHostBuilder().configure((app) =>
    app.run((ctx) => ctx.response.send("hi"))
  );
  const logs = collectLogs(builder);
  const host = builder.build();
  await (await host.fetch("/")).text();
  assert.deepEqual(logs.messages("Roost.Hosting.Diagnostics"), []);
  await host.stop();
});

Deno.test("the roost command logs JSON lines when the console formatter is json", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--Logging:Console:FormatterName",
    "json",
    "--Logging:LogLevel:Roost.Hosting.Diagnostics",
    "Information",
  ]);
  const lines = () =>
    roost.stdout().trim().split("\n").map((line) => JSON.parse(line));
  const started = lines();
  assert.equal(started[0].category, "Roost.Hosting.Lifetime");
  assert.equal(started[0].level, "Information");
  assert.match(
    started[0].message,
    /^Now listening on: http:\/\/127\.0\.0\.1:\d+$/,
  );
  assert.ok(!Number.isNaN(Date.parse(started[0].timestamp)));
  const address = started[0].message.slice("Now listening on: ".length);
  await (await fetch(`${address}/json-check`)).text();
  assert.equal((await roost.signal("SIGTERM")).code, 0);
  const all = lines();
  const finished = all.find((r) =>
    r.message.startsWith("Request finished HTTP/1.1 GET") &&
    r.message.includes("/json-check")
  );
  assert.ok(finished, roost.stdout());
  assert.equal(finished.category, "Roost.Hosting.Diagnostics");
  assert.equal(typeof finished.properties.traceId, "string");
  assert.equal(all.at(-1).message, "Application is shutting down...");
});
