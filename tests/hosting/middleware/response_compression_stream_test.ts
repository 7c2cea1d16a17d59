import assert from "node:assert/strict";
import {
  brotliDecompressSync,
  gunzipSync,
  zstdDecompressSync,
} from "node:zlib";
import { responseCompression } from "../../../hosting/middleware/response_compression.ts";
import {
  type ApplicationBuilder,
  HttpResponseBodyFeature,
} from "../../../mod.ts";
import {
  type CollectingOutput,
  collectLogs,
  curl,
  deferred,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  until,
} from "../../_helpers.ts";

// What came back: the Content-Encoding on the wire and the decoded text. On
// TestServer the Response is the server's own, so its bytes are decoded
// here; on a real server curl decodes them (Deno's fetch would hide the
// encoding).
async function get(
  kind: ServerKind,
  running: Running,
  path: string,
  encoding: string,
): Promise<{ encoding: string | null; length: string | null; text: string }> {
  if (kind === "DenoServer") {
    const out = await curl([
      "--compressed",
      "-H",
      `Accept-Encoding: ${encoding}`,
      "-D",
      "-",
      new URL(path, running.base).href,
    ]);
    const end = out.indexOf("\r\n\r\n");
    const head = out.slice(0, end);
    const header = (name: string) =>
      new RegExp(`^${name}: *(.*)$`, "im").exec(head)?.[1].trim() ?? null;
    return {
      encoding: header("content-encoding"),
      length: header("content-length"),
      text: out.slice(end + 4),
    };
  }
  const response = await running.fetch(path, {
    headers: { "accept-encoding": encoding },
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const used = response.headers.get("content-encoding");
  const plain = used === "gzip"
    ? gunzipSync(bytes)
    : used === "br"
    ? brotliDecompressSync(bytes)
    : used === "zstd"
    ? zstdDecompressSync(bytes)
    : bytes;
  return {
    encoding: used,
    length: response.headers.get("content-length"),
    text: new TextDecoder().decode(plain),
  };
}

function host(
  kind: ServerKind,
  configure: (app: ApplicationBuilder) => void,
): Promise<Running> {
  return startHost(kind, (app) => {
    app.use(responseCompression());
    configure(app);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`Streams, start() and long writes are compressed as they come (${kind})`, async () => {
    const big = "0123456789abcdef".repeat(8192); // 128 KiB: past the buffer
    await using running = await host(kind, (app) => {
      app.map("/stream", (b) =>
        b.run((ctx) => {
          ctx.response.contentType = "text/plain";
          let n = 0;
          return ctx.response.send(
            new ReadableStream({
              pull(controller) {
                if (n === 50) return controller.close();
                controller.enqueue(new TextEncoder().encode(`chunk ${n++}\n`));
              },
            }),
          );
        }));
      app.map("/start", (b) =>
        b.run(async (ctx) => {
          ctx.response.contentType = "text/plain";
          await ctx.response.start();
          for (const n of [3, 2, 1]) await ctx.response.write(`${n}\n`);
        }));
      app.map("/long", (b) =>
        b.run(async (ctx) => {
          ctx.response.contentType = "application/json";
          await ctx.response.write(big);
          await ctx.response.write(big);
          await ctx.response.complete();
        }));
      app.map("/writable", (b) =>
        b.run((ctx) => {
          ctx.response.contentType = "text/plain";
          const body = ctx.features.get(HttpResponseBodyFeature)!;
          return new Blob([big]).stream().pipeTo(body.stream);
        }));
      app.map(
        "/response-stream",
        (b) =>
          b.run(() =>
            new Response(new Blob([big, big]).stream(), {
              headers: { "content-type": "text/css" },
            })
          ),
      );
    });
    const stream = await get(kind, running, "/stream", "zstd");
    assert.equal(stream.encoding, "zstd");
    assert.equal(
      stream.text,
      Array.from({ length: 50 }, (_, i) => `chunk ${i}\n`).join(""),
    );
    const started = await get(kind, running, "/start", "zstd");
    assert.equal(started.encoding, "zstd");
    assert.equal(started.length, null);
    assert.equal(started.text, "3\n2\n1\n");
    const long = await get(kind, running, "/long", "zstd");
    assert.equal(long.encoding, "zstd");
    assert.equal(long.text, big + big);
    const writable = await get(kind, running, "/writable", "zstd");
    assert.equal(writable.encoding, "zstd");
    assert.equal(writable.text, big);
    const response = await get(kind, running, "/response-stream", "zstd");
    assert.equal(response.encoding, "zstd");
    assert.equal(response.text, big + big);
  });

  Deno.test(`Streamed writes wait for the client: backpressure reaches the app (${kind})`, async () => {
    const total = 200;
    let written = 0;
    await using running = await startHost(
      kind,
      (app) =>
        app.use(
          responseCompression({ encodings: ["gzip"], levels: { gzip: 1 } }),
        )
          .run(async (ctx) => {
            ctx.response.contentType = "application/octet-stream+json";
            await ctx.response.start();
            for (; written < total; written++) {
              // Random bytes do not compress: each write is ~64 KiB on the wire.
              await ctx.response.write(
                crypto.getRandomValues(new Uint8Array(65_536)),
              );
            }
          }),
    );
    const response = await running.fetch("/", {
      headers: { "accept-encoding": "gzip" },
    });
    const reader = response.body!.getReader();
    await reader.read();
    // Give the app every chance to run ahead; it must stall well short.
    let seen = -1;
    for (let turn = 0; turn < 50 && seen !== written; turn++) {
      seen = written;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    assert.ok(written < total / 2, `the app wrote ${written} of ${total}`);
    let bytes = 0;
    while (true) {
      const read = await reader.read();
      if (read.done) break;
      bytes += read.value.byteLength;
    }
    assert.equal(written, total);
    assert.ok(bytes > 0);
  });

  Deno.test(`Each streamed write reaches the client before the next (${kind})`, async () => {
    const next = deferred();
    await using running = await host(kind, (app) =>
      app.run(async (ctx) => {
        ctx.response.contentType = "application/x-ndjson+json";
        await ctx.response.start();
        await ctx.response.write('{"event":"first"}\n');
        await next.promise; // the client must have decoded the first line
        await ctx.response.write('{"event":"second"}\n');
      }));
    // Deno's fetch holds decoded bytes back until more come: on a real
    // server, curl -N reads (and decodes) as the bytes arrive.
    let source: ReadableStream<Uint8Array>;
    let child: Deno.ChildProcess | undefined;
    if (kind === "DenoServer") {
      child = new Deno.Command("curl", {
        args: [
          "-sN",
          "--compressed",
          "-H",
          "Accept-Encoding: gzip",
          running.base,
        ],
        stdout: "piped",
      }).spawn();
      source = child.stdout;
    } else {
      const response = await running.fetch("/", {
        headers: { "accept-encoding": "gzip" },
      });
      assert.equal(response.headers.get("content-encoding"), "gzip");
      source = response.body!.pipeThrough(new DecompressionStream("gzip"));
    }
    const reader = source.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!text.includes("\n")) text += (await reader.read()).value;
    assert.equal(text, '{"event":"first"}\n');
    next.resolve();
    while (true) {
      const read = await reader.read();
      if (read.done) break;
      text += read.value;
    }
    assert.equal(text, '{"event":"first"}\n{"event":"second"}\n');
    if (child !== undefined) assert.equal((await child.status).success, true);
  });

  // A returned Response whose stream waits for its data (a log tail, a
  // slow upstream): its head went out only after 64 KiB had been read, so
  // a slow one answered late and an endless one never, holding its stream
  // after the client left and the stop until its deadline.
  Deno.test(`A returned stream that waits for its data is compressed as it comes, and cancelled when the client leaves (${kind})`, async () => {
    const second = deferred();
    const cancelled = deferred();
    let pulls = 0;
    await using running = await host(kind, (app) =>
      app.run(() =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              pulls++;
              if (pulls === 2) await second.promise;
              controller.enqueue(new TextEncoder().encode(`line ${pulls}\n`));
              if (pulls > 2) await new Promise((r) => setTimeout(r, 5));
            },
            cancel() {
              cancelled.resolve();
            },
          }),
          { headers: { "content-type": "text/plain" } },
        )
      ));
    // The head comes while the second line is still being waited for.
    const response = await running.fetch("/", {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), "gzip");
    // Deno's fetch decodes gzip itself; TestServer hands the bytes as sent.
    const decoded = kind === "DenoServer"
      ? response.body!
      : response.body!.pipeThrough(new DecompressionStream("gzip"));
    const reader = decoded.pipeThrough(new TextDecoderStream()).getReader();
    second.resolve();
    let text = "";
    while (!text.includes("line 3\n")) text += (await reader.read()).value;
    assert.match(text, /^line 1\nline 2\nline 3\n/);
    await reader.cancel();
    await cancelled.promise;
  });

  Deno.test(`A large whole body is compressed in slices (${kind})`, async () => {
    const big = "abcdefghijklmnopqrstuvwxyz0123456789\n".repeat(20_000);
    await using running = await host(
      kind,
      (app) =>
        app.run((ctx) =>
          ctx.response.send(new TextEncoder().encode(big), {
            headers: { "content-type": "text/plain", etag: '"big"' },
          })
        ),
    );
    for (const encoding of ["gzip", "br", "zstd"]) {
      const answer = await get(kind, running, "/", encoding);
      assert.equal(answer.encoding, encoding);
      assert.equal(answer.text, big);
    }
  });
}

