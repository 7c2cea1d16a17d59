import assert from "node:assert/strict";
import { type ConfigureApp, HttpError } from "../../../mod.ts";
import { StatusCodeReExecuteFeature } from "../../../features/error_features.ts";
import {
  statusCodePages,
  type StatusCodePagesOptions,
} from "../../../hosting/middleware/status_code_pages.ts";
import {
  type CollectingOutput,
  collectLogs,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

/** A Production host of `kind`, logs kept off the console. */
function host(kind: ServerKind, configure: ConfigureApp): Promise<Running> {
  return startHost(kind, configure, {
    setup(builder) {
      builder.useEnvironment("Production");
      collectLogs(builder);
    },
  });
}

/** Sends a request (redirects are answers, not followed) and reads it all. */
async function get(
  running: Running,
  url: string,
  init?: RequestInit,
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await running.fetch(url, { redirect: "manual", ...init });
  return {
    status: response.status,
    text: await response.text(),
    headers: response.headers,
  };
}

/** An app with status code pages and endpoints that answer bare statuses. */
function app(options?: StatusCodePagesOptions): ConfigureApp {
  return (app) => {
    app.use(statusCodePages(options));
    app.useRouting();
    app.mapGet("/private", (ctx) => {
      ctx.response.status = 401;
      ctx.response.headers.set("www-authenticate", 'Bearer realm="api"');
    });
    app.mapGet(
      "/teapot",
      (ctx) => ctx.response.send("short and stout", { status: 418 }),
    );
    app.mapGet("/written", async (ctx) => {
      ctx.response.status = 404;
      await ctx.response.write("my own 404");
    });
    app.mapGet("/thrown", () => {
      throw new HttpError(404, "No such order.");
    });
    app.mapGet("/empty", (ctx) => {
      ctx.response.status = 204;
    });
    app.mapGet("/errors/{code}", (ctx) => {
      const original = ctx.features.get(StatusCodeReExecuteFeature);
      return ctx.response.send(
        `page ${ctx.request.routeValues.code} for ${original?.originalMethod} ${original?.originalPath}${original?.originalQueryString} (${original?.originalStatusCode}) from=${
          ctx.request.query.get("from")
        }`,
      );
    });
  };
}

for (const kind of SERVER_KINDS) {
  Deno.test(`[${kind}] status code pages give a bare error status a text body`, async () => {
    await using running = await host(kind, app());
    const missing = await get(running, "/nowhere");
    assert.equal(missing.status, 404);
    assert.equal(
      missing.headers.get("content-type"),
      "text/plain; charset=utf-8",
    );
    assert.equal(missing.text, "Status Code: 404; Not Found");
    const denied = await get(running, "/private");
    assert.equal(denied.status, 401);
    assert.equal(denied.text, "Status Code: 401; Unauthorized");
    assert.equal(
      denied.headers.get("www-authenticate"),
      'Bearer realm="api"',
      "the app's headers are kept",
    );
  });

  // Returning new Response(null, { status: 404 }) ends the response
  // without starting it: the page takes its place (it used to refuse to
  // write, and the client got a 500).
  Deno.test(`[${kind}] status code pages answer a returned bodiless error Response, keeping its headers`, async () => {
    await using running = await host(kind, (app) => {
      app.use(statusCodePages());
      app.map(
        "/gone",
        (b) =>
          b.run(() =>
            new Response(null, {
              status: 410,
              headers: { "x-reason": "moved" },
            })
          ),
      );
      app.map(
        "/encoded",
        (b) =>
          b.run(() =>
            new Response(null, {
              status: 404,
              headers: {
                "content-encoding": "gzip",
                etag: '"v1"',
                "x-upstream": "kept",
              },
            })
          ),
      );
      app.map(
        "/sent",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(new Response(null, { status: 404 }))
          ),
      );
    });
    const gone = await get(running, "/gone");
    assert.equal(gone.status, 410);
    assert.equal(gone.text, "Status Code: 410; Gone");
    assert.equal(gone.headers.get("x-reason"), "moved");
    const sent = await get(running, "/sent");
    assert.equal(sent.status, 404);
    assert.equal(sent.text, "Status Code: 404; Not Found");
    // What described the body it did not send goes: the page is plain text.
    const encoded = await get(running, "/encoded");
    assert.equal(encoded.status, 404);
    assert.equal(encoded.text, "Status Code: 404; Not Found");
    assert.equal(encoded.headers.get("content-encoding"), null);
    assert.equal(encoded.headers.get("etag"), null);
    assert.equal(encoded.headers.get("x-upstream"), "kept");
  });

  // A small Response the app returned, behind status code pages and a
  // middleware's header, keeps its length as raw Deno.serve sends it (it
  // went out chunked, rebuilt from a stream of its body).
  Deno.test(`[${kind}] status code pages leave a returned small Response its length`, async () => {
    await using running = await host(kind, (app) => {
      app.use(statusCodePages());
      app.use((ctx, next) => {
        ctx.response.headers.set("x-mw", "1");
        return next();
      });
      app.run(() => new Response("hello"));
    });
    const response = await running.fetch("/");
    // On the wire: TestServer hands the Response over, no length added.
    if (kind === "DenoServer") {
      assert.equal(response.headers.get("content-length"), "5");
      assert.equal(response.headers.get("transfer-encoding"), null);
    }
    assert.equal(response.headers.get("x-mw"), "1");
    assert.equal(await response.text(), "hello");
  });

  // The re-executed page answers with a bodiless Response too (here: none
  // is mapped, so the catch-all's 404): the default page still goes out.
  Deno.test(`[${kind}] a re-executed status page that answers bodiless gives way to the default page`, async () => {
    await using running = await host(kind, (app) => {
      app.use(statusCodePages({ reExecutePath: "/errors/{0}" }));
      app.map("/gone", (b) => b.run(() => new Response(null, { status: 410 })));
      app.run(() => new Response(null, { status: 404 }));
    });
    const gone = await get(running, "/gone");
    assert.equal(gone.status, 410);
    assert.equal(gone.text, "Status Code: 410; Gone");
  });

  Deno.test(`[${kind}] status code pages answer JSON clients with problem details`, async () => {
    await using running = await host(kind, app());
    const response = await get(running, "/nowhere", {
      headers: { accept: "application/json" },
    });
    assert.equal(response.status, 404);
    assert.equal(
      response.headers.get("content-type"),
      "application/problem+json",
    );
    const { traceId, ...problem } = JSON.parse(response.text);
    assert.equal(typeof traceId, "string");
    assert.deepEqual(problem, {
      type: "about:blank",
      title: "Not Found",
      status: 404,
    });
  });

  Deno.test(`[${kind}] status code pages leave bodies, thrown errors and successes alone`, async () => {
    await using running = await host(kind, app());
    assert.deepEqual(
      [await get(running, "/teapot")].map((r) => [r.status, r.text]),
      [[418, "short and stout"]],
    );
    const written = await get(running, "/written");
    assert.deepEqual([written.status, written.text], [404, "my own 404"]);
    const thrown = await get(running, "/thrown");
    assert.deepEqual([thrown.status, thrown.text], [404, "No such order."]);
    const empty = await get(running, "/empty");
    assert.deepEqual([empty.status, empty.text], [204, ""]);
  });

  Deno.test(`[${kind}] status code pages re-execute a path with the original request on a feature`, async () => {
    await using running = await host(
      kind,
      app({ reExecutePath: "/errors/{0}?from=pages" }),
    );
    const response = await get(running, "/nowhere?q=1", { method: "POST" });
    assert.equal(response.status, 404, "the original status is kept");
    assert.equal(
      response.text,
      "page 404 for POST /nowhere?q=1 (404) from=pages",
    );
    const denied = await get(running, "/private");
    assert.equal(denied.status, 401);
    assert.equal(denied.text, "page 401 for GET /private (401) from=pages");
  });

  Deno.test(`[${kind}] a re-executed page nobody mapped gives way to the default page, with a Warning`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) => {
      app.use(statusCodePages({ reExecutePath: "/missing/{0}" }));
      app.mapGet("/private", (ctx) => {
        ctx.response.status = 401;
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    const response = await get(running, "/private");
    assert.equal(response.status, 401, "not the unmapped page's 404");
    assert.match(response.text, /Status Code: 401/);
    assert.deepEqual(
      logs!.messages("Roost.Hosting.StatusCodePages", "warning").map((m) =>
        m.replace(/request \S+:/, "request …:")
      ),
      [
        'The status code page /missing/401 answered 404 for request …: map it (app.mapGet("/missing/401", …)); the default status page went out instead',
      ],
    );
  });

  Deno.test(`[${kind}] status code pages redirect`, async () => {
    await using running = await host(kind, app({ redirect: "/errors/{0}" }));
    const response = await get(running, "/nowhere");
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "/errors/404");
    assert.equal(response.text, "");
  });

  Deno.test(`[${kind}] status code pages write a body format of your own to every client`, async () => {
    await using running = await host(
      kind,
      app({
        contentType: "text/html; charset=utf-8",
        bodyFormat: "<h1>Status code: {0} ({1})</h1>",
      }),
    );
    for (const accept of ["text/html", "application/json"]) {
      const response = await get(running, "/nowhere", { headers: { accept } });
      assert.equal(response.status, 404);
      assert.equal(
        response.headers.get("content-type"),
        "text/html; charset=utf-8",
      );
      assert.equal(response.text, "<h1>Status code: 404 (Not Found)</h1>");
    }
  });

  Deno.test(`[${kind}] status code pages call a handler`, async () => {
    await using running = await host(
      kind,
      app({
        handler: (ctx) =>
          ctx.response.send(`handled ${ctx.response.status}`, {
            headers: { "x-handled": "yes" },
          }),
      }),
    );
    const response = await get(running, "/private");
    assert.equal(response.status, 401);
    assert.equal(response.headers.get("x-handled"), "yes");
    assert.equal(response.text, "handled 401");
  });

  Deno.test(`[${kind}] a HEAD request gets the status and headers of a status code page, and no body`, async () => {
    await using running = await host(kind, app());
    const head = await get(running, "/nowhere", { method: "HEAD" });
    assert.equal(head.status, 404);
    assert.equal(head.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(head.text, "");
  });
}

Deno.test("statusCodePages() checks its options when called", () => {
  const fails = (options: unknown, pattern: RegExp) =>
    assert.throws(
      // Wrong types on purpose: what a JavaScript caller can pass.
      () => statusCodePages(options as StatusCodePagesOptions),
      (error: unknown) =>
        error instanceof TypeError && pattern.test(error.message),
    );
  fails(
    { redirect: "/e", reExecutePath: "/e" },
    /one of "handler", "reExecutePath" and "redirect", got "reExecutePath" and "redirect"/,
  );
  fails({ reExecutePath: "errors/{0}" }, /must be a path starting with "\/"/);
  fails(
    { redirect: "/e", bodyFormat: "x" },
    /"bodyFormat" has no effect with "redirect"/,
  );
  fails({ handler: 42 }, /"handler" must be a function/);
  fails({ bodyFormat: "" }, /"bodyFormat" must be a non-empty string/);
  fails(null, /options must be an object/);
});
