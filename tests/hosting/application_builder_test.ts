import assert from "node:assert/strict";
// The project pins third-party code inline (see ARCHITECTURE.md), not in deno.json.
// deno-lint-ignore no-import-prefix
import { Hono } from "npm:hono@4.13.19";
import {
  ApplicationBuilder,
  type ConfigureApp,
  FeatureCollection,
  HttpContext,
  HttpError,
  HttpRequestFeature,
  type HttpResponseBodyFeature,
  HttpResponseBodyFeature as HttpResponseBodyFeatureKey,
  HttpResponseFeature,
  type Middleware,
  type ResponseCallback,
} from "../../mod.ts";
import {
  type CollectingOutput,
  collectLogs,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  within,
} from "../_helpers.ts";

/**
 * A started host of `kind` in Production, without detailed errors, logging
 * to a collecting output.
 */
function host(
  kind: ServerKind,
  configure: ConfigureApp,
  settings: Record<string, string> = {},
): Promise<Running> {
  return startHost(kind, configure, {
    setup(builder) {
      builder.useEnvironment("Production");
      builder.useSetting("detailedErrors", "false");
      // The host logs the errors these tests provoke; keep them off the console.
      collectLogs(builder);
      for (const [key, value] of Object.entries(settings)) {
        builder.useSetting(key, value);
      }
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

/** A context over hand-made features, for running a built pipeline directly. */
function bareContext(path = "/"): {
  ctx: HttpContext;
  response: HttpResponseFeature;
  completed: unknown[];
} {
  const features = new FeatureCollection();
  features.set(HttpRequestFeature, {
    protocol: "HTTP/1.1",
    scheme: "http",
    method: "GET",
    host: "localhost",
    pathBase: "",
    path,
    queryString: "",
    rawTarget: path,
    headers: new Headers(),
    body: null,
  });
  const response: HttpResponseFeature = {
    status: 200,
    reasonPhrase: undefined,
    headers: new Headers(),
    hasStarted: false,
    onStarting(_callback: ResponseCallback) {},
    onCompleted(_callback: ResponseCallback) {},
  };
  const completed: unknown[] = [];
  const body: HttpResponseBodyFeature = {
    stream: new WritableStream(),
    start: () => Promise.resolve(),
    write: () => Promise.resolve(),
    complete: (value) => {
      completed.push(value);
      return Promise.resolve();
    },
    sendFile: () => Promise.resolve(),
    clear: () => {},
  };
  features.set(HttpResponseFeature, response);
  features.set(HttpResponseBodyFeatureKey, body);
  return { ctx: new HttpContext(features), response, completed };
}

// -- order and termination -----------------------------------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder runs middleware in the order added, unwinding after next() (${kind})`, async () => {
    const order: string[] = [];
    await using app = await host(kind, (app) => {
      app.use(async (_ctx, next) => {
        order.push("a before");
        await next();
        order.push("a after");
      });
      app.use(async (_ctx, next) => {
        order.push("b before");
        await next();
        order.push("b after");
      });
      app.run((ctx) => {
        order.push("handler");
        return ctx.response.send("done");
      });
    });
    const response = await get(app, "/");
    assert.equal(response.text, "done");
    assert.deepEqual(order, [
      "a before",
      "b before",
      "handler",
      "b after",
      "a after",
    ]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.run ends the pipeline: components added after it never run (${kind})`, async () => {
    let later = false;
    await using app = await host(kind, (app) => {
      app.run((ctx) => ctx.response.send("terminal"));
      app.use(async (_ctx, next) => {
        later = true;
        await next();
      });
      app.run(() => {
        later = true;
      });
    });
    const response = await get(app, "/");
    assert.equal(response.text, "terminal");
    assert.equal(later, false);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder middleware that does not call next() short-circuits the rest (${kind})`, async () => {
    let reached = false;
    await using app = await host(kind, (app) => {
      app.use((ctx) => ctx.response.send("stopped here", { status: 403 }));
      app.run(() => {
        reached = true;
      });
    });
    const response = await get(app, "/");
    assert.equal(response.status, 403);
    assert.equal(response.text, "stopped here");
    assert.equal(reached, false);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder sends a Response returned by a run handler (${kind})`, async () => {
    await using app = await host(
      kind,
      (app) =>
        app.run(() =>
          new Response("from a Response", {
            status: 201,
            headers: { "x-made": "by-handler" },
          })
        ),
    );
    const response = await get(app, "/");
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-made"), "by-handler");
    assert.equal(response.text, "from a Response");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder sends a Response that an async run handler resolves to (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.run(async () => {
        await Promise.resolve();
        return new Response("later", { status: 202 });
      }));
    const response = await get(app, "/");
    assert.equal(response.status, 202);
    assert.equal(response.text, "later");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder answers 404 when nothing answers (${kind})`, async () => {
    await using empty = await host(kind, () => {});
    assert.equal((await get(empty, "/anything")).status, 404);
    let passed = false;
    await using passing = await host(
      kind,
      (app) =>
        app.use(async (_ctx, next) => {
          await next();
          passed = true;
        }),
    );
    assert.equal((await get(passing, "/")).status, 404);
    assert.equal(passed, true);
  });
}

Deno.test("ApplicationBuilder says at configuration time what is wrong with a middleware or handler that is not a function", () => {
  const app = new ApplicationBuilder();
  assert.throws(
    () => app.use({ handle() {} } as never),
    /app\.use\(\) takes middleware, a function \(ctx, next\) => …; got a plain object \(an app with a fetch method goes to app\.run\(\)/,
  );
  assert.throws(
    () => app.use(undefined as never),
    /app\.use\(\) takes middleware, a function \(ctx, next\) => …; got undefined$/,
  );
  assert.throws(
    () => app.run(undefined as never),
    /Expected a fetch handler: a function \(request\) => Response, or an object with a fetch method such as a Hono app; got undefined/,
  );
  assert.throws(
    () => app.run({ handle() {} } as never),
    /or an object with a fetch method such as a Hono app; got a plain object/,
  );
  app.run(() => new Response("fine"));
  app.build();
});

Deno.test("ApplicationBuilder.build uses the terminal it is given instead of 404", async () => {
  const pipeline = new ApplicationBuilder()
    .use(async (_ctx, next) => await next())
    .build((ctx) => ctx.response.send("terminal"));
  const { ctx, completed, response } = bareContext();
  await pipeline(ctx);
  assert.deepEqual(completed, ["terminal"]);
  assert.equal(response.status, 200);
});

// The server answers a pipeline that finished synchronously without a
// promise reaction (the dispatcher's fast path): pass-through middleware in
// front of a synchronous handler must keep it so. Each of them used to add
// a reaction, which cost the edge middleware 0.2 µs apiece.
Deno.test("ApplicationBuilder keeps a pipeline of pass-through middleware over a synchronous handler synchronous", () => {
  const pipeline = new ApplicationBuilder()
    .use((ctx, next) => {
      ctx.response.headers.set("x-first", "1");
      return next();
    })
    .use((_ctx, next) => next())
    .build((ctx) => {
      ctx.response.headers.set("x-last", "1");
    });
  const first = bareContext();
  const second = bareContext();
  const returned = [pipeline(first.ctx), pipeline(second.ctx)];
  // Both finished before returning: the one settled promise, handed back.
  assert.ok(returned[0] instanceof Promise);
  assert.equal(returned[0], returned[1]);
  assert.equal(first.response.headers.get("x-first"), "1");
  assert.equal(first.response.headers.get("x-last"), "1");
});

// -- next() twice ----------------------------------------------------------------

Deno.test("ApplicationBuilder rejects next() called twice with an error that names the mistake", async () => {
  const pipeline = new ApplicationBuilder()
    .use(async (_ctx, next) => {
      await next();
      await next();
    })
    .build();
  const { ctx } = bareContext();
  await assert.rejects(async () => await pipeline(ctx), (error: unknown) => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /next\(\)/);
    assert.match(error.message, /more than once/);
    return true;
  });
});

Deno.test("ApplicationBuilder does not run the rest twice when next() is called twice", async () => {
  let runs = 0;
  const pipeline = new ApplicationBuilder()
    .use(async (_ctx, next) => {
      await next();
      await next().catch(() => {});
    })
    .build(() => {
      runs++;
    });
  await pipeline(bareContext().ctx);
  assert.equal(runs, 1);
});

// A second next() nobody awaits (called and dropped, or from a timer after
// an awaited first one) ended the process with an unhandled rejection.
for (const kind of SERVER_KINDS) {
  Deno.test(`a second next() nobody awaits is refused and warned about, naming the middleware, and the server goes on (${kind})`, async () => {
    const secondCalls = Promise.withResolvers<void>();
    let logs: CollectingOutput | undefined;
    const app = await startHost(kind, (app) => {
      app.use(function twice(_ctx, next) {
        next();
        next();
      });
      app.use(async function later(_ctx, next) {
        await next();
        setTimeout(() => {
          next();
          secondCalls.resolve();
        }, 0);
      });
      app.run((ctx) => ctx.response.send("ok"));
    }, { setup: (builder) => void (logs = collectLogs(builder)) });
    try {
      assert.equal(await (await app.fetch("/")).text(), "ok");
      await secondCalls.promise;
      // The server still answers.
      assert.equal(await (await app.fetch("/")).text(), "ok");
    } finally {
      await app[Symbol.asyncDispose]();
    }
    const warnings = logs!.messages("Roost.Hosting.Pipeline", "warning");
    for (const name of ["twice", "later"]) {
      assert.ok(
        warnings.some((warning) =>
          warning.startsWith(
            `Middleware "${name}" called next() more than once`,
          )
        ),
        warnings.join("\n"),
      );
    }
  });
}

// Hono's middleware may answer by returning a Response; Roost's did answer
// an empty 200 when an async one did (or a sync one under an async one).
for (const kind of SERVER_KINDS) {
  Deno.test(`a Response a middleware returns is sent, sync or async, and anything else is a 500 naming it (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (_ctx, next) => {
        await next();
      });
      app.use(
        ((ctx, next) => {
          if (ctx.request.path === "/sync") {
            return new Response("no", { status: 401 });
          }
          return next();
        }) as Middleware,
      );
      app.use(
        (async (ctx, next) => {
          if (ctx.request.path === "/async") {
            return new Response("denied", { status: 403 });
          }
          if (ctx.request.path === "/text") return "nope";
          await next();
        }) as Middleware,
      );
      app.run((ctx) => ctx.response.send("handler"));
    }, { detailedErrors: "true" });
    assert.deepEqual(
      [await get(app, "/sync"), await get(app, "/async")].map((r) => [
        r.status,
        r.text,
      ]),
      [[401, "no"], [403, "denied"]],
    );
    const text = await get(app, "/text");
    assert.equal(text.status, 500);
    assert.match(
      text.text,
      /The middleware returned a string \("nope"\) instead of a Response/,
    );
    assert.equal((await get(app, "/")).text, "handler");
  });
}

// Returned after await next(), when the handler below had answered: it
// turned the handler's good answer into a 500 ("the response is already
// complete"). Left out and said, as Hono leaves it out.
for (const kind of SERVER_KINDS) {
  Deno.test(`a Response a middleware returns after the response is complete is left out with a Warning (${kind})`, async () => {
    let logs: CollectingOutput | undefined;
    await using app = await startHost(kind, (app) => {
      app.use(async function late(_ctx, next) {
        await next();
        return new Response("too late");
      });
      app.run((ctx) => ctx.response.send("handler"));
    }, { setup: (builder) => void (logs = collectLogs(builder)) });
    const response = await get(app, "/");
    assert.deepEqual([response.status, response.text], [200, "handler"]);
    assert.match(
      logs!.messages("Roost.Hosting.Pipeline", "warning").join("\n"),
      /Middleware "late" returned a Response after the response was already complete/,
    );
  });
}

// next() returns a promise whatever the pipeline below does: a handler that
// throws synchronously is a rejection, which .catch() and .finally() see.
Deno.test("next() turns a synchronous throw below into a rejection that .catch() handles and .finally() sees", async () => {
  const seen: string[] = [];
  const caught = new ApplicationBuilder()
    .use((ctx, next) =>
      next().catch((error) => {
        seen.push(`caught ${(error as Error).message}`);
        return ctx.response.send("handled");
      })
    )
    .build(() => {
      throw new Error("boom");
    });
  const first = bareContext();
  await caught(first.ctx);
  assert.deepEqual(first.completed, ["handled"]);
  const cleaned = new ApplicationBuilder()
    .use((_ctx, next) => next().finally(() => void seen.push("cleanup")))
    .build(() => {
      throw new Error("boom");
    });
  await assert.rejects(async () => await cleaned(bareContext().ctx), /boom/);
  assert.deepEqual(seen, ["caught boom", "cleanup"]);
});

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder answers 500 naming the mistake when next() is called twice, with detailed errors (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (_ctx, next) => {
        await next();
        await next();
      });
      app.use(() => {});
    }, { detailedErrors: "true" });
    const response = await get(app, "/");
    assert.equal(response.status, 500);
    assert.match(response.text, /next\(\) was called more than once/);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder refuses a next() called after the middleware finished, and warns once naming it (${kind})`, async () => {
    let logs: CollectingOutput | undefined;
    const refusals: string[] = [];
    const called = Promise.withResolvers<void>();
    let handled = 0;
    await using running = await startHost(kind, (app) => {
      app.use(function later(_ctx, next) {
        // From a timer, after the middleware returned: the request is over.
        setTimeout(() =>
          next().catch((error) => {
            refusals.push(error.message);
            called.resolve();
          }), 1);
      });
      app.run((ctx) => {
        handled++;
        return ctx.response.send("too late");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    // It did not call next() in time: an empty 200, as in ASP.NET.
    const response = await running.fetch("/");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "");
    await within(called.promise, "the late next()");
    assert.equal(handled, 0);
    assert.match(
      refusals[0],
      /^next\(\) was called after the middleware had finished, so the rest of the pipeline did not run/,
    );
    assert.deepEqual(
      logs!.messages("Roost.Hosting.Pipeline", "warning").map((m) =>
        m.slice(0, 60)
      ),
      ['Middleware "later" called next() after it had finished (from'],
    );
  });
}

// -- map ---------------------------------------------------------------------------

function echoPaths(ctx: HttpContext): Promise<void> {
  return ctx.response.send(`${ctx.request.pathBase}|${ctx.request.path}`);
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map moves the matched segment from path to pathBase (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.map("/api", (api) => api.run(echoPaths));
      app.run((ctx) => ctx.response.send(`main ${ctx.request.path}`));
    });
    assert.equal((await get(app, "/api/users/7")).text, "/api|/users/7");
    assert.equal((await get(app, "/other")).text, "main /other");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map matches the prefix case-insensitively and keeps the client's casing (${kind})`, async () => {
    await using app = await host(
      kind,
      (app) => app.map("/api", (api) => api.run(echoPaths)),
    );
    assert.equal((await get(app, "/API/Users")).text, "/API|/Users");
    assert.equal((await get(app, "/Api")).status, 200);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map matches whole segments only: /apix is not /api (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.map("/api", (api) => api.run(() => new Response("api")));
      app.run((ctx) => ctx.response.send(`main ${ctx.request.path}`));
    });
    assert.equal((await get(app, "/apix")).text, "main /apix");
    assert.equal((await get(app, "/ap")).text, "main /ap");
    assert.equal((await get(app, "/api")).text, "api");
    assert.equal((await get(app, "/api/")).text, "api");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map accepts a prefix with a trailing slash and several segments (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.map("/v1/", (v1) => v1.run(echoPaths));
      app.map("/a/b", (ab) => ab.run(echoPaths));
    });
    assert.equal((await get(app, "/v1/x")).text, "/v1|/x");
    assert.equal((await get(app, "/a/b/c")).text, "/a/b|/c");
    assert.equal((await get(app, "/a/bc")).status, 404);
  });
}

Deno.test("ApplicationBuilder.map rejects a path that does not name a segment", () => {
  const app = new ApplicationBuilder();
  for (const path of ["api", "/", ""]) {
    assert.throws(() => app.map(path, () => {}), (error: unknown) => {
      assert.ok(error instanceof TypeError, path);
      assert.ok(error.message.includes(`"${path}"`), error.message);
      return true;
    });
  }
});

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder nested maps compose pathBase (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.map("/a", (a) => {
        a.map("/b", (b) => b.run(echoPaths));
        a.run(echoPaths);
      }));
    assert.equal((await get(app, "/a/b/c")).text, "/a/b|/c");
    assert.equal((await get(app, "/a/x")).text, "/a|/x");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map does not rejoin the main pipeline when its branch does not answer (${kind})`, async () => {
    let main = false;
    await using app = await host(kind, (app) => {
      app.map("/api", (api) => api.use(async (_ctx, next) => await next()));
      app.run(() => {
        main = true;
      });
    });
    assert.equal((await get(app, "/api/x")).status, 404);
    assert.equal(main, false);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map restores pathBase and path after the branch (${kind})`, async () => {
    const seen: string[] = [];
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        seen.push(`${ctx.request.pathBase}|${ctx.request.path}`);
      });
      app.map("/outer", (outer) =>
        outer.use(async (ctx, next) => {
          await next();
          seen.push(`${ctx.request.pathBase}|${ctx.request.path}`);
        }).map("/inner", (inner) => inner.run(echoPaths)));
    });
    assert.equal(
      (await get(app, "/outer/inner/leaf")).text,
      "/outer/inner|/leaf",
    );
    assert.deepEqual(seen, ["/outer|/inner/leaf", "|/outer/inner/leaf"]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.map restores pathBase and path when the branch throws (${kind})`, async () => {
    const seen: string[] = [];
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch {
          seen.push(`${ctx.request.pathBase}|${ctx.request.path}`);
          await ctx.response.send("recovered", { status: 502 });
        }
      });
      app.map("/boom", (boom) =>
        boom.run(() => {
          throw new Error("branch failed");
        }));
      app.map("/later", (later) =>
        later.run(async () => {
          await Promise.resolve();
          throw new Error("async branch failed");
        }));
    });
    const sync = await get(app, "/boom/x");
    assert.equal(sync.status, 502);
    const later = await get(app, "/later/y");
    assert.equal(later.status, 502);
    assert.deepEqual(seen, ["|/boom/x", "|/later/y"]);
  });
}

// -- mapWhen / useWhen --------------------------------------------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.mapWhen branches when the predicate holds and does not rejoin (${kind})`, async () => {
    let main = 0;
    await using app = await host(kind, (app) => {
      app.mapWhen(
        (ctx) => ctx.request.query.has("beta"),
        (beta) => {
          beta.use(async (ctx, next) => {
            ctx.response.headers.set("x-branch", "beta");
            await next();
          });
        },
      );
      app.run((ctx) => {
        main++;
        return ctx.response.send("main");
      });
    });
    const branched = await get(app, "/?beta");
    assert.equal(branched.status, 404);
    assert.equal(branched.headers.get("x-branch"), "beta");
    const normal = await get(app, "/");
    assert.equal(normal.text, "main");
    assert.equal(normal.headers.get("x-branch"), null);
    assert.equal(main, 1);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.mapWhen sends what its branch answers (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.mapWhen(
        (ctx) => ctx.request.method === "POST",
        (post) => post.run(() => new Response("posted")),
      );
      app.run(() => new Response("main"));
    });
    assert.equal((await get(app, "/", { method: "POST" })).text, "posted");
    assert.equal((await get(app, "/")).text, "main");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.useWhen runs its branch and rejoins the main pipeline (${kind})`, async () => {
    const order: string[] = [];
    await using app = await host(kind, (app) => {
      app.useWhen(
        (ctx) => ctx.request.headers.has("x-trace"),
        (branch) =>
          branch.use(async (ctx, next) => {
            order.push("branch before");
            ctx.items.set("traced", true);
            await next();
            order.push("branch after");
          }),
      );
      app.run((ctx) => {
        order.push("main");
        return ctx.response.send(`traced=${ctx.items.get("traced") === true}`);
      });
    });
    const traced = await get(app, "/", { headers: { "x-trace": "1" } });
    assert.equal(traced.text, "traced=true");
    assert.deepEqual(order, ["branch before", "main", "branch after"]);
    order.length = 0;
    const plain = await get(app, "/");
    assert.equal(plain.text, "traced=false");
    assert.deepEqual(order, ["main"]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.useWhen lets its branch answer without rejoining (${kind})`, async () => {
    let main = false;
    await using app = await host(kind, (app) => {
      app.useWhen(
        (ctx) => ctx.request.path === "/blocked",
        (branch) => branch.run(() => new Response("blocked", { status: 451 })),
      );
      app.run(() => {
        main = true;
        return new Response("main");
      });
    });
    const blocked = await get(app, "/blocked");
    assert.equal(blocked.status, 451);
    assert.equal(main, false);
  });
}

