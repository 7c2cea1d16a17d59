/**
 * Roost on DenoServer: one `app.run` terminal that switches on
 * `ctx.request.path` (the closest match to the raw server's switch), one
 * case per idiomatic way to answer, and for the mw scenarios ten global
 * `app.use` pass-throughs. The routes scenario maps its 100 templates with
 * `mapGet`, ahead of that terminal.
 *
 * It imports `bundle/mod.js`, what `deno.json` exports and so what users
 * run (`deno task bench` checks first that it is what the sources build).
 *
 * @module
 */

import { type HttpContext, WebHostBuilder } from "../../bundle/mod.js";
import {
  announceReady,
  CERT_FILE,
  HELLO,
  JSON_PAYLOAD,
  KEY_FILE,
  MIDDLEWARE_COUNT,
  parseServerArgs,
  ROUTE_COUNT,
  STREAM_CHUNKS,
  usesMiddleware,
  usesTls,
} from "./_common.ts";

const ECHO_INIT = { headers: { "content-type": "application/octet-stream" } };

async function echo(ctx: HttpContext): Promise<void> {
  await ctx.response.send(await ctx.request.arrayBuffer(), ECHO_INIT);
}

async function echoText(ctx: HttpContext): Promise<void> {
  await ctx.response.send(await ctx.request.text());
}

async function echoJson(ctx: HttpContext): Promise<void> {
  await ctx.response.json(await ctx.request.json());
}

async function echoBytes(ctx: HttpContext): Promise<void> {
  await ctx.response.send(await ctx.request.bytes(), ECHO_INIT);
}

// An async handler that awaits something before it answers.
async function later(ctx: HttpContext): Promise<void> {
  await Promise.resolve();
  await ctx.response.send(HELLO);
}

async function stream(ctx: HttpContext): Promise<void> {
  await ctx.response.start();
  for (const chunk of STREAM_CHUNKS) await ctx.response.write(chunk);
}

function post(ctx: HttpContext, path: string): Promise<void> | undefined {
  switch (path) {
    case "/echo":
      return echo(ctx);
    case "/text":
      return echoText(ctx);
    case "/jsonpost":
      return echoJson(ctx);
    case "/bytes":
      return echoBytes(ctx);
  }
}

// Synchronous where it can be, like the raw handler: only the async and
// body-reading routes await. Each case is one idiomatic way to answer.
function route(ctx: HttpContext): void | Response | Promise<void> {
  const path = ctx.request.path;
  switch (path) {
    case "/":
    case "/mw":
      return ctx.response.send(HELLO);
    case "/write":
      // A sync handler that writes and returns: the body is buffered and
      // sent with the headers when the pipeline finishes.
      ctx.response.write(HELLO);
      return;
    case "/return":
    case "/header":
      return new Response(HELLO);
    case "/async":
    case "/mwasync":
      return later(ctx);
    case "/json":
      return ctx.response.json(JSON_PAYLOAD);
    case "/stream":
      return stream(ctx);
  }
  const answer = ctx.request.method === "POST" ? post(ctx, path) : undefined;
  return answer ?? ctx.response.send("Not Found", { status: 404 });
}

const { port, scenario, webSockets } = parseServerArgs(Deno.args);
const tls = usesTls(scenario);
const host = new WebHostBuilder()
  .useDenoServer({
    urls: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    certificate: tls ? { certFile: CERT_FILE, keyFile: KEY_FILE } : undefined,
    webSockets,
  })
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => {
    if (usesMiddleware(scenario)) {
      for (let i = 0; i < MIDDLEWARE_COUNT; i++) {
        app.use(async (_ctx, next) => {
          await next();
        });
      }
    }
    if (scenario === "header") {
      // A middleware that sets a response header, ahead of a handler that
      // returns a Response of its own: the header is merged into it.
      app.use((ctx, next) => {
        ctx.response.headers.set("vary", "Origin");
        return next();
      });
    }
    if (scenario === "edge") {
      // What a host behind nginx serving a browser app adds at the edge.
      app.useForwardedHeaders();
      app.useHostFiltering({ allowedHosts: ["127.0.0.1", "localhost"] });
      app.useCors({ origins: ["https://app.example"] });
    }
    if (scenario === "routes") {
      for (let i = 0; i < ROUTE_COUNT; i++) {
        app.mapGet(
          `/r${i}/{id:int}`,
          (ctx) => ctx.response.send(ctx.request.routeValues.id),
        );
      }
    }
    app.run(route);
  })
  .build();
await host.start();
announceReady(Number(new URL(host.addresses[0]).port));
