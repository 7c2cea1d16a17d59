import assert from "node:assert/strict";
import {
  COMPRESSIBLE_TYPES,
  responseCompression,
} from "../../../hosting/middleware/response_compression.ts";
import {
  negotiator,
  typeMatcher,
} from "../../../hosting/middleware/_compression_negotiation.ts";

Deno.test("Accept-Encoding negotiation honours q-values, q=0, * and identity", () => {
  const pick = negotiator(["zstd", "br", "gzip"]);
  assert.equal(pick("gzip"), "gzip");
  assert.equal(pick("gzip, deflate, br, zstd"), "zstd");
  assert.equal(pick("gzip, deflate, br"), "br");
  assert.equal(pick("GZIP;Q=1, BR;q=0.5"), "gzip");
  assert.equal(pick("br;q=0.5, gzip;q=0.8, zstd;q=0.1"), "gzip");
  assert.equal(pick("br;q=0, gzip;q=0"), null);
  assert.equal(pick("deflate"), null);
  assert.equal(pick("identity"), null);
  assert.equal(pick(""), null);
  assert.equal(pick("*"), "zstd");
  assert.equal(pick("*;q=0.5, zstd;q=0, br;q=0"), "gzip");
  assert.equal(pick("*;q=0"), null);
  assert.equal(pick("x-gzip"), "gzip");
  assert.equal(pick("gzip;q=0.5, identity;q=1"), null);
  assert.equal(pick("gzip;q=1, identity;q=0.5"), "gzip");
  assert.equal(pick("gzip;q=banana"), "gzip");
  // The server's order breaks ties; a different order changes the answer.
  assert.equal(negotiator(["gzip", "br"])("br, gzip"), "gzip");
  assert.equal(negotiator(["gzip"])("br, zstd"), null);
});

Deno.test("Content types match by essence, wildcards, suffixes and exclusions", () => {
  const compressible = typeMatcher(COMPRESSIBLE_TYPES, ["text/event-stream"]);
  for (
    const type of [
      "text/html; charset=utf-8",
      "TEXT/CSS",
      "application/json",
      "application/problem+json",
      "application/javascript",
      "text/javascript",
      "image/svg+xml",
      "application/xml",
      "application/atom+xml",
      "application/wasm",
    ]
  ) assert.equal(compressible(type), true, type);
  for (
    const type of [
      "image/png",
      "application/octet-stream",
      "text/event-stream",
      "application/jsonx",
      null,
    ]
  ) assert.equal(compressible(type), false, String(type));
  assert.equal(typeMatcher(["*/*"], ["image/*"])("font/woff2"), true);
  assert.equal(typeMatcher(["*/*"], ["image/*"])("image/png"), false);
});

Deno.test("responseCompression rejects bad options when it is called", () => {
  const bad: [unknown, ErrorConstructor, RegExp][] = [
    [{ encodings: [] }, TypeError, /non-empty array/],
    [{ encodings: ["deflate"] }, TypeError, /"deflate", which is not one of/],
    [{ encodings: ["br", "br"] }, TypeError, /"br" twice/],
    [
      { levels: { gzip: 0 } },
      RangeError,
      /levels.gzip must be an integer from 1 to 9, got 0/,
    ],
    [{ levels: { br: 12 } }, RangeError, /levels.br .* 0 to 11/],
    [{ levels: { zstd: 2.5 } }, RangeError, /levels.zstd/],
    [{ levels: { lz4: 1 } }, TypeError, /unknown encoding "lz4"/],
    [{ levels: 5 }, TypeError, /levels must be an object/],
    [{ minimumSize: -1 }, RangeError, /minimumSize .* got -1/],
    [{ minimumSize: 1.5 }, RangeError, /minimumSize/],
    [{ mimeTypes: "text/html" }, TypeError, /mimeTypes must be an array/],
    [
      { mimeTypes: ["html"] },
      TypeError,
      /mimeTypes entry "html" is not a media type pattern/,
    ],
    [{ excludedMimeTypes: ["*/json"] }, TypeError, /excludedMimeTypes entry/],
    [
      { enableForHttps: "yes" },
      TypeError,
      /enableForHttps must be true or false/,
    ],
    [null, TypeError, /options must be an object/],
  ];
  for (const [options, type, message] of bad) {
    assert.throws(
      () =>
        responseCompression(
          options as Parameters<typeof responseCompression>[0],
        ),
      (error: Error) => error instanceof type && message.test(error.message),
      JSON.stringify(options),
    );
  }
  responseCompression({
    encodings: ["gzip"],
    levels: { gzip: 9, br: 11, zstd: 22 },
    mimeTypes: ["text/*", "+json", "*/*"],
    minimumSize: 0,
    enableForHttps: true,
  });
});

Deno.test("A host that never compresses never loads node:zlib", async () => {
  const script = `
    import { responseCompression } from "${new URL(
    "../../../hosting/middleware/response_compression.ts",
    import.meta.url,
  )}";
    import { zlibLoaded } from "${new URL(
    "../../../hosting/middleware/_compression_encoders.ts",
    import.meta.url,
  )}";
    import { WebHostBuilder } from "${new URL(
    "../../../mod.ts",
    import.meta.url,
  )}";
    const host = new WebHostBuilder().configure((app) => app.use(responseCompression())
      .run((ctx) => ctx.response.send("x".repeat(5000), { headers: { "content-type": "image/png" } }))).build();
    for (const headers of [{}, { "accept-encoding": "gzip" }]) await (await host.fetch("http://localhost/", { headers })).arrayBuffer();
    const before = zlibLoaded();
    const small = new WebHostBuilder().configure((app) => app.use(responseCompression()).run((ctx) => ctx.response.send("a".repeat(5000)))).build();
    await (await small.fetch("http://localhost/", { headers: { "accept-encoding": "gzip" } })).arrayBuffer();
    console.log(JSON.stringify([before, zlibLoaded()]));`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(output.success, true);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(output.stdout)), [
    false,
    true,
  ]);
});