Deno.test("ApplicationBuilder shares properties and server features with its branches", () => {
  const serverFeatures = new FeatureCollection();
  const app = new ApplicationBuilder(serverFeatures);
  app.properties.set("shared", 1);
  let seenProperty: unknown;
  let seenFeatures: FeatureCollection | undefined;
  app.map("/x", (branch) => {
    seenProperty = branch.properties.get("shared");
    seenFeatures = branch.serverFeatures;
  });
  assert.equal(seenProperty, 1);
  assert.equal(seenFeatures, serverFeatures);
});

// -- fetch handlers ------------------------------------------------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.runFetch mounts a fetch handler at the root (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.runFetch((request) => {
        const url = new URL(request.url);
        return new Response(`${request.method} ${url.pathname}${url.search}`);
      }));
    const response = await get(app, "/hello?x=1");
    assert.equal(response.status, 200);
    assert.equal(response.text, "GET /hello?x=1");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.runFetch under map() sees the URL without the mapped prefix (${kind})`, async () => {
    await using app = await host(
      kind,
      (app) =>
        app.map("/api", (api) =>
          api.runFetch((request) => {
            const url = new URL(request.url);
            return new Response(`${url.pathname}${url.search}`);
          })),
    );
    assert.equal((await get(app, "/api/users?page=2")).text, "/users?page=2");
    assert.equal((await get(app, "/api")).text, "/");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.runFetch passes the body, method, headers and client address (${kind})`, async () => {
    await using app = await host(
      kind,
      (app) =>
        app.map("/echo", (echo) =>
          echo.runFetch(async (request, info) => {
            const address = info.remoteAddr as Deno.NetAddr;
            return new Response(
              `${request.method} ${
                request.headers.get("x-test")
              } ${await request
                .text()} ${address.hostname}`,
              { status: 201 },
            );
          })),
    );
    const response = await get(app, "/echo/x", {
      method: "POST",
      body: "payload",
      headers: { "x-test": "yes" },
    });
    assert.equal(response.status, 201);
    assert.equal(response.text, "POST yes payload 127.0.0.1");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder.run mounts an object with a fetch method (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.map("/svc", (svc) =>
        svc.run({
          fetch: (request) =>
            new Response(`svc ${new URL(request.url).pathname}`),
        }));
      app.run({ fetch: () => new Response("root") });
    });
    assert.equal((await get(app, "/svc/a")).text, "svc /a");
    assert.equal((await get(app, "/b")).text, "root");
  });
}

