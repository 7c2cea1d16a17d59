import assert from "node:assert/strict";
import {
  brotliDecompressSync,
  gunzipSync,
  zstdDecompressSync,
} from "node:zlib";
import {
  responseCompression,
  type ResponseCompressionOptions,
} from "../../../hosting/middleware/response_compression.ts";
import type { ApplicationBuilder } from "../../../mod.ts";
import {
  rawRequest,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

// Deno's fetch decompresses gzip, br and zstd and drops Content-Encoding, so
// on a real server the request goes over a raw socket (HTTP/1.1 with
// Connection: close; chunked bodies decoded here) to see the wire bytes.
interface Wire {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
}

function dechunk(body: string): string {
  let out = "";
  let at = 0;
  while (at < body.length) {
    const end = body.indexOf("\r\n", at);
    const size = parseInt(body.slice(at, end), 16);
    if (!(size > 0)) break;
    out += body.slice(end + 2, end + 2 + size);
    at = end + 2 + size + 2;
  }
  return out;
}

async function wire(
  kind: ServerKind,
  host: Running,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Wire> {
  if (kind === "TestServer") {
    const response = await host.fetch(path, { method, headers });
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes };
  }
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const answer = await rawRequest(
    Number(new URL(host.base).port),
    `${method} ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${
      lines.join("")
    }\r\n`,
    10_000,
  );
  const parsed = new Headers();
  for (const line of answer.headers.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    parsed.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const body = parsed.get("transfer-encoding")?.includes("chunked")
    ? dechunk(answer.body)
    : answer.body;
  return {
    status: answer.status,
    headers: parsed,
    bytes: Uint8Array.from(body, (c) => c.charCodeAt(0)),
  };
}

function decode(answer: Wire): string {
  const encoding = answer.headers.get("content-encoding");
  const bytes = answer.bytes;
  const plain = encoding === "gzip"
    ? gunzipSync(bytes)
    : encoding === "br"
    ? brotliDecompressSync(bytes)
    : encoding === "zstd"
    ? zstdDecompressSync(bytes)
    : bytes;
  return new TextDecoder().decode(plain);
}

const TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(100);
const ITEMS = Array.from(
  { length: 200 },
  (_, id) => ({ id, name: `item ${id}` }),
);

function host(
  kind: ServerKind,
  configure: (app: ApplicationBuilder) => void,
  options?: ResponseCompressionOptions,
): Promise<Running> {
  return startHost(kind, (app) => {
    app.use(responseCompression(options));
    configure(app);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`Each encoding round-trips a sent text body (${kind})`, async () => {
    await using running = await host(
      kind,
      (app) => app.run((ctx) => ctx.response.send(TEXT)),
    );
    for (const encoding of ["gzip", "br", "zstd"]) {
      const answer = await wire(kind, running, "/", {
        "accept-encoding": encoding,
      });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get("content-encoding"), encoding);
      assert.equal(answer.headers.get("vary"), "Accept-Encoding");
      assert.equal(
        answer.headers.get("content-type"),
        "text/plain;charset=UTF-8",
      );
      assert.ok(answer.bytes.byteLength < TEXT.length / 4);
      const length = answer.headers.get("content-length");
      if (length !== null) {
        assert.equal(Number(length), answer.bytes.byteLength);
      }
      assert.equal(decode(answer), TEXT);
    }
  });

  Deno.test(`The server's preference and q-values choose the encoding (${kind})`, async () => {
    await using running = await host(
      kind,
      (app) => app.run((ctx) => ctx.response.send(TEXT)),
      { encodings: ["br", "gzip"] },
    );
    const pick = async (accept: string) =>
      (await wire(kind, running, "/", { "accept-encoding": accept })).headers
        .get("content-encoding");
    assert.equal(await pick("gzip, br, zstd"), "br");
    assert.equal(await pick("br;q=0.4, gzip;q=0.9"), "gzip");
    assert.equal(await pick("br;q=0, gzip;q=0"), null);
    assert.equal(await pick("zstd"), null);
    assert.equal(await pick("*"), "br");
  });

  Deno.test(`json(), a returned Response and write() are compressed (${kind})`, async () => {
    await using running = await host(kind, (app) => {
      app.map("/json", (b) => b.run((ctx) => ctx.response.json(ITEMS)));
      app.map("/return", (b) =>
        b.run(() =>
          new Response(TEXT, {
            status: 201,
            headers: { "content-type": "text/html", etag: '"v1"' },
          })
        ));
      app.map("/write", (b) =>
        b.run((ctx) => {
          ctx.response.contentType = "text/plain";
          for (let i = 0; i < 100; i++) {
            ctx.response.write(`line ${i} of many\n`);
          }
        }));
    });
    const accept = { "accept-encoding": "gzip" };
    const json = await wire(kind, running, "/json", accept);
    assert.equal(json.headers.get("content-encoding"), "gzip");
    assert.equal(json.headers.get("content-type"), "application/json");
    assert.deepEqual(JSON.parse(decode(json)), ITEMS);
    const returned = await wire(kind, running, "/return", accept);
    assert.equal(returned.status, 201);
    assert.equal(returned.headers.get("content-encoding"), "gzip");
    assert.equal(returned.headers.get("etag"), 'W/"v1"');
    assert.equal(returned.headers.get("vary"), "Accept-Encoding");
    assert.equal(decode(returned), TEXT);
    const written = await wire(kind, running, "/write", accept);
    assert.equal(written.headers.get("content-encoding"), "gzip");
    assert.equal(
      decode(written),
      Array.from({ length: 100 }, (_, i) => `line ${i} of many\n`).join(""),
    );
  });

  Deno.test(`Small bodies and other types are sent as they are (${kind})`, async () => {
    await using running = await host(kind, (app) => {
      app.map("/small", (b) => b.run((ctx) => ctx.response.send("tiny")));
      app.map(
        "/png",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(TEXT, {
              headers: { "content-type": "image/png" },
            })
          ),
      );
      app.map("/sse", (b) =>
        b.run((ctx) =>
          ctx.response.send(TEXT, {
            headers: { "content-type": "text/event-stream" },
          })
        ));
      app.map(
        "/length",
        (b) =>
          b.run((ctx) =>
            ctx.response.send(new Blob(["x".repeat(100)]).stream(), {
              headers: {
                "content-type": "text/plain",
                "content-length": "100",
              },
            })
          ),
      );
      app.map("/writes", (b) =>
        b.run((ctx) => {
          ctx.response.contentType = "text/plain";
          ctx.response.write("a few ");
          ctx.response.write("bytes");
        }));
    });
    const accept = { "accept-encoding": "gzip, br" };
    const small = await wire(kind, running, "/small", accept);
    assert.equal(small.headers.get("content-encoding"), null);
    assert.equal(small.headers.get("vary"), "Accept-Encoding");
    assert.equal(decode(small), "tiny");
    const png = await wire(kind, running, "/png", accept);
    assert.equal(png.headers.get("content-encoding"), null);
    assert.equal(png.headers.get("vary"), null);
    assert.equal(decode(png), TEXT);
    const sse = await wire(kind, running, "/sse", accept);
    assert.equal(sse.headers.get("content-encoding"), null);
    const length = await wire(kind, running, "/length", accept);
    assert.equal(length.headers.get("content-encoding"), null);
    assert.equal(decode(length), "x".repeat(100));
    const writes = await wire(kind, running, "/writes", accept);
    assert.equal(writes.headers.get("content-encoding"), null);
    assert.equal(decode(writes), "a few bytes");
  });

  Deno.test(`Statuses, ranges, encodings and no-transform are left alone (${kind})`, async () => {
    await using running = await host(kind, (app) =>
      app.run((ctx) => {
        const status = Number(ctx.request.query.get("status") ?? 200);
        const headers: Record<string, string> = {
          "content-type": "text/plain",
        };
        const name = ctx.request.query.get("header");
        if (name !== null) headers[name] = ctx.request.query.get("value")!;
        const nobody = status === 204 || status === 304;
        return ctx.response.send(nobody ? null : TEXT, { status, headers });
      }));
    const accept = { "accept-encoding": "gzip" };
    for (
      const path of [
        "/?status=204",
        "/?status=304",
        "/?status=206&header=content-range&value=bytes%200-4499/9000",
        "/?header=content-encoding&value=identity",
        "/?header=cache-control&value=public,%20no-transform",
      ]
    ) {
      const answer = await wire(kind, running, path, accept);
      assert.equal(
        answer.headers.get("content-encoding") ?? "identity",
        "identity",
        path,
      );
      assert.equal(answer.headers.get("vary"), "Accept-Encoding", path);
    }
  });

  // A HEAD must say what the GET would (RFC 9110 §9.3.2): it was left
  // uncompressed, so it announced the plain length where GET sends br.
  Deno.test(`HEAD gets the headers a compressed GET gets, and no body (${kind})`, async () => {
    await using running = await host(
      kind,
      (app) =>
        app.run((ctx) =>
          ctx.response.send(TEXT, { headers: { "content-type": "text/plain" } })
        ),
    );
    for (const coding of ["gzip", "br"]) {
      const accept = { "accept-encoding": coding };
      const get = await wire(kind, running, "/", accept);
      const head = await wire(kind, running, "/", accept, "HEAD");
      assert.equal(head.status, 200);
      assert.equal(head.bytes.byteLength, 0);
      for (const name of ["content-encoding", "vary"]) {
        assert.equal(head.headers.get(name), get.headers.get(name), name);
      }
      assert.equal(head.headers.get("content-encoding"), coding);
      // The length of the compressed body a GET gets (in memory, a GET's
      // Response carries no header for it: its body says).
      assert.equal(
        head.headers.get("content-length"),
        String(get.bytes.byteLength),
      );
    }
  });

  Deno.test(`Vary is appended once and absent without Accept-Encoding (${kind})`, async () => {
    await using running = await host(kind, (app) =>
      app.run((ctx) => {
        const vary = ctx.request.query.get("vary");
        if (vary !== null) ctx.response.headers.set("vary", vary);
        return ctx.response.send(TEXT);
      }));
    const accept = { "accept-encoding": "gzip" };
    const origin = await wire(kind, running, "/?vary=Origin", accept);
    assert.equal(origin.headers.get("vary"), "Origin, Accept-Encoding");
    const already = await wire(kind, running, "/?vary=accept-encoding", accept);
    assert.equal(already.headers.get("vary"), "accept-encoding");
    const none = await wire(kind, running, "/");
    assert.equal(none.headers.get("content-encoding"), null);
    assert.equal(none.headers.get("vary"), null);
    assert.equal(decode(none), TEXT);
  });
}

Deno.test("Files from sendFile are sent as they are, with Vary", async () => {
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(ITEMS));
    await using running = await host(
      "TestServer",
      (app) => app.run((ctx) => ctx.response.sendFile(path)),
    );
    const answer = await wire("TestServer", running, "/", {
      "accept-encoding": "gzip",
    });
    assert.equal(answer.headers.get("content-encoding"), null);
    assert.equal(answer.headers.get("vary"), "Accept-Encoding");
    assert.deepEqual(JSON.parse(decode(answer)), ITEMS);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("clear() drops a body bound for compression and the next body decides afresh", async () => {
  await using running = await host(
    "TestServer",
    (app) =>
      app.run(async (ctx) => {
        ctx.response.contentType = "text/plain";
        // Buffered still (under 64 KiB): clear() can drop it. Past that the
        // response has started, compressed or not.
        await ctx.response.write("x".repeat(10_000));
        ctx.response.clear();
        return ctx.response.send("plain");
      }),
  );
  const answer = await wire("TestServer", running, "/", {
    "accept-encoding": "gzip",
  });
  assert.equal(answer.headers.get("content-encoding"), null);
  assert.equal(decode(answer), "plain");
});

Deno.test("HTTPS requests are compressed only with enableForHttps", async () => {
  for (const enableForHttps of [false, true]) {
    await using running = await host(
      "TestServer",
      (app) => app.run((ctx) => ctx.response.send(TEXT)),
      { enableForHttps },
    );
    const response = await running.fetch("https://localhost/", {
      headers: { "accept-encoding": "gzip" },
    });
    await response.body?.cancel();
    assert.equal(
      response.headers.get("content-encoding"),
      enableForHttps ? "gzip" : null,
    );
  }
});

Deno.test("An error after a compressed write is answered without Content-Encoding", async () => {
  await using running = await startHost(
    "TestServer",
    (app) =>
      app.use(responseCompression()).run((ctx) => {
        ctx.response.contentType = "text/plain";
        ctx.response.write(TEXT);
        throw new Error("boom");
      }),
  );
  const response = await running.fetch("/", {
    headers: { "accept-encoding": "gzip" },
  });
  await response.body?.cancel();
  assert.equal(response.status, 500);
  assert.equal(response.headers.get("content-encoding"), null);
});
