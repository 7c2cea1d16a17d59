// DenoServer on real sockets: endpoints, TLS with HTTP/2, Unix sockets,
// client aborts and graceful stop.

import assert from "node:assert/strict";
import {
  DenoServer,
  ServerAddressesFeature,
  WebHostBuilder,
} from "../../mod.ts";
import {
  CA_FILE,
  CERT_FILE,
  chunkedBody,
  type CollectingOutput,
  collectLogs,
  curl,
  deferred,
  delay,
  hasIpv6,
  KEY_FILE,
  rawRequest,
  startHost,
  webSocketReply,
  within,
} from "../_helpers.ts";

const protocolApp = (app: import("../../mod.ts").ApplicationBuilder) =>
  app.run((ctx) =>
    ctx.response.send(`${ctx.request.protocol} ${ctx.request.scheme}`)
  );

Deno.test("DenoServer answers HTTP/2 and HTTP/1.1 on one TLS port by ALPN", async () => {
  await using running = await startHost("DenoServer", protocolApp, {
    urls: "https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  assert.match(running.base, /^https:\/\/127\.0\.0\.1:\d+$/);
  const h2 = await curl([
    "--http2",
    "--cacert",
    CA_FILE,
    "--write-out",
    " %{http_version}",
    running.base,
  ]);
  assert.equal(h2, "HTTP/2 https 2");
  const h1 = await curl([
    "--http1.1",
    "--cacert",
    CA_FILE,
    "--write-out",
    " %{http_version}",
    running.base,
  ]);
  assert.equal(h1, "HTTP/1.1 https 1.1");
});

Deno.test("DenoServer serves HTTPS to Deno's own client with the test certificate", async () => {
  await using running = await startHost("DenoServer", protocolApp, {
    urls: "https://127.0.0.1:0",
    certificate: {
      cert: await Deno.readTextFile(CERT_FILE),
      key: await Deno.readTextFile(KEY_FILE),
    },
  });
  using client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
  });
  const response = await fetch(running.base, { client });
  assert.match(await response.text(), /^HTTP\/(1\.1|2) https$/);
});

Deno.test("DenoServer answers cleartext HTTP/2 with prior knowledge", async () => {
  await using running = await startHost("DenoServer", protocolApp);
  const body = await curl([
    "--http2-prior-knowledge",
    "--write-out",
    " %{http_version}",
    running.base,
  ]);
  assert.equal(body, "HTTP/2 http 2");
});

Deno.test("DenoServer binds localhost on both loopbacks at one port", async () => {
  await using running = await startHost("DenoServer", protocolApp, {
    urls: "http://localhost:0",
  });
  const url = new URL(running.base);
  assert.equal(url.hostname, "localhost");
  assert.notEqual(url.port, "0");
  const v4 = await fetch(`http://127.0.0.1:${url.port}/`);
  assert.equal(await v4.text(), "HTTP/1.1 http");
  if (hasIpv6()) {
    const v6 = await fetch(`http://[::1]:${url.port}/`);
    assert.equal(await v6.text(), "HTTP/1.1 http");
  }
});

Deno.test("DenoServer listens on several URLs and reports each real address", async () => {
  const urls = hasIpv6()
    ? "http://127.0.0.1:0;http://[::1]:0"
    : "http://127.0.0.1:0;http://127.0.0.1:0";
  await using running = await startHost("DenoServer", protocolApp, { urls });
  const addresses = running.server.features.get(ServerAddressesFeature)!
    .addresses;
  assert.equal(addresses.length, 2);
  for (const address of addresses) {
    assert.doesNotMatch(address, /:0$/);
    assert.equal(await (await fetch(address)).text(), "HTTP/1.1 http");
  }
});

