// The request boundary: one normalized path that every part of the pipeline
// agrees on, and a Host that is validated before the app runs. DenoServer is
// probed over raw sockets (fetch clients normalize URLs themselves); the
// same spellings go to TestServer through its fetch.

import assert from "node:assert/strict";
import {
  type ApplicationBuilder,
  type HttpApplication,
  HttpRequestFeature,
  type Server,
  WebHostBuilder,
} from "../../mod.ts";
import {
  FeatureCollection,
  HttpResponseBodyFeature,
  resolveServerLimits,
} from "../../mod.ts";
import { Dispatcher } from "../../server/_dispatcher.ts";
import type { EndpointInfo } from "../../server/_request_state.ts";
import type { ConnectionInfo } from "../../server/_connection_features.ts";
import { curl, rawRequest, SERVER_KINDS, startHost } from "../_helpers.ts";

// A guard in front of a branch, as an app would write it: everything under
// /api/admin is forbidden, and the admin branch answers SECRET.
function guarded(app: ApplicationBuilder): void {
  app.use((ctx, next) => {
    if (ctx.request.path.toLowerCase().startsWith("/api/admin")) {
      ctx.response.status = 403;
      return ctx.response.send("denied");
    }
    return next();
  });
  app.map("/api", (api) => {
    api.map(
      "/admin",
      (admin) => admin.run((ctx) => ctx.response.send("SECRET")),
    );
    api.run((ctx) => ctx.response.send(`api ${ctx.request.path}`));
  });
}

// Spellings of /api/admin/secret that must never get past the guard.
const ATTACKS: readonly string[] = [
  "/api/admin/secret",
  "/API/Admin/secret",
  "/api/x/../admin/secret",
  "/api/./admin/secret",
  "/api/x/%2e%2e/admin/secret",
  "/api/x/%2E%2E/admin/secret",
  "/api/x/.%2e/admin/secret",
  "/api/x/%2e./admin/secret",
  "/api/%2e/admin/secret",
  "/api/x/y/../../admin/secret",
  "/api/admin/./secret",
  "/api/admin/x/../secret",
  "/api//admin/secret",
  "//api/admin/secret",
  "/api/%61dmin/secret",
  "/api/adm%69n/secret",
  "/api\\admin\\secret",
  "/api/x\\..\\admin/secret",
  "/api/x/..%5Cadmin/secret",
  "/api/admin%2Fsecret",
  "/api%2Fadmin/secret",
  "/api/x/%C0%AE%C0%AE/admin/secret",
  "/api/x/%c0%ae%c0%ae/admin/secret",
  "/api/admin/secret%00.txt",
  "/api/admin/secret#frag",
  "/api/admin/secret?x=/..",
  "/../api/admin/secret",
  "/api/x/../../../admin/secret",
];

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} never lets a spelling of a guarded path reach its branch`, async () => {
    await using running = await startHost(kind, guarded);
    const port = Number(new URL(running.base).port);
    for (const target of ATTACKS) {
      const answer = kind === "DenoServer"
        ? await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        )
        : await running.fetch(target).then(async (response) => ({
          status: response.status,
          body: await response.text(),
        }));
      assert.notEqual(answer.body, "SECRET", `${target} reached the branch`);
      assert.ok(
        [400, 403, 404].includes(answer.status) ||
          (answer.status === 200 && answer.body.startsWith("api ")),
        `${target}: ${answer.status} ${answer.body}`,
      );
    }
  });

  Deno.test(`${kind} gives path, map(), toRequest() and a mounted fetch handler one normalized path`, async () => {
    await using running = await startHost(kind, (app) => {
      app.map(
        "/mount",
        (mount) =>
          mount.runFetch((request) =>
            new Response(`fetch ${new URL(request.url).pathname}`)
          ),
      );
      app.map("/api", (api) =>
        api.run((ctx) =>
          ctx.response.json({
            base: ctx.request.pathBase,
            path: ctx.request.path,
            url: new URL(ctx.request.toRequest().url).pathname,
            href: ctx.request.url.pathname,
          })
        ));
    });
    const port = Number(new URL(running.base).port);
    const get = (target: string) =>
      kind === "DenoServer"
        ? rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        )
        : running.fetch(target).then(async (r) => ({
          status: r.status,
          body: await r.text(),
        }));
    const api = await get("/x/../api/y/%2e/z/..%2F/w");
    assert.equal(api.status, 200);
    assert.deepEqual(JSON.parse(api.body), {
      base: "/api",
      path: "/y/z/..%2F/w",
      url: "/api/y/z/..%2F/w",
      href: "/api/y/z/..%2F/w",
    });
    const mounted = await get("/mount/a/../b/%2e%2e/c");
    assert.equal(mounted.body, "fetch /c");
  });
}

Deno.test("DenoServer answers 400 to a path above the root, where raw Deno.serve passes it on", async () => {
  await using running = await startHost("DenoServer", guarded);
  const port = Number(new URL(running.base).port);
  for (const target of ["/../x", "/a/../../x", "/%2e%2e/x", "/a\\..\\..\\x"]) {
    const answer = await rawRequest(
      port,
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    );
    assert.equal(answer.status, 400, target);
    assert.match(answer.body, /climbs above the root/);
    assert.match(answer.headers, /connection: close/i);
  }
  const nul = await rawRequest(
    port,
    `GET /a%00b HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
  );
  assert.equal(nul.status, 400);
});

