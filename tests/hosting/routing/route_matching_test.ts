// Endpoint matching on a running host: precedence whatever the mapping
// order, 405 with Allow, HEAD, fall-through to the rest of the pipeline,
// useRouting() and getEndpoint(), and mapFallback().

import assert from "node:assert/strict";
import type { ApplicationBuilder } from "../../../mod.ts";
import {
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

/** Sends a request and reads the whole answer. */
async function send(
  running: Running,
  path: string,
  init?: RequestInit,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await running.fetch(path, init);
  return {
    status: response.status,
    text: await response.text(),
    headers: response.headers,
  };
}

/**
 * Which of `templates` answers each of `paths` when they are mapped in the
 * given order (each answers with its own template).
 */
async function winners(
  kind: ServerKind,
  templates: readonly string[],
  paths: readonly string[],
): Promise<string[]> {
  await using running = await startHost(kind, (app) => {
    for (const template of templates) {
      app.mapGet(template, () => new Response(template));
    }
  });
  const answers: string[] = [];
  for (const path of paths) answers.push((await send(running, path)).text);
  return answers;
}

/** Maps `templates` in both orders, expecting the same winners. */
async function assertOrderFree(
  kind: ServerKind,
  templates: readonly string[],
  expected: Record<string, string>,
): Promise<void> {
  const paths = Object.keys(expected);
  const forward = await winners(kind, templates, paths);
  const backward = await winners(kind, [...templates].reverse(), paths);
  assert.deepEqual(forward, Object.values(expected), "mapped in order");
  assert.deepEqual(backward, Object.values(expected), "mapped in reverse");
}

for (const kind of SERVER_KINDS) {
  // -- precedence -----------------------------------------------------------------

  Deno.test(`routing prefers literal, then constrained, then plain, then catch-all whatever the mapping order (${kind})`, async () => {
    await assertOrderFree(kind, [
      "/p/new",
      "/p/{id:int}",
      "/p/{name}",
      "/p/{*rest}",
    ], {
      "/p/new": "/p/new",
      "/p/NEW": "/p/new",
      "/p/42": "/p/{id:int}",
      "/p/draft": "/p/{name}",
      "/p/a/b": "/p/{*rest}",
      "/p": "/p/{*rest}",
    });
  });

  // A segment holding bytes that are not UTF-8 matched nothing at all, not
  // even the fallback; ASP.NET keeps such escapes as written.
  Deno.test(`a segment with escapes that are not UTF-8 matches, its value keeping them as written (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet(
        "/seg/{id}",
        (ctx) => ctx.response.send(`id=${ctx.request.routeValues.id}`),
      );
      app.mapGet(
        "/files/{*path}",
        (ctx) => ctx.response.send(`path=${ctx.request.routeValues.path}`),
      );
      app.mapFallback((ctx) => ctx.response.send("fallback"));
    });
    assert.equal((await send(running, "/seg/%ff")).text, "id=%FF");
    assert.equal(
      (await send(running, "/seg/caf%C3%A9%FF")).text,
      "id=caf%C3%A9%FF",
    );
    assert.equal((await send(running, "/seg/%C3%A9")).text, "id=é");
    assert.equal(
      (await send(running, "/files/a%20b/%ff")).text,
      "path=a b/%FF",
    );
    assert.equal((await send(running, "/x/%ff")).text, "fallback");
  });

  Deno.test(`routing backtracks from a literal that leads nowhere to a parameter (${kind})`, async () => {
    await assertOrderFree(kind, ["/a/b/c", "/a/{x}/d"], {
      "/a/b/c": "/a/b/c",
      "/a/b/d": "/a/{x}/d",
      "/a/z/d": "/a/{x}/d",
    });
  });

  Deno.test(`routing backtracks from a constrained parameter to a plain one (${kind})`, async () => {
    await assertOrderFree(kind, ["/q/{id:int}/edit", "/q/{name}/view"], {
      "/q/5/edit": "/q/{id:int}/edit",
      "/q/5/view": "/q/{name}/view",
    });
  });

  // Source bug: `{x?}` and `{id}` get different edges in the route table
  // (segmentKey() puts "?" in the key), so the one mapped first wins.
  Deno.test(`routing does not let the mapping order choose between an optional and a plain parameter (${kind})`, async () => {
    const templates = ["/o/{x?}", "/o/{id}"];
    const outcome = async (order: string[]) => {
      try {
        return (await winners(kind, order, ["/o/5"]))[0];
      } catch (error) {
        assert.ok(error instanceof TypeError, String(error));
        return "refused";
      }
    };
    const forward = await outcome(templates);
    const backward = await outcome([...templates].reverse());
    assert.equal(forward, backward, "the same outcome in both orders");
  });

  // Source bug: when the path ends before a catch-all, the table's terminal
  // sets it to "" without testing its constraints.
  Deno.test(`a catch-all's constraint applies when the path leaves it empty (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet(
        "/g/{*p:file}",
        (ctx) => ctx.response.json(ctx.request.routeValues),
      );
    });
    const file = await send(running, "/g/a/b.txt");
    assert.deepEqual(JSON.parse(file.text), { p: "a/b.txt" });
    assert.equal((await send(running, "/g/a/b")).status, 404);
    const empty = await send(running, "/g");
    assert.equal(empty.status, 404, `"/g" answered ${empty.text}`);
  });

  // -- methods ------------------------------------------------------------------

  Deno.test(`a path mapped for other methods answers 405 with a sorted Allow (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapPost("/books/{id}", () => new Response("post"));
      app.mapGet("/books/{id}", () => new Response("get"));
      app.mapPut("/x/{name}", () => new Response("put"));
      app.mapGet("/x/{id:int}", () => new Response("get x"));
    });
    const wrong = await send(running, "/books/1", { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD, POST");
    // Every template that matches the path gives its methods.
    const both = await send(running, "/x/5", { method: "DELETE" });
    assert.equal(both.status, 405);
    assert.equal(both.headers.get("allow"), "GET, HEAD, PUT");
    const options = await send(running, "/books/1", { method: "OPTIONS" });
    assert.equal(options.status, 405);
    assert.equal(options.headers.get("allow"), "GET, HEAD, POST");
    assert.equal((await send(running, "/books/1")).text, "get");
    assert.equal(
      (await send(running, "/books/1", { method: "POST" })).text,
      "post",
    );
  });

  Deno.test(`a 405 is problem details for a JSON client (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/books", () => new Response("list"));
    });
    const response = await running.fetch("/books", {
      method: "PATCH",
      headers: { accept: "application/json" },
    });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD");
    assert.equal(
      response.headers.get("content-type"),
      "application/problem+json",
    );
    const problem = await response.json();
    assert.equal(problem.status, 405);
    assert.equal(problem.title, "Method Not Allowed");
  });

  Deno.test(`HEAD is served by the GET endpoint without a body, and an explicit HEAD endpoint wins (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/page", (ctx) => {
        ctx.response.headers.set("x-which", "get");
        return ctx.response.send("the page");
      });
      app.mapGet(
        "/both",
        () => new Response("get", { headers: { "x-which": "get" } }),
      );
      app.mapMethods(
        ["head"],
        "/both",
        () => new Response(null, { headers: { "x-which": "head" } }),
      );
    });
    const head = await send(running, "/page", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("x-which"), "get");
    assert.equal(head.text, "");
    const explicit = await send(running, "/both", { method: "HEAD" });
    assert.equal(explicit.headers.get("x-which"), "head");
    assert.equal((await send(running, "/both")).text, "get");
  });

  Deno.test(`mapMethods answers its methods in any case (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapMethods(
        ["get", "Purge"],
        "/cache/{key}",
        (ctx) =>
          ctx.response.send(
            `${ctx.request.method} ${ctx.request.routeValues.key}`,
          ),
      );
    });
    assert.equal((await send(running, "/cache/k")).text, "GET k");
    const purge = await send(running, "/cache/k", { method: "PURGE" });
    assert.equal(purge.text, "PURGE k");
    const post = await send(running, "/cache/k", { method: "POST" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD, PURGE");
  });

  // -- handlers -----------------------------------------------------------------

  Deno.test(`handlers may return a Response, be async or use ctx.response (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/returned", () => new Response("returned", { status: 201 }));
      app.mapGet("/async", async (ctx) => {
        await Promise.resolve();
        await ctx.response.send("async");
      });
      app.mapGet(
        "/json/{id}",
        (ctx) => ctx.response.json({ id: ctx.request.routeValues.id }),
      );
      app.mapPost("/written", async (ctx) => {
        await ctx.response.write("part one, ");
        await ctx.response.write("part two");
      });
    });
    const returned = await send(running, "/returned");
    assert.deepEqual([returned.status, returned.text], [201, "returned"]);
    assert.equal((await send(running, "/async")).text, "async");
    assert.equal((await send(running, "/json/7")).text, '{"id":"7"}');
    const written = await send(running, "/written", { method: "POST" });
    assert.equal(written.text, "part one, part two");
  });

  // -- the rest of the pipeline ---------------------------------------------------

  Deno.test(`a request no endpoint matches goes on down the pipeline (${kind})`, async () => {
    const seen: string[] = [];
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        seen.push(ctx.request.path);
        await next();
      });
      app.mapGet("/known", () => new Response("endpoint"));
      app.run((ctx) =>
        ctx.response.send(`run: ${JSON.stringify(ctx.request.routeValues)}`)
      );
    });
    assert.equal((await send(running, "/known")).text, "endpoint");
    const other = await send(running, "/unknown");
    assert.deepEqual([other.status, other.text], [200, "run: {}"]);
    assert.deepEqual(seen, ["/known", "/unknown"]);
  });

  Deno.test(`a request nothing answers ends in 404 (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/known", () => new Response("endpoint"));
    });
    assert.equal((await send(running, "/unknown")).status, 404);
    assert.equal((await send(running, "/known/more")).status, 404);
  });

  // -- useRouting and getEndpoint ---------------------------------------------------

  Deno.test(`useRouting lets middleware read the endpoint before it runs (${kind})`, async () => {
    class Policy {
      constructor(readonly name: string) {}
    }
    const seen: unknown[] = [];
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(async (ctx, next) => {
        const endpoint = ctx.getEndpoint();
        seen.push(
          endpoint === undefined ? "none" : {
            displayName: endpoint.displayName,
            name: endpoint.name,
            routePattern: endpoint.routePattern,
            methods: endpoint.methods,
            policy: endpoint.metadata.get(Policy)?.name,
            id: ctx.request.routeValues.id,
          },
        );
        await next();
      });
      app.mapMethods(
        ["GET", "POST"],
        "/books/{id:int}",
        () => new Response("book"),
      )
        .withName("book")
        .withMetadata(new Policy("strict"));
      app.run(() => new Response("rest"));
    });
    assert.equal((await send(running, "/books/3")).text, "book");
    assert.equal((await send(running, "/other")).text, "rest");
    assert.deepEqual(seen, [{
      displayName: "GET, POST /books/{id:int}",
      name: "book",
      routePattern: "/books/{id:int}",
      methods: ["GET", "POST"],
      policy: "strict",
      id: "3",
    }, "none"]);
  });

  Deno.test(`without useRouting, earlier middleware sees the endpoint only after next() (${kind})`, async () => {
    const seen: (string | undefined)[] = [];
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        seen.push(ctx.getEndpoint()?.displayName);
        await next();
        seen.push(ctx.getEndpoint()?.displayName);
      });
      app.mapGet("/a", () => new Response("a"));
    });
    assert.equal((await send(running, "/a")).text, "a");
    assert.deepEqual(seen, [undefined, "GET /a"]);
  });
}