// Deno makes up a host from the socket's path for a request over a Unix
// socket that names none; no URL can carry it. Raw Deno.serve hands the app
// an http+unix: URL; Roost's URL falls back to localhost, the machine the
// socket is on, instead of throwing.
Deno.test("DenoServer gives a valid URL to a request over a Unix socket that named no host", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.sock`;
  try {
    await using _running = await startHost(
      "DenoServer",
      (app) =>
        app.run((ctx) =>
          // The host is empty (Deno makes one up from the socket's path,
          // which is nobody's host), and the URLs are valid.
          ctx.response.send(
            `[${ctx.request.host}] ${ctx.request.url} ${
              URL.canParse(ctx.request.toRequest().url)
            }`,
          )
        ),
      { urls: `unix:${path}` },
    );
    const answer = await rawRequest(path, "GET /a?q=1 HTTP/1.0\r\n\r\n");
    assert.equal(answer.status, 200);
    assert.equal(answer.body, "[] http://localhost/a?q=1 true");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DenoServer serves a Unix socket", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.sock`;
  try {
    await using running = await startHost("DenoServer", protocolApp, {
      urls: `unix:${path}`,
    });
    assert.deepEqual(running.host.addresses, [`unix:${path}`]);
    const body = await curl(["--unix-socket", path, "http://localhost/"]);
    assert.equal(body, "HTTP/1.1 http");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DenoServer does not take over a Unix socket another server is listening on", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.sock`;
  try {
    await using _first = await startHost("DenoServer", protocolApp, {
      urls: `unix:${path}`,
    });
    // As Deno.serve({ path }) does, a second server fails with AddrInUse.
    await assert.rejects(
      startHost("DenoServer", protocolApp, { urls: `unix:${path}` }),
      (error: Error) =>
        error.message.includes(`unix:${path}`) &&
        error.message.includes("another server is listening on it"),
    );
    // The first server still owns its socket and answers.
    assert.equal(
      await curl(["--unix-socket", path, "http://localhost/"]),
      "HTTP/1.1 http",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DenoServer replaces a socket file left by a server that is gone", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.sock`;
  try {
    // A server killed without a chance to clean up leaves its file behind.
    const crashed = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `Deno.listen({ transport: "unix", path: ${
          JSON.stringify(path)
        } }); console.log("up"); setInterval(() => {}, 1000);`,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = crashed.stdout.getReader();
    await reader.read();
    crashed.kill("SIGKILL");
    await crashed.status;
    reader.releaseLock();
    await crashed.stdout.cancel();
    assert.ok((await Deno.lstat(path)).isSocket);
    await using _running = await startHost("DenoServer", protocolApp, {
      urls: `unix:${path}`,
    });
    assert.equal(
      await curl(["--unix-socket", path, "http://localhost/"]),
      "HTTP/1.1 http",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DenoServer rejects a malformed URL with a message that quotes it", () => {
  assert.throws(
    () => new DenoServer({ urls: "http//localhost:80" }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message.includes('"http//localhost:80"') &&
      error.message.includes("http://localhost:8000"),
  );
});

Deno.test("DenoServer names the address when a port is taken", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  try {
    const host = new WebHostBuilder()
      .useUrls(`http://127.0.0.1:${port}`)
      .useSetting("suppressStatusMessages", "true")
      .configure(protocolApp)
      .build();
    await assert.rejects(
      () => host.start(),
      (error: Error) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message.includes(`port ${port} is already in use`),
    );
  } finally {
    listener.close();
  }
});

Deno.test("DenoServer refuses an HTTPS endpoint without a certificate", async () => {
  const server = new DenoServer({ urls: "https://127.0.0.1:0" });
  await assert.rejects(
    () =>
      server.start({
        createContext: (f) => f,
        processRequest: () => Promise.resolve(),
        disposeContext() {},
      }),
    /has no certificate/,
  );
});

Deno.test("requestAborted fires when the client goes away mid-request", async () => {
  const aborted = deferred<boolean>();
  const entered = deferred();
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        const signal = ctx.requestAborted;
        entered.resolve();
        const fired = await within(
          new Promise<boolean>((resolve) =>
            signal.addEventListener("abort", () => resolve(true))
          ),
          "requestAborted to fire",
          3000,
        ).catch(() => false);
        aborted.resolve(fired);
      }),
  );
  const controller = new AbortController();
  const request = running.fetch("/", { signal: controller.signal }).catch(
    () => "aborted",
  );
  await entered.promise;
  controller.abort();
  assert.equal(await request, "aborted");
  assert.equal(await aborted.promise, true);
});

Deno.test("requestAborted does not fire after a normal response", async () => {
  const signals: AbortSignal[] = [];
  const completions: Promise<void>[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        signals.push(ctx.requestAborted);
        const completed = deferred();
        completions.push(completed.promise);
        ctx.response.onCompleted(() => completed.resolve());
        return ctx.response.send("done");
      }),
  );
  for (let i = 0; i < 3; i++) await (await running.fetch("/")).text();
  // Deno's legacy abort fires when a response is delivered: wait for each
  // delivery, then one more task turn for any abort queued with it.
  await Promise.all(completions);
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(signals.length, 3);
  assert.deepEqual(signals.map((s) => s.aborted), [false, false, false]);
});