Deno.test("DenoServer keeps the raw target and drops the fragment from the path", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        const feature = ctx.features.get(HttpRequestFeature)!;
        return ctx.response.json({
          raw: feature.rawTarget,
          path: feature.path,
          query: feature.queryString,
        });
      }),
  );
  const port = Number(new URL(running.base).port);
  const answer = await rawRequest(
    port,
    `GET /a/./b%2e%2E/c?q=1#frag HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
  );
  assert.deepEqual(JSON.parse(answer.body), {
    raw: "/a/./b%2e%2E/c?q=1#frag",
    path: "/a/b../c",
    query: "?q=1",
  });
});

const HOSTS: readonly [string, number][] = [
  ["Host: \r\n", 200], // RFC 9112 §3.2 allows it: see below
  ["Host: 127.0.0.1/file\r\n", 400],
  ["Host: a b\r\n", 400],
  ["Host: user@evil\r\n", 400],
  ["Host: a?b\r\n", 400],
  ["Host: a#b\r\n", 400],
  ["Host: [::1\r\n", 400],
  ["Host: example.com:80x\r\n", 400],
  ["Host: example.com:99999\r\n", 400],
  ["Host: example.com\r\n", 200],
  ["Host: Example.COM:8080\r\n", 200],
  ["Host: [::1]:80\r\n", 200],
  ["Host: 127.0.0.1\r\n", 200],
  ["Host: xn--bcher-kva.example\r\n", 200],
];

Deno.test("DenoServer answers 400 to a malformed Host before the app runs", async () => {
  let calls = 0;
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        calls++;
        return ctx.response.send(`${ctx.request.host} ${ctx.request.path}`);
      }),
  );
  const port = Number(new URL(running.base).port);
  let expectedCalls = 0;
  for (const [header, status] of HOSTS) {
    const answer = await rawRequest(
      port,
      `GET / HTTP/1.1\r\n${header}Connection: close\r\n\r\n`,
    );
    assert.equal(answer.status, status, JSON.stringify(header));
    if (status === 200) expectedCalls++;
    else assert.match(answer.body, /Host/);
  }
  assert.equal(calls, expectedCalls);
  // The path never comes from the Host header.
  const answer = await rawRequest(
    port,
    `GET /real HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
  );
  assert.equal(answer.body, "127.0.0.1 /real");
});

Deno.test("DenoServer takes an absolute-form target's authority as the host", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) =>
        ctx.response.send(`${ctx.request.host} ${ctx.request.path}`)
      ),
  );
  const port = Number(new URL(running.base).port);
  const answer = await rawRequest(
    port,
    `GET http://example.com/x/../y?q HTTP/1.1\r\nHost: example.com\r\n\r\n`,
  );
  assert.equal(answer.status, 200);
  assert.equal(answer.body, "example.com /y");
});

