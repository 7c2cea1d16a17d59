// httpsRedirection(): plain HTTP is sent to HTTPS on the port given or the
// server's HTTPS address; without one, a Warning once and no redirect.

import assert from "node:assert/strict";
import {
  httpsRedirection,
  type HttpsRedirectionOptions,
} from "../../../hosting/middleware/https_redirection.ts";
import { TestServer, WebHostBuilder } from "../../../mod.ts";
import {
  CA_FILE,
  CERT_FILE,
  type CollectingOutput,
  collectLogs,
  KEY_FILE,
  SERVER_KINDS,
  startHost,
} from "../../_helpers.ts";

const CATEGORY = "Roost.Hosting.HttpsRedirection";
const manual: RequestInit = { redirect: "manual" };

function app(options?: HttpsRedirectionOptions) {
  return (builder: import("../../../mod.ts").ApplicationBuilder) => {
    builder.use(httpsRedirection(options));
    builder.map(
      "/shop",
      (shop) =>
        shop.run((ctx) =>
          ctx.response.send(`${ctx.request.scheme} ${ctx.request.path}`)
        ),
    );
    builder.run((ctx) => ctx.response.send(ctx.request.scheme));
  };
}

Deno.test("httpsRedirection() refuses a status that is not a redirect it allows", () => {
  for (const statusCode of [200, 303, 404]) {
    assert.throws(
      () => httpsRedirection({ statusCode } as HttpsRedirectionOptions),
      new RegExp(
        `"statusCode" must be 301, 302, 307 or 308, got ${statusCode}`,
      ),
    );
  }
});

Deno.test("httpsRedirection() refuses a port out of range", () => {
  for (const httpsPort of [0, 65536, 1.5, Number.NaN]) {
    assert.throws(
      () => httpsRedirection({ httpsPort }),
      (error: unknown) =>
        error instanceof RangeError &&
        /"httpsPort" must be a port from 1 to 65535/.test(error.message),
    );
  }
  assert.throws(
    () => httpsRedirection(null as unknown as HttpsRedirectionOptions),
    /options must be an object, got null/,
  );
});

Deno.test("httpsRedirection() leaves port 443 out and keeps an IPv6 host's brackets", async () => {
  const host = new WebHostBuilder().configure(app({ httpsPort: 443 })).build();
  const plain = await host.fetch("http://shop.example:8080/a?b=1", manual);
  assert.equal(plain.headers.get("location"), "https://shop.example/a?b=1");
  await plain.body?.cancel();
  const v6 = await host.fetch("http://[::1]:8080/a", manual);
  assert.equal(v6.headers.get("location"), "https://[::1]/a");
  await v6.body?.cancel();
});

Deno.test("httpsRedirection() finds the port of a TestServer's HTTPS base address", async () => {
  const server = new TestServer({ baseUrl: "https://localhost:5001" });
  await using host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure(app())
    .build();
  await host.start();
  const plain = await server.fetch("http://localhost/cart", manual);
  assert.equal(plain.status, 307);
  assert.equal(plain.headers.get("location"), "https://localhost:5001/cart");
  await plain.body?.cancel();
});

