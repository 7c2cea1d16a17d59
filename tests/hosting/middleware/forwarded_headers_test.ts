// forwardedHeaders on both servers: what a trusted proxy's headers change,
// what an untrusted peer's or a malformed header's change (nothing), and
// the options and configuration that steer it.

import assert from "node:assert/strict";
import { ConfigurationBuilder, ConfigurationError } from "../../../mod.ts";
import type { HttpContext } from "../../../features/http_context.ts";
import { ForwardedHeadersFeature } from "../../../features/forwarded_features.ts";
import {
  forwardedHeaders,
  forwardedHeadersEnabled,
  forwardedHeadersFromConfiguration,
  type ForwardedHeadersOptions,
} from "../../../hosting/middleware/forwarded_headers.ts";
import {
  type CollectingOutput,
  collectLogs,
  hasIpv6,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

/** What the app saw of a request, as the echo endpoint reports it. */
interface Seen {
  remote: string;
  port: number;
  scheme: string;
  host: string;
  pathBase: string;
  path: string;
  headers: Record<string, string>;
  original: ForwardedHeadersFeature | null;
}

function echo(ctx: HttpContext): Promise<void> {
  const seen: Seen = {
    remote: ctx.connection.remoteAddress,
    port: ctx.connection.remotePort,
    scheme: ctx.request.scheme,
    host: ctx.request.host,
    pathBase: ctx.request.pathBase,
    path: ctx.request.path,
    headers: Object.fromEntries(ctx.request.headers),
    original: ctx.features.get(ForwardedHeadersFeature) ?? null,
  };
  return ctx.response.json(seen);
}

async function withHost(
  kind: ServerKind,
  options: ForwardedHeadersOptions | undefined,
  test: (
    send: (headers: Record<string, string>, path?: string) => Promise<Seen>,
    logs: CollectingOutput,
  ) => Promise<void>,
): Promise<void> {
  let logs: CollectingOutput | undefined;
  await using running = await startHost(
    kind,
    (app) => app.use(forwardedHeaders(options)).run(echo),
    {
      setup: (builder) => {
        logs = collectLogs(builder);
        builder.configureLogging((logging) => logging.setMinimumLevel("debug"));
      },
    },
  );
  await test(async (headers, path = "/") => {
    const response = await running.fetch(path, { headers });
    assert.equal(response.status, 200);
    return await response.json() as Seen;
  }, logs!);
}

const debugOf = (logs: CollectingOutput): string[] =>
  logs.messages("Roost.Hosting.ForwardedHeaders", "debug");

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: forwardedHeaders applies the client, scheme and host a loopback proxy reports`, async () => {
    await withHost(kind, undefined, async (send) => {
      const before = await send({});
      const seen = await send({
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "shop.example",
      });
      assert.equal(seen.remote, "203.0.113.7");
      assert.equal(seen.port, 0);
      assert.equal(seen.scheme, "https");
      assert.equal(seen.host, "shop.example");
      assert.deepEqual(seen.original, {
        originalRemoteAddress: before.remote,
        originalRemotePort: seen.original!.originalRemotePort,
        originalScheme: "http",
        originalHost: before.host,
        originalPathBase: "",
      });
      // The headers stay as they came: the originals are on the feature.
      assert.equal(seen.headers["x-original-for"], undefined);
      assert.equal(seen.headers["x-forwarded-proto"], "https");
    });
  });

  Deno.test(`${kind}: forwardedHeaders walks the chain from the right only as far as forwardLimit`, async () => {
    const chain = { "x-forwarded-for": "6.6.6.6, 10.0.0.1, 127.0.0.5:4000" };
    await withHost(kind, undefined, async (send) => {
      const seen = await send(chain);
      assert.equal(seen.remote, "127.0.0.5");
      assert.equal(seen.port, 4000);
      // Left as it came; only the walk's result is applied.
      assert.equal(
        seen.headers["x-forwarded-for"],
        "6.6.6.6, 10.0.0.1, 127.0.0.5:4000",
      );
    });
    await withHost(kind, { forwardLimit: 2 }, async (send) => {
      const seen = await send(chain);
      assert.equal(seen.remote, "10.0.0.1");
      assert.equal(
        seen.headers["x-forwarded-for"],
        "6.6.6.6, 10.0.0.1, 127.0.0.5:4000",
      );
    });
    // No limit: the walk stops at 10.0.0.1, which is not a known proxy.
    await withHost(kind, { forwardLimit: null }, async (send) => {
      const seen = await send(chain);
      assert.equal(seen.remote, "10.0.0.1");
      assert.equal(
        seen.headers["x-forwarded-for"],
        "6.6.6.6, 10.0.0.1, 127.0.0.5:4000",
      );
    });
  });

  Deno.test(`${kind}: forwardedHeaders reads X-Forwarded-For from the right, whatever a client wrote on the left`, async () => {
    // nginx appends the address it saw to what the client sent: a stray
    // quote or empty entries on the left must not hide it (ASP.NET splits on
    // commas alone, as here).
    await withHost(kind, undefined, async (send) => {
      const quoted = await send({ "x-forwarded-for": '"6.6.6.6, 203.0.113.9' });
      assert.equal(quoted.remote, "203.0.113.9");
      const empty = await send({ "x-forwarded-for": ", ,203.0.113.10" });
      assert.equal(empty.remote, "203.0.113.10");
    });
    await withHost(kind, { forwardLimit: null }, async (send) => {
      // An empty entry is not an address: the walk stops, nothing changes.
      const seen = await send({ "x-forwarded-for": ",127.0.0.7" });
      assert.equal(seen.remote, "127.0.0.1");
      assert.equal(seen.original, null);
    });
  });

  Deno.test(`${kind}: forwardedHeaders changes nothing for a peer that is not a known proxy`, async () => {
    // Naming a proxy replaces the loopback default.
    await withHost(kind, { knownProxies: ["10.9.9.9"] }, async (send, logs) => {
      const seen = await send({
        "x-forwarded-for": "6.6.6.6",
        "x-forwarded-proto": "https",
      });
      assert.equal(seen.remote, "127.0.0.1");
      assert.equal(seen.scheme, "http");
      assert.equal(seen.original, null);
      assert.equal(seen.headers["x-forwarded-for"], "6.6.6.6");
      assert.match(
        debugOf(logs).join("\n"),
        /127\.0\.0\.1 is not a known proxy/,
      );
    });
  });

  Deno.test(`${kind}: forwardedHeaders trusts IPv4-mapped spellings of a proxy`, async () => {
    for (
      const options of [
        { knownProxies: ["::ffff:127.0.0.1"] },
        { knownNetworks: ["::ffff:127.0.0.0/104"] },
        { knownNetworks: ["127.0.0.0/30"] },
      ]
    ) {
      await withHost(kind, options, async (send) => {
        const seen = await send({ "x-forwarded-for": "::ffff:198.51.100.9" });
        assert.equal(seen.remote, "198.51.100.9");
      });
    }
  });

  Deno.test(`${kind}: forwardedHeaders leaves the request unchanged when a value is invalid`, async () => {
    await withHost(kind, undefined, async (send, logs) => {
      const cases: Record<string, string>[] = [
        { "x-forwarded-for": "not-an-ip", "x-forwarded-proto": "https" },
        { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "gopher" },
        { "x-forwarded-for": "203.0.113.7", "x-forwarded-host": "a b" },
        { "x-forwarded-for": "203.0.113.7", "x-forwarded-host": "x:99999" },
        { "x-forwarded-for": "300.1.1.1" },
      ];
      for (const headers of cases) {
        const seen = await send(headers);
        assert.equal(seen.remote, "127.0.0.1", JSON.stringify(headers));
        assert.equal(seen.scheme, "http");
        assert.equal(seen.original, null);
        assert.equal(
          seen.headers["x-forwarded-for"],
          headers["x-forwarded-for"],
        );
      }
      const debug = debugOf(logs).join("\n");
      assert.match(debug, /"not-an-ip" is not an IP address/);
      assert.match(debug, /"gopher" is not http or https/);
      assert.match(debug, /"a b" is not a valid host/);
    });
  });

  Deno.test(`${kind}: forwardedHeaders reads RFC 7239 Forwarded when the format says so`, async () => {
    await withHost(kind, { format: "forwarded" }, async (send) => {
      const seen = await send({
        forwarded:
          'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=HTTPS;host="shop.example:8443"',
        "x-forwarded-for": "198.51.100.1",
      });
      assert.equal(seen.remote, "2001:db8:cafe::17");
      assert.equal(seen.port, 4711);
      assert.equal(seen.scheme, "https");
      assert.equal(seen.host, "shop.example:8443");
      assert.equal(
        seen.headers["forwarded"],
        'for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=HTTPS;host="shop.example:8443"',
      );
      // The other kind is the client's to forge: left alone.
      assert.equal(seen.headers["x-forwarded-for"], "198.51.100.1");
    });
    await withHost(
      kind,
      { format: "forwarded", forwardLimit: null },
      async (send) => {
        // An obfuscated or unknown node ends the walk; its proto still counts.
        const hidden = await send({
          forwarded: "for=6.6.6.6, for=_edge1;proto=https, for=127.0.0.9",
        });
        assert.equal(hidden.remote, "127.0.0.9");
        assert.equal(hidden.scheme, "https");
        assert.equal(
          hidden.headers["forwarded"],
          "for=6.6.6.6, for=_edge1;proto=https, for=127.0.0.9",
        );
        const unknown = await send({ forwarded: "for=unknown;proto=https" });
        assert.equal(unknown.remote, "127.0.0.1");
        assert.equal(unknown.scheme, "https");
        const malformed = await send({ forwarded: 'for="1.2.3.4' });
        assert.equal(malformed.remote, "127.0.0.1");
        assert.equal(malformed.original, null);
      },
    );
    // The prefix, which RFC 7239 has no parameter for, still comes from
    // X-Forwarded-Prefix, entry by entry with the Forwarded elements.
    await withHost(
      kind,
      {
        format: "forwarded",
        forwardLimit: 2,
        forwardedHeaders: ["prefix", "for", "proto"],
        knownNetworks: ["127.0.0.0/8", "10.0.0.0/8"],
      },
      async (send) => {
        const seen = await send({
          forwarded: "for=203.0.113.9;proto=https, for=10.0.0.2",
          "x-forwarded-prefix": "/outer, /inner/",
        });
        assert.equal(seen.remote, "203.0.113.9");
        assert.equal(seen.scheme, "https");
        assert.equal(seen.pathBase, "/outer");
        const without = await send({
          forwarded: "for=10.0.0.2;proto=https",
        });
        assert.equal(without.remote, "10.0.0.2");
        assert.equal(without.pathBase, "");
      },
    );
    // The default format ignores Forwarded.
    await withHost(kind, undefined, async (send) => {
      const seen = await send({ forwarded: "for=6.6.6.6" });
      assert.equal(seen.remote, "127.0.0.1");
      assert.equal(seen.headers["forwarded"], "for=6.6.6.6");
    });
  });

  Deno.test(`${kind}: forwardedHeaders reads Forwarded from the right, whatever a client wrote on the left`, async () => {
    await withHost(kind, { format: "forwarded" }, async (send) => {
      // What nginx's $proxy_add_forwarded sends after a client's own value:
      // the client's part, however odd, never voids the proxy's element.
      for (
        const forged of [
          "x-y=1",
          ", for=1.1.1.1",
          "for=1.1.1.1;for=2.2.2.2",
          'for="1.1.1.1',
          "garbage",
        ]
      ) {
        const seen = await send({
          forwarded: `${forged}, for=203.0.113.7;proto=https`,
        });
        assert.equal(seen.remote, "203.0.113.7", forged);
        assert.equal(seen.scheme, "https", forged);
      }
      // RFC 7239's own forms from the proxy: an extension parameter, an
      // obfuscated port, an unknown node with a port.
      const extension = await send({ forwarded: "for=203.0.113.7;x-id=42" });
      assert.equal(extension.remote, "203.0.113.7");
      const hiddenPort = await send({ forwarded: 'for="203.0.113.7:_p1"' });
      assert.equal(hiddenPort.remote, "203.0.113.7");
      assert.equal(hiddenPort.port, 0);
      const unknown = await send({
        forwarded: 'for="unknown:80";proto=https',
      });
      assert.equal(unknown.remote, "127.0.0.1");
      assert.equal(unknown.scheme, "https");
    });
  });

  Deno.test(`${kind}: forwardedHeaders applies X-Forwarded-Prefix to pathBase when asked`, async () => {
    await withHost(kind, { forwardedHeaders: ["prefix"] }, async (send) => {
      const seen = await send({
        "x-forwarded-prefix": "/shop/",
        "x-forwarded-for": "203.0.113.7",
      }, "/cart");
      assert.equal(seen.pathBase, "/shop");
      assert.equal(seen.path, "/cart");
      assert.equal(seen.remote, "127.0.0.1");
      assert.equal(seen.original?.originalPathBase, "");
      assert.equal(seen.headers["x-forwarded-for"], "203.0.113.7");
      const bad = await send({ "x-forwarded-prefix": "shop" });
      assert.equal(bad.pathBase, "");
      // A path base of "//host" would turn every link built from it into a
      // link to another host: refused, spelled with slashes or backslashes.
      for (const prefix of ["//evil.example", "/\\evil.example", "//"]) {
        const offsite = await send({ "x-forwarded-prefix": prefix });
        assert.equal(offsite.pathBase, "", prefix);
      }
    });
  });
}

Deno.test("forwardedHeaders says what is wrong with its options", () => {
  assert.throws(
    () => forwardedHeaders({ knownProxies: ["10.0.0.0/8"] }),
    {
      name: "TypeError",
      message: /knownProxies has "10\.0\.0\.0\/8".*knownNetworks/,
    },
  );
  assert.throws(
    () => forwardedHeaders({ knownNetworks: ["10.0.0.1/8"] }),
    { name: "TypeError", message: /did you mean 10\.0\.0\.0\/8\?/ },
  );
  assert.throws(
    () => forwardedHeaders({ knownNetworks: ["fd00::/129"] }),
    { name: "TypeError", message: /prefix length "129"/ },
  );
  assert.throws(
    () => forwardedHeaders({ knownNetworks: ["::ffff:10.0.0.0/8"] }),
    { name: "TypeError", message: /at least 96/ },
  );
  assert.throws(() => forwardedHeaders({ forwardLimit: 0 }), {
    name: "RangeError",
    message: /forwardLimit is 0/,
  });
  assert.throws(
    // @ts-expect-error: a field the middleware does not know
    () => forwardedHeaders({ forwardedHeaders: ["client"] }),
    {
      name: "TypeError",
      message: /"client"; use "for", "proto", "host" or "prefix"/,
    },
  );
});

Deno.test("forwardedHeadersFromConfiguration binds the ForwardedHeaders section", () => {
  const config = new ConfigurationBuilder().addInMemory({
    ForwardedHeaders: {
      ForwardLimit: "null",
      KnownProxies: ["10.0.0.5", "::1"],
      KnownNetworks: "192.168.0.0/16; fd00::/8",
      ForwardedHeaders: "XForwardedFor, XForwardedProto",
      Format: "X-Forwarded",
    },
    Bad: { KnownNetworks: "10.0.0.1/8" },
    BadName: { ForwardedHeaders: "Client" },
  }).build();
  assert.deepEqual(
    forwardedHeadersFromConfiguration(config.getSection("ForwardedHeaders")),
    {
      forwardLimit: null,
      knownProxies: ["10.0.0.5", "::1"],
      knownNetworks: ["192.168.0.0/16", "fd00::/8"],
      forwardedHeaders: ["for", "proto"],
      format: "x-forwarded",
    },
  );
  assert.deepEqual(
    forwardedHeadersFromConfiguration(config.getSection("None")),
    {},
  );
  assert.throws(
    () => forwardedHeadersFromConfiguration(config.getSection("Bad")),
    (error) =>
      error instanceof ConfigurationError &&
      /section "Bad": .*did you mean 10\.0\.0\.0\/8/.test(error.message),
  );
  assert.throws(
    () => forwardedHeadersFromConfiguration(config.getSection("BadName")),
    (error) =>
      error instanceof ConfigurationError && /"Client"/.test(error.message),
  );
});

Deno.test("forwardedHeadersEnabled follows ROOST_FORWARDEDHEADERS_ENABLED through the host", async () => {
  Deno.env.set("ROOST_FORWARDEDHEADERS_ENABLED", "true");
  let enabled: boolean | undefined;
  try {
    await using _running = await startHost("TestServer", (app, context) => {
      enabled = forwardedHeadersEnabled(context.configuration);
      app.run(() => {});
    });
  } finally {
    Deno.env.delete("ROOST_FORWARDEDHEADERS_ENABLED");
  }
  assert.equal(enabled, true);
  const config = (values: Record<string, string>) =>
    new ConfigurationBuilder().addInMemory(values).build();
  assert.equal(forwardedHeadersEnabled(config({})), false);
  assert.equal(
    forwardedHeadersEnabled(config({ "ForwardedHeaders:Enabled": "True" })),
    true,
  );
  assert.throws(
    () =>
      forwardedHeadersEnabled(config({ "ForwardedHeaders:Enabled": "maybe" })),
    (error) =>
      error instanceof ConfigurationError &&
      /"maybe"; use true or false/.test(error.message),
  );
});

Deno.test({
  name: "DenoServer: forwardedHeaders trusts an IPv6 loopback proxy by default",
  ignore: !hasIpv6(),
  async fn() {
    await using running = await startHost(
      "DenoServer",
      (app) => app.use(forwardedHeaders()).run(echo),
      { urls: "http://[::1]:0" },
    );
    const response = await running.fetch("/", {
      headers: { "x-forwarded-for": "[2001:db8::9]:5000" },
    });
    const seen = await response.json() as Seen;
    assert.equal(seen.remote, "2001:db8::9");
    assert.equal(seen.port, 5000);
    assert.equal(seen.original?.originalRemoteAddress, "::1");
  },
});
