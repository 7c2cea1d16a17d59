// Route templates: what they match (literals, parameters, constraints,
// optional, defaults, catch-alls, complex segments) and how a malformed one
// fails where it is mapped.

import assert from "node:assert/strict";
import { ApplicationBuilder } from "../../../mod.ts";
import { SERVER_KINDS, startHost } from "../../_helpers.ts";

const ignore = () => {};

/** Asserts that mapping `template` throws a TypeError quoting it. */
function assertMalformed(template: string, reason: RegExp): TypeError {
  const app = new ApplicationBuilder();
  let caught: unknown;
  try {
    app.mapGet(template, ignore);
  } catch (error) {
    caught = error;
  }
  assert.ok(
    caught instanceof TypeError,
    `mapGet("${template}") should throw a TypeError, got ${caught}`,
  );
  assert.ok(
    caught.message.includes(`"${template}"`),
    `the message quotes the template: ${caught.message}`,
  );
  assert.match(caught.message, reason);
  // The template again, then a caret line under it.
  const lines = caught.message.split("\n");
  assert.equal(lines.at(-2), `  ${template}`);
  assert.match(lines.at(-1)!, /^ +\^$/);
  return caught;
}

// -- malformed templates -------------------------------------------------------

const MALFORMED: [string, string, RegExp][] = [
  ["an unclosed brace", "/books/{id", /not closed/],
  ["a stray closing brace", "/books/id}", /closes no parameter/],
  ["an empty parameter name", "/books/{}", /no name/],
  ["a duplicate parameter name", "/a/{id}/b/{id}", /"id" appears twice/],
  ["a duplicate name in another case", "/a/{id}/{ID}", /appears twice/],
  ["a min constraint with a non-integer", "/a/{n:min(x)}", /integer/],
  ["a range given backwards", "/a/{n:range(5,1)}", /minimum first/],
  ["a catch-all before the last segment", "/a/{*rest}/b", /not the last/],
  ["an optional parameter before a required segment", "/a/{id?}/b", /optional/],
  ["an optional parameter with a default", "/a/{id?=1}", /unexpected/],
  ["a default marked optional", "/a/{id=1?}", /optional and has a default/],
  ["two adjacent parameters", "/a/{a}{b}", /two parameters follow/],
  ["a question mark outside braces", "/search?q", /outside a parameter/],
  ["an empty segment", "/a//b", /empty segment/],
  // Paths are normalized before matching: these could never match.
  ["a dot-dot segment", "/a/../b", /a "\.\." segment, which no request/],
  ["a dot segment", "/p/{x}/./q", /a "\." segment, which no request/],
  ["a default that fails its constraint", "/a/{n:int=abc}", /fails/],
  ["an optional catch-all", "/files/{*path?}", /cannot be marked optional/],
];

for (const [what, template, reason] of MALFORMED) {
  Deno.test(`mapGet refuses a template with ${what}: ${template}`, () => {
    assertMalformed(template, reason);
  });
}

Deno.test("an unknown constraint is refused with the list of valid ones", () => {
  const error = assertMalformed("/a/{id:integer}", /unknown constraint/);
  for (const name of ["int", "long", "guid", "alpha", "range", "regex"]) {
    assert.ok(error.message.includes(name), `lists ${name}: ${error.message}`);
  }
});

Deno.test("the caret points at the unclosed brace", () => {
  const error = assertMalformed("/books/{id", /not closed/);
  assert.equal(error.message.split("\n").at(-1), "  " + " ".repeat(7) + "^");
});

Deno.test("a malformed template makes the host fail to start", async () => {
  await assert.rejects(
    startHost("TestServer", (app) => {
      app.mapGet("/books/{id", ignore);
    }),
    (error: unknown) =>
      error instanceof TypeError && error.message.includes('"/books/{id"'),
  );
});

Deno.test("a malformed group prefix is refused at mapGroup", () => {
  assert.throws(() => new ApplicationBuilder().mapGroup("/a/{x"), TypeError);
});

// -- endpoints that cannot be told apart -----------------------------------------

Deno.test("two GET templates that differ only in parameter names are refused, naming both", () => {
  const app = new ApplicationBuilder();
  app.mapGet("/books/{id}", ignore);
  assert.throws(
    () => app.mapGet("/books/{bookId}", ignore),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message.includes("GET /books/{id}") &&
      error.message.includes("GET /books/{bookId}"),
  );
});

Deno.test("an optional parameter and the path without it are refused as the same GET", () => {
  const app = new ApplicationBuilder();
  app.mapGet("/a/{id?}", ignore);
  assert.throws(
    () => app.mapGet("/a", ignore),
    (error: unknown) =>
      error instanceof TypeError && error.message.includes("/a/{id?}") &&
      error.message.includes("GET /a"),
  );
});

Deno.test("the same template with different methods is allowed", () => {
  const app = new ApplicationBuilder();
  app.mapGet("/books/{id}", ignore);
  app.mapPut("/books/{id}", ignore);
  app.mapDelete("/books/{id}", ignore);
  app.mapPatch("/books/{id}", ignore);
  app.mapPost("/books/{id}", ignore);
  assert.throws(
    () => app.mapMethods(["post"], "/books/{x}", ignore),
    TypeError,
  );
});