Deno.test("a client leaving a stream fires requestAborted and later writes are dropped", async () => {
  const result = deferred<{ aborted: boolean; threw: boolean }>();
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        await ctx.response.start();
        let threw = false;
        try {
          for (let i = 0; i < 200 && !ctx.requestAborted.aborted; i++) {
            await ctx.response.write(`tick ${i}\n`);
            await delay(10);
          }
          await ctx.response.write("after the client left\n");
        } catch {
          threw = true;
        }
        result.resolve({ aborted: ctx.requestAborted.aborted, threw });
      }),
  );
  const response = await running.fetch("/");
  const reader = response.body!.getReader();
  await reader.read();
  await reader.cancel();
  assert.deepEqual(await result.promise, { aborted: true, threw: false });
});

Deno.test("a graceful stop lets the request in flight finish and refuses new ones", async () => {
  const entered = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        entered.resolve();
        await delay(300);
        return ctx.response.send("finished");
      }),
  );
  const inFlight = running.fetch("/");
  await entered.promise;
  assert.equal((running.server as DenoServer).activeRequests, 1);
  const stopped = running.host.stop();
  const response = await inFlight;
  assert.equal(response.status, 200);
  assert.equal(await response.text(), "finished");
  await stopped;
  assert.equal(running.host.lifetime.stopped.aborted, true);
  await assert.rejects(() => fetch(running.base));
});

Deno.test("at the shutdown deadline requests still running are cancelled", async () => {
  const sawAbort = deferred<boolean>();
  const entered = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        entered.resolve();
        const signal = ctx.requestAborted;
        await new Promise((resolve) =>
          signal.addEventListener("abort", resolve)
        );
        sawAbort.resolve(true);
      }),
    { setup: (builder) => builder.useShutdownTimeout(200), onError: () => {} },
  );
  const request = running.fetch("/").then(
    (response) => response.text(),
  ).catch(() => "reset");
  await entered.promise;
  const started = performance.now();
  await running.host.stop();
  const took = performance.now() - started;
  assert.equal(await sawAbort.promise, true);
  assert.ok(took < 2500, `stop took ${took} ms`);
  assert.notEqual(await request, "finished");
});

Deno.test("at the shutdown deadline a request that got nothing is answered 503, never a success", async () => {
  const entered = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        ctx.response.headers.set("x-app", "buffered");
        await ctx.response.write("partial");
        entered.resolve();
        await new Promise((resolve) =>
          ctx.requestAborted.addEventListener("abort", resolve)
        );
        // Writes after the cut are dropped, not errors.
        await ctx.response.write("late");
      }),
    { setup: (builder) => builder.useShutdownTimeout(200), onError: () => {} },
  );
  const request = running.fetch("/");
  await entered.promise;
  await running.host.stop();
  const response = await request;
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("connection"), "close");
  assert.equal(response.headers.get("x-app"), null);
  assert.match(await response.text(), /server stopped/);
});

