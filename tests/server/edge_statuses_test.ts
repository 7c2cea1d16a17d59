// Statuses that carry no body, TLS details on a TLS request, and what a new
// request gets while the server drains.

import assert from "node:assert/strict";
import { TlsHandshakeFeature } from "../../mod.ts";
import {
  CA_FILE,
  CERT_FILE,
  deferred,
  KEY_FILE,
  rawRequest,
  SERVER_KINDS,
  startHost,
} from "../_helpers.ts";

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} sends 204 and 304 with no body, whatever the app wrote`, async () => {
    await using running = await startHost(kind, (app) => {
      app.map(
        "/204",
        (b) => b.run((ctx) => ctx.response.send("ignored", { status: 204 })),
      );
      app.map("/304", (b) =>
        b.run((ctx) => {
          ctx.response.status = 304;
          ctx.response.headers.set("etag", '"v1"');
          return ctx.response.write("ignored");
        }));
      app.map(
        "/returned",
        (b) => b.run(() => new Response(null, { status: 204 })),
      );
    });
    for (
      const [path, status] of [["/204", 204], ["/304", 304], [
        "/returned",
        204,
      ]] as const
    ) {
      const response = await running.fetch(path);
      assert.equal(response.status, status, path);
      assert.equal(await response.text(), "", path);
    }
    if (kind === "DenoServer") {
      // On the wire: no body bytes and no chunked framing after the headers.
      const port = Number(new URL(running.base).port);
      const answer = await rawRequest(
        port,
        "GET /304 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      );
      assert.equal(answer.status, 304);
      assert.equal(answer.body, "");
      assert.match(answer.headers, /etag: "v1"/i);
    }
  });
}

Deno.test("DenoServer sets TlsHandshakeFeature on a TLS request and not on a plain one", async () => {
  const app = (b: import("../../mod.ts").ApplicationBuilder) =>
    b.run((ctx) => {
      const tls = ctx.features.get(TlsHandshakeFeature);
      return ctx.response.json({
        tls: tls === undefined ? null : [...tls.alpnProtocols],
        scheme: ctx.request.scheme,
      });
    });
  await using secure = await startHost("DenoServer", app, {
    urls: "https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  await using plain = await startHost("DenoServer", app);
  using client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
  });
  const overTls = await fetch(secure.base.replace("127.0.0.1", "localhost"), {
    client,
  });
  assert.deepEqual(await overTls.json(), {
    tls: ["h2", "http/1.1"],
    scheme: "https",
  });
  const overPlain = await fetch(plain.base);
  assert.deepEqual(await overPlain.json(), { tls: null, scheme: "http" });
});

Deno.test("DenoServer on Deno.serve (webSockets: true) answers a new request 503 with Connection: close while it drains an upload", async () => {
  const entered = deferred();
  const release = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        if (ctx.request.method === "POST") {
          entered.resolve();
          await release.promise;
          return ctx.response.send(`${(await ctx.request.bytes()).length}`);
        }
        return ctx.response.send("ok");
      }),
    { webSockets: true, onError: () => {} },
  );
  const port = Number(new URL(running.base).port);
  // An upload whose body is still arriving keeps the drain going.
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    new TextEncoder().encode(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhello",
    ),
  );
  await entered.promise;
  const stopped = running.host.stop();
  // A new request on a new connection, while the upload is in flight.
  // The listeners stay open until uploads have arrived (Deno's shutdown()
  // would cut them off), so it is answered, and told to go elsewhere.
  const answer = await rawRequest(
    port,
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
  );
  assert.equal(answer.status, 503);
  assert.match(answer.headers, /connection: close/i);
  assert.match(answer.headers, /retry-after: 1/i);
  await conn.write(new TextEncoder().encode("world"));
  release.resolve();
  const buffer = new Uint8Array(1024);
  const read = await conn.read(buffer);
  assert.match(
    new TextDecoder().decode(buffer.subarray(0, read ?? 0)),
    /^HTTP\/1\.1 200 [\s\S]*\r\n\r\n10$/,
  );
  conn.close();
  await stopped;
});

Deno.test("DenoServer's stop closes idle connections at once, lets an upload finish with Connection: close, and refuses new connections", async () => {
  const entered = deferred();
  const release = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        if (ctx.request.method === "POST") {
          entered.resolve();
          await release.promise;
          return ctx.response.send(`${(await ctx.request.bytes()).length}`);
        }
        return ctx.response.send("ok");
      }),
  );
  const port = Number(new URL(running.base).port);
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const buffer = new Uint8Array(1024);
  // An idle keep-alive connection: one request answered, then nothing.
  const idle = await Deno.connect({ hostname: "127.0.0.1", port });
  await idle.write(encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  assert.match(
    decoder.decode(buffer.subarray(0, (await idle.read(buffer)) ?? 0)),
    /^HTTP\/1\.1 200 /,
  );
  // An upload whose body is still arriving.
  const upload = await Deno.connect({ hostname: "127.0.0.1", port });
  await upload.write(
    encoder.encode(
      "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\nhello",
    ),
  );
  await entered.promise;
  const stopped = running.host.stop();
  // The idle connection is closed at once: the client reads its end.
  assert.equal(await idle.read(buffer), null);
  idle.close();
  // No new connection is accepted: no 503s, the listener is gone.
  await assert.rejects(
    Deno.connect({ hostname: "127.0.0.1", port }),
    Deno.errors.ConnectionRefused,
  );
  // The upload finishes, and its response ends the connection.
  await upload.write(encoder.encode("world"));
  release.resolve();
  let text = "";
  for (let read; (read = await upload.read(buffer)) !== null;) {
    text += decoder.decode(buffer.subarray(0, read));
  }
  assert.match(text, /^HTTP\/1\.1 200 /);
  assert.match(text, /\r\nconnection: close\r\n/i);
  assert.match(text, /\r\n\r\n10$/);
  upload.close();
  await stopped;
});
