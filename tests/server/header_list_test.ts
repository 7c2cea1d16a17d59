// copyHeaders: a response's fields reach the Response built from them as
// set() and append() would put them, whichever way they are copied.

import assert from "node:assert/strict";
import {
  appendMissing,
  clearHeaders,
  copyHeaders,
  removeField,
} from "../../server/_header_list.ts";

function built(body: BodyInit | null, source: Headers): Response {
  const response = new Response(body);
  copyHeaders(source, response.headers);
  return response;
}

Deno.test("copyHeaders replaces the body's default content type, lower-casing names", () => {
  const source = new Headers();
  source.set("Content-Type", "text/html; charset=utf-8");
  source.set("X-Request-Id", "abc");
  const response = built("<p>hi</p>", source);
  assert.deepEqual([...response.headers], [
    ["content-type", "text/html; charset=utf-8"],
    ["x-request-id", "abc"],
  ]);
});

Deno.test("copyHeaders keeps the body's content type when it sets none, and every Set-Cookie apart", () => {
  const source = new Headers();
  source.append("set-cookie", "a=1; Path=/");
  source.append("Set-Cookie", "b=2; Path=/");
  source.set("vary", "Origin");
  const response = built("hi", source);
  assert.deepEqual(response.headers.getSetCookie(), [
    "a=1; Path=/",
    "b=2; Path=/",
  ]);
  assert.equal(response.headers.get("vary"), "Origin");
  assert.equal(
    response.headers.get("content-type"),
    "text/plain;charset=UTF-8",
  );
});

Deno.test("copyHeaders joins a repeated field as Headers does", () => {
  const source = new Headers();
  source.append("vary", "Origin");
  source.append("Vary", "Accept-Encoding");
  const response = built(null, source);
  assert.deepEqual([...response.headers], [[
    "vary",
    "Origin, Accept-Encoding",
  ]]);
});

Deno.test("copyHeaders leaves the target's later changes working", () => {
  const source = new Headers({ "content-type": "application/xml" });
  const response = built("<a/>", source);
  // set() finds the field copied over (not a second one), and append()
  // adds after it.
  response.headers.set("content-type", "text/xml");
  response.headers.append("x-a", "1");
  assert.deepEqual([...response.headers], [
    ["content-type", "text/xml"],
    ["x-a", "1"],
  ]);
  assert.equal(response.headers.has("Content-Type"), true);
});

Deno.test("copyHeaders copies from headers Deno builds lazily (a served request's)", async () => {
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const response = built("ok", request.headers);
      return new Response(JSON.stringify([...response.headers]));
    },
  );
  const answer = await fetch(`http://127.0.0.1:${server.addr.port}/`, {
    headers: { "x-one": "1", "x-two": "2" },
  });
  const fields = new Map<string, string>(await answer.json());
  assert.equal(fields.get("x-one"), "1");
  assert.equal(fields.get("x-two"), "2");
  assert.equal(fields.get("host"), `127.0.0.1:${server.addr.port}`);
});

Deno.test("appendMissing adds the fields an app's Response lacks, and its own win", () => {
  const ours = new Headers({ vary: "Origin", "x-trace": "t1" });
  const response = new Response("hi", { headers: { "X-Trace": "app" } });
  assert.equal(appendMissing(ours, response.headers), true);
  assert.deepEqual([...response.headers], [
    ["content-type", "text/plain;charset=UTF-8"],
    ["vary", "Origin"],
    ["x-trace", "app"],
  ]);
  // Nothing missing: nothing written.
  assert.equal(
    appendMissing(new Headers({ vary: "x" }), response.headers),
    false,
  );
  assert.equal(response.headers.get("vary"), "Origin");
  response.headers.set("vary", "Accept");
  assert.equal(response.headers.get("vary"), "Accept");
});

Deno.test("appendMissing leaves immutable headers, cookies and repeated fields to the caller", () => {
  const redirect = Response.redirect("http://127.0.0.1/next", 302);
  assert.equal(
    appendMissing(new Headers({ vary: "Origin" }), redirect.headers),
    undefined,
  );
  assert.equal(redirect.headers.get("vary"), null);
  const app = new Response("hi");
  const cookies = new Headers([["set-cookie", "a=1"]]);
  assert.equal(appendMissing(cookies, app.headers), undefined);
  const repeated = new Headers([["vary", "Origin"], ["Vary", "Accept"]]);
  assert.equal(appendMissing(repeated, app.headers), undefined);
  assert.deepEqual([...app.headers], [[
    "content-type",
    "text/plain;charset=UTF-8",
  ]]);
});

Deno.test("removeField removes a field in any case, and only it", () => {
  const response = new Response("hi", { headers: { "X-A": "1" } });
  removeField(response.headers, "content-type");
  assert.deepEqual([...response.headers], [["x-a", "1"]]);
  removeField(response.headers, "x-a");
  assert.deepEqual([...response.headers], []);
  response.headers.set("x-b", "2");
  assert.deepEqual([...response.headers], [["x-b", "2"]]);
});

Deno.test("clearHeaders empties headers, which take new fields as before", () => {
  const headers = new Headers([["x-a", "1"], ["set-cookie", "a=1"]]);
  assert.equal(headers.has("x-a"), true);
  clearHeaders(headers);
  assert.deepEqual([...headers], []);
  headers.set("x-b", "2");
  headers.append("x-b", "3");
  assert.deepEqual([...headers], [["x-b", "2, 3"]]);
});
