/**
 * Hono on Deno: `Deno.serve(app.fetch)` with Hono's default router, Hono's
 * own form of each route where it has one (it has no `write` on a buffered
 * response: see `HONO_LEAVES_OUT` in `../_process.ts`), and for the mw
 * scenarios ten global `app.use` pass-throughs.
 *
 * @module
 */

// Pinned inline: only the benchmark uses Hono, so it stays out of the
// published package's deno.json imports.
// deno-lint-ignore no-import-prefix
import { type Context, Hono } from "npm:hono@4.13.19";
// deno-lint-ignore no-import-prefix
import { stream } from "npm:hono@4.13.19/streaming";
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

const { port, scenario } = parseServerArgs(Deno.args);
const app = new Hono();
if (usesMiddleware(scenario)) {
  for (let i = 0; i < MIDDLEWARE_COUNT; i++) {
    app.use(async (_c, next) => {
      await next();
    });
  }
}
if (scenario === "routes") {
  for (let i = 0; i < ROUTE_COUNT; i++) {
    app.get(`/r${i}/:id{[0-9]+}`, (c) => c.text(c.req.param("id")));
  }
}
app.get("/", (c) => c.text(HELLO));
app.get("/mw", (c) => c.text(HELLO));
app.get("/return", () => new Response(HELLO));
const later = async (c: Context) => {
  await Promise.resolve();
  return c.text(HELLO);
};
app.get("/async", later);
app.get("/mwasync", later);
app.get("/json", (c) => c.json(JSON_PAYLOAD));
app.get("/stream", (c) =>
  stream(c, async (s) => {
    for (const chunk of STREAM_CHUNKS) await s.write(chunk);
  }));
app.post("/echo", async (c) => {
  c.header("content-type", "application/octet-stream");
  return c.body(await c.req.arrayBuffer());
});
app.post("/text", async (c) => c.text(await c.req.text()));
app.post("/jsonpost", async (c) => c.json(await c.req.json()));
app.post("/bytes", async (c) => {
  c.header("content-type", "application/octet-stream");
  // Hono types bytes() as Uint8Array<ArrayBufferLike> and body() wants one
  // over an ArrayBuffer, which a request body always is.
  return c.body(await c.req.bytes() as Uint8Array<ArrayBuffer>);
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
