// Each example runs as a user would run it.

import assert from "node:assert/strict";
import { CA_FILE, curl, spawnHost } from "./_helpers.ts";

Deno.test("examples/hello.ts greets over HTTP and stops on SIGTERM", async () => {
  await using hello = await spawnHost("examples/hello.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const base = hello.addresses[0];
  assert.ok(base, hello.stderr());
  const root = await fetch(base);
  assert.equal(await root.text(), "Hello from Roost over HTTP/1.1!\n");
  assert.match(root.headers.get("server-timing")!, /^app;dur=/);
  const json = await (await fetch(`${base}/hello?name=Ada`)).json();
  assert.deepEqual(json, { greeting: "Hello, Ada!" });
  assert.equal((await hello.signal("SIGTERM")).code, 0);
});

Deno.test("examples/https_h2.ts answers HTTP/2 over TLS and plain HTTP", async () => {
  await using https = await spawnHost("examples/https_h2.ts", [
    "--urls",
    "https://127.0.0.1:0;http://127.0.0.1:0",
  ]);
  const [secure, plain] = https.addresses;
  assert.match(secure, /^https:/, https.stderr());
  const h2 = JSON.parse(await curl(["--http2", "--cacert", CA_FILE, secure]));
  assert.equal(h2.protocol, "HTTP/2");
  assert.equal(h2.scheme, "https");
  const h1 = await (await fetch(plain)).json();
  assert.equal(h1.protocol, "HTTP/1.1");
  assert.equal((await https.signal("SIGTERM")).code, 0);
});
