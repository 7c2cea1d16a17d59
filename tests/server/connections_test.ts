// DenoServer on its own connections: the timeouts and the cap Kestrel
// enforces, connection ids, ALPN, and the fallback to Deno.serve. Raw
// Deno.serve keeps every one of these connections open.

import assert from "node:assert/strict";
import {
  type ApplicationBuilder,
  DenoServer,
  HttpMinRequestBodyDataRateFeature,
  TlsHandshakeFeature,
  WebHostBuilder,
} from "../../mod.ts";
import type { ServerLimits } from "../../server/limits.ts";
import { CA_FILE, CERT_FILE, KEY_FILE, until } from "../_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface Started extends AsyncDisposable {
  server: DenoServer;
  port: number;
  events: {
    level: string;
    message: string;
    properties: Record<string, unknown>;
  }[];
  /** Resolves when the server logs a connection closed for `reason`. */
  closedFor(reason: string): Promise<void>;
}

function start(
  limits: ServerLimits,
  options: { tls?: boolean; webSockets?: boolean } = {},
): Promise<Started> {
  return startWith(limits, (app) =>
    app.run((ctx) =>
      ctx.response.json({
        connectionId: ctx.connection.connectionId,
        traceIdentifier: ctx.traceIdentifier,
        protocol: ctx.request.protocol,
        alpn: ctx.features.get(TlsHandshakeFeature)?.alpnProtocol ?? "none",
      })
    ), options);
}

async function startWith(
  limits: ServerLimits,
  configure: (app: ApplicationBuilder) => void,
  options: { tls?: boolean; webSockets?: boolean } = {},
): Promise<Started> {
  const events: Started["events"] = [];
  const waiters: { reason: string; resolve: () => void }[] = [];
  const server = new DenoServer({
    urls: `${options.tls ? "https" : "http"}://127.0.0.1:0`,
    certificate: options.tls
      ? { certFile: CERT_FILE, keyFile: KEY_FILE }
      : undefined,
    limits,
    webSockets: options.webSockets,
    onError: () => {},
    onConnectionEvent(level, message, properties) {
      events.push({ level, message, properties });
      for (const waiter of waiters) {
        if (properties.reason === waiter.reason) waiter.resolve();
      }
    },
  });
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure(configure)
    .build();
  await host.start();
  return {
    server,
    port: Number(new URL(host.addresses[0]).port),
    events,
    closedFor(reason) {
      if (events.some((event) => event.properties.reason === reason)) {
        return Promise.resolve();
      }
      const { promise, resolve } = Promise.withResolvers<void>();
      waiters.push({ reason, resolve });
      return promise;
    },
    async [Symbol.asyncDispose]() {
      await host.stop({ signal: AbortSignal.timeout(2000) });
    },
  };
}

/** Reads until the peer closes; the text read, or what broke the read. */
async function readToEnd(conn: Deno.Conn): Promise<string> {
  const buffer = new Uint8Array(4096);
  let text = "";
  try {
    for (let read; (read = await conn.read(buffer)) !== null;) {
      text += decoder.decode(buffer.subarray(0, read));
    }
  } catch (error) {
    text += `<${(error as Error).name}>`;
  }
  return text;
}

Deno.test("DenoServer closes a connection that does not finish its request head within requestHeadersTimeout (slowloris)", async () => {
  await using running = await start({ requestHeadersTimeout: 200 });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  const started = performance.now();
  await conn.write(
    encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "),
  );
  const ended = await readToEnd(conn);
  const elapsed = performance.now() - started;
  conn.close();
  await running.closedFor("requestHeadersTimeout");
  assert.doesNotMatch(ended, /HTTP\/1\.1 200/);
  assert.ok(elapsed >= 150, `closed after ${elapsed} ms`);
  assert.ok(elapsed < 2000, `closed after ${elapsed} ms`);
  const closed = running.events.find((e) =>
    e.properties.reason === "requestHeadersTimeout"
  );
  assert.equal(closed?.level, "information");
  assert.match(String(closed?.properties.connectionId), /^0HC/);
});

