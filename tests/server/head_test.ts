// HEAD never carries a body, whatever form the app answers with, over
// HTTP/1.1, cleartext h2, h2 over TLS and in memory; its headers are those a
// GET would have had. Raw Deno.serve sends DATA frames for a HEAD over h2
// (curl exits 92 on them); Roost sends none.

import assert from "node:assert/strict";
import type { ApplicationBuilder } from "../../mod.ts";
import {
  CA_FILE,
  CERT_FILE,
  curl,
  deferred,
  KEY_FILE,
  SERVER_KINDS,
  startHost,
  within,
} from "../_helpers.ts";

const TEXT = "Hello, HEAD!";

// Every idiomatic way to answer, each on its own path.
function forms(app: ApplicationBuilder): void {
  app.map("/send", (b) => b.run((ctx) => ctx.response.send(TEXT)));
  app.map("/write", (b) => b.run((ctx) => ctx.response.write(TEXT)));
  app.map("/json", (b) => b.run((ctx) => ctx.response.json({ text: TEXT })));
  app.map("/returned", (b) => b.run(() => new Response(TEXT)));
  app.map("/async", (b) =>
    b.run(async (ctx) => {
      await Promise.resolve();
      await ctx.response.send(TEXT);
    }));
  app.map(
    "/bytes",
    (b) => b.run((ctx) => ctx.response.send(new TextEncoder().encode(TEXT))),
  );
  app.map("/stream", (b) =>
    b.run(async (ctx) => {
      await ctx.response.start();
      for (let i = 0; i < 100; i++) await ctx.response.write(TEXT);
    }));
  app.map("/stream-body", (b) =>
    b.run((ctx) =>
      ctx.response.send(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode(TEXT));
            controller.close();
          },
        }),
      )
    ));
  app.map(
    "/fetched",
    (b) =>
      b.runFetch(() =>
        new Response(TEXT, { headers: { "x-from": "fetch-handler" } })
      ),
  );
  app.map(
    "/file",
    (b) =>
      b.run((ctx) => ctx.response.sendFile(new URL(import.meta.url).pathname)),
  );
}

const FILE_SIZE = Deno.statSync(new URL(import.meta.url)).size;
const LENGTHS: Record<string, number | null> = {
  "/send": TEXT.length,
  "/write": TEXT.length,
  "/json": JSON.stringify({ text: TEXT }).length,
  "/returned": TEXT.length,
  "/async": TEXT.length,
  "/bytes": TEXT.length,
  "/stream": null,
  "/stream-body": null,
  "/fetched": TEXT.length,
  "/file": FILE_SIZE,
};

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: a HEAD request to a stream that never ends tells the app through requestAborted`, async () => {
    const stopped = deferred<number>();
    await using running = await startHost(
      kind,
      (app) =>
        app.run(async (ctx) => {
          await ctx.response.start();
          let writes = 0;
          while (!ctx.requestAborted.aborted) {
            await ctx.response.write("tick\n");
            writes++;
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          stopped.resolve(writes);
        }),
    );
    const response = await running.fetch("/", { method: "HEAD" });
    assert.equal(response.status, 200);
    await response.body?.cancel();
    // It stops after its first write, not never (in memory it never did).
    assert.ok(await within(stopped.promise, "the app to stop") <= 2);
  });
}

// A 204 or 304 with a body the app passed anyway: the GET leaves the body
// and its type out, and HEAD said text/plain.
for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} answers HEAD of a 204 or 304 with the GET's headers: no content type`, async () => {
    await using running = await startHost(
      kind,
      (app) =>
        app.run((ctx) =>
          ctx.response.send("body!", {
            status: Number(ctx.request.query.get("status")),
          })
        ),
    );
    for (const status of [204, 304]) {
      for (const method of ["GET", "HEAD"]) {
        const response = await running.fetch(`/?status=${status}`, { method });
        assert.equal(response.status, status);
        assert.equal(await response.text(), "");
        assert.equal(
          response.headers.get("content-type"),
          null,
          `${method} ${status}`,
        );
      }
    }
  });
}

