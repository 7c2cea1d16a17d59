// A Roost host is a `deno serve` default export (`export default host`),
// also with --parallel: the lighter alternative to --workers.

import assert from "node:assert/strict";
import { delay, freePort, webSocketReply } from "../_helpers.ts";

const APP = "tests/fixtures/workers/serve_app.ts";

async function firstAnswer(port: number): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (true) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/hello`);
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await delay(20);
    }
  }
}

for (const parallel of [false, true]) {
  Deno.test(`deno serve${parallel ? " --parallel" : ""} serves a host exported as default, with the client's address`, async () => {
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "serve",
        "-A",
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
        ...(parallel ? ["--parallel"] : []),
        APP,
      ],
      cwd: new URL("../../", import.meta.url),
      env: { DENO_JOBS: "2" },
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      const body = await firstAnswer(port);
      const [address, remotePort, path] = body.split(" ");
      assert.equal(address, "127.0.0.1");
      // The client's own port, from Deno.serve's handler info.
      assert.ok(Number(remotePort) > 0, body);
      assert.equal(path, "/hello");
    } finally {
      child.kill("SIGKILL");
      await child.status;
    }
  });
}

Deno.test("host.fetch given Deno.serve's handler info answers as from that peer", async () => {
  const { WebHostBuilder } = await import("../../mod.ts");
  await using host = new WebHostBuilder()
    .configure((app) =>
      app.run((ctx) =>
        ctx.response.send(
          `${ctx.connection.remoteAddress} ${ctx.connection.remotePort}`,
        )
      )
    )
    .build();
  const info = {
    remoteAddr: { transport: "tcp" as const, hostname: "10.1.2.3", port: 4567 },
    completed: Promise.resolve(),
  };
  const fromPeer = await host.fetch(new Request("http://app/"), info);
  assert.equal(await fromPeer.text(), "10.1.2.3 4567");
  // Without it, the in-memory peer, and init still works as RequestInit.
  const plain = await host.fetch("/", { method: "POST", body: "x" });
  assert.equal(await plain.text(), "127.0.0.1 0");
});

Deno.test("a request Deno.serve hands to host.fetch (as deno serve does) can be upgraded to a WebSocket", async () => {
  const { WebHostBuilder } = await import("../../mod.ts");
  await using host = new WebHostBuilder()
    .configure((app) =>
      app.run((ctx) => {
        if (!ctx.webSockets.isWebSocketRequest) {
          return ctx.response.send("not a websocket", { status: 426 });
        }
        const socket = ctx.webSockets.accept();
        socket.onmessage = (event) => socket.send(`echo: ${event.data}`);
      })
    )
    .build();
  await using server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (request, info) => host.fetch(request, info),
  );
  const base = `127.0.0.1:${server.addr.port}`;
  const plain = await fetch(`http://${base}/`);
  assert.equal(plain.status, 426);
  await plain.body?.cancel();
  assert.equal(await webSocketReply(`ws://${base}/`), "echo: hi");
});
