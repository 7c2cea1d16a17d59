// WebHostBuilder and WebHost: settings, status lines, lifetime, errors.

import assert from "node:assert/strict";
import { collectLogs } from "../_helpers.ts";
import {
  HostSettings,
  HttpError,
  TestServer,
  type WebHost,
  WebHostBuilder,
} from "../../mod.ts";

/** Captures console.log and console.error while `fn` runs. */
async function capture(
  fn: () => Promise<void>,
): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...args: unknown[]) => out.push(args.join(" "));
  console.error = (...args: unknown[]) => err.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.log = log;
    console.error = error;
  }
  return { out, err };
}

Deno.test("a WebHost comes only from a builder: mod.ts exports no class or options for it", async () => {
  const mod: Record<string, unknown> = await import("../../mod.ts");
  assert.equal("WebHost" in mod, false);
  assert.equal("WebHostImpl" in mod, false);
  const host: WebHost = new WebHostBuilder().build();
  assert.equal(typeof host.start, "function");
});

Deno.test("WebHost logs the status lines on start and stop in Roost.Hosting.Lifetime", async () => {
  const contentRoot = await Deno.makeTempDir();
  const builder = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useEnvironment("Staging")
    .useContentRoot(contentRoot)
    .configure((app) => app.run(() => new Response("ok")));
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  await host.stop();
  const out = logs.messages("Roost.Hosting.Lifetime", "information");
  assert.equal(out.length, 5);
  assert.match(out[0], /^Now listening on: http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(out.slice(1), [
    "Application started. Press Ctrl+C to shut down.",
    "Hosting environment: Staging",
    `Content root path: ${contentRoot}`,
    "Application is shutting down...",
  ]);
  await Deno.remove(contentRoot);
});

Deno.test("suppressStatusMessages silences the status lines", async () => {
  const builder = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting(HostSettings.suppressStatusMessages, "true");
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  await host.stop();
  assert.deepEqual(logs.messages("Roost.Hosting.Lifetime"), []);
});

Deno.test("the last call that sets a host setting wins, keys in any case", () => {
  const builder = new WebHostBuilder()
    .useSetting("URLS", "http://127.0.0.1:1")
    .useUrls("http://127.0.0.1:2", "http://127.0.0.1:3;http://127.0.0.1:4")
    .useEnvironment("Staging")
    .useSetting("environment", "Development");
  assert.equal(
    builder.getSetting("urls"),
    "http://127.0.0.1:2;http://127.0.0.1:3;http://127.0.0.1:4",
  );
  const host = builder.build();
  assert.equal(host.environment.name, "Development");
  assert.ok(host.environment.isDevelopment());
});

Deno.test("the environment defaults to Production and the web root to wwwroot", () => {
  const host = new WebHostBuilder().useContentRoot("/srv/app").build();
  assert.equal(host.environment.name, "Production");
  assert.equal(host.environment.webRootPath, "/srv/app/wwwroot");
  const other = new WebHostBuilder()
    .useContentRoot("/srv/app")
    .useWebRoot("/var/www")
    .build();
  assert.equal(other.environment.webRootPath, "/var/www");
});

Deno.test("a builder builds once", () => {
  const builder = new WebHostBuilder();
  builder.build();
  assert.throws(() => builder.build(), /already built a host/);
});

Deno.test("useShutdownTimeout rejects a negative timeout", () => {
  assert.throws(() => new WebHostBuilder().useShutdownTimeout(-1), RangeError);
  const host = new WebHostBuilder().useShutdownTimeout(1500).build();
  assert.equal(host.shutdownTimeout, 1500);
  assert.equal(new WebHostBuilder().build().shutdownTimeout, 30_000);
});

Deno.test("a malformed urls setting fails start with the URL quoted", async () => {
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:80/app")
    .useSetting("suppressStatusMessages", "true")
    .build();
  await assert.rejects(
    () => host.start(),
    /Invalid server URL "http:\/\/127\.0\.0\.1:80\/app": a server URL cannot have a path/,
  );
});

Deno.test("lifetime events fire in order, and stopApplication stops the host", async () => {
  const events: string[] = [];
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .build();
  for (const name of ["started", "stopping", "stopped"] as const) {
    host.lifetime[name].addEventListener("abort", () => events.push(name));
  }
  await host.start();
  assert.deepEqual(events, ["started"]);
  host.lifetime.stopApplication();
  await new Promise((resolve) =>
    host.lifetime.stopped.addEventListener("abort", resolve)
  );
  assert.deepEqual(events, ["started", "stopping", "stopped"]);
  await host.stop(); // a second stop is a no-op
});

Deno.test("a host starts once", async () => {
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .build();
  await host.start();
  await assert.rejects(() => host.start(), /a host starts once/);
  await host.stop();
});

Deno.test("a startup error rejects start() unless startup errors are captured", async () => {
  const failing = (builder: WebHostBuilder): WebHost =>
    builder
      .useServer(new TestServer())
      .useSetting("suppressStatusMessages", "true")
      .configure(() => {
        throw new Error("the pipeline is broken");
      })
      .build();
  await assert.rejects(
    () => failing(new WebHostBuilder()).start(),
    /the pipeline is broken/,
  );
  const builder = new WebHostBuilder().captureStartupErrors(true);
  const logs = collectLogs(builder);
  const host = failing(builder);
  await host.start();
  const first = await host.fetch("/");
  assert.equal(first.status, 500);
  assert.equal(await first.text(), "Internal Server Error");
  assert.equal((await host.fetch("/again")).status, 500);
  await host.stop();
  const critical = logs.records.filter((r) => r.level === "critical");
  assert.equal(critical.length, 1);
  assert.match(critical[0].message, /failed to start/);
  assert.match(String(critical[0].error), /the pipeline is broken/);
});

Deno.test("error pages show details in Development and hide them in Production", async () => {
  const boom = (environment: string) =>
    new WebHostBuilder()
      .useEnvironment(environment)
      .configure((app) =>
        app.run(() => {
          throw new Error("secret detail");
        })
      )
      .build();
  await capture(async () => {
    const production = await boom("Production").fetch("/");
    assert.equal(await production.text(), "Internal Server Error");
    const development = await boom("Development").fetch("/");
    assert.match(await development.text(), /^500 Error: secret detail/);
  });
});

Deno.test("a captured startup error answers problem details to a client that asks for JSON", async () => {
  const builder = new WebHostBuilder()
    .captureStartupErrors(true)
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configure(() => {
      throw new Error("the pipeline is broken");
    });
  collectLogs(builder);
  const host = builder.build();
  await host.start();
  const response = await host.fetch("/", {
    headers: { accept: "application/json" },
  });
  assert.equal(response.status, 500);
  assert.equal(
    response.headers.get("content-type"),
    "application/problem+json",
  );
  assert.equal(response.headers.get("cache-control"), "no-store");
  const { traceId, ...problem } = await response.json();
  assert.equal(typeof traceId, "string");
  assert.deepEqual(problem, {
    type: "about:blank",
    title: "Internal Server Error",
    status: 500,
  });
  await host.stop();
});

Deno.test("Development shows a 5xx's message and stack, and never a 4xx's stack", async () => {
  const builder = new WebHostBuilder()
    .useEnvironment("Development")
    .configure((app) =>
      app.run((ctx) => {
        if (ctx.request.path === "/400") {
          throw new HttpError(400, "The id must be a number.");
        }
        throw new Error("secret detail");
      })
    );
  collectLogs(builder);
  const host = builder.build();
  const clientError = await host.fetch("/400");
  assert.equal(await clientError.text(), "The id must be a number.");
  const clientJson = await host.fetch("/400", {
    headers: { accept: "application/json" },
  });
  const problem = await clientJson.json();
  assert.equal(problem.detail, "The id must be a number.");
  assert.equal(problem.stack, undefined);
  const serverJson = await host.fetch("/500", {
    headers: { accept: "application/json" },
  });
  const detailed = await serverJson.json();
  assert.equal(detailed.detail, "secret detail");
  assert.match(detailed.stack, /^Error: secret detail\n\s+at /);
});

Deno.test("an unhandled error is logged once with the request's trace id", async () => {
  const builder = new WebHostBuilder().configure((app) =>
    app.run(() => {
      throw new Error("logged");
    })
  );
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.fetch("/where");
  const errors = logs.records.filter((r) => r.level === "error");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].category, "Roost.Hosting.Diagnostics");
  assert.match(errors[0].message, /request \S+ \(GET \/where\)/);
  assert.match(String(errors[0].error), /logged/);
  assert.equal(typeof errors[0].properties.traceId, "string");
});

Deno.test("configure may be async and receives the environment", async () => {
  const host = new WebHostBuilder()
    .useEnvironment("Staging")
    .configure(async (app, context) => {
      await Promise.resolve();
      app.run((ctx) => ctx.response.send(context.environment.name));
    })
    .build();
  assert.equal(await (await host.fetch("/")).text(), "Staging");
});

Deno.test("the shutdown timeout bounds a stop with a request stuck in flight", async () => {
  const entered = Promise.withResolvers<void>();
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .useShutdownTimeout(100)
    .useDenoServer({ onError: () => {} })
    .configure((app) =>
      app.run(async (ctx) => {
        entered.resolve();
        await new Promise((resolve) =>
          ctx.requestAborted.addEventListener("abort", resolve)
        );
      })
    )
    .build();
  await host.start();
  const request = fetch(host.addresses[0]).then(async (r) =>
    `${r.status} ${await r.text()}`
  );
  await entered.promise;
  const started = performance.now();
  await host.stop();
  assert.ok(performance.now() - started < 2000);
  // Cut off before it answered: a 503, never a success.
  assert.match(await request, /^503 /);
});
