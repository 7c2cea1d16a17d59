/**
 * Roost on DenoServer: one `app.run` terminal that switches on
 * `ctx.request.path` (the closest match to the raw server's switch), and for
 * the mw scenario ten global `app.use` pass-throughs.
 *
 * @module
 */

import { type HttpContext, WebHostBuilder } from "../../mod.ts";
import {
  announceReady,
  CERT_FILE,
  HELLO,
  JSON_PAYLOAD,
  KEY_FILE,
  MIDDLEWARE_COUNT,
  parseServerArgs,
  usesMiddleware,
  usesTls,
} from "./_common.ts";

const ECHO_INIT = { headers: { "content-type": "application/octet-stream" } };

async function echo(ctx: HttpContext): Promise<void> {
  await ctx.response.send(await ctx.request.arrayBuffer(), ECHO_INIT);
}

// Synchronous where it can be, like the raw handler: only the echo route
// awaits.
function route(ctx: HttpContext): Promise<void> {
  switch (ctx.request.path) {
    case "/":
    case "/mw":
      return ctx.response.send(HELLO);
    case "/json":
      return ctx.response.json(JSON_PAYLOAD);
    case "/echo":
      if (ctx.request.method === "POST") return echo(ctx);
  }
  return ctx.response.send("Not Found", { status: 404 });
}

const { port, scenario } = parseServerArgs(Deno.args);
const tls = usesTls(scenario);
const host = new WebHostBuilder()
  .useDenoServer({
    urls: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    certificate: tls ? { certFile: CERT_FILE, keyFile: KEY_FILE } : undefined,
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
    app.run(route);
  })
  .build();
await host.start();
announceReady(Number(new URL(host.addresses[0]).port));