Deno.test("ApplicationBuilder.runFetch rejects something that is not a fetch handler", () => {
  assert.throws(
    () =>
      new ApplicationBuilder().runFetch(
        {} as unknown as Parameters<ApplicationBuilder["runFetch"]>[0],
      ),
    TypeError,
  );
});

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder mounts a Hono app under map() (${kind})`, async () => {
    const hono = new Hono();
    hono.get("/hello", (c) => c.text(`hi from ${c.req.path}`));
    hono.get("/users/:id", (c) => c.json({ id: c.req.param("id") }));
    hono.post("/echo", async (c) => c.text(await c.req.text(), 201));
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-outer", "roost");
      });
      app.map("/hono", (branch) => branch.run(hono));
      app.run(() => new Response("roost"));
    });
    const hello = await get(app, "/hono/hello");
    assert.equal(hello.text, "hi from /hello");
    assert.equal(hello.headers.get("x-outer"), "roost");
    const user = await app.fetch("/hono/users/42");
    assert.deepEqual(await user.json(), { id: "42" });
    const echo = await get(app, "/hono/echo", { method: "POST", body: "ping" });
    assert.equal(echo.status, 201);
    assert.equal(echo.text, "ping");
    assert.equal((await get(app, "/hono/missing")).status, 404);
    assert.equal((await get(app, "/hello")).text, "roost");
  });
}

// -- errors ---------------------------------------------------------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder turns a handler's exception into a 500 and keeps serving (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.run((ctx) => {
        if (ctx.request.path === "/fail") throw new Error("secret detail");
        return ctx.response.send("fine");
      }));
    const failed = await get(app, "/fail");
    assert.equal(failed.status, 500);
    assert.doesNotMatch(failed.text, /secret detail/);
    const next = await get(app, "/ok");
    assert.equal(next.status, 200);
    assert.equal(next.text, "fine");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder turns an async handler's rejection into a 500 (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.run(async (ctx) => {
        await ctx.response.write("partial");
        throw new Error("late failure");
      }));
    const failed = await get(app, "/");
    assert.equal(failed.status, 500);
    assert.doesNotMatch(failed.text, /partial/);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder answers an HttpError with its status and message (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.run(() => {
        throw new HttpError(418, "The teapot is busy.");
      }));
    const response = await get(app, "/");
    assert.equal(response.status, 418);
    assert.equal(response.text, "The teapot is busy.");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder drops headers set before an error from the error response (${kind})`, async () => {
    await using app = await host(kind, (app) =>
      app.run((ctx) => {
        ctx.response.headers.set("x-secret", "1");
        throw new HttpError(409, "Conflict here");
      }));
    const response = await get(app, "/");
    assert.equal(response.status, 409);
    assert.equal(response.headers.get("x-secret"), null);
    assert.equal(response.text, "Conflict here");
  });
}