Deno.test("at the shutdown deadline a streaming response is broken off, not ended cleanly", async () => {
  const entered = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        await ctx.response.start();
        await ctx.response.write("first chunk");
        entered.resolve();
        await new Promise((resolve) =>
          ctx.requestAborted.addEventListener("abort", resolve)
        );
      }),
    { setup: (builder) => builder.useShutdownTimeout(200), onError: () => {} },
  );
  const response = await running.fetch("/");
  assert.equal(response.status, 200);
  await entered.promise;
  const stopped = running.host.stop();
  await assert.rejects(response.text());
  await stopped;
});

Deno.test("a graceful stop waits for an upload still arriving", async () => {
  const entered = deferred();
  const running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        entered.resolve();
        const size = (await ctx.request.bytes()).byteLength;
        return ctx.response.send(`received ${size}`);
      }),
  );
  const upload = running.fetch("/", {
    method: "POST",
    body: chunkedBody(5, 1000, 100),
  });
  await entered.promise;
  const stopped = running.host.stop();
  const response = await upload;
  assert.equal(await response.text(), "received 5000");
  await stopped;
});

Deno.test("DenoServer with webSockets: true accepts a WebSocket through ctx.webSockets", async () => {
  const statuses: number[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) => {
      app.use(async (ctx, next) => {
        await next();
        statuses.push(ctx.response.status);
      });
      app.run((ctx) => {
        if (!ctx.webSockets.isWebSocketRequest) {
          return ctx.response.send("not a websocket", { status: 426 });
        }
        const socket = ctx.webSockets.accept();
        socket.onmessage = (event) => socket.send(`echo: ${event.data}`);
      });
    },
    { webSockets: true, onError: () => {} },
  );
  const plain = await running.fetch("/");
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  assert.equal(
    await webSocketReply(running.base.replace("http", "ws")),
    "echo: hi",
  );
  // Middleware after next() sees the 101 that went out, as in ASP.NET.
  assert.deepEqual(statuses, [426, 101]);
});

Deno.test("DenoServer on its own connections refuses a WebSocket with an error that names the fix", async () => {
  const errors: string[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        assert.equal(ctx.webSockets.isWebSocketRequest, true);
        try {
          ctx.webSockets.accept();
        } catch (error) {
          errors.push((error as Error).message);
          throw error;
        }
      }),
    { setup: (builder) => builder.configureLogging((l) => l.clearOutputs()) },
  );
  const socket = new WebSocket(running.base.replace("http", "ws"));
  const failed = new Promise((resolve) => socket.onerror = resolve);
  const closed = new Promise((resolve) => socket.onclose = resolve);
  await failed;
  await closed;
  assert.equal(errors.length, 1);
  assert.match(errors[0], /webSockets: true/);
});

Deno.test("DenoServer refuses WebSockets over maxConcurrentUpgradedConnections with 503, and takes one again when a socket closes", async () => {
  let logs: CollectingOutput | undefined;
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        const socket = ctx.webSockets.accept();
        socket.onmessage = (event) => socket.send(`echo: ${event.data}`);
      }),
    {
      webSockets: true,
      limits: { maxConcurrentUpgradedConnections: 1 },
      onError: () => {},
      setup: (builder) => logs = collectLogs(builder),
    },
  );
  const url = running.base.replace("http", "ws");
  const open = (): Promise<WebSocket | "refused"> =>
    new Promise((resolve) => {
      const socket = new WebSocket(url);
      socket.onopen = () => resolve(socket);
      socket.onerror = () => resolve("refused");
    });
  const closed = (socket: WebSocket) =>
    new Promise((resolve) => {
      socket.onclose = resolve;
      socket.close();
    });
  const first = await open();
  assert.notEqual(first, "refused");
  // The upgrade over the cap is answered 503, not upgraded.
  const response = await fetch(running.base, {
    headers: {
      connection: "upgrade",
      upgrade: "websocket",
      "sec-websocket-version": "13",
      "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
    },
  });
  assert.equal(response.status, 503);
  await response.body?.cancel();
  // The limit at work is news, not the app's crash (Kestrel: Information).
  assert.deepEqual(
    logs!.records.filter((r) => r.level === "error").map((r) => r.message),
    [],
  );
  assert.match(
    logs!.messages("Roost.Server", "information").join("\n"),
    /answered 503: .*maxConcurrentUpgradedConnections/,
  );
  assert.equal(await open(), "refused");
  await closed(first as WebSocket);
  // The server sees the close a moment after the client: try a few times.
  let again: WebSocket | "refused" = "refused";
  for (let attempt = 0; attempt < 50 && again === "refused"; attempt++) {
    again = await open();
  }
  assert.notEqual(again, "refused");
  await closed(again as WebSocket);
});

