// ctx.request.header(name) reads one request header without making the
// request's Headers (Deno builds every field of them on first use). It must
// answer exactly what headers.get answers, on both servers, whatever the
// app did to the headers before.

import assert from "node:assert/strict";
import { HttpRequestFeature } from "../../mod.ts";
import {
  collectLogs,
  deferred,
  rawRequest,
  SERVER_KINDS,
  startHost,
  until,
  within,
} from "../_helpers.ts";

// Names asked for, in the case a user might write them.
const ASKED = [
  "X-Multi",
  "x-multi",
  "Cookie",
  "accept-language",
  "X-Missing",
  "host",
];

// Sends the same fields on either server: on DenoServer as separate lines
// on the wire, through TestServer as separate entries of a Headers.
async function ask(
  running: Awaited<ReturnType<typeof startHost>>,
  kind: string,
): Promise<string> {
  if (kind === "DenoServer") {
    const port = Number(new URL(running.base).port);
    const answer = await rawRequest(
      port,
      "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Multi: a\r\nx-multi: b\r\n" +
        "Cookie: a=1\r\ncookie: b=2\r\nAccept-Language: fr\r\n\r\n",
    );
    assert.equal(answer.status, 200, answer.headers);
    return answer.body;
  }
  const headers = new Headers();
  headers.append("host", "127.0.0.1");
  headers.append("X-Multi", "a");
  headers.append("x-multi", "b");
  headers.append("Cookie", "a=1");
  headers.append("cookie", "b=2");
  headers.append("Accept-Language", "fr");
  const response = await running.fetch("/", { headers });
  assert.equal(response.status, 200);
  return await response.text();
}

// Deno's server joins Cookie lines with "; " (RFC 9113 §8.2.3's way), a
// Headers made in memory with ", ": header() follows whichever it reads.
const COOKIE = { DenoServer: "a=1; b=2", TestServer: "a=1, b=2" };

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: ctx.request.header() answers what headers.get() answers, in any case`, async () => {
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        // One read each way; header() first, so that it reads before the
        // Headers exist.
        const one = ASKED.map((name) => ctx.request.header(name));
        const all = ASKED.map((name) => ctx.request.headers.get(name));
        return ctx.response.json({ one, all });
      }));
    const { one, all } = JSON.parse(await ask(running, kind));
    assert.deepEqual(one, all);
    assert.deepEqual(one.slice(0, 5), [
      "a, b",
      "a, b",
      COOKIE[kind],
      "fr",
      null,
    ]);
  });

  Deno.test(`${kind}: ctx.request.header() refuses an invalid name as headers.get() does`, async () => {
    await using running = await startHost(kind, (app) =>
      app.run((ctx) => {
        // Absent headers by valid names first, more than the names Roost
        // remembers as valid: none makes an invalid name pass later.
        for (let i = 0; i < 300; i++) {
          if (ctx.request.header(`x-absent-${i}`) !== null) {
            return ctx.response.send("an absent header was read", {
              status: 500,
            });
          }
        }
        const outcomes = ["bad name", "", "x\u00e9"].map((name) => {
          try {
            return `read ${ctx.request.header(name)}`;
          } catch (error) {
            return `${(error as Error).name}: ${(error as Error).message}`;
          }
        });
        return ctx.response.json(outcomes);
      }));
    const outcomes: string[] = JSON.parse(await ask(running, kind));
    assert.equal(outcomes.length, 3);
    for (const outcome of outcomes) assert.match(outcome, /^TypeError: /);
  });

  Deno.test(`${kind}: ctx.request.header() reads headers a middleware replaced`, async () => {
    await using running = await startHost(kind, (app) =>
      app
        .use((ctx, next) => {
          const feature = ctx.features.get(HttpRequestFeature)!;
          const replaced = new Headers(feature.headers);
          replaced.set("x-multi", "replaced");
          replaced.delete("accept-language");
          feature.headers = replaced;
          return next();
        })
        .run((ctx) =>
          ctx.response.json([
            ctx.request.header("X-Multi"),
            ctx.request.header("accept-language"),
            ctx.request.header("cookie"),
          ])
        ));
    assert.deepEqual(JSON.parse(await ask(running, kind)), [
      "replaced",
      null,
      COOKIE[kind],
    ]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: ctx.request.header() reads through a middleware's Proxy of the request feature`, async () => {
    await using running = await startHost(kind, (app) =>
      app
        .use((ctx, next) => {
          // Wraps the feature to answer `headers` itself, the rest as is.
          const inner = ctx.features.get(HttpRequestFeature)!;
          const mine = new Headers(inner.headers);
          mine.set("x-multi", "proxied");
          ctx.features.set(
            HttpRequestFeature,
            new Proxy(inner, {
              get: (target, key) =>
                key === "headers" ? mine : Reflect.get(target, key),
            }),
          );
          return next();
        })
        .run((ctx) =>
          ctx.response.json([
            ctx.request.header("x-multi"),
            ctx.request.header("accept-language"),
          ])
        ));
    assert.deepEqual(JSON.parse(await ask(running, kind)), ["proxied", "fr"]);
  });
}

Deno.test("DenoServer: reading the request after a streamed response went out is logged as that, not as a bare 'Request closed'", async () => {
  const received = deferred();
  const read = deferred<string>();
  let logs: ReturnType<typeof collectLogs> | undefined;
  await using running = await startHost("DenoServer", (app) =>
    app
      .use(async (ctx, next) => {
        await next();
        // The client has the whole body: Deno has released the request.
        await received.promise;
        try {
          read.resolve(`read ${ctx.request.headers.get("user-agent")}`);
        } catch (error) {
          read.resolve(`threw ${(error as Error).message}`);
          throw error;
        }
      })
      .run((ctx) =>
        ctx.response.send(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("streamed"));
              controller.close();
            },
          }),
        )
      ), { setup: (builder) => logs = collectLogs(builder) });
  const response = await running.fetch("/");
  assert.equal(await response.text(), "streamed");
  received.resolve();
  const outcome = await within(read.promise, "the late read");
  if (outcome.startsWith("read")) return; // a Deno that keeps the request
  assert.match(outcome, /request closed/i);
  const errors = () => logs!.messages("Roost.Hosting.Diagnostics", "error");
  await until(() => errors().length > 0, "the error log");
  assert.equal(errors().length, 1);
  assert.match(
    errors()[0],
    /was read after its response had been sent, when Deno had already released it: read the headers, URL or body you need before the response completes/,
  );
});
