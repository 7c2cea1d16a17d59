// The server contract, run against TestServer and a real DenoServer on port 0.

import assert from "node:assert/strict";
import {
  HttpError,
  HttpMaxRequestBodySizeFeature,
  HttpResponseBodyFeature,
  type ProblemDetails,
  type WebHostBuilder,
} from "../../mod.ts";
import {
  chunkedBody,
  type CollectingOutput,
  collectLogs,
  deferred,
  SERVER_KINDS,
  startHost,
  within,
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

  Deno.test(`${kind} sends streamed writes without waiting for more, one turn's writes together`, async () => {
    const received = deferred();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.start();
          for (let i = 0; i < 8; i++) await ctx.response.write(`${i}`);
          // Nothing more comes until the client has what was written.
          await received.promise;
          await ctx.response.write(new TextEncoder().encode("é"));
          await ctx.response.write("!");
        }),
    );
    const response = await running.fetch("/");
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    let chunks = 0;
    const read = async (): Promise<boolean> => {
      const { done, value } = await reader.read();
      if (done) return false;
      chunks++;
      text += decoder.decode(value, { stream: true });
      return true;
    };
    try {
      while (text.length < 8) await within(read(), "the first writes");
      assert.equal(text, "01234567");
      // In memory the server's chunks are the client's: eight writes in one
      // turn of the event loop went out as one (over TCP, Deno merges too).
      if (kind === "TestServer") assert.equal(chunks, 1);
    } finally {
      received.resolve();
    }
    while (await within(read(), "the rest")) { /* reading */ }
    assert.equal(text, "01234567é!");
  });

  Deno.test(`${kind} streams lone writes and full buffers without waiting on a timer`, async () => {
    // A write the client waits for goes out within the turn; 64 KiB writes
    // go out as fast as they are read. (A 0 ms timer, about 2 ms in Deno
    // 2.9, made these 200 round trips take over 400 ms, and capped bulk
    // streaming at 64 KiB per 2 ms.)
    const rounds = 200;
    const acks: PromiseWithResolvers<void>[] = Array.from(
      { length: rounds },
      () => Promise.withResolvers<void>(),
    );
    const chunk = new Uint8Array(65_536).fill(120);
    await using running = await startHost(
      kind,
      (app) => {
        app.mapGet("/events", async (ctx) => {
          await ctx.response.start();
          for (let i = 0; i < rounds; i++) {
            await ctx.response.write("e");
            await acks[i].promise;
          }
        });
        app.mapGet("/bulk", async (ctx) => {
          await ctx.response.start();
          for (let i = 0; i < 256; i++) await ctx.response.write(chunk);
        });
      },
    );
    const events = (await running.fetch("/events")).body!.getReader();
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const { value } = await within(events.read(), `event ${i}`);
      assert.equal(value?.byteLength, 1);
      acks[i].resolve();
    }
    assert.equal((await events.read()).done, true);
    const eventsTook = performance.now() - started;
    const bulkStarted = performance.now();
    const bulk = await (await running.fetch("/bulk")).arrayBuffer();
    const bulkTook = performance.now() - bulkStarted;
    assert.equal(bulk.byteLength, 256 * 65_536);
    assert.ok(
      eventsTook < 250,
      `200 write-then-wait rounds took ${eventsTook} ms`,
    );
    assert.ok(bulkTook < 350, `16 MiB in 64 KiB writes took ${bulkTook} ms`);
  });

  Deno.test(`${kind} streams a character split across two writes whole, even when a turn ends between them`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.start();
          await ctx.response.write("a\uD83D"); // 😀's first half
          // The end of a turn: what was written goes out before the rest.
          await new Promise((resolve) => setTimeout(resolve, 1));
          await ctx.response.write("\uDE00b");
          await ctx.response.write("c\uD83D"); // a half nothing completes
        }),
    );
    const response = await running.fetch("/");
    assert.deepEqual(
      [...new Uint8Array(await response.arrayBuffer())],
      [0x61, 0xf0, 0x9f, 0x98, 0x80, 0x62, 0x63, 0xef, 0xbf, 0xbd],
    );
  });

  Deno.test(`${kind} keeps a character split across two large buffered writes whole, and across the switch to streaming`, async () => {
    const big = "x".repeat(30_000); // kept as bytes, not text, from here
    await using running = await startHost(
      kind,
      (app) => {
        app.mapGet("/buffered", async (ctx) => {
          await ctx.response.write(big + "\uD83D");
          await ctx.response.write("\uDE00y");
        });
        app.mapGet("/switch", async (ctx) => {
          await ctx.response.write(big + "\uD83D");
          await ctx.response.start(); // the buffered writes move to a stream
          await ctx.response.write("\uDE00y");
        });
      },
    );
    for (const path of ["/buffered", "/switch"]) {
      const bytes = new Uint8Array(
        await (await running.fetch(path)).arrayBuffer(),
      );
      assert.equal(bytes.byteLength, 30_005, path);
      assert.deepEqual(
        [...bytes.subarray(30_000)],
        [0xf0, 0x9f, 0x98, 0x80, 0x79],
        path,
      );
    }
  });

  Deno.test(`${kind} refuses body chunks that are not bytes instead of sending them mangled`, async () => {
    await using running = await startHost(
      kind,
      (app) => {
        app.mapGet("/stream", () =>
          new Response(
            new ReadableStream({
              start(controller) {
                controller.enqueue(new TextEncoder().encode("abc"));
                controller.enqueue(
                  new TextEncoder().encode("defg")
                    .buffer as unknown as Uint8Array,
                );
                controller.close();
              },
            }),
          ));
        app.mapGet("/write", async (ctx) => {
          const outcome = await ctx.response.write(42 as unknown as string)
            .then(() => "written", (error) => (error as Error).message);
          await ctx.response.send(outcome);
        });
      },
      { onError: () => {} },
    );
    // An ArrayBuffer chunk: the body breaks, as under raw Deno.serve, rather
    // than arriving as "abc" and zeros.
    const response = await running.fetch("/stream");
    await assert.rejects(() => response.arrayBuffer());
    const write = await running.fetch("/write");
    assert.equal(
      await write.text(),
      "write() takes text or a Uint8Array, got number",
    );
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

// -- errors as responses: problem details, 4xx vs 5xx ------------------------

const JSON_ACCEPT = { accept: "application/json" };
const BROWSER_ACCEPT = {
  accept:
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8",
};

/** Turns on the Debug request log, where client errors go. */
function debugDiagnostics(builder: WebHostBuilder): CollectingOutput {
  builder.configureAppConfiguration((_context, config) =>
    config.addInMemory({
      Logging: { LogLevel: { "Roost.Hosting.Diagnostics": "Debug" } },
    })
  );
  return collectLogs(builder);
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} sends an HttpError's headers with the error response`, async () => {
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        ctx.response.headers.set("x-before-error", "dropped");
        throw new HttpError(405, "Use GET or HEAD.", {
          headers: { allow: "GET, HEAD", "content-type": "text/x-ignored" },
        });
      }));
    for (const headers of [{}, JSON_ACCEPT]) {
      const response = await running.fetch("/", { method: "DELETE", headers });
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "GET, HEAD");
      assert.equal(response.headers.get("x-before-error"), null);
      assert.equal(response.headers.get("cache-control"), "no-store");
      assert.notEqual(response.headers.get("content-type"), "text/x-ignored");
      await response.body?.cancel();
    }
  });

  Deno.test(`${kind} answers problem details to a client that asks for JSON`, async () => {
    const traces = new Map<string, string>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          traces.set(ctx.request.path, ctx.traceIdentifier);
          switch (ctx.request.path) {
            case "/404":
              throw new HttpError(404, "No order 42.");
            case "/405":
              throw new HttpError(405, "Use GET.", {
                headers: { allow: "GET" },
              });
            case "/413":
              return ctx.response.send(await ctx.request.text());
            default:
              throw new Error("secret: the database password is hunter2");
          }
        }),
      {
        limits: { maxRequestBodySize: 10 },
        setup: (builder) => collectLogs(builder),
      },
    );
    const cases: [string, RequestInit, number, string, string | undefined][] = [
      ["/404", {}, 404, "Not Found", "No order 42."],
      ["/405", {}, 405, "Method Not Allowed", "Use GET."],
      [
        "/413",
        { method: "POST", body: "x".repeat(11) },
        413,
        "Content Too Large",
        "Request body too large: the limit is 10 bytes",
      ],
      ["/500", {}, 500, "Internal Server Error", undefined],
    ];
    for (const [path, init, status, title, detail] of cases) {
      for (
        const accept of [
          "application/json",
          "application/problem+json, */*;q=0.1",
          "text/html;q=0.5, application/json",
        ]
      ) {
        const response = await running.fetch(path, {
          ...init,
          headers: { accept },
        });
        assert.equal(response.status, status, `${path} ${accept}`);
        assert.equal(
          response.headers.get("content-type"),
          "application/problem+json",
          `${path} ${accept}`,
        );
        assert.equal(response.headers.get("cache-control"), "no-store");
        const problem: ProblemDetails = await response.json();
        const expected: ProblemDetails = {
          type: "about:blank",
          title,
          status,
          traceId: traces.get(path),
        };
        if (detail !== undefined) expected.detail = detail;
        assert.deepEqual(problem, expected, `${path} ${accept}`);
      }
    }
  });

  Deno.test(`${kind} answers text to browsers and to clients that prefer text`, async () => {
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        if (ctx.request.path === "/404") throw new HttpError(404, "No page.");
        throw new Error("secret detail");
      }), { setup: (builder) => collectLogs(builder) });
    for (
      const accept of [
        BROWSER_ACCEPT.accept,
        "*/*",
        "text/plain, application/json;q=0.5",
        "application/json;q=0",
        "application/json;q=bogus",
      ]
    ) {
      const missing = await running.fetch("/404", { headers: { accept } });
      assert.equal(missing.status, 404);
      assert.equal(
        missing.headers.get("content-type"),
        "text/plain; charset=utf-8",
        accept,
      );
      assert.equal(await missing.text(), "No page.");
      const failed = await running.fetch("/500", { headers: { accept } });
      assert.equal(failed.status, 500);
      assert.equal(await failed.text(), "Internal Server Error");
    }
    const bare = await running.fetch("/404");
    assert.equal(await bare.text(), "No page.");
  });

  Deno.test(`${kind} never shows a stack in a 4xx, even with detailed errors`, async () => {
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        if (ctx.request.path === "/400") throw new HttpError(400, "Bad id.");
        throw new Error("shown in detail");
      }), {
      setup: (builder) => {
        builder.useSetting("detailedErrors", "true");
        collectLogs(builder);
      },
    });
    const text = await running.fetch("/400");
    assert.equal(await text.text(), "Bad id.");
    const json = await running.fetch("/400", { headers: JSON_ACCEPT });
    const problem: ProblemDetails = await json.json();
    assert.equal(problem.detail, "Bad id.");
    assert.equal(problem.stack, undefined);
    // A 5xx in detailed mode does show what went wrong, and where.
    const failed = await running.fetch("/500");
    assert.match(await failed.text(), /^500 Error: shown in detail\n\s+at /);
    const failedJson = await running.fetch("/500", { headers: JSON_ACCEPT });
    const detailed: ProblemDetails = await failedJson.json();
    assert.equal(detailed.detail, "shown in detail");
    assert.match(detailed.stack!, /^Error: shown in detail\n\s+at /);
  });

  Deno.test(`${kind} answers a malformed JSON body 400 with what was wrong, and logs no error`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const value = await ctx.request.json<{ n: number }>();
          return ctx.response.send(`n=${value.n}`);
        }),
      { setup: (builder) => logs = debugDiagnostics(builder) },
    );
    const response = await running.fetch("/orders", {
      method: "POST",
      body: '{"n":}',
    });
    assert.equal(response.status, 400);
    assert.match(
      await response.text(),
      /^The request body is not valid JSON: Unexpected token '}'/,
    );
    const json = await running.fetch("/orders", {
      method: "POST",
      body: "",
      headers: JSON_ACCEPT,
    });
    const problem: ProblemDetails = await json.json();
    assert.equal(problem.status, 400);
    assert.equal(problem.title, "Bad Request");
    assert.match(problem.detail!, /not valid JSON: Unexpected end of JSON/);
    const good = await running.fetch("/orders", {
      method: "POST",
      body: '{"n":1}',
    });
    assert.equal(await good.text(), "n=1");
    assert.deepEqual(logs!.records.filter((r) => r.level === "error"), []);
    const debug = logs!.messages("Roost.Hosting.Diagnostics", "debug");
    assert.equal(debug.length, 2);
    assert.match(debug[0], /\(POST \/orders\) was answered 400: /);
  });

  Deno.test(`${kind} decodes a body as the fetch standard does: BOM dropped, bad bytes replaced`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const first = ctx.request.query.get("first");
          if (first === "json") {
            const value = await ctx.request.json();
            // A later text() shares the one read.
            return ctx.response.json({ value, text: await ctx.request.text() });
          }
          return ctx.response.json({ text: await ctx.request.text() });
        }),
    );
    const bom = [0xef, 0xbb, 0xbf];
    const utf8 = (text: string) => [...new TextEncoder().encode(text)];
    const post = async (query: string, bytes: number[]) => {
      const response = await running.fetch(`/?first=${query}`, {
        method: "POST",
        body: new Uint8Array(bytes),
      });
      assert.equal(response.status, 200);
      return await response.json();
    };
    assert.deepEqual(await post("json", [...bom, ...utf8('{"a":"é"}')]), {
      value: { a: "é" },
      text: '{"a":"é"}',
    });
    assert.deepEqual(await post("text", [...bom, ...utf8("héllo")]), {
      text: "héllo",
    });
    assert.deepEqual(await post("text", [0x41, 0xff, 0x42, 0xc3]), {
      text: "A\uFFFDB\uFFFD",
    });
    assert.deepEqual(await post("text", []), { text: "" });
  });

  Deno.test(`${kind} lets middleware look at ctx.request.body without using the body up`, async () => {
    // As with a Deno.serve request, where `req.body !== null` leaves
    // `req.json()` working.
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        ctx.items.set("has body", ctx.request.body !== null);
        await next();
      });
      app.run(async (ctx) =>
        ctx.response.json({
          hasBody: ctx.items.get("has body"),
          value: await ctx.request.json(),
        })
      );
    });
    const response = await running.fetch("/", {
      method: "POST",
      body: '{"a":1}',
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { hasBody: true, value: { a: 1 } });
  });

  Deno.test(`${kind} hands a body that middleware read to a mounted fetch handler`, async () => {
    // A logging middleware reads the body; a Hono-style app mounted with
    // map() + runFetch() reads it again through toRequest().
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        const first = ctx.request.query.get("first");
        if (first === "text") await ctx.request.text();
        if (first === "bytes") await ctx.request.bytes();
        if (first === "json") await ctx.request.json();
        await next();
      });
      app.map(
        "/api",
        (branch) =>
          branch.runFetch(async (request) =>
            new Response(`${request.method} ${await request.text()}`)
          ),
      );
    });
    for (const first of ["none", "text", "bytes", "json"]) {
      const response = await running.fetch(`/api/orders?first=${first}`, {
        method: "POST",
        body: '{"id":7}',
      });
      assert.equal(response.status, 200, first);
      assert.equal(await response.text(), 'POST {"id":7}', first);
    }
  });

  Deno.test(`${kind} still answers an over-limit JSON body 413`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => ctx.response.json(await ctx.request.json())),
      { limits: { maxRequestBodySize: 10 } },
    );
    for (const body of ['"xxxxxxxxxxxx"', chunkedBody(3, 10)]) {
      const response = await running.fetch("/", { method: "POST", body });
      assert.equal(response.status, 413);
      await response.body?.cancel();
    }
  });

  Deno.test(`${kind} answers a malformed form, or a body that is no form, 400`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const form = await ctx.request.formData();
          return ctx.response.send(`name=${form.get("name")}`);
        }),
      { setup: (builder) => logs = collectLogs(builder) },
    );
    const post = (body: string, type?: string) =>
      running.fetch("/", {
        method: "POST",
        body,
        headers: type === undefined ? {} : { "content-type": type },
      });
    const cases: [string, string | undefined, RegExp][] = [
      [
        "name=Ada",
        "text/plain",
        /^The request body is not a form: expected content type multipart\/form-data or application\/x-www-form-urlencoded, got "text\/plain"$/,
      ],
      [
        "no parts here",
        "multipart/form-data; boundary=xyz",
        /^The request body is not a valid multipart\/form-data form: /,
      ],
      [
        "name=Ada",
        "multipart/form-data",
        /^The request body is not a valid multipart\/form-data form: .*boundary/,
      ],
    ];
    for (const [body, type, message] of cases) {
      const response = await post(body, type);
      assert.equal(response.status, 400, type);
      assert.match(await response.text(), message);
    }
    // fetch gives a string body a text/plain type: send bytes for none.
    const untyped = await running.fetch("/", {
      method: "POST",
      body: new TextEncoder().encode("name=Ada"),
    });
    assert.equal(untyped.status, 400);
    assert.match(await untyped.text(), /got none$/);
    const good = await post("name=Ada", "application/x-www-form-urlencoded");
    assert.equal(await good.text(), "name=Ada");
    assert.deepEqual(logs!.records.filter((r) => r.level === "error"), []);
  });

  Deno.test(`${kind} answers sendFile of a missing file or a directory 404 without the path`, async () => {
    const directory = await Deno.makeTempDir();
    let logs: CollectingOutput | undefined;
    try {
      const missing = `${directory}/missing.txt`;
      await using running = await startHost(
        kind,
        (app) =>
          app.run((ctx) =>
            ctx.response.sendFile(
              ctx.request.path === "/dir" ? directory : missing,
            )
          ),
        { setup: (builder) => logs = debugDiagnostics(builder) },
      );
      for (const path of ["/missing", "/dir"]) {
        const response = await running.fetch(path);
        assert.equal(response.status, 404, path);
        const text = await response.text();
        assert.equal(text, "Not Found", path);
        const json = await running.fetch(path, { headers: JSON_ACCEPT });
        const problem: ProblemDetails = await json.json();
        assert.equal(problem.detail, "Not Found");
        assert.ok(!JSON.stringify(problem).includes(directory));
      }
      assert.deepEqual(logs!.records.filter((r) => r.level === "error"), []);
      // The path is for the logs only.
      const debug = logs!.records.filter((r) => r.level === "debug");
      assert.equal(debug.length, 4);
      const error = debug[0].error;
      assert.ok(error instanceof HttpError);
      assert.ok(String(error.cause).includes(missing));
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  });

  Deno.test(`${kind} answers sendFile of an unreadable file 403`, async () => {
    const path = await Deno.makeTempFile({ suffix: ".txt" });
    try {
      await Deno.writeTextFile(path, "secret");
      await Deno.chmod(path, 0o000);
      await using running = await startHost(
        kind,
        (app) => app.run((ctx) => ctx.response.sendFile(path)),
      );
      const response = await running.fetch("/");
      // root reads any file whatever its mode: the subprocess test below
      // covers this case there.
      if (Deno.uid() === 0) {
        await response.body?.cancel();
        return;
      }
      assert.equal(response.status, 403);
      assert.equal(await response.text(), "Forbidden");
    } finally {
      await Deno.remove(path);
    }
  });
}

