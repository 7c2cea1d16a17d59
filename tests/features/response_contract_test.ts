// The response contract: what started is read-only, explicit beats default,
// and a promise-returning method reports every failure through its promise.
// Run on TestServer and a real DenoServer.

import assert from "node:assert/strict";
import { HttpResponseFeature } from "../../mod.ts";
import {
  type CollectingOutput,
  collectLogs,
  deferred,
  SERVER_KINDS,
  startHost,
} from "../_helpers.ts";

/** How a promise-returning call ended: "done", or its error's message. */
function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(() => "done", (error) => (error as Error).message);
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} makes status and headers read-only once the response has started`, async () => {
    const seen = deferred<string[]>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          ctx.response.headers.set("x-before", "1");
          await ctx.response.start();
          const errors: string[] = [];
          for (
            const attempt of [
              () => ctx.response.headers.set("x-after", "1"),
              () => ctx.response.headers.append("x-after", "1"),
              () => ctx.response.headers.delete("x-before"),
              () => (ctx.response.status = 500),
              () => (ctx.features.get(HttpResponseFeature)!.status = 500),
              () => (ctx.response.contentType = "text/html"),
            ]
          ) {
            try {
              attempt();
              errors.push("no error");
            } catch (error) {
              errors.push(
                error instanceof TypeError &&
                  /already started/.test(error.message)
                  ? "TypeError"
                  : String(error),
              );
            }
          }
          // Reading is still fine, and shows what went out.
          errors.push(ctx.response.headers.get("x-before") ?? "missing");
          seen.resolve(errors);
          await ctx.response.write("body");
        }),
    );
    const response = await running.fetch("/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-before"), "1");
    assert.equal(response.headers.get("x-after"), null);
    assert.equal(await response.text(), "body");
    assert.deepEqual(await seen.promise, [
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
      "TypeError",
      "1",
    ]);
  });

  Deno.test(`${kind} keeps an explicit content type given to json() and send()`, async () => {
    await using running = await startHost(kind, (app) => {
      app.map(
        "/json",
        (b) =>
          b.run((ctx) =>
            ctx.response.json({ title: "Not Found" }, {
              status: 404,
              headers: { "content-type": "application/problem+json" },
            })
          ),
      );
      app.map(
        "/send",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(new Blob(["<p>hi</p>"], { type: "text/plain" }), {
              headers: { "content-type": "text/html; charset=utf-8" },
            })
          ),
      );
      app.map(
        "/response",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(new Response("made", { status: 200 }), {
              status: 201,
              headers: { "x-extra": "yes", "content-type": "text/csv" },
            })
          ),
      );
    });
    const json = await running.fetch("/json");
    assert.equal(json.status, 404);
    assert.equal(json.headers.get("content-type"), "application/problem+json");
    assert.deepEqual(await json.json(), { title: "Not Found" });
    const send = await running.fetch("/send");
    assert.equal(send.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await send.text(), "<p>hi</p>");
    const response = await running.fetch("/response");
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-extra"), "yes");
    assert.equal(response.headers.get("content-type"), "text/csv");
    assert.equal(await response.text(), "made");
  });

  // Raw Deno.serve keeps both cookies of new Response(body, { headers:
  // [["set-cookie", a], ["set-cookie", b]] }); so must send() and json(),
  // and a cookie set earlier by a middleware stays too.
  Deno.test(`${kind} keeps every Set-Cookie given to send() and json(), and those set before`, async () => {
    const pairs: [string, string][] = [
      ["set-cookie", "a=1; Path=/"],
      ["set-cookie", "b=2; Path=/"],
    ];
    await using running = await startHost(kind, (app) => {
      app.use((ctx, next) => {
        ctx.response.headers.append("set-cookie", "session=s; HttpOnly");
        return next();
      });
      app.map(
        "/send",
        (b) => b.run((ctx) => ctx.response.send("ok", { headers: pairs })),
      );
      app.map(
        "/json",
        (b) =>
          b.run((ctx) =>
            ctx.response.json({ ok: true }, { headers: new Headers(pairs) })
          ),
      );
      app.map(
        "/record",
        (b) =>
          b.run((ctx) =>
            ctx.response.send("ok", { headers: { "set-cookie": "c=3" } })
          ),
      );
      app.map(
        "/response",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(new Response("made"), {
              status: 201,
              headers: pairs,
            })
          ),
      );
    });
    const both = ["session=s; HttpOnly", "a=1; Path=/", "b=2; Path=/"];
    for (const path of ["/send", "/json"]) {
      const response = await running.fetch(path);
      await response.body?.cancel();
      assert.deepEqual(
        response.headers.getSetCookie().toSorted(),
        both.toSorted(),
        path,
      );
    }
    const record = await running.fetch("/record");
    await record.body?.cancel();
    assert.deepEqual(record.headers.getSetCookie().toSorted(), [
      "c=3",
      "session=s; HttpOnly",
    ]);
    const response = await running.fetch("/response");
    assert.equal(response.status, 201);
    assert.equal(await response.text(), "made");
    assert.deepEqual(
      response.headers.getSetCookie().toSorted(),
      both.toSorted(),
    );
  });

  Deno.test(`${kind} reports every failure of a promise-returning method through its promise`, async () => {
    const outcomes = deferred<string[]>();
    let logs: CollectingOutput | undefined;
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.send("first");
          const results: string[] = [];
          const attempts: (() => Promise<unknown>)[] = [
            () => ctx.response.write("more"),
            () => ctx.response.send("again"),
            () => ctx.response.json({ again: true }),
            () => ctx.response.redirect("/x", 299),
            () => ctx.response.sendFile("/nonexistent/file"),
          ];
          for (const attempt of attempts) {
            let promise: Promise<unknown>;
            try {
              promise = attempt();
            } catch {
              results.push("threw synchronously");
              continue;
            }
            results.push(
              await promise.then(() => "resolved", (e) => (e as Error).name),
            );
          }
          outcomes.resolve(results);
        }),
      // Each misuse is also logged where it happened; kept out of the output.
      { setup: (builder) => logs = collectLogs(builder) },
    );
    const response = await running.fetch("/");
    assert.equal(await response.text(), "first");
    assert.deepEqual(await outcomes.promise, [
      "TypeError",
      "TypeError",
      "TypeError",
      "RangeError",
      "TypeError",
    ]);
    assert.equal(
      logs!.records.filter((r) => /misused a response/.test(r.message)).length,
      4,
    );
  });

  Deno.test(`${kind} refuses a status Deno cannot send when it is set, not when the response is built`, async () => {
    const outcomes = deferred<string[]>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const results: string[] = [];
          for (const status of [999, 42, 100, 200.5, 600]) {
            try {
              ctx.response.status = status;
              results.push("set");
            } catch (error) {
              results.push((error as Error).name);
            }
          }
          results.push(await outcome(ctx.response.send("x", { status: 999 })));
          outcomes.resolve(results);
          await ctx.response.send("fine", { status: 299 });
        }),
    );
    const response = await running.fetch("/");
    assert.equal(response.status, 299);
    assert.equal(await response.text(), "fine");
    assert.deepEqual(await outcomes.promise, [
      "RangeError",
      "RangeError",
      "RangeError",
      "RangeError",
      "RangeError",
      "Cannot set the status to 999: a response's status is a whole number from 200 to 599 (or 101, for an upgrade)",
    ]);
  });

  Deno.test(`${kind} refuses a body that is a plain object and a redirect no client could follow`, async () => {
    const outcomes = deferred<string[]>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          const results: string[] = [];
          for (
            const attempt of [
              () => ctx.response.send({ a: 1 } as unknown as BodyInit),
              () => ctx.response.write([1, 2] as unknown as string),
              () => ctx.response.redirect("http://[bad"),
            ]
          ) {
            results.push(await outcome(attempt()));
          }
          outcomes.resolve(results);
          await ctx.response.json({ a: 1 });
        }),
    );
    const response = await running.fetch("/");
    assert.deepEqual(await response.json(), { a: 1 });
    const [object, array, redirect] = await outcomes.promise;
    assert.match(
      object,
      /^send\(\) was given a plain object.*ctx\.response\.json\(value\)/,
    );
    assert.match(array, /^write\(\) was given an array/);
    assert.equal(
      redirect,
      'Cannot redirect to "http://[bad": it is not a valid URL or path',
    );
  });

  Deno.test(`${kind} ends a started response with sendFile(), as a fresh one`, async () => {
    const file = await Deno.makeTempFile({ suffix: ".txt" });
    await Deno.writeTextFile(file, "THE FILE\n");
    const late = deferred<string>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.start();
          await ctx.response.write("head\n");
          await ctx.response.sendFile(file);
          late.resolve(await outcome(ctx.response.write("after the file\n")));
        }),
      { onError: () => {} },
    );
    const response = await running.fetch("/");
    assert.equal(await response.text(), "head\nTHE FILE\n");
    assert.match(
      await late.promise,
      /^Cannot write: the response is already complete/,
    );
    await Deno.remove(file);
  });

  Deno.test(`${kind} survives a second send() nobody awaited (a forgotten return), and says what happened once`, async () => {
    let logs: CollectingOutput | undefined;
    const file = await Deno.makeTempFile({ suffix: ".txt" });
    await Deno.writeTextFile(file, "the file");
    const done = deferred();
    await using running = await startHost(
      kind,
      (app) => {
        app.mapGet("/greet", (ctx) => {
          if (!ctx.request.query.has("name")) {
            ctx.response.send("name missing", { status: 400 }); // no return
          }
          ctx.response.send(`hello ${ctx.request.query.get("name")}`);
          done.resolve();
        });
        app.mapGet("/awaited", async (ctx) => {
          await ctx.response.send("first");
          await ctx.response.json({ second: true });
        });
        app.mapGet("/init", (ctx) => {
          ctx.response.send("first", { status: 400 }); // no return
          ctx.response.json({ late: true }, { status: 201 });
        });
        app.mapGet("/file", async (ctx) => {
          // sendFile has work to do before it sends: it must not wrap the
          // second call's handled rejection in one of its own.
          await ctx.response.sendFile(file);
          ctx.response.sendFile(file);
        });
      },
      { setup: (builder) => logs = collectLogs(builder) },
    );
    // An unhandled rejection would fail this test (and end a host process).
    const missing = await running.fetch("/greet");
    assert.equal(missing.status, 400);
    assert.equal(await missing.text(), "name missing");
    await done.promise;
    const errors = () =>
      logs!.records.filter((r) => r.level === "error").map((r) =>
        `${r.message} ${String(r.error)}`
      );
    assert.equal(errors().length, 1);
    assert.match(
      errors()[0],
      /misused a response.*Cannot send a body: the response is already complete/,
    );
    // Awaited, the same mistake fails the handler, and a failure before
    // anything went out is a 500: still one report for it.
    const awaited = await running.fetch("/awaited");
    assert.equal(awaited.status, 500);
    await awaited.body?.cancel();
    assert.equal(errors().length, 2, errors().join("\n"));
    const fine = await running.fetch("/greet?name=ada");
    assert.equal(await fine.text(), "hello ada");
    // A late call that also sets a status: the same report, no crash.
    const init = await running.fetch("/init");
    assert.equal(init.status, 400);
    assert.equal(await init.text(), "first");
    const sent = await running.fetch("/file");
    assert.equal(await sent.text(), "the file");
    assert.equal(errors().length, 4);
    assert.match(
      errors()[2],
      /Cannot send a body: the response is already complete/,
    );
    assert.match(
      errors()[3],
      /Cannot send a file: the response is already complete/,
    );
    await Deno.remove(file);
  });

  Deno.test(`${kind} answers 500, naming what came back, when a handler returns something other than a Response`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(
      kind,
      (app) => {
        app.mapGet("/object", () => ({ id: 1 }) as unknown as Response);
        app.mapGet("/text", async () => {
          await Promise.resolve();
          return "hello" as unknown as Response;
        });
        app.map(
          "/fetch",
          (branch) => branch.runFetch(() => 404 as unknown as Response),
        );
        app.run(() => undefined);
      },
      { setup: (builder) => logs = collectLogs(builder) },
    );
    for (const path of ["/object", "/text", "/fetch"]) {
      const response = await running.fetch(path);
      assert.equal(response.status, 500, path);
      await response.body?.cancel();
    }
    const errors = logs!.records.filter((r) => r.level === "error")
      .map((r) => String(r.error));
    assert.equal(errors.length, 3);
    assert.match(
      errors[0],
      /handler returned a plain object instead of a Response/,
    );
    assert.match(errors[1], /handler returned a string \("hello"\) instead/);
    assert.match(errors[2], /fetch handler returned the number 404 instead/);
    // Returning nothing still means "answered through ctx.response".
    assert.equal((await running.fetch("/")).status, 200);
  });
}
