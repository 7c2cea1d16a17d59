// A client that leaves an HTTP/2 stream mid-response is no error of the
// server's: Deno's `info.completed` rejects then, and an unhandled rejection
// would end the process, so any client could stop the server by cancelling a
// download. Raw Deno.serve stays up; so must Roost, on its own connections
// and on Deno.serve (webSockets: true), for every way to answer with a
// stream.

import assert from "node:assert/strict";
import { deferred, startHost } from "../_helpers.ts";
import type { HttpContext } from "../../mod.ts";

// A stream that sends a line every 50 ms for 5 s, and says when it is
// cancelled.
function slowLines(cancelled: () => void): ReadableStream<Uint8Array> {
  let line = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (line > 0) await new Promise((r) => setTimeout(r, 50));
      controller.enqueue(new TextEncoder().encode(`line ${line++}\n`));
      if (line === 100) controller.close();
    },
    cancel() {
      cancelled();
    },
  });
}

const ANSWERS: Record<
  string,
  (ctx: HttpContext, stream: ReadableStream<Uint8Array>) => unknown
> = {
  "a returned Response": (_ctx, stream) => new Response(stream),
  "send(Response)": (ctx, stream) => ctx.response.send(new Response(stream)),
  "send(stream)": (ctx, stream) => ctx.response.send(stream),
};

for (const webSockets of [false, true]) {
  for (const [answer, respond] of Object.entries(ANSWERS)) {
    Deno.test(`an HTTP/2 client that leaves ${answer} mid-stream does not end the process (webSockets: ${webSockets})`, async () => {
      let cancelled = deferred();
      await using running = await startHost(
        "DenoServer",
        (app) =>
          app.run((ctx) => {
            if (ctx.request.path === "/alive") return ctx.response.send("yes");
            return respond(
              ctx,
              slowLines(() => cancelled.resolve()),
            ) as Promise<void>;
          }),
        { webSockets },
      );
      for (let round = 0; round < 2; round++) {
        cancelled = deferred();
        const client = new Deno.Command("curl", {
          args: ["-sN", "--http2-prior-knowledge", `${running.base}/stream`],
          stdout: "piped",
          stderr: "null",
        }).spawn();
        const reader = client.stdout.getReader();
        const first = await reader.read();
        assert.match(new TextDecoder().decode(first.value), /^line 0/);
        client.kill("SIGKILL");
        await client.status;
        reader.releaseLock();
        await client.stdout.cancel();
        // The server saw the client go, and still answers.
        await cancelled.promise;
        const alive = await fetch(`${running.base}/alive`);
        assert.equal(await alive.text(), "yes");
      }
    });
  }
}