Deno.test("sendFile answers 403 for a file Deno may not read (--deny-read)", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const secret = `${directory}/secret.txt`;
    await Deno.writeTextFile(secret, "secret");
    const script = `${directory}/serve.ts`;
    await Deno.writeTextFile(
      script,
      `import { TestServer, WebHostBuilder } from ${
        JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
      };
const host = new WebHostBuilder()
  .useServer(new TestServer())
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => app.run((ctx) => ctx.response.sendFile(Deno.args[0])))
  .build();
await host.start();
for (const accept of ["*/*", "application/json"]) {
  const response = await host.fetch("/", { headers: { accept } });
  console.log(response.status, await response.text());
}
await host.stop();
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `--deny-read=${secret}`, script, secret],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.ok(output.success, stderr);
    // Two lines and no more: an error log would add its own.
    const lines = new TextDecoder().decode(output.stdout).trim().split("\n");
    assert.equal(lines.length, 2, lines.join("\n"));
    const [text, json] = lines;
    assert.equal(text, "403 Forbidden");
    const problem: ProblemDetails = JSON.parse(json.slice("403 ".length));
    assert.equal(problem.status, 403);
    assert.equal(problem.title, "Forbidden");
    assert.ok(!json.includes(secret));
    assert.equal(stderr, "");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("DenoServer parses a JSON body that starts with a byte order mark, which raw Deno.serve's req.json() refuses", async () => {
  const body = new Uint8Array([
    0xef,
    0xbb,
    0xbf,
    ...new TextEncoder().encode('{"ok":true}'),
  ]);
  // Raw Deno.serve: its json() takes the body as text in one step and
  // parses it with the mark still on (the fetch standard drops it).
  await using raw = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      try {
        return Response.json(await request.json());
      } catch (error) {
        return new Response(String(error), { status: 500 });
      }
    },
  );
  const rawResponse = await fetch(`http://127.0.0.1:${raw.addr.port}/`, {
    method: "POST",
    body,
  });
  assert.equal(rawResponse.status, 500);
  assert.match(await rawResponse.text(), /SyntaxError/);
  // Roost reads the body the same fast way, drops the mark, and parses.
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => ctx.response.json(await ctx.request.json())),
  );
  const response = await running.fetch("/", { method: "POST", body });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { ok: true });
});