Deno.test("A compressed stream starts the response as soon as it streams, not when compressed bytes fill the buffer", async () => {
  const later = Promise.withResolvers<void>();
  await using running = await startHost("DenoServer", (app) => {
    app.use(responseCompression());
    app.run(async (ctx) => {
      ctx.response.contentType = "text/plain";
      // Compresses to a few hundred bytes: the server's 64 KiB buffer would
      // not fill for a long time.
      await ctx.response.write("a".repeat(70_000));
      assert.equal(ctx.response.hasStarted, true);
      await later.promise;
      await ctx.response.write("the end\n");
    });
  });
  const response = await fetch(running.base, {
    headers: { "accept-encoding": "gzip" },
  });
  // The head arrived while the handler still waits.
  assert.equal(response.status, 200);
  later.resolve();
  assert.match(await response.text(), /the end\n$/);
});

for (const kind of SERVER_KINDS) {
  Deno.test(`A stream of strings, compressed, fails as it does uncompressed, not as an empty 200 (${kind})`, async () => {
    await using running = await startHost(kind, (app) => {
      app.use(responseCompression());
      app.run(() =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(
                "forgot the TextEncoder\n".repeat(100) as unknown as Uint8Array,
              );
              controller.close();
            },
          }),
          { headers: { "content-type": "text/plain" } },
        )
      );
    }, { onError: () => {} });
    const response = await running.fetch("/", {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(response.headers.get("content-encoding"), "gzip");
    await assert.rejects(() => response.arrayBuffer());
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`A second send() nobody awaited, behind compression, is reported and ends nothing (${kind})`, async () => {
    let logs: CollectingOutput | undefined;
    const errors = () =>
      logs!.records.filter((r) => r.level === "error").map((r) => r.message);
    const text = "compress me, ".repeat(400);
    await using running = await startHost(kind, (app) => {
      app.use(responseCompression());
      app.run((ctx) => {
        ctx.response.send(text); // no return
        ctx.response.send("again");
      });
    }, { setup: (builder) => logs = collectLogs(builder) });
    // An unhandled rejection would fail this test.
    const { encoding, text: body } = await get(kind, running, "/", "gzip");
    assert.equal(encoding, "gzip");
    assert.equal(body, text);
    await until(() => errors().length > 0, "the misuse's report");
    assert.deepEqual(errors(), ["The application misused a response:"]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`Behind compression, write() refuses what is not text or bytes, and a late sendFile() waits its turn (${kind})`, async () => {
    const file = await Deno.makeTempFile({ suffix: ".txt" });
    await Deno.writeTextFile(file, "a file");
    const outcomes = deferred<string[]>();
    const text = "compress me, ".repeat(400);
    await using running = await startHost(kind, (app) => {
      app.use(responseCompression());
      app.run(async (ctx) => {
        const refused = await ctx.response.write(42 as unknown as string).then(
          () => "written",
          (error) => (error as Error).message,
        );
        ctx.response.send(text); // no return
        const late = await ctx.response.sendFile(file).then(
          () => "sent",
          (error) => (error as Error).message,
        );
        outcomes.resolve([refused, late]);
      });
    }, { onError: () => {} });
    const { encoding, text: body } = await get(kind, running, "/", "gzip");
    assert.equal(encoding, "gzip");
    assert.equal(body, text);
    const [refused, late] = await outcomes.promise;
    assert.equal(refused, "write() takes text or a Uint8Array, got number");
    assert.match(late, /^Cannot send a file: the response is already complete/);
    await Deno.remove(file);
  });
}
