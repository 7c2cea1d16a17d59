/**
 * Roost: a hosting runtime for Deno, after ASP.NET Core's hosting model. A
 * host builder, a pluggable server ({@linkcode DenoServer} on `Deno.serve`,
 * {@linkcode TestServer} in memory), middleware over an
 * {@linkcode HttpContext} made of typed features, on web-standard
 * `Request`/`Response`.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "./mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(async (ctx, next) => {
 *       await next();
 *       ctx.response.headers.set("x-served-by", "roost");
 *     });
 *     app.run((ctx) => ctx.response.send(`Hello, ${ctx.request.query.get("name") ?? "world"}!`));
 *   })
 *   .build();
 * const response = await host.fetch("/?name=Deno");
 * assert.equal(await response.text(), "Hello, Deno!");
 * assert.equal(response.headers.get("x-served-by"), "roost");
 * // In an app: await host.run(); — listens on http://localhost:8000 until Ctrl+C.
 * ```
 *
 * @module
 */

export * from "./features/mod.ts";
export * from "./server/mod.ts";
export * from "./hosting/mod.ts";