// -- the response is handed over when the pipeline finishes ----------------------------

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder keeps headers that middleware sets after next() on a sent body (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "yes");
        ctx.response.status = 203;
      });
      app.run((ctx) => ctx.response.send("body"));
    });
    const response = await get(app, "/");
    assert.equal(response.status, 203);
    assert.equal(response.headers.get("x-after"), "yes");
    assert.equal(response.text, "body");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder keeps headers that middleware sets after next() on written chunks (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "yes");
      });
      app.run(async (ctx) => {
        await ctx.response.write("a");
        await ctx.response.write("b");
      });
    });
    const response = await get(app, "/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-after"), "yes");
    assert.equal(response.text, "ab");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder keeps headers that middleware sets after next() on a returned Response (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "yes");
      });
      app.map(
        "/plain",
        (plain) =>
          plain.run(() =>
            new Response("plain", { headers: { "x-handler": "1" } })
          ),
      );
      app.map(
        "/redirect",
        (redirect) =>
          redirect.run(() => Response.redirect("http://localhost/target", 307)),
      );
      app.map("/json", (json) => json.run((ctx) => ctx.response.json([1])));
    });
    const plain = await get(app, "/plain");
    assert.equal(plain.headers.get("x-after"), "yes");
    assert.equal(plain.headers.get("x-handler"), "1");
    assert.equal(plain.text, "plain");
    const redirect = await get(app, "/redirect");
    assert.equal(redirect.status, 307);
    assert.equal(redirect.headers.get("location"), "http://localhost/target");
    assert.equal(redirect.headers.get("x-after"), "yes");
    const json = await get(app, "/json");
    assert.equal(json.headers.get("x-after"), "yes");
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.equal(json.text, "[1]");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder keeps every cookie that middleware sets before a handler returns a Response (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.append("set-cookie", "a=1");
        ctx.response.headers.append("set-cookie", "b=2");
        return next();
      });
      app.map(
        "/own",
        (own) =>
          own.run(() =>
            new Response("own", { headers: { "set-cookie": "c=3" } })
          ),
      );
      // A Response built from ctx.response.headers: each cookie once.
      app.map(
        "/copied",
        (copied) =>
          copied.run((ctx) =>
            new Response("copied", { headers: ctx.response.headers })
          ),
      );
      app.run(() => new Response("plain"));
    });
    const plain = await get(app, "/");
    assert.deepEqual(plain.headers.getSetCookie(), ["a=1", "b=2"]);
    assert.equal(plain.text, "plain");
    // Cookies add up: the Response's own header names win, but a cookie is
    // one more, never in place of the middleware's (a session cookie must
    // not vanish because the handler set one of its own).
    const own = await get(app, "/own");
    assert.deepEqual(own.headers.getSetCookie().toSorted(), [
      "a=1",
      "b=2",
      "c=3",
    ]);
    const copied = await get(app, "/copied");
    assert.deepEqual(copied.headers.getSetCookie(), ["a=1", "b=2"]);
  });
}