for (const kind of SERVER_KINDS) {
  Deno.test(`[${kind}] httpsRedirection() redirects plain HTTP to the port given, keeping path base, path and query`, async () => {
    await using running = await startHost(kind, app({ httpsPort: 8443 }));
    const response = await running.fetch("/shop/cart/a%20b?id=7&x=%2F", manual);
    assert.equal(response.status, 307);
    await response.body?.cancel();
    const hostname = new URL(running.base).hostname;
    assert.equal(
      response.headers.get("location"),
      `https://${hostname}:8443/shop/cart/a%20b?id=7&x=%2F`,
    );
  });

  Deno.test(`[${kind}] httpsRedirection() answers with the status asked for`, async () => {
    await using running = await startHost(
      kind,
      app({ httpsPort: 8443, statusCode: 308 }),
    );
    const response = await running.fetch("/", {
      ...manual,
      method: "POST",
      body: "x",
    });
    assert.equal(response.status, 308);
    await response.body?.cancel();
  });

  Deno.test(`[${kind}] without an HTTPS address or port, httpsRedirection() warns once and lets requests through`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, app(), {
      setup: (builder) => void (logs = collectLogs(builder)),
    });
    for (let i = 0; i < 3; i++) {
      const response = await running.fetch("/shop/cart", manual);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "http /cart");
    }
    const warnings = logs!.messages(CATEGORY, "warning");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /Failed to determine the HTTPS port for redirection: the server has no HTTPS address \(http:.*\)\. Requests are not redirected: set the port with useHttpsRedirection\(\{ httpsPort: 443 \}\)/,
    );
  });

  // Behind a proxy that terminates TLS the server has no HTTPS address:
  // ASP.NET reads the port from HTTPS_PORT, and so does Roost.
  Deno.test(`[${kind}] httpsRedirection() takes the port from the HTTPS_PORT configuration key`, async () => {
    await using running = await startHost(kind, app(), {
      setup: (builder) =>
        void builder.configureAppConfiguration((_context, config) =>
          config.addInMemory({ https_port: " 8443 " })
        ),
    });
    const response = await running.fetch("/shop/cart?id=7", manual);
    assert.equal(response.status, 307);
    await response.body?.cancel();
    const hostname = new URL(running.base).hostname;
    assert.equal(
      response.headers.get("location"),
      `https://${hostname}:8443/shop/cart?id=7`,
    );
  });

  Deno.test(`[${kind}] an HTTPS_PORT that is not a port is a Warning naming it, and requests pass`, async () => {
    let logs: CollectingOutput | undefined;
    await using running = await startHost(kind, app(), {
      setup: (builder) => {
        logs = collectLogs(builder);
        builder.configureAppConfiguration((_context, config) =>
          config.addInMemory({ HTTPS_PORT: "https" })
        );
      },
    });
    for (let i = 0; i < 2; i++) {
      const response = await running.fetch("/", manual);
      assert.equal(response.status, 200);
      await response.body?.cancel();
    }
    const warnings = logs!.messages(CATEGORY, "warning");
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0],
      /the configuration key HTTPS_PORT is "https", not a port from 1 to 65535\. Requests are not redirected: fix the value/,
    );
  });
}

Deno.test("[DenoServer] the HTTPS_PORT configuration key wins over the server's HTTPS endpoint, and the httpsPort option over both", async () => {
  for (
    const [options, expected] of [[undefined, 9443], [
      { httpsPort: 7443 },
      7443,
    ]] as const
  ) {
    await using running = await startHost("DenoServer", app(options), {
      urls: "http://127.0.0.1:0;https://127.0.0.1:0",
      certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
      setup: (builder) =>
        void builder.configureAppConfiguration((_context, config) =>
          config.addInMemory({ HTTPS_PORT: "9443" })
        ),
    });
    const response = await running.fetch("/", manual);
    assert.equal(response.status, 307);
    await response.body?.cancel();
    assert.equal(
      new URL(response.headers.get("location")!).port,
      String(expected),
    );
  }
});

Deno.test("[DenoServer] httpsRedirection() finds the bound port of the server's HTTPS endpoint, and the redirect lands there", async () => {
  await using running = await startHost("DenoServer", app(), {
    urls: "http://127.0.0.1:0;https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  const http = running.host.addresses.find((a) => a.startsWith("http:"))!;
  const https = running.host.addresses.find((a) => a.startsWith("https:"))!;
  const response = await fetch(`${http}/shop/cart?id=7`, manual);
  assert.equal(response.status, 307);
  await response.body?.cancel();
  const location = response.headers.get("location")!;
  assert.equal(location, `${https}/shop/cart?id=7`);

  using client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
  });
  const followed = await fetch(location, { client });
  assert.equal(await followed.text(), "https /cart");
});

Deno.test("[DenoServer] httpsRedirection() does not guess between several HTTPS ports", async () => {
  let logs: CollectingOutput | undefined;
  await using running = await startHost("DenoServer", app(), {
    urls: "http://127.0.0.1:0;https://127.0.0.1:0;https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
    setup: (builder) => void (logs = collectLogs(builder)),
  });
  const http = running.host.addresses.find((a) => a.startsWith("http:"))!;
  const response = await fetch(`${http}/`, manual);
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "http");
  const warnings = logs!.messages(CATEGORY, "warning");
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /listens for HTTPS on several ports \(\d+, \d+\)/);
});
