// Route values typed from the template at compile time. Most of this file is
// checked by the compiler (deno test and deno check type-check it): each
// `@ts-expect-error` line must be an error, every other line must compile.

import assert from "node:assert/strict";
import {
  ApplicationBuilder,
  type RouteContext,
  type RouteHandler,
  type RouteParams,
} from "../../../mod.ts";
import { SERVER_KINDS, startHost } from "../../_helpers.ts";

/** True when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends
  (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(_proof?: T): void {}

// -- RouteParams ---------------------------------------------------------------

type Book = RouteParams<"/books/{id:int}/{format?}">;
const book: Book = { id: "7" };
const bookWithFormat: Book = { id: "7", format: "json" };
// @ts-expect-error `id` is required
const noId: Book = { format: "json" };
// @ts-expect-error a route value is a string
const numericId: Book = { id: 7 };
expectType<Equal<Book["id"], string>>();
expectType<Equal<Book["format"], string | undefined>>();

type Defaults = RouteParams<"/list/{category}/{page=1}/{*rest}">;
// Defaults and catch-alls are always there.
const defaults: Defaults = { category: "a", page: "1", rest: "" };
// @ts-expect-error `page` has a default, so it is always there
const noPage: Defaults = { category: "a", rest: "" };
expectType<Equal<Defaults["rest"], string>>();

type Double = RouteParams<"/files/{**path}">;
expectType<Equal<Double["path"], string>>();

type OptionalConstrained = RouteParams<"/a/{id:int?}">;
expectType<Equal<OptionalConstrained["id"], string | undefined>>();
const emptyOptional: OptionalConstrained = {};

type Complex = RouteParams<"/img/{name}.{ext?}">;
const complex: Complex = { name: "logo" };

// `{{` is a literal brace, not a parameter; a regex's `{{4}}` is no name.
type Escaped = RouteParams<"/a{{b}}/{code:regex(^\\d{{4}}$)}">;
const escaped: Escaped = { code: "2024" };
// @ts-expect-error "b" is inside escaped braces: not a parameter
const escapedB: Escaped["b"] = "b";

type None = RouteParams<"/about">;
// @ts-expect-error a template without parameters gives no values
const noneValue: None["id"] = "x";

// A template only known as a string gives every name, maybe missing.
type Unknown = RouteParams<string>;
expectType<Equal<Unknown["anything"], string | undefined>>();

// -- handlers ------------------------------------------------------------------

/** Maps handlers whose route values are typed from their templates. */
function mapTyped(app: ApplicationBuilder): void {
  app.mapGet("/books/{id}", (ctx) => {
    const id: string = ctx.request.routeValues.id;
    return new Response(id);
  });
  app.mapPost("/books/{id:int}/{format?}", (ctx) => {
    // @ts-expect-error `format` may be missing
    const format: string = ctx.request.routeValues.format;
    return new Response(format);
  });
  app.mapPut("/things/{thing}", (ctx) => {
    // The template has no `id`: it is not a sure string (HttpRequest's own
    // routeValues still allows reading any name).
    // @ts-expect-error not a string
    const id: string = ctx.request.routeValues.id;
    return new Response(String(id));
  });
  app.mapDelete("/files/{*path}", (ctx) => {
    const path: string = ctx.request.routeValues.path;
    return ctx.response.send(path);
  });
  app.mapMethods(["PATCH"], "/pages/{page=1}", async (ctx) => {
    const page: string = ctx.request.routeValues.page;
    await ctx.response.send(page);
  });
  const user = app.mapGroup("/users/{userId}");
  user.mapGet("/posts/{postId}", (ctx) => {
    const userId: string = ctx.request.routeValues.userId;
    const postId: string = ctx.request.routeValues.postId;
    return new Response(`${userId}/${postId}`);
  });
  const nested = user.mapGroup("/tags/{tag?}");
  nested.mapPatch("", (ctx) => {
    const userId: string = ctx.request.routeValues.userId;
    // @ts-expect-error `tag` may be missing
    const tag: string = ctx.request.routeValues.tag;
    return new Response(userId + tag);
  });
  const named: RouteHandler<"/hello/{name}"> = (ctx) =>
    new Response(`Hello, ${ctx.request.routeValues.name}!`);
  app.mapGet("/hello/{name}", named);
}

function showBook(ctx: RouteContext<"/shelf/{id}">): Response {
  return new Response(`book ${ctx.request.routeValues.id}`);
}

Deno.test("typed route values compile and type-check only what templates give", () => {
  // The compiler did the work; these keep the values used.
  assert.deepEqual(
    [book, bookWithFormat, noId, numericId, defaults, noPage, emptyOptional],
    [
      { id: "7" },
      { id: "7", format: "json" },
      { format: "json" },
      { id: 7 },
      { category: "a", page: "1", rest: "" },
      { category: "a", rest: "" },
      {},
    ],
  );
  assert.deepEqual([complex, escaped, escapedB, noneValue], [
    { name: "logo" },
    { code: "2024" },
    "b",
    "x",
  ]);
  mapTyped(new ApplicationBuilder());
});

for (const kind of SERVER_KINDS) {
  Deno.test(`typed handlers get the route values their types promise (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      mapTyped(app);
      app.mapGet("/shelf/{id}", showBook);
    });
    const cases: [string, RequestInit, string][] = [
      ["/books/a", {}, "a"],
      ["/users/u1/posts/p2", {}, "u1/p2"],
      ["/hello/Ada", {}, "Hello, Ada!"],
      ["/pages", { method: "PATCH" }, "1"],
      ["/files/a/b", { method: "DELETE" }, "a/b"],
      ["/users/u1/tags/t", { method: "PATCH" }, "u1t"],
      ["/shelf/9", {}, "book 9"],
    ];
    for (const [path, init, expected] of cases) {
      const response = await running.fetch(path, init);
      assert.equal(await response.text(), expected, path);
    }
  });
}
