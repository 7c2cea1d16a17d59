// Roost reads the Host header through Deno's own request record, so that a
// request whose app never touches headers does not pay for building them,
// and takes a body that has arrived whole as text in one step. This guards
// the internal shortcuts: if a Deno upgrade changes them, the fallbacks
// must still give the same answers.

import assert from "node:assert/strict";
import { requestHeader, takeBodyText } from "../../server/_deno_request.ts";

Deno.test("requestHeader reads a Deno.serve request's header as headers.get does", async () => {
  const seen: [string | null, string | null, string | null][] = [];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      seen.push([
        requestHeader(request, "host"),
        requestHeader(request, "x-missing"),
        request.headers.get("host"),
      ]);
      return new Response("ok");
    },
  );
  const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
  await response.text();
  assert.equal(seen.length, 1);
  const [host, missing, expected] = seen[0];
  assert.equal(host, expected);
  assert.equal(host, `127.0.0.1:${server.addr.port}`);
  assert.equal(missing, null);
});

Deno.test("requestHeader falls back to headers.get for a Request made in memory", () => {
  const request = new Request("http://localhost/", {
    headers: { host: "example.com" },
  });
  assert.equal(requestHeader(request, "host"), "example.com");
  assert.equal(requestHeader(request, "x-missing"), null);
});

Deno.test("takeBodyText hands over a small Deno.serve body whole, once", async () => {
  const seen: (string | null)[] = [];
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      seen.push(takeBodyText(request), takeBodyText(request));
      // Taken: the body is used, as after any read.
      assert.equal(request.bodyUsed, true);
      await request.text().catch(() => {});
      return new Response("ok");
    },
  );
  // Head and body in one write: Deno has both when the handler runs.
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: server.addr.port,
  });
  const body = new TextEncoder().encode("héllo, body");
  await conn.write(
    new Uint8Array([
      ...new TextEncoder().encode(
        `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      ),
      ...body,
    ]),
  );
  for await (const _ of conn.readable) {
    // Read until the server closes.
  }
  // Without the shortcut (a Deno that lost it) both would be null, and
  // Roost would read the usual way: slower, not wrong.
  assert.deepEqual(seen, ["héllo, body", null]);
});

Deno.test("takeBodyText leaves a Request made in memory to the usual read", async () => {
  const request = new Request("http://localhost/", {
    method: "POST",
    body: "in memory",
  });
  assert.equal(takeBodyText(request), null);
  assert.equal(await request.text(), "in memory");
});
