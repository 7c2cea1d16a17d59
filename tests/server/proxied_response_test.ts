// A Response from fetch() whose body fetch decoded (the upstream sent gzip)
// still says `content-encoding: gzip` and the encoded length. Raw Deno.serve
// leaves both out when it serves that Response; Roost must too whenever it
// makes a copy (a header a middleware set, send()'s init, a status, CORS,
// compression), or the client gets "gzip, 84 bytes" and 84 bytes of plain
// text, which it cannot read.

import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { ApplicationBuilder } from "../../mod.ts";
import { curl, startHost } from "../_helpers.ts";

const TEXT = "hello proxied world ".repeat(200);

const VARIANTS: Record<string, (app: ApplicationBuilder, url: string) => void> =
  {
    "returned as it is": (app, url) => app.run(() => fetch(url)),
    "after a middleware set a header": (app, url) => {
      app.use((ctx, next) => {
        ctx.response.headers.set("x-request-id", "7");
        return next();
      });
      app.run(() => fetch(url));
    },
    "sent with headers of its own": (app, url) =>
      app.run(async (ctx) =>
        ctx.response.send(await fetch(url), { headers: { "x-a": "1" } })
      ),
    "sent with another status": (app, url) =>
      app.run(async (ctx) => {
        ctx.response.status = 203;
        return ctx.response.send(await fetch(url));
      }),
    "behind CORS": (app, url) => {
      app.useCors({ origins: ["*"] });
      app.run(() => fetch(url));
    },
    "behind compression": (app, url) => {
      app.useResponseCompression();
      app.run(() => fetch(url));
    },
  };

for (const [variant, configure] of Object.entries(VARIANTS)) {
  Deno.test(`a Response fetch() decoded is served readable when ${variant}`, async () => {
    await using upstream = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response(new Uint8Array(gzipSync(TEXT)), {
          headers: { "content-encoding": "gzip", "content-type": "text/plain" },
        }),
    );
    await using running = await startHost(
      "DenoServer",
      (app) => configure(app, `http://127.0.0.1:${upstream.addr.port}/`),
    );
    // Without --compressed, curl shows the bytes as sent: they must be the
    // text, or what the Content-Encoding sent says they are.
    const out = await curl([
      "-D",
      "-",
      "-H",
      "origin: https://app.example",
      "-H",
      "accept-encoding: identity",
      running.base,
    ]);
    const end = out.indexOf("\r\n\r\n");
    const head = out.slice(0, end).toLowerCase();
    assert.doesNotMatch(head, /content-encoding/);
    const length = /content-length: *(\d+)/.exec(head)?.[1];
    if (length !== undefined) assert.equal(Number(length), TEXT.length);
    assert.equal(out.slice(end + 4), TEXT);
    // And a client that takes gzip decodes it to the same text.
    assert.equal(await curl(["--compressed", running.base]), TEXT);
  });
}

// TestServer hands the Response over in memory: one fetch() decoded loses
// the encoding and length that no longer describe it, as Deno.serve drops
// them when it sends it.
Deno.test("TestServer hands over a Response fetch() decoded without its encoding", async () => {
  await using upstream = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () =>
      new Response(new Uint8Array(gzipSync(TEXT)), {
        headers: { "content-encoding": "gzip", "content-type": "text/plain" },
      }),
  );
  const url = `http://127.0.0.1:${upstream.addr.port}/`;
  await using running = await startHost(
    "TestServer",
    (app) => app.run(() => fetch(url)),
  );
  const response = await running.fetch("/");
  assert.equal(response.headers.get("content-encoding"), null);
  assert.equal(response.headers.get("content-length"), null);
  assert.equal(response.headers.get("content-type"), "text/plain");
  assert.equal(await response.text(), TEXT);
});