Deno.test("DenoServer closes an idle keep-alive connection after keepAliveTimeout, not before", async () => {
  await using running = await start({ keepAliveTimeout: 300 });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  const buffer = new Uint8Array(4096);
  // Two requests on one connection, the second well inside the timeout.
  for (let i = 0; i < 2; i++) {
    await conn.write(
      encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    const read = await conn.read(buffer);
    assert.match(
      decoder.decode(buffer.subarray(0, read ?? 0)),
      /^HTTP\/1\.1 200 /,
    );
  }
  const idleFrom = performance.now();
  assert.equal(await conn.read(buffer), null);
  const idle = performance.now() - idleFrom;
  conn.close();
  await running.closedFor("keepAliveTimeout");
  assert.ok(idle >= 200, `closed after ${idle} ms idle`);
  assert.ok(idle < 2000, `closed after ${idle} ms idle`);
});

Deno.test("DenoServer gives every request on one connection the same connection id and numbered trace ids", async () => {
  await using running = await start({});
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  const buffer = new Uint8Array(4096);
  const bodies: { connectionId: string; traceIdentifier: string }[] = [];
  for (let i = 0; i < 3; i++) {
    await conn.write(
      encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    );
    const text = decoder.decode(
      buffer.subarray(0, (await conn.read(buffer)) ?? 0),
    );
    bodies.push(JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)));
  }
  conn.close();
  const other = await fetch(`http://127.0.0.1:${running.port}/`, {
    headers: { connection: "close" },
  }).then((response) => response.json());
  const id = bodies[0].connectionId;
  assert.ok(bodies.every((body) => body.connectionId === id));
  assert.deepEqual(bodies.map((body) => body.traceIdentifier), [
    `${id}:00000001`,
    `${id}:00000002`,
    `${id}:00000003`,
  ]);
  assert.notEqual(other.connectionId, id);
});

Deno.test("DenoServer closes connections over maxConcurrentConnections at once and takes new ones when they leave", async () => {
  await using running = await start({ maxConcurrentConnections: 2 });
  const open = [
    await Deno.connect({ hostname: "127.0.0.1", port: running.port }),
    await Deno.connect({ hostname: "127.0.0.1", port: running.port }),
  ];
  // Both are counted once the server has accepted them.
  while (running.server.connections.open < 2) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const third = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  assert.equal(
    await readToEnd(third).then((text) => text.startsWith("HTTP")),
    false,
  );
  third.close();
  await running.closedFor("maxConcurrentConnections");
  // One leaves: a new client is served again.
  open.pop()!.close();
  let served = false;
  for (let attempt = 0; attempt < 50 && !served; attempt++) {
    const response = await fetch(`http://127.0.0.1:${running.port}/`, {
      headers: { connection: "close" },
    }).catch(() => undefined);
    served = response?.status === 200;
    await response?.body?.cancel();
    if (!served) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  open[0].close();
  assert.equal(served, true);
});

Deno.test("200 slowloris connections do not keep a normal client from being served", async () => {
  await using running = await start({ requestHeadersTimeout: 10_000 });
  const slow: Deno.Conn[] = [];
  for (let i = 0; i < 200; i++) {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: running.port,
    });
    await conn.write(
      encoder.encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a"),
    );
    slow.push(conn);
  }
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${running.port}/`);
  assert.equal(response.status, 200);
  await response.body?.cancel();
  assert.ok(performance.now() - started < 2000);
  for (const conn of slow) conn.close();
});

Deno.test("DenoServer over TLS takes the protocol from ALPN: h2 and HTTP/1.1 on one port", async () => {
  await using running = await start({}, { tls: true });
  const url = `https://localhost:${running.port}/`;
  const client = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
  });
  try {
    const h2 = await fetch(url, { client }).then((response) => response.json());
    assert.equal(h2.protocol, "HTTP/2");
    assert.equal(h2.alpn, "h2");
    const curl = await new Deno.Command("curl", {
      args: ["--silent", "--http1.1", "--cacert", CA_FILE, url],
      stdout: "piped",
    }).output();
    const h1 = JSON.parse(decoder.decode(curl.stdout));
    assert.equal(h1.protocol, "HTTP/1.1");
    assert.equal(h1.alpn, "http/1.1");
  } finally {
    client.close();
  }
  assert.ok(running.server.connections.open >= 0);
});

Deno.test("DenoServer falls back to Deno.serve when Deno's connection engine is missing, naming the limits it cannot enforce", async () => {
  const internal = (Deno as unknown as Record<symbol, Record<string, unknown>>)[
    (Deno as unknown as { internal: symbol }).internal
  ];
  const engine = internal.serveHttpOnConnection;
  delete internal.serveHttpOnConnection;
  const warnings: string[] = [];
  try {
    const server = new DenoServer({
      urls: "http://127.0.0.1:0",
      onError: (message) => warnings.push(message),
    });
    const host = new WebHostBuilder()
      .useServer(server)
      .useSetting("suppressStatusMessages", "true")
      .configure((app) => app.run((ctx) => ctx.response.send("served")))
      .build();
    await host.start();
    try {
      const response = await fetch(host.addresses[0]);
      assert.equal(await response.text(), "served");
      assert.equal(server.connections.open, 0);
    } finally {
      await host.stop();
    }
  } finally {
    internal.serveHttpOnConnection = engine;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /no serveHttpOnConnection/);
  assert.match(warnings[0], /keepAliveTimeout/);
  assert.match(warnings[0], /requestHeadersTimeout/);
});

async function startEcho(limits: ServerLimits): Promise<Started> {
  return await startWith(limits, (app) =>
    app.run(async (ctx) => {
      if (ctx.request.headers.get("x-patient") === "yes") {
        ctx.features.get(HttpMinRequestBodyDataRateFeature)!.minDataRate = null;
      }
      const text = ctx.request.headers.has("content-length")
        ? await ctx.request.text()
        : await new Response(ctx.request.body).text();
      return ctx.response.send(`got ${text.length}`);
    }));
}