// RFC 9112 §3.2: a client whose target has no authority sends an empty
// Host. Raw Deno.serve serves it (as localhost) and Kestrel with an empty
// host; Roost answered 400.
Deno.test("DenoServer serves an HTTP/1.1 request with an empty Host, naming no host", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) =>
        ctx.response.send(
          `[${ctx.request.host}] ${ctx.request.protocol} ${ctx.request.path}`,
        )
      ),
  );
  const port = Number(new URL(running.base).port);
  for (const host of ["Host: ", "Host:"]) {
    const answer = await rawRequest(
      port,
      `GET /p?q HTTP/1.1\r\n${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "[] HTTP/1.1 /p");
  }
  // An absolute-form target names its own host (RFC 9112 §3.2.2): an empty
  // Host beside it is not "no host", and stays refused as before.
  for (
    const target of [
      "GET http://evil.test/ HTTP/1.1",
      "CONNECT evil.test:443 HTTP/1.1",
    ]
  ) {
    const answer = await rawRequest(
      port,
      `${target}\r\nHost: \r\nConnection: close\r\n\r\n`,
    );
    assert.equal(answer.status, 400, target);
  }
});

// Deno puts "localhost:<port>" in the URL of an HTTP/1 request without Host,
// and the same string comes from an HTTP/2 client that names localhost:<port>
// in :authority. Only a peer on this machine can have meant localhost: from
// another, it is a request that named no host, which only HTTP/1.0 may send
// (a health check's `OPTIONS / HTTP/1.0`). Raw Deno.serve tells the app it
// named localhost; Roost serves it as Kestrel does, with an empty host,
// unless TLS said the connection speaks HTTP/1.1, which must send Host.
Deno.test("a request without Host from a remote peer is served with an empty host as HTTP/1.0, from loopback as before", async () => {
  const endpoint: EndpointInfo = {
    scheme: "http",
    localAddress: "0.0.0.0",
    localPort: 8000,
    tls: undefined,
    serverFeatures: new FeatureCollection(),
    limits: resolveServerLimits(),
    webSockets: false,
  };
  const dispatcher = new Dispatcher<FeatureCollection>({
    createContext: (features) => features,
    processRequest: (features) => {
      const request = features.get(HttpRequestFeature)!;
      return features.get(HttpResponseBodyFeature)!.complete(
        `${request.protocol} [${request.host}] ${
          request.request?.url ?? "rebuilt"
        }`,
      );
    },
    disposeContext() {},
  }, null);
  const peer = (hostname: string) => ({
    remoteAddr: { transport: "tcp" as const, hostname, port: 4000 },
  });
  const answer = async (
    request: Request,
    from: string,
    protocol?: string,
  ) => {
    const response = await dispatcher.dispatch(
      request,
      peer(from),
      endpoint,
      protocol,
    );
    return `${response.status} ${await response.text()}`;
  };
  // No Host, from another machine: no localhost in the host or the URL the
  // app is handed.
  assert.equal(
    await answer(new Request("http://localhost:8000/x"), "203.0.113.7"),
    "200 HTTP/1.0 [] rebuilt",
  );
  // The same over TLS whose ALPN said http/1.1: that version requires Host.
  assert.match(
    await answer(
      new Request("http://localhost:8000/x"),
      "203.0.113.7",
      "HTTP/1.1",
    ),
    /^400 Bad Request: the request has no Host header; HTTP\/1\.1 requires one/,
  );
  // From this machine it may be HTTP/2 naming localhost:<port>: kept.
  assert.equal(
    await answer(new Request("http://localhost:8000/x"), "127.0.0.1"),
    "200 HTTP/2 [localhost:8000] http://localhost:8000/x",
  );
  // A Host header that names localhost is the client's own claim.
  assert.equal(
    await answer(
      new Request("http://localhost:8000/x", {
        headers: { host: "localhost:8000" },
      }),
      "203.0.113.7",
    ),
    "200 HTTP/1.1 [localhost:8000] http://localhost:8000/x",
  );
});

// The same request through a whole host: no URL the app is handed names
// localhost (the address the server listens on stands in for the host).
Deno.test("an app never sees localhost in the URL of a remote request that named no host", async () => {
  let app: HttpApplication<unknown> | undefined;
  const server: Server = {
    features: new FeatureCollection(),
    start<C>(application: HttpApplication<C>) {
      app = application as HttpApplication<unknown>;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure((builder) =>
      builder
        .map("/fetch", (branch) =>
          branch.runFetch((request) => new Response(request.url)))
        .run((ctx) =>
          ctx.response.send(
            `[${ctx.request.host}] ${ctx.request.url} ${ctx.request.toRequest().url}`,
          )
        )
    )
    .build();
  await host.start();
  try {
    const dispatcher = new Dispatcher(app!, null);
    const endpoint: EndpointInfo = {
      scheme: "http",
      localAddress: "192.0.2.10",
      localPort: 8000,
      tls: undefined,
      serverFeatures: new FeatureCollection(),
      limits: resolveServerLimits(),
      webSockets: false,
    };
    const remote = {
      remoteAddr: {
        transport: "tcp" as const,
        hostname: "203.0.113.7",
        port: 4000,
      },
    };
    const ask = async (path: string, connection?: ConnectionInfo) =>
      await (await dispatcher.dispatch(
        new Request(`http://localhost:8000${path}`),
        remote,
        endpoint,
        undefined,
        connection,
      )).text();
    assert.equal(
      await ask("/admin?a=1"),
      "[] http://192.0.2.10:8000/admin?a=1 http://192.0.2.10:8000/admin?a=1",
    );
    assert.equal(await ask("/fetch/x?q=1"), "http://192.0.2.10:8000/x?q=1");
    // On port 80 Deno's made-up URL reads "localhost", without the port.
    const eighty = { ...endpoint, localPort: 80 };
    const onEighty = await (await dispatcher.dispatch(
      new Request("http://localhost/admin"),
      remote,
      eighty,
    )).text();
    assert.equal(
      onEighty,
      "[] http://192.0.2.10/admin http://192.0.2.10/admin",
    );
    // On a connection the server owns, the interface the client reached,
    // not the wildcard the endpoint listens on.
    const wildcard = { ...endpoint, localAddress: "0.0.0.0" };
    const owned: ConnectionInfo = {
      id: "c1",
      protocol: undefined,
      alpnProtocol: null,
      tls: undefined,
      remoteAddr: remote.remoteAddr,
      localAddr: { transport: "tcp", hostname: "198.51.100.4", port: 8000 },
      closing: false,
      ending: false,
      requestStarted: () => 1,
      requestEnded() {},
      endAfterResponse() {},
    };
    const viaOwned = await (await dispatcher.dispatch(
      new Request("http://localhost:8000/admin"),
      remote,
      wildcard,
      undefined,
      owned,
    )).text();
    assert.equal(
      viaOwned,
      "[] http://198.51.100.4:8000/admin http://198.51.100.4:8000/admin",
    );
  } finally {
    await host.stop();
  }
});

