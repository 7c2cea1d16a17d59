// Link generation: ctx.linkTo(name, values) fills a named endpoint's
// template in, percent-encoded, from the app's root (map() branches
// included), and the link leads back to the endpoint.

import assert from "node:assert/strict";
import { ApplicationBuilder, type HttpContext } from "../../../mod.ts";
import { type Running, SERVER_KINDS, startHost } from "../../_helpers.ts";

type Values = Record<
  string,
  string | number | boolean | readonly string[] | null | undefined
>;

/** What `linkTo` gave, or the class and message of what it threw. */
function attempt(ctx: HttpContext, name: string, values?: Values): unknown {
  try {
    return ctx.linkTo(name, values);
  } catch (error) {
    return { error: (error as Error).name, message: (error as Error).message };
  }
}

/**
 * A host whose endpoint `/link` answers `linkTo(name, values)` for the name
 * and JSON values of its query, next to the endpoints `configure` maps.
 */
function linkHost(
  kind: (typeof SERVER_KINDS)[number],
  configure: (app: ApplicationBuilder) => void,
): Promise<Running> {
  return startHost(kind, (app) => {
    app.mapGet("/link/{name}/{values?}", (ctx) => {
      const { name, values } = ctx.request.routeValues;
      return ctx.response.json(
        attempt(
          ctx,
          name,
          values === undefined ? undefined : JSON.parse(values),
        ),
      );
    });
    configure(app);
  });
}

async function linkOf(
  running: Running,
  name: string,
  values?: Values,
): Promise<unknown> {
  const response = await running.fetch(
    `/link/${encodeURIComponent(name)}` +
      (values === undefined
        ? ""
        : `/${encodeURIComponent(JSON.stringify(values))}`),
  );
  assert.equal(response.status, 200);
  return await response.json();
}

const echo = (ctx: HttpContext) => ctx.response.json(ctx.request.routeValues);