Deno.test("DenoServer answers 408 and closes the connection when a declared-length upload is slower than minRequestBodyDataRate", async () => {
  await using running = await startEcho({
    minRequestBodyDataRate: { bytesPerSecond: 100, gracePeriod: 200 },
  });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  const started = performance.now();
  // 20 bytes are due within 200 ms + 20 / 100 s; 5 arrive, then nothing.
  await conn.write(encoder.encode(
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20\r\n\r\nhello",
  ));
  const answer = await readToEnd(conn);
  const elapsed = performance.now() - started;
  conn.close();
  assert.match(answer, /^HTTP\/1\.1 408 /);
  assert.ok(elapsed >= 350 && elapsed < 3000, `answered after ${elapsed} ms`);
});

Deno.test("DenoServer answers 408 when a chunked upload read as a stream falls below minRequestBodyDataRate", async () => {
  await using running = await startEcho({
    minRequestBodyDataRate: { bytesPerSecond: 100, gracePeriod: 200 },
  });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  await conn.write(encoder.encode(
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
  ));
  const answer = await readToEnd(conn);
  conn.close();
  assert.match(answer, /^HTTP\/1\.1 408 /);
});

Deno.test("a request that sets its minDataRate to null may upload slowly", async () => {
  await using running = await startEcho({
    minRequestBodyDataRate: { bytesPerSecond: 100, gracePeriod: 100 },
  });
  const conn = await Deno.connect({
    hostname: "127.0.0.1",
    port: running.port,
  });
  await conn.write(encoder.encode(
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Patient: yes\r\nContent-Length: 10\r\nConnection: close\r\n\r\nhello",
  ));
  // A slow client: the rest comes well after 100 ms + 10 / 100 s.
  await new Promise((resolve) => setTimeout(resolve, 400));
  await conn.write(encoder.encode("world"));
  const answer = await readToEnd(conn);
  conn.close();
  assert.match(answer, /^HTTP\/1\.1 200 [\s\S]*got 10$/);
});

for (const how of ["useDenoServer", "useServer"] as const) {
  Deno.test(`a host logs connections as Roost.Server.Connections with ${how}(): accepted and closed at Debug, a limit's close at Information`, async () => {
    const records: { level: string; category: string; message: string }[] = [];
    const limits = { requestHeadersTimeout: 200 };
    const builder = new WebHostBuilder()
      .useUrls("http://127.0.0.1:0")
      .useSetting("suppressStatusMessages", "true");
    if (how === "useDenoServer") builder.useDenoServer({ limits });
    else {
      builder.useServer(new DenoServer({ urls: "http://127.0.0.1:0", limits }));
    }
    const host = builder
      .configureLogging((logging) =>
        logging.clearOutputs().setMinimumLevel("debug").addOutput({
          name: "Memory",
          write: (record) => records.push(record),
        })
      )
      .configure((app) => app.run((ctx) => ctx.response.send("ok")))
      .build();
    await host.start();
    try {
      const port = Number(new URL(host.addresses[0]).port);
      const response = await fetch(host.addresses[0], {
        headers: { connection: "close" },
      });
      await response.text();
      const slow = await Deno.connect({ hostname: "127.0.0.1", port });
      await slow.write(encoder.encode("GET / HTTP/1.1\r\n"));
      await readToEnd(slow);
      slow.close();
    } finally {
      await host.stop();
    }
    const connections = records.filter((r) =>
      r.category === "Roost.Server.Connections"
    );
    assert.ok(
      connections.some((r) =>
        r.level === "debug" && /accepted/.test(r.message)
      ),
    );
    assert.ok(
      connections.some((r) =>
        r.level === "information" &&
        /closed: requestHeadersTimeout/.test(r.message)
      ),
    );
  });
}

Deno.test("DenoServer closes an idle cleartext HTTP/2 connection after keepAliveTimeout", async () => {
  await using running = await start({ keepAliveTimeout: 300 });
  const client = Deno.createHttpClient({ http1: false, http2: true });
  try {
    const response = await fetch(`http://127.0.0.1:${running.port}/`, {
      client,
    });
    assert.equal((await response.json()).protocol, "HTTP/2");
    await running.closedFor("keepAliveTimeout");
    // Closed: Deno's engine lets go of it a moment later.
    await until(() => running.server.connections.open === 0, "the close");
  } finally {
    client.close();
  }
});

Deno.test("reusePort without --unstable-net fails the start, naming the flag", async () => {
  const server = new DenoServer({
    endpoints: [{ url: "http://127.0.0.1:0", reusePort: true }],
    onError: () => {},
  });
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run((ctx) => ctx.response.send("ok")))
    .build();
  await assert.rejects(host.start(), /--unstable-net/);
  await host.stop();
});
