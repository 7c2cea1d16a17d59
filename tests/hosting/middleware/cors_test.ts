// cors(): preflights answered before routing can 405 them, actual requests
// with the allow headers (buffered and streamed), Vary: Origin, and
// per-endpoint policies through EnableCors / DisableCors metadata.

import assert from "node:assert/strict";
import type { ApplicationBuilder } from "../../../mod.ts";
import {
  cors,
  type CorsPolicy,
  DisableCors,
  EnableCors,
} from "../../../hosting/middleware/cors.ts";
import { SERVER_KINDS, startHost } from "../../_helpers.ts";

const APP = "https://app.example";

function preflight(
  origin: string,
  method: string,
  headers?: string,
): RequestInit {
  return {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": method,
      ...(headers === undefined
        ? {}
        : { "access-control-request-headers": headers }),
    },
  };
}

function corsHeaders(response: Response): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    if (name.startsWith("access-control-") || name === "vary") {
      found[name] = value;
    }
  }
  return found;
}

const POLICY: CorsPolicy = {
  origins: [APP, "https://*.example.com"],
  methods: ["PUT", "DELETE"],
  headers: ["content-type", "x-token"],
  exposedHeaders: ["x-total", "etag"],
  credentials: true,
  maxAge: 600,
};

for (const kind of SERVER_KINDS) {
  for (const routingFirst of [true, false]) {
    const form = routingFirst
      ? "useRouting(); cors(); mapGet()"
      : "cors(); mapGet()";
    const configure = (app: ApplicationBuilder) => {
      if (routingFirst) app.useRouting();
      app.use(cors(POLICY));
      app.mapGet("/items", (ctx) => ctx.response.send("items"));
    };

    Deno.test(`[${kind}] with ${form}, an allowed preflight is answered 204 with the allow headers, not 405`, async () => {
      await using running = await startHost(kind, configure);
      const response = await running.fetch(
        "/items",
        preflight(APP, "PUT", "Content-Type, X-Token"),
      );
      assert.equal(response.status, 204);
      assert.equal(await response.text(), "");
      assert.deepEqual(corsHeaders(response), {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "PUT",
        "access-control-allow-headers": "content-type, x-token",
        "access-control-max-age": "600",
        vary: "Origin",
      });
    });

    Deno.test(`[${kind}] with ${form}, a refused preflight gets 204 and no CORS headers`, async () => {
      await using running = await startHost(kind, configure);
      for (
        const init of [
          preflight("https://evil.example", "PUT"),
          preflight(APP, "PATCH"),
          preflight(APP, "PUT", "x-secret"),
        ]
      ) {
        const response = await running.fetch("/items", init);
        assert.equal(response.status, 204);
        await response.body?.cancel();
        assert.deepEqual(corsHeaders(response), { vary: "Origin" });
      }
    });
  }

  Deno.test(`[${kind}] an allowed origin's request runs and gets allow-origin, credentials and exposed headers`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors(POLICY));
      app.mapGet("/items", (ctx) => {
        ctx.response.headers.set("x-total", "3");
        return ctx.response.send("items");
      });
    });
    const response = await running.fetch("/items", {
      headers: { origin: "https://shop.example.com" },
    });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "items");
    assert.deepEqual(corsHeaders(response), {
      "access-control-allow-origin": "https://shop.example.com",
      "access-control-allow-credentials": "true",
      "access-control-expose-headers": "x-total, etag",
      vary: "Origin",
    });
  });

  Deno.test(`[${kind}] a refused origin's request runs without CORS headers, still varying by Origin, and a request without Origin is left alone`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors(POLICY));
      app.mapGet("/items", (ctx) => ctx.response.send("items"));
    });
    for (
      const origin of [
        "https://example.com", // the parent of a wildcard is not a subdomain
        "http://shop.example.com", // another scheme
        "https://app.example:8443", // another port
      ]
    ) {
      const response = await running.fetch("/items", { headers: { origin } });
      assert.equal(await response.text(), "items");
      assert.deepEqual(corsHeaders(response), { vary: "Origin" }, origin);
    }
    // Without Origin it is no CORS request: untouched, as in ASP.NET.
    const sameOrigin = await running.fetch("/items");
    assert.equal(await sameOrigin.text(), "items");
    assert.deepEqual(corsHeaders(sameOrigin), {});
  });

  Deno.test(`[${kind}] a Vary the handler sets or returns keeps Origin in it`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors(POLICY));
      app.mapGet("/set", (ctx) => {
        ctx.response.headers.set("vary", "Accept");
        return ctx.response.send("set");
      });
      app.mapGet(
        "/init",
        (ctx) =>
          ctx.response.send("init", { headers: { vary: "Accept-Language" } }),
      );
      app.mapGet(
        "/returned",
        () =>
          new Response("returned", { headers: { vary: "Accept-Encoding" } }),
      );
    });
    for (
      const [path, vary] of [
        ["/set", "Accept, Origin"],
        ["/init", "Accept-Language, Origin"],
        ["/returned", "Accept-Encoding, Origin"],
      ]
    ) {
      for (
        const origin of ["https://shop.example.com", "https://evil.example"]
      ) {
        const response = await running.fetch(path, { headers: { origin } });
        await response.body?.cancel();
        assert.equal(response.headers.get("vary"), vary, `${path} ${origin}`);
      }
    }
  });

  Deno.test(`[${kind}] any origin without credentials answers "*" and does not vary by Origin`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors({ origins: "*", headers: "*", methods: "*" }));
      app.mapGet("/items", (ctx) => ctx.response.send("items"));
    });
    const response = await running.fetch("/items", {
      headers: { origin: "https://anyone.example" },
    });
    assert.equal(await response.text(), "items");
    assert.deepEqual(corsHeaders(response), {
      "access-control-allow-origin": "*",
    });
    const asked = await running.fetch(
      "/items",
      preflight("https://anyone.example", "PURGE", "x-one, x-two"),
    );
    await asked.body?.cancel();
    assert.deepEqual(corsHeaders(asked), {
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "PURGE",
      "access-control-allow-headers": "x-one, x-two",
    });
  });

  Deno.test(`[${kind}] Vary: Origin is added once to what the app varies by`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(async (ctx, next) => {
        ctx.response.headers.set("vary", "Accept-Encoding");
        await next();
      });
      app.use(cors({ origins: APP }));
      app.use(cors({ origins: APP })); // twice: still one Origin
      app.mapGet("/items", (ctx) => ctx.response.send("items"));
    });
    const response = await running.fetch("/items", {
      headers: { origin: APP },
    });
    assert.equal(await response.text(), "items");
    assert.equal(response.headers.get("vary"), "Accept-Encoding, Origin");
  });

  Deno.test(`[${kind}] CORS headers survive a streamed response`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors({ origins: APP, exposedHeaders: ["x-part"] }));
      app.mapGet("/stream", async (ctx) => {
        await ctx.response.start();
        for (let i = 0; i < 3; i++) await ctx.response.write(`part ${i};`);
      });
    });
    const response = await running.fetch("/stream", {
      headers: { origin: APP },
    });
    assert.equal(await response.text(), "part 0;part 1;part 2;");
    assert.deepEqual(corsHeaders(response), {
      "access-control-allow-origin": APP,
      "access-control-expose-headers": "x-part",
      vary: "Origin",
    });
  });

  Deno.test(`[${kind}] an error thrown past cors() gets the host's error response, without CORS allow headers but varying by Origin`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors({ origins: APP }));
      app.mapGet("/fail", () => {
        throw new Error("boom");
      });
    }, {
      setup: (builder) =>
        void builder.configureLogging((l) => l.clearOutputs()),
    });
    const response = await running.fetch("/fail", {
      headers: { origin: APP },
    });
    assert.equal(response.status, 500);
    await response.body?.cancel();
    // Every answer to a request with an Origin says it varies by Origin.
    assert.deepEqual(corsHeaders(response), { vary: "Origin" });
  });

  Deno.test(`[${kind}] an endpoint's EnableCors replaces the global policy when routing comes first`, async () => {
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(cors({ origins: APP }));
      app.mapGet("/public", (ctx) => ctx.response.send("public"))
        .withMetadata(new EnableCors({ origins: "https://partner.example" }));
      app.mapGet("/private", (ctx) => ctx.response.send("private"));
    });
    const partner = { headers: { origin: "https://partner.example" } };
    const own = { headers: { origin: APP } };

    const publicPartner = await running.fetch("/public", partner);
    assert.equal(await publicPartner.text(), "public");
    assert.equal(
      publicPartner.headers.get("access-control-allow-origin"),
      "https://partner.example",
    );
    const publicOwn = await running.fetch("/public", own);
    assert.equal(await publicOwn.text(), "public");
    assert.equal(publicOwn.headers.get("access-control-allow-origin"), null);

    const privateOwn = await running.fetch("/private", own);
    assert.equal(await privateOwn.text(), "private");
    assert.equal(privateOwn.headers.get("access-control-allow-origin"), APP);
  });

  Deno.test(`[${kind}] an endpoint's policy answers its preflights when routing selects it for OPTIONS`, async () => {
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(cors());
      app.mapMethods(
        ["GET", "OPTIONS"],
        "/public",
        (ctx) => ctx.response.send("public"),
      ).withMetadata(new EnableCors({ origins: "https://partner.example" }));
    });
    const response = await running.fetch(
      "/public",
      preflight("https://partner.example", "GET"),
    );
    assert.equal(response.status, 204);
    await response.body?.cancel();
    assert.equal(
      response.headers.get("access-control-allow-origin"),
      "https://partner.example",
    );
  });

  Deno.test(`[${kind}] DisableCors turns CORS off for its endpoint, and its preflight goes on to routing`, async () => {
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(cors({ origins: "*" }));
      const internal = app.mapGroup("/internal")
        .withMetadata(new DisableCors());
      internal.mapGet("/", (ctx) => ctx.response.send("internal"));
      internal.mapMethods(["OPTIONS"], "/", (ctx) => ctx.response.send("app"));
      internal.mapGet("/open", (ctx) => ctx.response.send("open"))
        .withMetadata(new EnableCors({ origins: "*" }));
    });
    const origin = { headers: { origin: APP } };
    const internal = await running.fetch("/internal", origin);
    assert.equal(await internal.text(), "internal");
    assert.deepEqual(corsHeaders(internal), {});

    const asked = await running.fetch("/internal", preflight(APP, "GET"));
    assert.equal(asked.status, 200);
    assert.equal(await asked.text(), "app"); // the app's own OPTIONS answer
    assert.deepEqual(corsHeaders(asked), {});

    // The endpoint's EnableCors comes after its group's DisableCors: it wins.
    const open = await running.fetch("/internal/open", origin);
    assert.equal(await open.text(), "open");
    assert.equal(open.headers.get("access-control-allow-origin"), "*");
  });

  Deno.test(`[${kind}] without a global policy, only endpoints with EnableCors get CORS headers`, async () => {
    await using running = await startHost(kind, (app) => {
      app.useRouting();
      app.use(cors());
      app.mapGet("/open", (ctx) => ctx.response.send("open"))
        .withMetadata(new EnableCors({ origins: APP }));
      app.mapGet("/plain", (ctx) => ctx.response.send("plain"));
    });
    const origin = { headers: { origin: APP } };
    const open = await running.fetch("/open", origin);
    assert.equal(await open.text(), "open");
    assert.equal(open.headers.get("access-control-allow-origin"), APP);
    const plain = await running.fetch("/plain", origin);
    assert.equal(await plain.text(), "plain");
    assert.deepEqual(corsHeaders(plain), {});
  });

  Deno.test(`[${kind}] before routing, cors() sees no endpoint: the global policy applies even where EnableCors is set`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors({ origins: APP }));
      app.mapGet("/public", (ctx) => ctx.response.send("public"))
        .withMetadata(new EnableCors({ origins: "*" }));
    });
    const response = await running.fetch("/public", {
      headers: { origin: APP },
    });
    assert.equal(await response.text(), "public");
    assert.equal(response.headers.get("access-control-allow-origin"), APP);
  });

  Deno.test(`[${kind}] an OPTIONS request without Access-Control-Request-Method is not a preflight`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(cors({ origins: APP }));
      app.mapMethods(["OPTIONS"], "/items", (ctx) => ctx.response.send("app"));
    });
    const response = await running.fetch("/items", {
      method: "OPTIONS",
      headers: { origin: APP },
    });
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "app");
    assert.equal(response.headers.get("access-control-allow-origin"), APP);
  });
}
