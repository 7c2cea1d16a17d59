/**
 * Route values typed from the template at compile time, as Hono types its
 * `:id` params: `mapGet("/books/{id:int}", (ctx) => ctx.request.routeValues.id)`
 * knows `id` is there.
 *
 * @module
 */

import type { HttpContext, HttpRequest } from "../../features/mod.ts";

/**
 * The route values a template gives: a parameter with `?` may be missing;
 * the rest (defaults and catch-alls included) are always there.
 *
 * @typeParam T The route template.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RouteParams } from "../../mod.ts";
 *
 * const values: RouteParams<"/books/{id:int}/{format?}"> = { id: "7" };
 * assert.equal(values.id, "7");
 * assert.equal(values.format, undefined);
 * ```
 */
// One parameter at a time, left to right. A "{" right after "{" is an
// escaped brace, not a parameter; "{{" inside a regex constraint ends up in
// the skipped rest. `{id?}` and `{id:int?}` may be missing; defaults and
// catch-alls are always there.
export type RouteParams<T extends string> = string extends T
  ? Readonly<Record<string, string | undefined>>
  : T extends `${string}{${infer P}}${infer Rest}` ?
      & (P extends `{${string}` ? Record<never, never>
        : P extends `${infer N}?`
          ? N extends `${infer M}:${string}` ? { readonly [K in M]?: string }
          : { readonly [K in N]?: string }
        : P extends `${infer N}:${string}` ? {
            readonly [
              K in N extends `**${infer M}` ? M
                : N extends `*${infer M}` ? M
                : N
            ]: string;
          }
        : P extends `${infer N}=${string}` ? {
            readonly [
              K in N extends `**${infer M}` ? M
                : N extends `*${infer M}` ? M
                : N
            ]: string;
          }
        : {
          readonly [
            K in P extends `**${infer M}` ? M
              : P extends `*${infer M}` ? M
              : P
          ]: string;
        })
      & RouteParams<Rest>
  : Record<never, never>;

/**
 * The context an endpoint's handler gets: an `HttpContext` whose
 * `request.routeValues` is typed from the template.
 *
 * @typeParam T The route template.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type RouteContext, TestServer, WebHostBuilder } from "../../mod.ts";
 *
 * function showBook(ctx: RouteContext<"/books/{id}">): Response {
 *   return new Response(`book ${ctx.request.routeValues.id}`);
 * }
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => app.mapGet("/books/{id}", showBook))
 *   .build();
 * await host.start();
 * const response = await server.fetch(new Request("http://localhost/books/9"));
 * assert.equal(await response.text(), "book 9");
 * await host.stop();
 * ```
 */
export type RouteContext<T extends string> = HttpContext & {
  readonly request: HttpRequest & { readonly routeValues: RouteParams<T> };
};

/**
 * An endpoint's handler: the same shape as a `run()` handler, with route
 * values typed from the template. It may send the response itself or
 * return a `Response`.
 *
 * @typeParam T The route template.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RouteHandler } from "../../mod.ts";
 *
 * const handler: RouteHandler<"/hello/{name}"> = (ctx) =>
 *   new Response(`Hello, ${ctx.request.routeValues.name}!`);
 * assert.equal(typeof handler, "function");
 * ```
 */
export type RouteHandler<T extends string> = (
  ctx: RouteContext<T>,
) => void | Response | Promise<void | Response>;
