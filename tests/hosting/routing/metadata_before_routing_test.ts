// Middleware that reads endpoint metadata (CORS, rate limiting, request
// timeouts) sees none when it runs before routing selects the endpoint.
// ASP.NET's WebApplication puts UseRouting first by itself; Roost selects
// where asked, so a start that would silently ignore a policy says so.

import assert from "node:assert/strict";
import {
  DisableCors,
  EnableRateLimiting,
  type LogRecord,
  RequestTimeout,
  WebHostBuilder,
} from "../../../mod.ts";
import type { ApplicationBuilder } from "../../../hosting/mod.ts";

async function warningsFor(
  configure: (app: ApplicationBuilder) => void,
): Promise<string[]> {
  const warnings: string[] = [];
  const host = new WebHostBuilder()
    .configureLogging((logging) =>
      logging.clearOutputs().addOutput({
        name: "Warnings",
        write: (record: LogRecord) => {
          if (
            record.level === "warning" &&
            record.category === "Roost.Hosting.Pipeline" &&
            record.message.includes("before routing")
          ) warnings.push(record.message);
        },
      })
    )
    .configure(configure)
    .build();
  // The first in-memory request builds the pipeline, as a start does.
  await (await host.fetch("/plain")).body?.cancel();
  await host.stop();
  return warnings;
}

function policies(app: ApplicationBuilder): void {
  app.useCors({ origins: ["https://app.example"] });
  app.useRateLimiter({
    permitLimit: 100,
    window: 1_000,
    policies: { one: { kind: "fixedWindow", permitLimit: 1, window: 1_000 } },
  });
  app.useRequestTimeouts({ timeout: 10_000 });
}

Deno.test("policy middleware added before routing warns at start, naming the endpoints whose metadata it cannot see, and the fix", async () => {
  const warnings = await warningsFor((app) => {
    policies(app);
    app.mapGet("/limited", (ctx) => ctx.response.send("ok"))
      .withMetadata(new EnableRateLimiting("one"), new RequestTimeout(50));
    app.mapGroup("/internal").withMetadata(new DisableCors())
      .mapGet("/ping", (ctx) => ctx.response.send("pong"));
    app.mapGet("/plain", (ctx) => ctx.response.send("ok"));
  });
  assert.deepEqual(warnings, [
    "useCors() runs before routing selects an endpoint, so the metadata it reads on GET /internal/ping is ignored: call app.useRouting() before useCors().",
    "useRateLimiter() runs before routing selects an endpoint, so the metadata it reads on GET /limited is ignored: call app.useRouting() before useRateLimiter().",
    "useRequestTimeouts() runs before routing selects an endpoint, so the metadata it reads on GET /limited is ignored: call app.useRouting() before useRequestTimeouts().",
  ]);
});

Deno.test("policy middleware after useRouting(), or endpoints without such metadata, warn of nothing", async () => {
  assert.deepEqual(
    await warningsFor((app) => {
      app.useRouting();
      policies(app);
      app.mapGet("/limited", (ctx) => ctx.response.send("ok"))
        .withMetadata(new EnableRateLimiting("one"));
      app.mapGet("/plain", (ctx) => ctx.response.send("ok"));
    }),
    [],
  );
  // Only the global policies: nothing for routing to hand over.
  assert.deepEqual(
    await warningsFor((app) => {
      policies(app);
      app.mapGet("/plain", (ctx) => ctx.response.send("ok"));
    }),
    [],
  );
});