Deno.test("DenoServer answers 400, not 500, to a malformed WebSocket handshake", async () => {
  const errors: string[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        if (!ctx.webSockets.isWebSocketRequest) {
          return ctx.response.send("plain");
        }
        ctx.webSockets.accept();
      }),
    {
      webSockets: true,
      onError: () => {},
      setup: (builder) =>
        builder.configureLogging((l) =>
          l.clearOutputs().addOutput({
            name: "Errors",
            write: (record) => {
              if (record.level === "error") errors.push(record.message);
            },
          })
        ),
    },
  );
  // Upgrade: websocket, but no Sec-WebSocket-Key.
  const response = await fetch(running.base, {
    headers: { connection: "upgrade", upgrade: "websocket" },
  });
  assert.equal(response.status, 400);
  assert.match(await response.text(), /WebSocket handshake/);
  assert.deepEqual(errors, []);
});

Deno.test("DenoServer answers 426 with Upgrade: websocket, not 500, to a plain request to a WebSocket endpoint", async () => {
  let logs: CollectingOutput | undefined;
  await using running = await startHost(
    "DenoServer",
    (app) => app.mapGet("/ws", (ctx) => void ctx.webSockets.accept()),
    { webSockets: true, setup: (builder) => logs = collectLogs(builder) },
  );
  const response = await fetch(new URL("/ws", running.base));
  assert.equal(response.status, 426);
  assert.equal(response.headers.get("upgrade"), "websocket");
  assert.match(await response.text(), /takes WebSocket connections/);
  assert.deepEqual(logs!.records.filter((r) => r.level === "error"), []);
});

Deno.test("DenoServer on a Unix socket answers the connection features (Deno's own per-request address throws there)", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.sock`;
  try {
    await using _running = await startHost(
      "DenoServer",
      (app) =>
        app.run((ctx) =>
          ctx.response.send(
            `${ctx.connection.remoteAddress}|${ctx.connection.remotePort}|${
              ctx.connection.connectionId.length > 0
            }`,
          )
        ),
      { urls: `unix:${path}` },
    );
    const body = await curl(["--unix-socket", path, "http://localhost/"]);
    const [address, port, hasId] = body.split("|");
    // curl's end of the socket has no name: "", never null.
    assert.equal(address, "");
    assert.equal(port, "0");
    assert.equal(hasId, "true");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("DenoServer checks the Host header on TLS too: part of it never moves into the path", async () => {
  await using running = await startHost(
    "DenoServer",
    (app) => app.run((ctx) => ctx.response.send(`path ${ctx.request.path}`)),
    {
      urls: "https://127.0.0.1:0",
      certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
    },
  );
  for (const host of ["x/admin?", "a/b"]) {
    const out = await curl([
      "--http1.1",
      "--cacert",
      CA_FILE,
      "-H",
      `Host: ${host}`,
      "--write-out",
      " %{http_code}",
      `${running.base}/public`,
    ]);
    assert.match(out, /is not a valid host\[:port\].* 400$/s, out);
  }
  const fine = await curl([
    "--http1.1",
    "--cacert",
    CA_FILE,
    `${running.base}/public`,
  ]);
  assert.equal(fine, "path /public");
});

Deno.test("DenoServer ends a connection after a 400 or 413 that says Connection: close, and processes no request after it", async () => {
  const seen: string[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        seen.push(ctx.request.path);
        if (ctx.request.method === "POST") await ctx.request.bytes();
        await ctx.response.send("served");
      }),
    { limits: { maxRequestBodySize: 10 } },
  );
  const port = Number(new URL(running.base).port);
  const next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  for (
    const [first, status] of [
      ["GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400],
      [
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n01234567890123456789",
        413,
      ],
    ] as const
  ) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    await conn.write(new TextEncoder().encode(first + next));
    let text = "";
    let closed = false;
    const timer = setTimeout(() => conn.close(), 8000);
    const buffer = new Uint8Array(65_536);
    try {
      while (true) {
        const read = await conn.read(buffer).catch(() => undefined);
        if (read === undefined) break; // closed by the timer
        if (read === null) {
          closed = true;
          break;
        }
        text += new TextDecoder().decode(buffer.subarray(0, read));
      }
    } finally {
      clearTimeout(timer);
      try {
        conn.close();
      } catch {
        // closed by the timer
      }
    }
    assert.ok(closed, `the server closed the connection: ${text}`);
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `));
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.doesNotMatch(text, /served/);
  }
  assert.deepEqual(seen, ["/upload"]);
});

