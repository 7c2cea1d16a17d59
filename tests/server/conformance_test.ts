// The server contract, run against TestServer and a real DenoServer on port 0.

import assert from "node:assert/strict";
import {
  HttpMaxRequestBodySizeFeature,
  HttpResponseBodyFeature,
} from "../../mod.ts";
import {
  chunkedBody,
  type CollectingOutput,
  collectLogs,
  deferred,
  SERVER_KINDS,
  startHost,
} from "../_helpers.ts";

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} answers a buffered response in one piece with a content-length`, async () => {
    await using running = await startHost(
      kind,
      (app) => app.run((ctx) => ctx.response.send("Hello, World!")),
    );
    const response = await running.fetch("/");
    assert.equal(response.status, 200);
    // The length is added on the wire; an in-memory Response has none.
    if (kind === "DenoServer") {
      assert.equal(response.headers.get("content-length"), "13");
    }
    assert.equal(await response.text(), "Hello, World!");
  });

  Deno.test(`${kind} reports the request line, query and protocol`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run((ctx) =>
          ctx.response.json({
            method: ctx.request.method,
            path: ctx.request.path,
            query: ctx.request.query.get("q"),
            protocol: ctx.request.protocol,
            scheme: ctx.request.scheme,
          })
        ),
    );
    const response = await running.fetch("/a/b?q=1", { method: "PUT" });
    assert.deepEqual(await response.json(), {
      method: "PUT",
      path: "/a/b",
      query: "1",
      protocol: "HTTP/1.1",
      scheme: "http",
    });
  });

  Deno.test(`${kind} echoes a 64 KiB body`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => ctx.response.send(await ctx.request.bytes())),
    );
    const body = new Uint8Array(65_536).map((_, i) => i % 251);
    const response = await running.fetch("/", { method: "POST", body });
    assert.deepEqual(new Uint8Array(await response.arrayBuffer()), body);
  });

  Deno.test(`${kind} streams a response started early, with backpressure`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.start();
          for (let i = 0; i < 50; i++) {
            await ctx.response.write(new Uint8Array(16_384).fill(i));
          }
        }),
    );
    const response = await running.fetch("/");
    assert.equal(response.headers.get("content-length"), null);
    if (kind === "DenoServer") {
      assert.equal(response.headers.get("transfer-encoding"), "chunked");
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    assert.equal(bytes.byteLength, 50 * 16_384);
    assert.equal(bytes[bytes.byteLength - 1], 49);
  });

  Deno.test(`${kind} starts streaming once writes pass the buffer size`, async () => {
    const streaming = deferred<boolean>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.write("x".repeat(1000));
          const before = ctx.response.hasStarted;
          await ctx.response.write("y".repeat(2000));
          streaming.resolve(!before && ctx.response.hasStarted);
        }),
      { limits: { responseBufferSize: 1500 } },
    );
    const response = await running.fetch("/");
    assert.equal((await response.text()).length, 3000);
    assert.equal(await streaming.promise, true);
  });

  Deno.test(`${kind} lets middleware change headers after next()`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set("x-after", "yes");
        ctx.response.status = 201;
      });
      app.run(() => new Response("made", { headers: { "x-app": "1" } }));
    });
    const response = await running.fetch("/");
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-after"), "yes");
    assert.equal(response.headers.get("x-app"), "1");
    assert.equal(await response.text(), "made");
  });

  Deno.test(`${kind} answers 500 when a handler throws, and keeps serving`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        if (ctx.request.path === "/boom") throw new Error("boom");
        return ctx.response.send("fine");
      }), { setup: (builder) => logs = collectLogs(builder) });
    const failed = await running.fetch("/boom");
    assert.equal(failed.status, 500);
    assert.equal(await failed.text(), "Internal Server Error");
    const next = await running.fetch("/");
    assert.equal(await next.text(), "fine");
    const errors = logs!.records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].category, "Roost.Hosting.Diagnostics");
    assert.match(String(errors[0].error), /boom/);
  });

  Deno.test(`${kind} answers 404 when nothing handles the request`, async () => {
    await using running = await startHost(
      kind,
      (app) => app.use((_ctx, next) => next()),
    );
    const response = await running.fetch("/missing");
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });

  Deno.test(`${kind} refuses a declared Content-Length over the limit with 413 before reading`, async () => {
    let read = false;
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const text = await ctx.request.text();
          read = true;
          ctx.response.send(`${text.length}`);
        }),
      { limits: { maxRequestBodySize: 1000 } },
    );
    const response = await running.fetch("/", {
      method: "POST",
      body: "x".repeat(1001),
    });
    assert.equal(response.status, 413);
    assert.match(await response.text(), /limit is 1000 bytes/);
    assert.equal(read, false);
    const ok = await running.fetch("/", {
      method: "POST",
      body: "x".repeat(1000),
    });
    assert.equal(await ok.text(), "1000");
  });

  Deno.test(`${kind} fails a chunked body when it grows over the limit`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          ctx.response.send(`${(await ctx.request.bytes()).byteLength}`);
        }),
      { limits: { maxRequestBodySize: 50_000 } },
    );
    const over = await running.fetch("/", {
      method: "POST",
      body: chunkedBody(10, 10_000),
    });
    assert.equal(over.status, 413);
    await over.body?.cancel();
    const under = await running.fetch("/", {
      method: "POST",
      body: chunkedBody(4, 10_000),
    });
    assert.equal(await under.text(), "40000");
  });

  Deno.test(`${kind} lets a request raise its body limit until it reads the body`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use((ctx, next) => {
        const limit = ctx.features.get(HttpMaxRequestBodySizeFeature)!;
        if (ctx.request.path === "/upload") limit.maxRequestBodySize = 10_000;
        return next();
      });
      app.run(async (ctx) => {
        const limit = ctx.features.get(HttpMaxRequestBodySizeFeature)!;
        assert.equal(limit.isReadOnly, false);
        const size = (await ctx.request.bytes()).byteLength;
        assert.equal(limit.isReadOnly, true);
        assert.throws(() => limit.maxRequestBodySize = 1, TypeError);
        ctx.response.send(`${size}`);
      });
    }, { limits: { maxRequestBodySize: 100 } });
    const upload = await running.fetch("/upload", {
      method: "POST",
      body: "x".repeat(5000),
    });
    assert.equal(await upload.text(), "5000");
    const other = await running.fetch("/other", {
      method: "POST",
      body: "x".repeat(5000),
    });
    assert.equal(other.status, 413);
    await other.body?.cancel();
  });

  Deno.test(`${kind} runs onStarting before the response and onCompleted after`, async () => {
    const order: string[] = [];
    const completed = deferred();
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        ctx.response.onStarting(() => {
          order.push("starting 1");
        });
        ctx.response.onStarting(() => {
          order.push("starting 2");
          ctx.response.headers.set("x-late", "set in onStarting");
        });
        ctx.response.onCompleted(() => {
          order.push("completed");
          completed.resolve();
        });
        order.push("handler");
        return ctx.response.send("ok");
      }));
    const response = await running.fetch("/");
    assert.equal(response.headers.get("x-late"), "set in onStarting");
    await response.text();
    await completed.promise;
    assert.deepEqual(order, [
      "handler",
      "starting 2",
      "starting 1",
      "completed",
    ]);
  });

  Deno.test(`${kind} completes through the body feature's writable stream`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const body = ctx.features.get(HttpResponseBodyFeature)!;
          await new Blob(["piped ", "through"]).stream().pipeTo(body.stream);
        }),
    );
    assert.equal(await (await running.fetch("/")).text(), "piped through");
  });

  Deno.test(`${kind} rejects concurrent requests over maxConcurrentRequests with 503`, async () => {
    const release = deferred();
    const entered = deferred();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          entered.resolve();
          await release.promise;
          ctx.response.send("slow");
        }),
      { limits: { maxConcurrentRequests: 1 } },
    );
    const first = running.fetch("/");
    await entered.promise;
    const second = await running.fetch("/");
    assert.equal(second.status, 503);
    await second.body?.cancel();
    release.resolve();
    assert.equal(await (await first).text(), "slow");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} sends JSON with its content type, and middleware sees it`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        ctx.response.headers.set(
          "x-seen-type",
          ctx.response.contentType ?? "none",
        );
      });
      app.run((ctx) => ctx.response.json({ a: [1, 2] }, { status: 202 }));
    });
    const response = await running.fetch("/");
    assert.equal(response.status, 202);
    assert.equal(response.headers.get("content-type"), "application/json");
    assert.equal(response.headers.get("x-seen-type"), "application/json");
    assert.deepEqual(await response.json(), { a: [1, 2] });
  });
}
