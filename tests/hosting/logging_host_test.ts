// Logging through the host: request scopes, request diagnostics, and the
// roost command logging JSON.

import assert from "node:assert/strict";
import {
  ConsoleOutput,
  logger,
  type LogRecord,
  WebHostBuilder,
} from "../../mod.ts";
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
    /^Request finished HTTP\/1\.1 GET http:\/\/localhost\/path\?q=1 - 201 - text\/plain;charset=UTF-8 \d+(\.\d{1,2})?ms$/,
  );
  await host.stop();
});

function diagnosticsBuilder(): WebHostBuilder {
  return new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Logging: { LogLevel: { "Roost.Hosting.Diagnostics": "Information" } },
      })
    );
}

function requestLogs(records: LogRecord[]): [LogRecord, LogRecord] {
  const logs = records.filter((r) =>
    r.category === "Roost.Hosting.Diagnostics"
  );
  assert.equal(logs.length, 2);
  return [logs[0], logs[1]];
}

Deno.test("request logs carry method, path, status and elapsedMs as properties", async () => {
  const builder = diagnosticsBuilder().configure((app) =>
    app.map(
      "/api",
      (api) => api.run((ctx) => ctx.response.send("made", { status: 201 })),
    )
  );
  const logs = collectLogs(builder);
  const host = builder.build();
  await (await host.fetch("http://localhost/api/items?x=1", {
    method: "POST",
  })).text();
  const [starting, finished] = requestLogs(logs.records);
  assert.equal(
    starting.messageTemplate,
    "Request starting {protocol} {method} {scheme}://{host}{path}{queryString} {contentType} {contentLength}",
  );
  assert.equal(starting.properties.method, "POST");
  assert.equal(starting.properties.path, "/api/items");
  assert.equal(starting.properties.queryString, "?x=1");
  assert.equal(starting.properties.status, undefined);
  assert.equal(starting.properties.elapsedMs, undefined);
  assert.equal(finished.properties.method, "POST");
  assert.equal(finished.properties.path, "/api/items");
  assert.equal(finished.properties.status, 201);
  assert.equal(typeof finished.properties.elapsedMs, "number");
  assert.ok((finished.properties.elapsedMs as number) >= 0);
  assert.equal(
    finished.message,
    `Request finished HTTP/1.1 POST http://localhost/api/items?x=1 - 201 ${finished.properties.contentLength} ${finished.properties.contentType} ${finished.properties.elapsedMs}ms`,
  );
  await host.stop();
});

for (const server of ["host.fetch", "DenoServer"] as const) {
  Deno.test(`Request finished shows the content type json() sent (${server})`, async () => {
    let builder = diagnosticsBuilder().configure((app) =>
      app.run((ctx) => ctx.response.json({ ok: true }))
    );
    if (server === "DenoServer") {
      builder = builder.useUrls("http://127.0.0.1:0").useDenoServer({
        onError: () => {},
      });
    }
    const logs = collectLogs(builder);
    const host = builder.build();
    let response: Response;
    if (server === "DenoServer") {
      await host.start();
      response = await fetch(`${host.addresses[0]}/data`);
    } else {
      response = await host.fetch("http://localhost/data");
    }
    assert.deepEqual(await response.json(), { ok: true });
    await host.stop();
    const [, finished] = requestLogs(logs.records);
    assert.equal(finished.properties.contentType, "application/json");
    assert.equal(
      finished.properties.contentType,
      response.headers.get("content-type"),
    );
    assert.match(finished.message, / - 200 \S+ application\/json [\d.]+ms$/);
  });
}

Deno.test("in JSON, app logs in a request and the request logs carry traceId once, at the top", async () => {
  const lines: string[] = [];
  let traceId = "";
  const builder = diagnosticsBuilder()
    .configureLogging((logging) =>
      logging.clearOutputs().addOutput(
        new ConsoleOutput({ formatter: "json", write: (l) => lines.push(l) }),
      )
    )
    .configure((app) =>
      app.run(async (ctx) => {
        traceId = ctx.traceIdentifier;
        await Promise.resolve();
        logger("App.Shelves").warning("shelf has {count} books", {
          count: 3,
        });
        return ctx.response.send("ok");
      })
    );
  const host = builder.build();
  await (await host.fetch("http://localhost/shelves/1")).text();
  await host.stop();
  const records = lines.map((line) => JSON.parse(line));
  const app = records.find((r) => r.category === "App.Shelves");
  assert.equal(app.message, "shelf has 3 books");
  assert.deepEqual(app.properties, { count: 3 });
  const requests = records.filter((r) =>
    r.category === "Roost.Hosting.Diagnostics"
  );
  assert.equal(requests.length, 2);
  for (
    const [record, line] of [app, ...requests].map((
      r,
    ) => [r, lines[records.indexOf(r)]])
  ) {
    assert.equal(record.traceId, traceId);
    assert.equal(record.properties.traceId, undefined);
    assert.equal(record.scope.traceId, undefined);
    assert.equal(line.split('"traceId"').length - 1, 1, line);
  }
  assert.deepEqual(app.scope, { method: "GET", path: "/shelves/1" });
  assert.equal(requests[1].properties.status, 200);
  assert.equal(requests[1].properties.path, "/shelves/1");
  assert.match(
    requests[1].message,
    /^Request finished HTTP\/1\.1 GET http:\/\/localhost\/shelves\/1 - 200 /,
  );
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
  assert.equal(typeof finished.traceId, "string");
  assert.equal(finished.properties.traceId, undefined);
  assert.equal(finished.properties.method, "GET");
  assert.equal(finished.properties.path, "/json-check");
  assert.equal(all.at(-1).message, "Application is shutting down...");
});
