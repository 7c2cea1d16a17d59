/**
 * Hono on Deno: `Deno.serve(app.fetch)` with Hono's default router, and for
 * the mw scenario ten global `app.use` pass-throughs.
 *
 * @module
 */

// Pinned inline: only the benchmark uses Hono, so it stays out of the
// published package's deno.json imports.
// deno-lint-ignore no-import-prefix
import { Hono } from "npm:hono@4.13.19";
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

const { port, scenario } = parseServerArgs(Deno.args);
const app = new Hono();
if (usesMiddleware(scenario)) {
  for (let i = 0; i < MIDDLEWARE_COUNT; i++) {
    app.use(async (_c, next) => {
      await next();
    });
  }
}
app.get("/", (c) => c.text(HELLO));
app.get("/mw", (c) => c.text(HELLO));
app.get("/json", (c) => c.json(JSON_PAYLOAD));
app.post("/echo", async (c) => {
  c.header("content-type", "application/octet-stream");
  return c.body(await c.req.arrayBuffer());
});

const tls = usesTls(scenario)
  ? {
    cert: Deno.readTextFileSync(CERT_FILE),
    key: Deno.readTextFileSync(KEY_FILE),
  }
  : {};
const server = Deno.serve(
  { hostname: "127.0.0.1", port, ...tls, onListen() {} },
  app.fetch,
);
announceReady(server.addr.port);
