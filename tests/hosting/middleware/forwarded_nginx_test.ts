// forwardedHeaders behind a real nginx: nginx runs as its own process on
// 127.0.0.1 with a generated config and reaches Roost from its own address,
// 127.0.0.2 (proxy_bind), the one proxy Roost trusts. Checks what the app
// sees of the client through the proxy, and that forged headers gain a
// client nothing, through the proxy or around it.

import assert from "node:assert/strict";
import type { HttpContext } from "../../../features/http_context.ts";
import { ForwardedHeadersFeature } from "../../../features/forwarded_features.ts";
import {
  forwardedHeaders,
  type ForwardedHeadersOptions,
} from "../../../hosting/middleware/forwarded_headers.ts";
import { curl, startHost } from "../../_helpers.ts";

function nginxAvailable(): boolean {
  try {
    return new Deno.Command("nginx", { args: ["-v"], stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const hasNginx = nginxAvailable();
if (!hasNginx) {
  console.warn(
    "forwarded_nginx_test.ts: nginx is not installed; the tests behind nginx are skipped",
  );
}

/** What the app saw, as the echo endpoint reports it. */
interface Seen {
  remote: string;
  scheme: string;
  host: string;
  forwardedFor: string | null;
  originalRemote: string | null;
}

function echo(ctx: HttpContext): Promise<void> {
  const seen: Seen = {
    remote: ctx.connection.remoteAddress,
    scheme: ctx.request.scheme,
    host: ctx.request.host,
    forwardedFor: ctx.request.headers.get("x-forwarded-for"),
    originalRemote:
      ctx.features.get(ForwardedHeadersFeature)?.originalRemoteAddress ?? null,
  };
  return ctx.response.json(seen);
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The nginx config of the README: the proxy headers Roost reads. */
function nginxConfig(dir: string, port: number, upstream: string): string {
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      proxy_bind 127.0.0.2;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`;
}

/** A running nginx in front of `upstream`; disposing stops it. */
interface Nginx extends AsyncDisposable {
  port: number;
}

async function startNginx(upstream: string): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "roost_nginx_" });
  // Running as root, nginx's workers drop to "nobody", who must reach the
  // temp paths.
  await Deno.chmod(dir, 0o755);
  const port = freePort();
  const conf = `${dir}/nginx.conf`;
  await Deno.writeTextFile(conf, nginxConfig(dir, port, upstream));
  const child = new Deno.Command("nginx", {
    args: ["-p", dir, "-c", conf, "-e", `${dir}/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // already exited
    }
    await status;
    await stderr;
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // Ready when it accepts a connection: bounded by a deadline.
    const deadline = Date.now() + 5000;
    while (true) {
      if (exited) {
        const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
        throw new Error(`nginx exited at start: ${await stderr}${log}`);
      }
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        break;
      } catch {
        if (Date.now() > deadline) {
          throw new Error("nginx did not listen within 5 s");
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, [Symbol.asyncDispose]: stop };
}

async function behindNginx(
  options: ForwardedHeadersOptions,
  test: (
    through: (args: string[]) => Promise<Seen>,
    roost: string,
  ) => Promise<void>,
): Promise<void> {
  await using running = await startHost(
    "DenoServer",
    (app) => app.use(forwardedHeaders(options)).run(echo),
  );
  await using nginx = await startNginx(running.base);
  const through = async (args: string[]) =>
    JSON.parse(
      await curl([...args, `http://127.0.0.1:${nginx.port}/`]),
    ) as Seen;
  await test(through, running.base);
}

const trustNginx: ForwardedHeadersOptions = { knownProxies: ["127.0.0.2"] };

Deno.test({
  name: "Behind nginx, the app sees the client's address, scheme and host",
  ignore: !hasNginx,
  async fn() {
    await behindNginx(trustNginx, async (through) => {
      const seen = await through(["-H", "Host: shop.example"]);
      assert.deepEqual(seen, {
        remote: "127.0.0.1",
        scheme: "http",
        host: "shop.example",
        // As nginx sent it: the headers are left as they came.
        forwardedFor: "127.0.0.1",
        originalRemote: "127.0.0.2",
      });
      // Another client address, to show it comes from nginx's report.
      const other = await through(["--interface", "127.0.0.4"]);
      assert.equal(other.remote, "127.0.0.4");
      assert.equal(other.host, "127.0.0.1");
    });
  },
});

Deno.test({
  name: "Behind nginx, forged forwarded headers gain a client nothing",
  ignore: !hasNginx,
  async fn() {
    for (const forwardLimit of [1, 2]) {
      await behindNginx({ ...trustNginx, forwardLimit }, async (through) => {
        const seen = await through([
          "-H",
          "X-Forwarded-For: 6.6.6.6, 127.0.0.2",
          "-H",
          "X-Forwarded-Proto: https",
          "-H",
          "X-Forwarded-Host: evil.test",
          "-H",
          "Host: shop.example",
        ]);
        // The forged entries stay in the header, unread: with limit 1 the
        // walk ends at nginx's entry; with 2 it stops at 127.0.0.1, which
        // is not a known proxy.
        assert.equal(seen.remote, "127.0.0.1", `forwardLimit ${forwardLimit}`);
        assert.equal(seen.scheme, "http");
        assert.equal(seen.host, "shop.example");
        assert.equal(seen.forwardedFor, "6.6.6.6, 127.0.0.2, 127.0.0.1");
      });
    }
  },
});

Deno.test({
  name: "A client that goes around nginx gains nothing with forged headers",
  ignore: !hasNginx,
  async fn() {
    await behindNginx(trustNginx, async (_through, roost) => {
      const seen = JSON.parse(
        await curl([
          "--interface",
          "127.0.0.3",
          "-H",
          "X-Forwarded-For: 127.0.0.2",
          "-H",
          "X-Forwarded-Proto: https",
          "-H",
          "X-Forwarded-Host: evil.test",
          roost,
        ]),
      ) as Seen;
      assert.equal(seen.remote, "127.0.0.3");
      assert.equal(seen.scheme, "http");
      assert.equal(seen.host, new URL(roost).host);
      assert.equal(seen.forwardedFor, "127.0.0.2");
      assert.equal(seen.originalRemote, null);
    });
  },
});