Deno.test("DenoServer over HTTP/2 answers one slow upload 408 and keeps serving the connection's other requests", async () => {
  const { connect } = await import("node:http2");
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run(async (ctx) => {
        if (ctx.request.method === "POST") await ctx.request.text();
        await ctx.response.send(`hello ${ctx.request.protocol}`);
      }),
    {
      limits: {
        minRequestBodyDataRate: { bytesPerSecond: 1000, gracePeriod: 200 },
      },
    },
  );
  // Prior knowledge: one HTTP/2 connection over cleartext.
  const client = connect(running.base);
  client.on("error", () => {});
  try {
    const ask = (method: string, slowBody = false) =>
      new Promise<string>((resolve) => {
        const stream = client.request({ ":path": "/", ":method": method }, {
          endStream: !slowBody,
        });
        let status = "";
        let body = "";
        stream.on("response", (headers) => status = String(headers[":status"]));
        stream.on("data", (data) => body += data);
        stream.on("end", () => resolve(`${status} ${body.slice(0, 20)}`));
        stream.on("error", (error) => resolve(`error ${error}`));
        if (slowBody) stream.write("x"); // and nothing more: too slow
      });
    assert.equal(await ask("GET"), "200 hello HTTP/2");
    assert.match(await ask("POST", true), /^408 /);
    // Other requests share the connection: it must not end with the 408.
    assert.equal(
      await within(ask("GET"), "a GET after the 408"),
      "200 hello HTTP/2",
    );
  } finally {
    client.close();
  }
});

Deno.test("DenoServer: middleware that reads a request header after next(), once a streaming client left, logs no error", async () => {
  let logs: CollectingOutput | undefined;
  const after = deferred<string>();
  await using running = await startHost("DenoServer", (app) => {
    app.use(async (ctx, next) => {
      await next();
      try {
        ctx.request.headers.get("user-agent");
        after.resolve("read");
      } catch (error) {
        after.resolve((error as Error).message);
        throw error;
      }
    });
    app.run(async (ctx) => {
      await ctx.response.start();
      while (!ctx.requestAborted.aborted) {
        await ctx.response.write("data: tick\n\n");
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
  }, { setup: (builder) => logs = collectLogs(builder) });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: Number(new URL(running.base).port),
  });
  await conn.write(
    new TextEncoder().encode(
      "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: probe\r\n\r\n",
    ),
  );
  await conn.read(new Uint8Array(1024));
  conn.close();
  // Deno closed the request with the connection: the read throws, as under
  // raw Deno.serve, and that is the client leaving, not the app failing.
  assert.match(
    await within(after.promise, "the read after next()"),
    /request closed/i,
  );
  // One turn of the event loop: the failure's handling (microtasks) is over.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(
    logs!.records.filter((r) => r.level === "error").map((r) => r.message),
    [],
  );
});
