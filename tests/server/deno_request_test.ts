// Roost reads the Host header through Deno's own request record, so that a
// request whose app never touches headers does not pay for building them.
// This guards the internal shortcut: if a Deno upgrade changes it, the
// fallback must still give the same answers.

import assert from "node:assert/strict";
import { requestHeader } from "../../server/_deno_request.ts";

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
