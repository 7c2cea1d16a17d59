// keepAliveTimeout is the idle time between requests (Kestrel's, and the
// README's): a response still on its way is no idle connection. Deno sends a
// returned stream, a file or a large buffered body after the app finished;
// the connection used to count as idle from then, so a stream or a download
// longer than the timeout was cut off. Raw Deno.serve delivers them all.

import assert from "node:assert/strict";
import { DenoServer, WebHostBuilder } from "../../mod.ts";
import type { ApplicationBuilder } from "../../mod.ts";
import { deferred } from "../_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const BIG = 32 * 1024 * 1024;

async function serve(
  configure: (app: ApplicationBuilder) => void,
): Promise<{ port: number } & AsyncDisposable> {
  const host = new WebHostBuilder()
    .useServer(
      new DenoServer({
        urls: "http://127.0.0.1:0",
        limits: { keepAliveTimeout: 300 },
        onError: () => {},
        onConnectionEvent() {},
      }),
    )
    .useSetting("suppressStatusMessages", "true")
    .configure(configure)
    .build();
  await host.start();
  return {
    port: Number(new URL(host.addresses[0]).port),
    async [Symbol.asyncDispose]() {
      await host.stop({ signal: AbortSignal.timeout(2000) });
    },
  };
}

// A connection with a GET of `path` sent on it.
async function get(port: number, path: string): Promise<Deno.Conn> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(
    encoder.encode(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
  );
  return conn;
}

// Resolves once an idle connection made now was closed for keepAliveTimeout:
// by then, any connection idle since before has passed its deadline too.
async function keepAliveExpired(port: number): Promise<void> {
  const conn = await get(port, "/clock");
  const buffer = new Uint8Array(65536);
  while ((await conn.read(buffer)) !== null) {
    // the answer, then the close
  }
  conn.close();
}

function answer(
  app: ApplicationBuilder,
  routes: Record<string, () => unknown>,
) {
  app.run((ctx) => {
    const route = routes[ctx.request.path];
    return (route?.() ?? ctx.response.send("tick")) as Promise<void>;
  });
}

Deno.test("a returned stream that outlasts keepAliveTimeout is delivered whole over HTTP/1.1", async () => {
  const release = deferred();
  await using running = await serve((app) =>
    answer(app, {
      "/stream": () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(encoder.encode("first\n"));
              await release.promise;
              controller.enqueue(encoder.encode("last\n"));
              controller.close();
            },
          }),
        ),
    })
  );
  const conn = await get(running.port, "/stream");
  const buffer = new Uint8Array(65536);
  let text = "";
  while (!text.includes("first")) {
    text += decoder.decode(buffer.subarray(0, (await conn.read(buffer))!));
  }
  await keepAliveExpired(running.port);
  release.resolve();
  while (!text.endsWith("0\r\n\r\n")) {
    const read = await conn.read(buffer);
    if (read === null) break;
    text += decoder.decode(buffer.subarray(0, read));
  }
  conn.close();
  assert.match(text, /first\n\r\n5\r\nlast\n\r\n0\r\n\r\n$/);
});

Deno.test("a large body read more slowly than keepAliveTimeout is delivered whole over HTTP/1.1", async () => {
  await using running = await serve((app) =>
    answer(app, {
      "/big": () => new Response(new Uint8Array(BIG)),
    })
  );
  const conn = await get(running.port, "/big");
  const buffer = new Uint8Array(65536);
  let total = (await conn.read(buffer))!;
  const head = decoder.decode(buffer.subarray(0, total));
  assert.match(head, new RegExp(`content-length: ${BIG}`, "i"));
  total -= head.indexOf("\r\n\r\n") + 4;
  // The client stops reading past the server's keep-alive deadline.
  await keepAliveExpired(running.port);
  while (total < BIG) {
    const read = await conn.read(buffer);
    if (read === null) break;
    total += read;
  }
  conn.close();
  assert.equal(total, BIG);
});

for (const path of ["/stream", "/big"]) {
  Deno.test(`${path} read more slowly than keepAliveTimeout is delivered whole over HTTP/2`, async () => {
    await using running = await serve((app) =>
      answer(app, {
        "/stream": () => {
          let sent = 0;
          return new Response(
            new ReadableStream({
              async pull(controller) {
                await new Promise((resolve) => setTimeout(resolve, 50));
                controller.enqueue(encoder.encode(`line ${sent}\n`));
                if (++sent === 20) controller.close();
              },
            }),
          );
        },
        "/big": () => new Response(new Uint8Array(BIG / 2)),
      })
    );
    // curl reads at 16 MB/s: the big body takes a second, the stream one.
    const output = await new Deno.Command("curl", {
      args: [
        "-s",
        "--max-time",
        "20",
        "--http2-prior-knowledge",
        "--limit-rate",
        "16M",
        "-o",
        "/dev/null",
        "-w",
        "%{exitcode} %{size_download}",
        `http://127.0.0.1:${running.port}${path}`,
      ],
      stdout: "piped",
    }).output();
    const [exit, size] = decoder.decode(output.stdout).split(" ");
    assert.equal(exit, "0");
    assert.equal(
      Number(size),
      path === "/big"
        ? BIG / 2
        : "line 0\n".length * 10 + "line 10\n".length * 10,
    );
  });
}

// Over HTTP/2 a browser asks for small things beside a download on the same
// connection: a small answer ending after the large one (which Deno reports
// sent before it has left) made the idle close an abort, cutting it.
Deno.test("a large body is delivered whole over HTTP/2 while a small request on the same connection ends after it", async () => {
  const bigReported = deferred();
  await using running = await serve((app) =>
    app.run((ctx) => {
      if (ctx.request.path !== "/big") return ctx.response.send("tick");
      ctx.response.onCompleted(() => bigReported.resolve());
      return new Response(new Uint8Array(BIG));
    })
  );
  const base = `http://127.0.0.1:${running.port}`;
  using client = Deno.createHttpClient({ http1: false, http2: true });
  const big = await fetch(`${base}/big`, { client });
  // Deno has reported the large body sent; it is far from all read.
  await bigReported.promise;
  const small = await fetch(`${base}/small`, { client });
  assert.equal(await small.text(), "tick");
  // The client reads on only once the keep-alive deadline has passed.
  await keepAliveExpired(running.port);
  let total = 0;
  for await (const chunk of big.body!) total += chunk.byteLength;
  assert.equal(total, BIG);
});
