// hostFiltering on both servers: which Host values reach the app, what the
// others get (a bare 400), and reading AllowedHosts from configuration.

import assert from "node:assert/strict";
import { ConfigurationBuilder, ConfigurationError } from "../../../mod.ts";
import {
  hostFiltering,
  hostFilteringFromConfiguration,
  type HostFilteringOptions,
} from "../../../hosting/middleware/host_filtering.ts";
import {
  rawRequest,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

interface Answer {
  status: number;
  body: string;
}

// A request naming `host`: in memory through the URL, on a socket as the
// raw Host header (fetch would not send an arbitrary one).
async function ask(
  kind: ServerKind,
  running: Running,
  host: string,
): Promise<Answer> {
  if (kind === "TestServer") {
    const response = await running.fetch(`http://${host}/`);
    return { status: response.status, body: await response.text() };
  }
  const port = Number(new URL(running.base).port);
  const answer = await rawRequest(
    port,
    `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
  );
  return { status: answer.status, body: answer.body };
}

function start(
  kind: ServerKind,
  options: HostFilteringOptions,
): Promise<Running> {
  return startHost(kind, (app) =>
    app.use((ctx, next) => {
      // Stands in for a request that named no host. A real HTTP/1.0 request
      // without Host gets an empty host only from a remote peer, and these
      // tests talk over loopback (see hostProblem in
      // server/_request_target.ts).
      if (ctx.request.headers.has("x-test-no-host")) ctx.request.host = "";
      return next();
    }).use(hostFiltering(options)).run((ctx) => ctx.response.send("app")));
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: hostFiltering lets allowed hosts through, ignoring port and case`, async () => {
    await using running = await start(kind, {
      allowedHosts: ["Example.COM", "*.example.com", "[::1]", "bücher.example"],
    });
    for (
      const host of [
        "example.com",
        "EXAMPLE.com:8080",
        "api.example.com",
        "a.b.example.com:1",
        "example.com.", // fully qualified: the same name
        "api.example.com.:8080",
        "[::1]:80",
        "[0:0::1]",
        "xn--bcher-kva.example",
      ]
    ) {
      assert.deepEqual(await ask(kind, running, host), {
        status: 200,
        body: "app",
      }, host);
    }
  });

  Deno.test(`${kind}: hostFiltering answers other hosts with a bare 400`, async () => {
    await using running = await start(kind, {
      allowedHosts: ["example.com", "*.example.com"],
    });
    for (
      const host of [
        "evil.test",
        "example.com.evil.test",
        "notexample.com",
        "..example.com", // an empty label is no subdomain
        "a..example.com",
        "[::2]",
        "127.0.0.1",
      ]
    ) {
      const answer = await ask(kind, running, host);
      assert.equal(answer.status, 400, host);
      // Nothing of the rejected host is echoed back.
      assert.equal(answer.body, "", host);
    }
    // A wildcard matches subdomains only: "*.example.com" is not
    // "example.com", which is listed separately above.
    await using strict = await start(kind, { allowedHosts: ["*.example.com"] });
    assert.equal((await ask(kind, strict, "example.com")).status, 400);
    assert.equal((await ask(kind, strict, "www.example.com")).status, 200);
  });

  Deno.test(`${kind}: hostFiltering allows an empty host unless told not to`, async () => {
    const noHost = { headers: { "x-test-no-host": "1" } };
    {
      await using running = await start(kind, {
        allowedHosts: ["example.com"],
      });
      const response = await running.fetch("/", noHost);
      assert.equal(await response.text(), "app");
    }
    await using strict = await start(kind, {
      allowedHosts: ["example.com"],
      allowEmptyHosts: false,
    });
    const response = await strict.fetch("/", noHost);
    assert.equal(response.status, 400);
    assert.equal(await response.text(), "");
  });

  Deno.test(`${kind}: hostFiltering with "*" allows every host`, async () => {
    await using running = await start(kind, { allowedHosts: ["*"] });
    assert.equal((await ask(kind, running, "anything.test")).status, 200);
  });
}

Deno.test("hostFiltering says what is wrong with its options", () => {
  assert.throws(() => hostFiltering({ allowedHosts: [] }), {
    name: "RangeError",
    message: /allowedHosts is empty/,
  });
  assert.throws(() => hostFiltering({ allowedHosts: ["::1"] }), {
    name: "TypeError",
    message: /"::1", which is not a host name.*"\[::1\]"/,
  });
  assert.throws(() => hostFiltering({ allowedHosts: ["example.com/x"] }), {
    name: "TypeError",
  });
});

Deno.test("hostFilteringFromConfiguration reads AllowedHosts", () => {
  const read = (values: Record<string, unknown>) =>
    hostFilteringFromConfiguration(
      new ConfigurationBuilder().addInMemory(values).build(),
    );
  assert.equal(read({}), undefined);
  assert.equal(read({ AllowedHosts: "*" }), undefined);
  assert.equal(read({ AllowedHosts: " ; " }), undefined);
  assert.deepEqual(read({ allowedhosts: "example.com;*.example.com" }), {
    allowedHosts: ["example.com", "*.example.com"],
  });
  assert.deepEqual(read({ AllowedHosts: ["a.test", "b.test"] }), {
    allowedHosts: ["a.test", "b.test"],
  });
  assert.throws(
    () => read({ AllowedHosts: "good.test;bad host" }),
    (error) =>
      error instanceof ConfigurationError &&
      /"AllowedHosts": has "bad host"/.test(error.message),
  );
});