for (const kind of SERVER_KINDS) {
  Deno.test(`linkTo fills a named endpoint's template and the link leads back to it (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/books/{id}", echo).withName("book");
    });
    assert.equal(await linkOf(running, "book", { id: 5 }), "/books/5");
    for (const id of ["a b", "x/y", "café", "100%", "a?b#c"]) {
      const link = await linkOf(running, "book", { id });
      const response = await running.fetch(link as string);
      assert.deepEqual(await response.json(), { id }, `${id} via ${link}`);
    }
    assert.equal(await linkOf(running, "book", { id: "a b" }), "/books/a%20b");
    assert.equal(await linkOf(running, "book", { id: "x/y" }), "/books/x%2Fy");
    assert.equal(
      await linkOf(running, "book", { id: "café" }),
      "/books/caf%C3%A9",
    );
    assert.equal(await linkOf(running, "book", { id: true }), "/books/true");
  });

  Deno.test(`linkTo puts values the template does not name in the query string (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/books/{id}", echo).withName("book");
    });
    assert.equal(
      await linkOf(running, "book", { id: 5, sort: "title", q: "a b&c" }),
      "/books/5?sort=title&q=a+b%26c",
    );
    assert.equal(
      await linkOf(running, "book", { id: 5, unused: undefined }),
      "/books/5",
    );
  });

  // As ASP.NET's link generator: null is no value, a list repeats its query
  // parameter; a "." or ".." segment, which the path would lose, is refused.
  Deno.test(`linkTo takes null as no value, repeats a list in the query, and refuses dot segments (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/books/{id?}", echo).withName("book");
      app.mapGet("/files/{**path}", echo).withName("file");
    });
    assert.equal(
      await linkOf(running, "book", { id: null, tag: ["a", "b c"] }),
      "/books?tag=a&tag=b+c",
    );
    for (
      const [name, values] of [
        ["book", { id: ".." }],
        ["book", { id: "." }],
        ["file", { path: "a/../b" }],
        ["book", { id: ["1", "2"] }],
      ] as const
    ) {
      const answer = await linkOf(running, name, values) as { error: string };
      assert.equal(answer.error, "RangeError", JSON.stringify(values));
    }
  });

  Deno.test(`linkTo leaves out trailing optional and default segments it has no value for (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/docs/{section?}", echo).withName("docs");
      app.mapGet("/list/{category}/{page=1}", echo).withName("list");
      app.mapGet("/files/{*path}", echo).withName("files");
      app.mapGet("/img/{name}.{ext?}", echo).withName("img");
    });
    assert.equal(await linkOf(running, "docs"), "/docs");
    assert.equal(
      await linkOf(running, "docs", { section: "intro" }),
      "/docs/intro",
    );
    assert.equal(await linkOf(running, "list", { category: "x" }), "/list/x");
    assert.equal(
      await linkOf(running, "list", { category: "x", page: 3 }),
      "/list/x/3",
    );
    assert.equal(await linkOf(running, "files"), "/files");
    assert.equal(await linkOf(running, "img", { name: "logo" }), "/img/logo");
    assert.equal(
      await linkOf(running, "img", { name: "logo", ext: "png" }),
      "/img/logo.png",
    );
  });

  // Source bug: a value given for a later default segment goes to the query
  // string when an earlier default one is left out, so the link routes with
  // the default instead of the value.
  Deno.test(`linkTo keeps a later default segment's value when an earlier one is left out (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/pages/{page=1}/{size=10}", echo).withName("pages");
    });
    const link = await linkOf(running, "pages", { size: 20 }) as string;
    const response = await running.fetch(link);
    assert.deepEqual(
      await response.json(),
      { page: "1", size: "20" },
      `${link} routes with size 20`,
    );
    assert.equal(link, "/pages/1/20");
  });

  Deno.test(`linkTo encodes slashes in {*path} and keeps them in {**path} (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/one/{*path}", echo).withName("one");
      app.mapGet("/two/{**path}", echo).withName("two");
    });
    assert.equal(
      await linkOf(running, "one", { path: "a/b c" }),
      "/one/a%2Fb%20c",
    );
    const two = await linkOf(running, "two", { path: "a/b c" });
    assert.equal(two, "/two/a/b%20c");
    const response = await running.fetch(two as string);
    assert.deepEqual(await response.json(), { path: "a/b c" });
  });

  Deno.test(`linkTo refuses a missing value, a value that fails a constraint and an unknown name (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/books/{id}", echo).withName("book");
      app.mapGet("/items/{id:int}", echo).withName("item");
    });
    const missing = await linkOf(running, "book", { other: 1 });
    assert.deepEqual(
      (missing as { error: string }).error,
      "RangeError",
    );
    assert.match((missing as { message: string }).message, /"id"/);
    const failing = await linkOf(running, "item", { id: "abc" });
    assert.equal((failing as { error: string }).error, "RangeError");
    assert.match((failing as { message: string }).message, /int/);
    const unknown = await linkOf(running, "nope", { id: 1 }) as {
      error: string;
      message: string;
    };
    assert.equal(unknown.error, "RangeError");
    assert.match(unknown.message, /"nope"/);
    assert.match(unknown.message, /"book"/);
    assert.match(unknown.message, /"item"/);
  });

  // Source bug: an empty value for a required parameter gives "/books/",
  // which the endpoint does not match.
  Deno.test(`linkTo refuses an empty value for a required parameter (${kind})`, async () => {
    await using running = await linkHost(kind, (app) => {
      app.mapGet("/books/{id}", echo).withName("book");
    });
    const empty = await linkOf(running, "book", { id: "" });
    assert.equal(
      (empty as { error?: string }).error,
      "RangeError",
      `got ${JSON.stringify(empty)}`,
    );
  });

  Deno.test(`linkTo without endpoint routing throws a TypeError (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => ctx.response.json(attempt(ctx, "book", { id: 1 })));
    });
    const response = await running.fetch("/");
    const result = await response.json();
    assert.equal(result.error, "TypeError");
    assert.match(result.message, /"book"/);
  });

  Deno.test(`links to endpoints in a map() branch include its prefix, from anywhere (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.map("/api", (api) => {
        api.mapGet("/books/{id}", (ctx) =>
          ctx.response.json({
            id: ctx.request.routeValues.id,
            pathBase: ctx.request.pathBase,
            path: ctx.request.path,
            pattern: ctx.getEndpoint()?.routePattern,
            self: ctx.linkTo("book", { id: 2 }),
            home: ctx.linkTo("home"),
          })).withName("book");
      });
      app.mapGet(
        "/",
        (ctx) => ctx.response.send(ctx.linkTo("book", { id: "a b" })),
      ).withName("home");
    });
    const home = await running.fetch("/");
    assert.equal(await home.text(), "/api/books/a%20b");
    const book = await running.fetch("/api/books/7");
    assert.deepEqual(await book.json(), {
      id: "7",
      pathBase: "/api",
      path: "/books/7",
      pattern: "/api/books/{id}",
      self: "/api/books/2",
      home: "/",
    });
    // Outside the branch, its templates do not apply.
    const outside = await running.fetch("/books/7");
    assert.equal(outside.status, 404);
    await outside.body?.cancel();
  });
}

Deno.test("two endpoints with the same name are refused at withName", () => {
  const app = new ApplicationBuilder();
  app.mapGet("/a", () => {}).withName("same");
  assert.throws(
    () => app.mapGet("/b", () => {}).withName("same"),
    (error: unknown) =>
      error instanceof TypeError && error.message.includes('"same"') &&
      error.message.includes("GET /a") && error.message.includes("GET /b"),
  );
});

Deno.test("a name shared by an endpoint in a branch is refused too", () => {
  const app = new ApplicationBuilder();
  app.mapGet("/a", () => {}).withName("same");
  assert.throws(
    () =>
      app.map("/api", (api) => {
        api.mapGet("/b", () => {}).withName("same");
      }).build(),
    TypeError,
  );
});
