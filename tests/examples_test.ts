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

Deno.test("examples/books_api.ts lists, reads, creates and deletes books, with problem details, 405 and health", async () => {
  await using api = await spawnHost("examples/books_api.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const base = api.addresses[0];
  assert.ok(base, api.stdout() + api.stderr());
  const json = { accept: "application/json" };
  assert.deepEqual(await (await fetch(`${base}/api/books`)).json(), [
    { id: 1, title: "Dune" },
  ]);
  const created = await fetch(`${base}/api/books`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ title: "Emma" }),
  });
  assert.equal(created.status, 201);
  assert.equal(created.headers.get("location"), "/api/books/2");
  assert.deepEqual(await created.json(), { id: 2, title: "Emma" });
  const invalid = await fetch(`${base}/api/books`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({}),
  });
  assert.equal(invalid.status, 400);
  assert.equal((await invalid.json()).detail, 'A book needs a "title".');
  const broken = await fetch(`${base}/api/books`, {
    method: "POST",
    headers: json,
    body: "{not json",
  });
  assert.equal(broken.status, 400);
  await broken.body?.cancel();
  const wrong = await fetch(`${base}/api/books/1`, {
    method: "PUT",
    headers: json,
  });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get("allow"), "DELETE, GET, HEAD");
  await wrong.body?.cancel();
  const deleted = await fetch(`${base}/api/books/2`, { method: "DELETE" });
  assert.equal(deleted.status, 204);
  await deleted.body?.cancel();
  const missing = await fetch(`${base}/api/books/2`, { headers: json });
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).detail, "No book 2.");
  const health = await fetch(`${base}/healthz`);
  assert.equal(await health.text(), "Healthy");
  assert.equal((await api.signal("SIGTERM")).code, 0);
});
