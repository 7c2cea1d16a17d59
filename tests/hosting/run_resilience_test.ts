// run() owns the process: an app's mistake outside any request (an
// exception in an event listener, a rejection nobody handles) is logged and
// the host keeps serving, where raw Deno would end the process.

import assert from "node:assert/strict";
import { spawnHost, until, within } from "../_helpers.ts";

Deno.test("run() keeps serving through uncaught exceptions in event listeners and unhandled rejections", async () => {
  await using host = await spawnHost("tests/fixtures/hosts/careless_host.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const base = host.addresses[0];
  assert.ok(base, host.stdout() + host.stderr());
  assert.equal(await (await fetch(`${base}/timer`)).text(), "timer set");
  assert.equal(await (await fetch(`${base}/reject`)).text(), "rejected");
  // A message that is not JSON throws in onmessage; the socket and the
  // process live on and answer the next one.
  const socket = new WebSocket(`${base.replace("http", "ws")}/ws`);
  const replies: string[] = [];
  const replied = Promise.withResolvers<void>();
  socket.onmessage = (event) => {
    replies.push(event.data);
    replied.resolve();
  };
  await within(
    new Promise((resolve) => socket.onopen = resolve),
    "the socket to open",
  );
  socket.send("not json");
  socket.send(JSON.stringify({ type: "still here" }));
  await within(replied.promise, "a reply after the bad message");
  assert.deepEqual(replies, ["still here"]);
  const closed = new Promise((resolve) => socket.onclose = resolve);
  socket.close();
  await closed;
  await until(
    () => /nobody handles it/.test(host.stdout()),
    "the logged rejection",
  );
  const status = await host.signal("SIGTERM");
  assert.equal(status.code, 0);
  const out = host.stdout();
  assert.match(
    out,
    /fail: Roost\.Hosting\[0\]\n\s+An uncaught exception was ignored\n\s+Error: thrown in a timer/,
  );
  assert.match(
    out,
    /An uncaught exception was ignored\n\s+SyntaxError: Unexpected token/,
  );
  assert.match(
    out,
    /An unhandled promise rejection was ignored\n\s+Error: rejected, and nobody handles it/,
  );
  assert.equal(host.stderr(), "");
});