// A HEAD of a returned stream larger than what is measured for its length
// (6.25 MiB in memory) was never answered, and held the stop to its
// deadline: the measuring waited for a cancel that could not settle yet.
// Raw Deno.serve answers it at once.
for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} answers HEAD of a large returned stream at once, and the stream is cancelled`, async () => {
    const cancelled = deferred();
    await using running = await startHost(kind, (app) =>
      app.run(() => {
        let pulled = 0;
        return new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              if (pulled++ < 100) controller.enqueue(new Uint8Array(65_536));
              else controller.close();
            },
            cancel() {
              cancelled.resolve();
            },
          }),
        );
      }));
    const response = await within(
      running.fetch("/", { method: "HEAD" }),
      "the HEAD answer",
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), null);
    assert.equal(await response.text(), "");
    await within(cancelled.promise, "the stream's cancel()");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} answers HEAD with a GET's headers and no body, on every answer form`, async () => {
    await using running = await startHost(kind, forms);
    for (const [path, length] of Object.entries(LENGTHS)) {
      const response = await running.fetch(path, { method: "HEAD" });
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), "", path);
      // A body of unknown length has none, as a GET's goes out chunked
      // (Deno says content-length: 0 for a HEAD answered without a body).
      assert.equal(
        response.headers.get("content-length"),
        length === null ? null : String(length),
        path,
      );
      const get = await running.fetch(path);
      assert.equal(
        response.headers.get("content-type"),
        get.headers.get("content-type"),
        path,
      );
      await get.body?.cancel();
    }
  });
}

Deno.test("DenoServer sends no DATA frames for HEAD over cleartext h2 and h2 over TLS", async () => {
  await using plain = await startHost("DenoServer", forms);
  await using tls = await startHost("DenoServer", forms, {
    urls: "https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  for (const path of Object.keys(LENGTHS)) {
    // curl exits 92 ("stream was not closed cleanly") when a HEAD response
    // carries DATA; curl() fails the test on any non-zero exit.
    const h2c = await curl([
      "--http2-prior-knowledge",
      "--head",
      `${plain.base}${path}`,
    ]);
    assert.match(h2c, /^HTTP\/2 200/, path);
    const h2 = await curl([
      "--cacert",
      CA_FILE,
      "--http2",
      "--head",
      `${tls.base.replace("127.0.0.1", "localhost")}${path}`,
    ]);
    assert.match(h2, /^HTTP\/2 200/, path);
    const length = LENGTHS[path];
    if (length !== null) {
      assert.match(h2, new RegExp(`content-length: ${length}\\r\\n`), path);
    }
  }
});

Deno.test("DenoServer answers HEAD over HTTP/1.1 with no body bytes on the wire", async () => {
  await using running = await startHost("DenoServer", forms);
  for (const path of Object.keys(LENGTHS)) {
    const output = await curl([
      "--http1.1",
      "--head",
      `${running.base}${path}`,
    ]);
    assert.match(output, /^HTTP\/1\.1 200/, path);
    if (LENGTHS[path] === null) {
      assert.doesNotMatch(output, /content-length/i, path);
    }
  }
});

// Opening a FIFO for reading blocks until a writer comes: a HEAD that opened
// the file would hang here. It only needs the file's size.
Deno.test("sendFile answers HEAD without opening the file", async () => {
  const dir = await Deno.makeTempDir();
  const fifo = `${dir}/pipe`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(made.success, "mkfifo failed");
  try {
    for (const kind of SERVER_KINDS) {
      await using running = await startHost(
        kind,
        (app) => app.run((ctx) => ctx.response.sendFile(fifo)),
      );
      const response = await running.fetch("/", { method: "HEAD" });
      assert.equal(response.status, 200, kind);
      assert.equal(response.headers.get("content-length"), "0", kind);
      assert.equal(await response.text(), "");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Deno's own HTTP/2 client gets no body for HEAD over TLS and cleartext h2", async () => {
  await using tls = await startHost("DenoServer", forms, {
    urls: "https://127.0.0.1:0",
    certificate: { certFile: CERT_FILE, keyFile: KEY_FILE },
  });
  await using plain = await startHost("DenoServer", forms);
  using secure = Deno.createHttpClient({
    caCerts: [await Deno.readTextFile(CA_FILE)],
    http1: false,
    http2: true,
  });
  using cleartext = Deno.createHttpClient({ http1: false, http2: true });
  const bases: [string, Deno.HttpClient][] = [
    [tls.base.replace("127.0.0.1", "localhost"), secure],
    [plain.base, cleartext],
  ];
  for (const [base, client] of bases) {
    for (const [path, length] of Object.entries(LENGTHS)) {
      const response = await fetch(`${base}${path}`, {
        method: "HEAD",
        client,
      });
      assert.equal(response.status, 200, `${base}${path}`);
      assert.equal(await response.text(), "");
      if (length !== null) {
        assert.equal(response.headers.get("content-length"), String(length));
      }
    }
  }
});