Deno.test("useRouting after mapping an endpoint throws a TypeError", async () => {
  await assert.rejects(
    startHost("TestServer", (app: ApplicationBuilder) => {
      app.mapGet("/a", () => new Response("a"));
      app.useRouting();
    }),
    TypeError,
  );
});

// -- mapFallback ----------------------------------------------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`mapFallback answers any method for a non-file path no endpoint matches (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/api/items", () => new Response("items"));
      app.mapFallback((ctx) =>
        ctx.response.send(
          `fallback ${ctx.request.method} ${ctx.request.routeValues.path}`,
        )
      );
      app.run(() => new Response("static"));
    });
    assert.equal((await send(running, "/api/items")).text, "items");
    assert.equal(
      (await send(running, "/client/route")).text,
      "fallback GET client/route",
    );
    assert.equal(
      (await send(running, "/client/route", { method: "POST" })).text,
      "fallback POST client/route",
    );
    assert.equal((await send(running, "/app.js")).text, "static");
    const wrong = await send(running, "/api/items", { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD");
  });

  Deno.test(`mapFallback takes a template of its own (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet("/docs/index", () => new Response("index"));
      app.mapFallback(
        "/docs/{*rest}",
        (ctx) => ctx.response.send(`docs: ${ctx.request.routeValues.rest}`),
      );
    });
    assert.equal((await send(running, "/docs/index")).text, "index");
    assert.equal((await send(running, "/docs/a/b.md")).text, "docs: a/b.md");
    assert.equal((await send(running, "/elsewhere")).status, 404);
  });

  Deno.test(`a CORS preflight selects the endpoint of the method it asks about, and still gets 405 when nothing answers it (${kind})`, async () => {
    class Policy {
      constructor(readonly name: string) {}
    }
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(async (ctx, next) => {
        const endpoint = ctx.getEndpoint();
        if (ctx.request.headers.has("x-answer-preflight")) {
          await ctx.response.send(
            `${endpoint?.displayName}: ${endpoint?.metadata.get(Policy)?.name}`,
          );
          return;
        }
        await next();
      });
      app.mapGet("/items", () => new Response("items"))
        .withMetadata(new Policy("items policy"));
      app.mapMethods(["OPTIONS"], "/own", () => new Response("own options"));
      app.mapGet("/own", () => new Response("own"));
    });
    const preflight = {
      origin: "https://app.example",
      "access-control-request-method": "GET",
    };
    const seen = await send(running, "/items", {
      method: "OPTIONS",
      headers: { ...preflight, "x-answer-preflight": "1" },
    });
    assert.equal(seen.text, "GET /items: items policy");
    // Without anyone answering it, the preflight is an OPTIONS request.
    const unanswered = await send(running, "/items", {
      method: "OPTIONS",
      headers: preflight,
    });
    assert.equal(unanswered.status, 405);
    assert.equal(unanswered.headers.get("allow"), "GET, HEAD");
    // A plain OPTIONS request sees the 405 stand-in, not the GET endpoint.
    const plain = await send(running, "/items", {
      method: "OPTIONS",
      headers: { "x-answer-preflight": "1" },
    });
    assert.equal(plain.text, "405 HTTP Method Not Supported: undefined");
    // An app's own OPTIONS endpoint answers its preflights itself.
    const own = await send(running, "/own", {
      method: "OPTIONS",
      headers: preflight,
    });
    assert.equal(own.text, "own options");
  });

  Deno.test(`a segment of several parts matches in time linear in its length, whatever the client sends (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.mapGet(
        "/a/{year}-{month}-{slug}.html",
        (ctx) => ctx.response.json(ctx.request.routeValues),
      );
    });
    // A backtracking regex takes seconds on this; the literal search, no time.
    const started = performance.now();
    const hostile = await send(running, "/a/" + "-".repeat(4000));
    assert.equal(hostile.status, 404);
    assert.ok(performance.now() - started < 1000, "answered within a second");
    const post = await send(running, "/a/2024-05-my-post.HTML");
    assert.deepEqual(JSON.parse(post.text), {
      year: "2024-05",
      month: "my",
      slug: "post",
    });
  });
}