for (const kind of SERVER_KINDS) {
  // A browser applies cookies in order: the handler's Response must come
  // last, as raw Deno.serve would send only its own.
  Deno.test(`ApplicationBuilder sends a handler's own cookie after the middleware's, so a logout wins (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.append("set-cookie", "sid=abc; Path=/");
        return next();
      });
      app.map(
        "/logout",
        (logout) =>
          logout.run(() =>
            new Response(null, {
              status: 302,
              headers: {
                location: "/",
                "set-cookie": "sid=; Path=/; Max-Age=0",
              },
            })
          ),
      );
      app.map(
        "/rotate",
        (rotate) =>
          rotate.run((ctx) =>
            ctx.response.send("rotated", {
              headers: [
                ["set-cookie", "sid=new; Path=/"],
                ["set-cookie", "sid=abc; Path=/"],
              ],
            })
          ),
      );
    });
    const logout = await get(app, "/logout");
    assert.equal(logout.status, 302);
    assert.deepEqual(logout.headers.getSetCookie(), [
      "sid=abc; Path=/",
      "sid=; Path=/; Max-Age=0",
    ]);
    // The very same cookie from an init is sent once, where the init puts
    // it: last, so it is the one a browser keeps.
    const rotate = await get(app, "/rotate");
    assert.deepEqual(rotate.headers.getSetCookie(), [
      "sid=new; Path=/",
      "sid=abc; Path=/",
    ]);
  });

  // Raw Deno.serve serves a bodiless Response again and again; headers
  // merged into it must not carry one request's cookie to the next.
  Deno.test(`ApplicationBuilder leaves a reused bodiless Response as it was (${kind})`, async () => {
    const cached = new Response(null, {
      status: 204,
      headers: { "cache-control": "no-store" },
    });
    let n = 0;
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        n++;
        ctx.response.headers.append("set-cookie", `session=user${n}`);
        ctx.response.headers.set("x-user", `user${n}`);
        return next();
      });
      app.run(() => cached);
    });
    for (const user of ["user1", "user2", "user3"]) {
      const response = await get(app, "/");
      assert.equal(response.status, 204);
      assert.deepEqual(response.headers.getSetCookie(), [`session=${user}`]);
      assert.equal(response.headers.get("x-user"), user);
      assert.equal(response.headers.get("cache-control"), "no-store");
    }
    assert.deepEqual([...cached.headers], [["cache-control", "no-store"]]);
  });

  // Asking a Response for its body turns Deno's static body into a stream,
  // which Deno serves far more slowly (0.64× measured): merging the
  // middleware's headers must not ask.
  Deno.test(`ApplicationBuilder merges headers into a returned Response without asking for its body (${kind})`, async () => {
    let asked = 0;
    class Watched extends Response {
      override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
        asked++;
        return super.body;
      }
    }
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.set("vary", "Origin");
        return next();
      });
      app.run(() => new Watched("Hello"));
    });
    const response = await app.fetch("/");
    assert.equal(response.headers.get("vary"), "Origin");
    assert.equal(await response.text(), "Hello");
    if (kind === "DenoServer") assert.equal(asked, 0);
  });

  // A Response with a body goes out once: raw Deno.serve answers 500 when a
  // handler returns it again, and so does Roost, with nothing of the first
  // request's headers on the second answer.
  Deno.test(`ApplicationBuilder answers 500 to a Response with a body returned twice, carrying nothing over (${kind})`, async () => {
    const cached = new Response("hi");
    let n = 0;
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        n++;
        ctx.response.headers.set("x-req", String(n));
        ctx.response.headers.append("set-cookie", `s=${n}`);
        return next();
      });
      app.run(() => cached);
    });
    const first = await app.fetch("/");
    assert.equal(await first.text(), "hi");
    assert.equal(first.headers.get("x-req"), "1");
    const second = await app.fetch("/");
    await second.body?.cancel();
    assert.equal(second.status, 500);
    assert.equal(second.headers.get("x-req"), null);
    assert.deepEqual(second.headers.getSetCookie(), []);
  });

  // A kept Response with a body that does not go out (a middleware answered
  // 304 in its place, or failed after reading the headers) is no longer
  // the app's to reuse once merged into: nothing of one request (a
  // session cookie, a CORS origin) may reach the next. Raw Deno.serve never
  // changes an app's Response.
  Deno.test(`ApplicationBuilder never carries a request's headers into a kept Response that did not go out (${kind})`, async () => {
    const page = new Response("<h1>home</h1>", {
      headers: { "content-type": "text/html", etag: '"v1"' },
    });
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        ctx.response.headers.append(
          "set-cookie",
          `session=${ctx.request.header("x-user")}`,
        );
        await next();
      });
      app.use(async (ctx, next) => {
        await next();
        // A conditional GET: reads the headers after next(), answers 304.
        const etag = ctx.response.headers.get("etag");
        if (etag !== null && ctx.request.header("if-none-match") === etag) {
          ctx.response.status = 304;
        }
        if (ctx.request.header("x-fail") !== null) throw new Error("late");
      });
      app.run(() => page);
    });
    const alice = await get(app, "/", {
      headers: { "x-user": "alice", "if-none-match": '"v1"' },
    });
    assert.equal(alice.status, 304);
    assert.deepEqual(alice.headers.getSetCookie(), ["session=alice"]);
    const carol = await get(app, "/", {
      headers: { "x-user": "carol", "x-fail": "1" },
    });
    assert.equal(carol.status, 500);
    const bob = await get(app, "/", { headers: { "x-user": "bob" } });
    assert.equal(bob.status, 200);
    assert.equal(bob.text, "<h1>home</h1>");
    assert.deepEqual(bob.headers.getSetCookie(), ["session=bob"]);
    assert.equal(bob.headers.get("etag"), '"v1"');
    assert.deepEqual([...page.headers], [
      ["content-type", "text/html"],
      ["etag", '"v1"'],
    ]);
    // Sent once, it is used, as in raw Deno.serve.
    const again = await app.fetch("/", { headers: { "x-user": "dave" } });
    await again.body?.cancel();
    assert.equal(again.status, 500);
    assert.deepEqual(again.headers.getSetCookie(), []);
  });

  // `return new Response(text)` behind a middleware's headers, the
  // commonest case, is answered as its text with ours: the middleware's
  // content type does not replace the Response's own, and the app's object
  // is used, as sending it would use it, but not changed.
  Deno.test(`ApplicationBuilder answers a returned text Response with a middleware's headers, the Response's own type winning (${kind})`, async () => {
    const returned: Response[] = [];
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.append("set-cookie", "a=1");
        ctx.response.headers.set("x-mw", "1");
        if (ctx.request.path === "/typed") {
          ctx.response.headers.set("content-type", "text/html");
        }
        return next();
      });
      app.run(() => {
        const response = new Response("hi");
        returned.push(response);
        return response;
      });
    });
    for (const path of ["/", "/typed"]) {
      const answer = await get(app, path);
      assert.equal(answer.status, 200);
      assert.equal(answer.text, "hi");
      assert.deepEqual(answer.headers.getSetCookie(), ["a=1"]);
      assert.equal(answer.headers.get("x-mw"), "1");
      assert.equal(
        answer.headers.get("content-type"),
        "text/plain;charset=UTF-8",
      );
    }
    for (const response of returned) {
      assert.equal(response.bodyUsed, true);
      assert.deepEqual([...response.headers], [[
        "content-type",
        "text/plain;charset=UTF-8",
      ]]);
    }
  });

  // A body goes out once even when something asked the Response for its
  // body first (status code pages look whether there is one): Deno makes a
  // Response from such a stream with the body it holds, leaving the stream
  // unread, so the app's Response looked unused and went out again.
  Deno.test(`ApplicationBuilder answers 500 to a kept Response whose body was looked at, the second time (${kind})`, async () => {
    const kept = new Response("page body", {
      headers: { "content-type": "text/html" },
    });
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.set("x-mw", "1");
        return next();
      });
      app.use((_ctx, next) => next());
      app.run(() => {
        void kept.body;
        return kept;
      });
    });
    const first = await get(app, "/");
    assert.equal(first.status, 200);
    assert.equal(first.text, "page body");
    assert.equal(first.headers.get("x-mw"), "1");
    const second = await get(app, "/");
    assert.equal(second.status, 500);
  });

  // The app's reason phrase and its status stay together when the pipeline
  // set a header (TestServer hands the Response over as built).
  Deno.test(`ApplicationBuilder keeps a returned Response's status text behind a middleware's header (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.set("x-mw", "1");
        return next();
      });
      app.run(() =>
        new Response("made", { status: 201, statusText: "Made It" })
      );
    });
    const response = await app.fetch("/");
    assert.equal(response.status, 201);
    assert.equal(await response.text(), "made");
    if (kind === "TestServer") assert.equal(response.statusText, "Made It");
  });

  // A middleware that keeps ctx.response.headers from before next() still
  // writes to the headers that go out, even once an inner one read them
  // after the handler returned its Response (which merges the Response's).
  Deno.test(`ApplicationBuilder sends what a middleware writes through headers it kept from before next() (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        const headers = ctx.response.headers;
        headers.set("x-early", "1");
        await next();
        headers.set("x-late", "1");
        headers.append("set-cookie", "late=1");
      });
      app.use(async (ctx, next) => {
        await next();
        assert.equal(ctx.response.headers.get("etag"), '"e"');
      });
      app.run(() => new Response("body", { headers: { etag: '"e"' } }));
    });
    const response = await get(app, "/");
    assert.equal(response.text, "body");
    assert.equal(response.headers.get("x-early"), "1");
    assert.equal(response.headers.get("x-late"), "1");
    assert.equal(response.headers.get("etag"), '"e"');
    assert.deepEqual(response.headers.getSetCookie(), ["late=1"]);
  });

  // send(response, init) of a used Response says what went wrong, as a
  // returned one does, and Response.error() is no answer (raw Deno.serve
  // answers 500 to both).
  Deno.test(`ApplicationBuilder answers 500, saying why, to send() of a used Response and to Response.error() (${kind})`, async () => {
    let logs: CollectingOutput | undefined;
    await using app = await startHost(kind, (app) => {
      app.map("/used", (b) =>
        b.run(async (ctx) => {
          const used = new Response("hi");
          await used.text();
          await ctx.response.send(used, { status: 201 });
        }));
      app.run(() => Response.error());
    }, {
      setup(builder) {
        builder.useSetting("detailedErrors", "false");
        logs = collectLogs(builder);
      },
    });
    const used = await get(app, "/used");
    assert.equal(used.status, 500);
    const error = await get(app, "/");
    assert.equal(error.status, 500);
    const text = logs!.records.map((record) =>
      `${record.message} ${
        record.error instanceof Error ? record.error.message : ""
      }`
    ).join("\n");
    assert.match(
      text,
      /send\(\) was given a Response whose body was already read/,
    );
  });

  // A returned Response that does not go out lets go of its stream, so
  // that what feeds it (an upstream's body) stops now.
  Deno.test(`ApplicationBuilder cancels the stream of a returned Response that does not go out (${kind})`, async () => {
    const cancelled: string[] = [];
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        if (ctx.request.path === "/304") ctx.response.status = 304;
        if (ctx.request.path === "/fail") throw new Error("late");
      });
      app.run((ctx) =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode("chunk"));
            },
            cancel() {
              cancelled.push(ctx.request.path);
            },
          }),
        )
      );
    });
    assert.equal((await get(app, "/304")).status, 304);
    assert.equal((await get(app, "/fail")).status, 500);
    assert.deepEqual(cancelled, ["/304", "/fail"]);
  });

  // Headers kept from before next() are ctx.response.headers throughout:
  // read-only once the response started (Kestrel: "Headers are read-only,
  // response has already started"), not a copy whose changes are lost.
  Deno.test(`ApplicationBuilder refuses writes through kept headers once the response started (${kind})`, async () => {
    const refused: string[] = [];
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        const headers = ctx.response.headers;
        await next();
        for (
          const write of [
            () => headers.set("x-late", "1"),
            () => headers.append("set-cookie", "late=1"),
            () => headers.delete("x-early"),
          ]
        ) {
          try {
            write();
          } catch (error) {
            refused.push((error as Error).message);
          }
        }
      });
      app.run(async (ctx) => {
        ctx.response.headers.set("x-early", "1");
        await ctx.response.start();
        await ctx.response.write("sent");
      });
    });
    const response = await get(app, "/");
    assert.equal(response.text, "sent");
    assert.equal(response.headers.get("x-early"), "1");
    assert.equal(response.headers.get("x-late"), null);
    assert.equal(refused.length, 3);
    for (const message of refused) {
      assert.match(message, /the response has already started/);
    }
  });

  // An error page clears the headers in place, as ASP.NET's Clear() does:
  // what a middleware writes afterwards through headers it kept goes out
  // with the page.
  Deno.test(`ApplicationBuilder sends what a middleware writes through kept headers after an error page (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        const headers = ctx.response.headers;
        headers.set("x-before", "1");
        await next();
        headers.set("x-after", "1");
      });
      app.useExceptionHandler({
        handler: (ctx) => ctx.response.send("error page", { status: 500 }),
      });
      app.run(() => {
        throw new Error("boom");
      });
    });
    const response = await get(app, "/");
    assert.equal(response.status, 500);
    assert.equal(response.text, "error page");
    assert.equal(response.headers.get("x-after"), "1");
    // Cleared for the page, as ASP.NET clears the response.
    assert.equal(response.headers.get("x-before"), null);
  });

  // The same with no middleware: the pipeline finishes synchronously, and
  // the Response is refused as it is handed over. That must still be a 500
  // the request log sees end, not an error thrown at the server (which left
  // the request counted as running until the shutdown deadline).
  Deno.test(`ApplicationBuilder answers 500 to a used Response from a synchronous pipeline, and the request ends (${kind})`, async () => {
    const cached = new Response("hi");
    let logs: CollectingOutput | undefined;
    const app = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.headers.set("x-req", "1");
        return cached;
      });
    }, {
      setup(builder) {
        builder.useSetting("detailedErrors", "false");
        logs = collectLogs(builder);
      },
    });
    try {
      assert.equal(await (await app.fetch("/")).text(), "hi");
      const second = await app.fetch("/");
      await second.body?.cancel();
      assert.equal(second.status, 500);
    } finally {
      await app[Symbol.asyncDispose]();
    }
    const messages = logs!.records.map((record) =>
      `${record.message} ${String(record.error ?? "")}`
    ).join("\n");
    assert.match(messages, /already read or sent/);
    assert.doesNotMatch(messages, /still running/);
  });

  // An answer to HEAD leaves the body behind; the app's Response must still
  // come out as it went in, or a Response the app keeps would gather each
  // request's headers (a second use fails as with raw Deno.serve, whose
  // consumed body cannot go out again).
  Deno.test(`ApplicationBuilder answers HEAD without changing the app's Response (${kind})`, async () => {
    const cached = new Response("hello", { headers: { "x-cached": "1" } });
    await using app = await host(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.append("set-cookie", "session=user1");
        ctx.response.headers.set("x-user", "user1");
        return next();
      });
      app.run(() => cached);
    });
    const response = await app.fetch("/", { method: "HEAD" });
    await response.body?.cancel();
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), ["session=user1"]);
    assert.equal(response.headers.get("x-user"), "user1");
    assert.equal(response.headers.get("content-length"), "5");
    assert.deepEqual([...cached.headers], [
      ["content-type", "text/plain;charset=UTF-8"],
      ["x-cached", "1"],
    ]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`ApplicationBuilder keeps headers that middleware sets after next() on a fetch handler's answer (${kind})`, async () => {
    await using app = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "yes");
      });
      app.runFetch(() =>
        new Response("from fetch", { headers: { "x-upstream": "1" } })
      );
    });
    const response = await get(app, "/");
    assert.equal(response.headers.get("x-after"), "yes");
    assert.equal(response.headers.get("x-upstream"), "1");
    assert.equal(response.text, "from fetch");
  });
}
