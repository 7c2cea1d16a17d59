// hsts(): Strict-Transport-Security on HTTPS responses only, never for the
// excluded hosts, and on streamed responses too.

import assert from "node:assert/strict";
import { hsts, type HstsOptions } from "../../../hosting/middleware/hsts.ts";
import type { ApplicationBuilder } from "../../../mod.ts";
import { WebHostBuilder } from "../../../mod.ts";
import {
  CA_FILE,
  CERT_FILE,
  curl,
  KEY_FILE,
  SERVER_KINDS,
  startHost,
} from "../../_helpers.ts";

const HEADER = "strict-transport-security";

function app(options?: HstsOptions) {
  return (builder: ApplicationBuilder) => {
    builder.use(hsts(options));
    builder.mapGet("/stream", async (ctx) => {
      await ctx.response.start();
      await ctx.response.write("streamed");
    });
    builder.run((ctx) => ctx.response.send("ok"));
  };
}

async function headerFor(
  options: HstsOptions | undefined,
  url: string,
): Promise<string | null> {
  const host = new WebHostBuilder().configure(app(options)).build();
  const response = await host.fetch(url);
  await response.body?.cancel();
  return response.headers.get(HEADER);
}

Deno.test("hsts() defaults to 30 days, without includeSubDomains or preload", async () => {
  assert.equal(
    await headerFor(undefined, "https://shop.example/"),
    "max-age=2592000",
  );
});

Deno.test("hsts() writes includeSubDomains and preload when asked", async () => {
  assert.equal(
    await headerFor(
      { maxAge: 31536000, includeSubDomains: true, preload: true },
      "https://shop.example/",
    ),
    "max-age=31536000; includeSubDomains; preload",
  );
  assert.equal(
    await headerFor({ maxAge: 0, preload: true }, "https://shop.example/"),
    "max-age=0; preload",
  );
});

Deno.test("hsts() never answers plain HTTP", async () => {
  assert.equal(await headerFor(undefined, "http://shop.example/"), null);
});

Deno.test("hsts() leaves out the development hosts by default, whatever the port or case", async () => {
  for (
    const url of [
      "https://localhost/",
      "https://LOCALHOST:5001/",
      "https://127.0.0.1:8443/",
      "https://[::1]:8443/",
    ]
  ) {
    assert.equal(await headerFor(undefined, url), null, url);
  }
});

Deno.test("hsts() compares excluded hosts without port and case, IPv6 with or without brackets", async () => {
  const options = { excludedHosts: ["Shop.Example", "::2"] };
  assert.equal(await headerFor(options, "https://shop.example:8443/"), null);
  assert.equal(await headerFor(options, "https://[::2]:8443/"), null);
  assert.equal(
    await headerFor(options, "https://localhost/"),
    "max-age=2592000",
  );
});

Deno.test("hsts() checks its options", () => {
  assert.throws(
    () => hsts({ maxAge: -1 }),
    (error: unknown) =>
      error instanceof RangeError &&
      /"maxAge" must be a whole number of seconds, 0 or more, got -1/.test(
        error.message,
      ),
  );
  assert.throws(() => hsts({ maxAge: 1.5 }), RangeError);
  assert.throws(
    () => hsts({ includeSubDomains: "yes" as unknown as boolean }),
    /"includeSubDomains" must be true or false, got yes/,
  );
  assert.throws(
    () => hsts({ excludedHosts: "localhost" as unknown as string[] }),
    /"excludedHosts" must be an array of host names, got "localhost"/,
  );
  assert.throws(
    () => hsts(null as unknown as HstsOptions),
    /options must be an object, got null/,
  );
});

for (const kind of SERVER_KINDS) {
  Deno.test(`[${kind}] hsts() sends nothing over plain HTTP`, async () => {
    await using running = await startHost(
      kind,
      app({ excludedHosts: [] }),
    );
    const response = await running.fetch("/");
    assert.equal(await response.text(), "ok");
    assert.equal(response.headers.get(HEADER), null);
  });
}

Deno.test("[TestServer] hsts() marks HTTPS responses, streamed ones too", async () => {
  await using running = await startHost("TestServer", app());
  for (const path of ["/", "/stream"]) {
    const response = await running.fetch(`https://shop.example${path}`);
    assert.match(await response.text(), /^(ok|streamed)$/);
    assert.equal(response.headers.get(HEADER), "max-age=2592000", path);
  }
});

Deno.test("[DenoServer] hsts() marks HTTPS responses, streamed ones too, but not for an excluded host", async () => {
  await using running = await startHost("DenoServer", app(), {
    urls: "https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  for (const path of ["/", "/stream"]) {
    // The Host header names a real domain; the socket is still loopback.
    const head = await curl([
      "--http1.1",
      "--cacert",
      CA_FILE,
      "--header",
      "Host: Shop.Example:8443",
      "--include",
      `${running.base}${path}`,
    ]);
    assert.match(head, /\r\nstrict-transport-security: max-age=2592000\r\n/i);
    assert.match(head, /\r\n\r\n(ok|streamed)$/);
    if (path === "/stream") assert.match(head, /transfer-encoding: chunked/i);
  }
  // 127.0.0.1 is excluded by default.
  using client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
  });
  const local = await fetch(running.base, { client });
  assert.equal(await local.text(), "ok");
  assert.equal(local.headers.get(HEADER), null);
});
