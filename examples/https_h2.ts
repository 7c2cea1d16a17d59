/**
 * HTTPS with HTTP/2 and HTTP/1.1 on one port, negotiated by ALPN, next to
 * plain HTTP.
 *
 * ```sh
 * deno run -A examples/https_h2.ts --cert cert.pem --key key.pem
 * curl --http2 --cacert cert.pem https://localhost:8443/
 * ```
 *
 * Without `--cert`/`--key` it uses the test certificate in `tests/fixtures`
 * (trust `tests/fixtures/ca_cert.pem`): fine for a try-out, never for real.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { WebHostBuilder } from "../mod.ts";

const FIXTURES = new URL("../tests/fixtures/", import.meta.url);

/** Options for {@linkcode createHost}. */
export interface HttpsExampleOptions {
  /** URLs to listen on. */
  urls?: string;
  /** Certificate file (PEM). */
  certFile?: string;
  /** Private key file (PEM). */
  keyFile?: string;
}

/** Builds the HTTPS host. */
export function createHost(
  options: HttpsExampleOptions = {},
): import("../mod.ts").WebHost {
  return new WebHostBuilder()
    .useDenoServer({
      certificate: {
        certFile: options.certFile ??
          new URL("localhost_cert.pem", FIXTURES).pathname,
        keyFile: options.keyFile ??
          new URL("localhost_key.pem", FIXTURES).pathname,
      },
    })
    .useUrls(options.urls ?? "https://localhost:8443;http://localhost:8080")
    .configure((app) =>
      app.run((ctx) =>
        ctx.response.json({
          protocol: ctx.request.protocol,
          scheme: ctx.request.scheme,
          host: ctx.request.host,
        })
      )
    )
    .build();
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      urls: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
    },
  });
  Deno.exit(
    await createHost({
      urls: values.urls,
      certFile: values.cert,
      keyFile: values.key,
    }).run(),
  );
}
