/**
 * Start-up entry: Hono on `Deno.serve`. Spawned by `bench/startup.ts` with
 * `--port N`; a file of its own, so the child builds only this graph.
 *
 * @module
 */

// Pinned inline, as bench/servers/hono.ts pins it.
// deno-lint-ignore no-import-prefix
import { Hono } from "npm:hono@4.13.19";

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1]);
const app = new Hono();
app.get("/", (c) => c.text("Hello, World!"));
Deno.serve({ hostname: "127.0.0.1", port, onListen() {} }, app.fetch);
