/**
 * Roost's built-in middleware, one factory per file, ASP.NET's names in
 * camelCase: each takes options and returns middleware for `app.use()`.
 * `ApplicationBuilder` has a method for each (`app.useStaticFiles()`, …)
 * that fills in what the host knows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hsts } from "./mod.ts";
 * import { WebHostBuilder } from "../../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(hsts({ maxAge: 60 }));
 *     app.run((ctx) => ctx.response.send("secure"));
 *   })
 *   .build();
 * const response = await host.fetch("https://shop.example/");
 * assert.equal(response.headers.get("strict-transport-security"), "max-age=60");
 * await response.body?.cancel();
 * ```
 *
 * @module
 */

export * from "./forwarded_headers.ts";
export * from "./host_filtering.ts";
export * from "./developer_exception_page.ts";
export * from "./exception_handler.ts";
export * from "./status_code_pages.ts";
export * from "./https_redirection.ts";
export * from "./hsts.ts";
export * from "./static_files.ts";
export * from "./default_files.ts";
export * from "./file_server.ts";
export * from "./cors.ts";
export * from "./response_compression.ts";
export * from "./rate_limiter.ts";
export * from "./request_timeouts.ts";