Deno.test("mapMethods validates its methods", () => {
  const app = new ApplicationBuilder();
  assert.throws(() => app.mapMethods([], "/a", ignore), TypeError);
  assert.throws(() => app.mapMethods(["GE T"], "/a", ignore), TypeError);
  assert.throws(() => app.mapMethods(["GET", ""], "/a", ignore), TypeError);
  app.mapMethods(["get", "purge"], "/a", ignore);
});

// -- what templates match ------------------------------------------------------

const CONSTRAINED: Record<string, string> = {
  "/int/{v:int}": "int",
  "/long/{v:long}": "long",
  "/guid/{v:guid}": "guid",
  "/alpha/{v:alpha}": "alpha",
  "/bool/{v:bool}": "bool",
  "/min/{v:min(1)}": "min",
  "/max/{v:max(9)}": "max",
  "/range/{v:range(1,100)}": "range",
  "/len/{v:length(3,20)}": "length",
  "/exact/{v:length(3)}": "exact",
  "/minlen/{v:minlength(2)}": "minlength",
  "/maxlen/{v:maxlength(4)}": "maxlength",
  "/regex/{v:regex(^\\d{{4}}$)}": "regex",
  "/date/{v:datetime}": "datetime",
  "/double/{v:double}": "double",
  "/file/{v:file}": "file",
  "/nonfile/{v:nonfile}": "nonfile",
  "/multi/{v:int:min(1)}": "multi",
  "/opt/{v?}": "optional",
  "/page/{v=1}": "default",
  "/star/{*v}": "catch-all",
  "/dstar/{**v}": "double catch-all",
  "/files/{name}.{ext}": "complex",
  "/img/{name}.{ext?}": "complex optional",
  "/hello/{v}": "plain",
  "/Literal/Case": "literal",
};

// [path, the endpoint that answers (or null for 404), its route values]
const REQUESTS: [string, string | null, Record<string, string>?][] = [
  ["/int/42", "int", { v: "42" }],
  ["/int/-7", "int", { v: "-7" }],
  ["/int/abc", null],
  ["/int/2147483648", null],
  ["/long/2147483648", "long", { v: "2147483648" }],
  ["/long/9223372036854775808", null],
  ["/guid/3f2504e0-4f89-11d3-9a0c-0305e82c3301", "guid"],
  ["/guid/not-a-guid", null],
  ["/alpha/Hello", "alpha"],
  ["/alpha/abc1", null],
  ["/bool/TRUE", "bool"],
  ["/bool/yes", null],
  ["/min/1", "min"],
  ["/min/0", null],
  ["/max/9", "max"],
  ["/max/10", null],
  ["/range/100", "range"],
  ["/range/101", null],
  ["/range/0", null],
  ["/len/abc", "length"],
  ["/len/ab", null],
  ["/exact/abc", "exact"],
  ["/exact/abcd", null],
  ["/minlen/ab", "minlength"],
  ["/minlen/a", null],
  ["/maxlen/abcd", "maxlength"],
  ["/maxlen/abcde", null],
  ["/regex/2024", "regex", { v: "2024" }],
  ["/regex/202", null],
  ["/regex/20245", null],
  ["/date/2024-01-15", "datetime"],
  ["/date/not-a-date", null],
  ["/double/3.14", "double", { v: "3.14" }],
  ["/double/3.x", null],
  ["/file/a.txt", "file"],
  ["/file/readme", null],
  ["/nonfile/readme", "nonfile"],
  ["/nonfile/a.txt", null],
  ["/multi/5", "multi"],
  ["/multi/0", null],
  ["/multi/x", null],
  ["/opt", "optional", {}],
  ["/opt/x", "optional", { v: "x" }],
  ["/page", "default", { v: "1" }],
  ["/page/3", "default", { v: "3" }],
  ["/star", "catch-all", { v: "" }],
  ["/star/a/b%2Fc%20d", "catch-all", { v: "a/b/c d" }],
  ["/dstar/a/b%2Fc%20d", "double catch-all", { v: "a/b%2Fc d" }],
  ["/files/report.tar.gz", "complex", { name: "report.tar", ext: "gz" }],
  ["/files/report", null],
  ["/img/logo.png", "complex optional", { name: "logo", ext: "png" }],
  ["/img/logo", "complex optional", { name: "logo" }],
  ["/hello/a%20b", "plain", { v: "a b" }],
  ["/hello/caf%C3%A9", "plain", { v: "café" }],
  ["/HELLO/x/", "plain", { v: "x" }],
  ["/literal/case", "literal", {}],
  ["/LITERAL/CASE/", "literal", {}],
  ["/hello", null],
  ["/hello/a/b", null],
];

for (const kind of SERVER_KINDS) {
  Deno.test(`templates match paths with their constraints and decode route values (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      for (const [template, label] of Object.entries(CONSTRAINED)) {
        app.mapGet(
          template,
          (ctx) =>
            ctx.response.json({ label, values: ctx.request.routeValues }),
        );
      }
    });
    for (const [path, label, values] of REQUESTS) {
      const response = await running.fetch(path);
      if (label === null) {
        assert.equal(response.status, 404, `${path} matches nothing`);
        await response.body?.cancel();
        continue;
      }
      assert.equal(response.status, 200, `${path} is answered`);
      const body = await response.json();
      assert.equal(body.label, label, `${path} reaches ${label}`);
      if (values !== undefined) {
        assert.deepEqual(body.values, values, `route values of ${path}`);
      }
    }
  });
}