Deno.test("DenoServer serves cleartext HTTP/2 addressed to localhost:<port> as HTTP/2", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) => app.run((ctx) => ctx.response.send(ctx.request.protocol)),
    {
      urls: "http://localhost:0",
    },
  );
  const port = new URL(running.base).port;
  const body = await curl([
    "--http2-prior-knowledge",
    `http://localhost:${port}/`,
  ]);
  assert.equal(body, "HTTP/2");
});

// An app that maps a prefix to files, as a naive static handler would: the
// normalized path can never climb out of the root, by the target or by Host.
Deno.test("DenoServer never lets a traversal reach a file outside a sendFile root", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/hello.txt`, "hello");
  try {
    await using running = await startHost(
      "DenoServer",
      (app) =>
        app.map("/static", (files) =>
          files.run((ctx) =>
            ctx.response.sendFile(
              `${root}${decodeURIComponent(ctx.request.path)}`,
            )
          )),
    );
    const port = Number(new URL(running.base).port);
    const ok = await rawRequest(
      port,
      "GET /static/hello.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    );
    assert.equal(ok.body, "hello");
    const attempts = [
      "GET /static/../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /static/..\\..\\..\\..\\etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "GET /passwd HTTP/1.1\r\nHost: 127.0.0.1/static/../../../../etc\r\n\r\n",
    ];
    for (const attempt of attempts) {
      const answer = await rawRequest(port, attempt);
      assert.equal(answer.status, 400, attempt);
      assert.doesNotMatch(answer.body, /root:/, attempt);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("DenoServer encodes a raw UTF-8 path as new URL() does on raw Deno.serve, never as Latin-1", async () => {
  const raw = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => new Response(new URL(request.url).pathname),
  );
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) =>
        ctx.response.send(
          `${ctx.request.path} ${decodeURIComponent(ctx.request.path)}`,
        )
      ),
  );
  const port = Number(new URL(running.base).port);
  try {
    for (const path of ["/café", "/ß/ñ", "/日本", "/🦕", "/caf%C3%A9"]) {
      const request = new TextEncoder().encode(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      const fromRaw = await rawRequest(raw.addr.port, request);
      const fromRoost = await rawRequest(port, request);
      assert.equal(fromRoost.status, 200, path);
      const [encoded, decoded] = new TextDecoder()
        .decode(Uint8Array.from(fromRoost.body, (c) => c.charCodeAt(0)))
        .split(" ");
      assert.equal(encoded, fromRaw.body, path);
      assert.equal(decoded, decodeURIComponent(path), path);
    }
  } finally {
    await raw.shutdown();
  }
});

Deno.test("DenoServer's 400 for a bad non-ASCII Host shows it as the client wrote it", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) => app.run((ctx) => ctx.response.send("served")),
  );
  const port = Number(new URL(running.base).port);
  const answer = await rawRequest(
    port,
    new TextEncoder().encode(
      "GET / HTTP/1.1\r\nHost: bücher example\r\nConnection: close\r\n\r\n",
    ),
  );
  assert.equal(answer.status, 400);
  const body = new TextDecoder().decode(
    Uint8Array.from(answer.body, (c) => c.charCodeAt(0)),
  );
  assert.match(body, /"bücher example"/);
});
