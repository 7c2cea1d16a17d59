/**
 * Endpoints: where a server listens, parsed from URLs such as
 * `http://localhost:8000`, `https://*:8443`, `http://[::1]:0` or
 * `unix:/run/app.sock`.
 *
 * @module
 */

/**
 * A TLS certificate and key: file paths, or PEM text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type CertificateOptions,
 *   DenoServer,
 *   ServerAddressesFeature,
 * } from "../mod.ts";
 *
 * const fromFiles: CertificateOptions = { certFile: "cert.pem", keyFile: "key.pem" };
 * // The files are read when the server starts, not before.
 * const server = new DenoServer({ urls: "https://127.0.0.1:0", certificate: fromFiles });
 * const addresses = server.features.get(ServerAddressesFeature)?.addresses;
 * assert.deepEqual(addresses, ["https://127.0.0.1:0"]);
 * ```
 */
export type CertificateOptions =
  | { certFile: string; keyFile: string }
  | { cert: string; key: string };

/**
 * One endpoint to listen on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   DenoServer,
 *   type EndpointOptions,
 *   ServerAddressesFeature,
 * } from "../mod.ts";
 *
 * const endpoint: EndpointOptions = {
 *   url: "https://*:8443",
 *   certificate: { certFile: "cert.pem", keyFile: "key.pem" },
 * };
 * const server = new DenoServer({ endpoints: [endpoint] });
 * const addresses = server.features.get(ServerAddressesFeature)?.addresses;
 * assert.deepEqual(addresses, ["https://*:8443"]);
 * ```
 */
export interface EndpointOptions {
  /** The URL to listen on, as in `urls`. */
  url: string;
  /**
   * The certificate of an `https` endpoint; the server's default certificate
   * when absent.
   * @default {undefined}
   */
  certificate?: CertificateOptions;
  /**
   * Lets several processes listen on the same TCP port, the kernel
   * spreading connections among them (Linux `SO_REUSEPORT`). Deno offers
   * it only with `--unstable-net`; without the flag the start fails saying
   * so.
   * @default {false}
   */
  reusePort?: boolean;
}

/**
 * A parsed endpoint.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEndpointUrl } from "../mod.ts";
 *
 * const endpoint = parseEndpointUrl("http://localhost:8000");
 * assert.deepEqual(endpoint.hostnames, ["127.0.0.1", "::1"]);
 * assert.equal(endpoint.port, 8000);
 * ```
 */
export interface Endpoint {
  /** The URL as given. */
  readonly url: string;
  /** `"http"`, `"https"`, or `"unix"` for a Unix socket. */
  readonly scheme: "http" | "https" | "unix";
  /**
   * The addresses to bind, in order; after the first, an address the machine
   * lacks (no IPv6) is skipped.
   */
  readonly hostnames: readonly string[];
  /** The host as it appears in reported addresses (`"localhost"`, `"[::1]"`). */
  readonly displayHost: string;
  /** The port; 0 binds a free one. */
  readonly port: number;
  /** The socket path of a `unix` endpoint. */
  readonly path?: string;
  /**
   * The host name of a URL that names a host other than `localhost`
   * (`example.com` in `http://example.com:8080`). Such an endpoint binds
   * every interface, as Kestrel does, and the server warns about it: a name
   * does not choose an interface, and which names the app answers to is
   * host filtering's job.
   */
  readonly hostName?: string;
}

const FORMS =
  'Use a form like "http://localhost:8000", "https://*:8443", "http://[::1]:0" or "unix:/run/app.sock".';

function invalid(url: string, why: string): TypeError {
  return new TypeError(`Invalid server URL "${url}": ${why}. ${FORMS}`);
}

/**
 * Parses one server URL.
 *
 * `localhost` binds both loopbacks (IPv4, and IPv6 where the machine has it);
 * `*` and `+` (and any other host name, as in Kestrel) bind every interface;
 * an IP address binds that address.
 *
 * @param url The URL, e.g. `"http://localhost:8000"`.
 * @returns The endpoint.
 * @throws {TypeError} When the URL is malformed; the message quotes it and
 * shows valid forms.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEndpointUrl } from "../mod.ts";
 *
 * assert.deepEqual(parseEndpointUrl("https://*:8443").hostnames, ["::", "0.0.0.0"]);
 * assert.equal(parseEndpointUrl("unix:/tmp/app.sock").path, "/tmp/app.sock");
 * ```
 */
export function parseEndpointUrl(url: string): Endpoint {
  const text = url.trim();
  const unix = /^(?:https?:\/\/)?unix:(.*)$/i.exec(text);
  if (unix !== null) {
    const path = unix[1];
    if (path === "") throw invalid(url, "the Unix socket path is missing");
    if (!path.startsWith("/") && !path.startsWith(".")) {
      throw invalid(
        url,
        "a Unix socket path must be absolute or start with ./",
      );
    }
    return {
      url,
      scheme: "unix",
      hostnames: [],
      displayHost: "",
      port: 0,
      path,
    };
  }
  const match = /^(https?):\/\/(\[[^\]]*\]|[^:/?#]*)(?::([^/?#]*))?(\/?.*)$/i
    .exec(text);
  if (match === null) {
    throw invalid(url, "it must start with http://, https:// or unix:");
  }
  const scheme = match[1].toLowerCase() as "http" | "https";
  const host = match[2].toLowerCase();
  if (host.startsWith("[") !== host.endsWith("]")) {
    throw invalid(url, "an IPv6 address must be closed with ]");
  }
  if (host === "") throw invalid(url, "the host is missing");
  let port = scheme === "https" ? 443 : 80;
  if (match[3] !== undefined) {
    port = Number(match[3]);
    if (!/^\d+$/.test(match[3]) || port > 65535) {
      throw invalid(
        url,
        `the port "${match[3]}" is not a number from 0 to 65535`,
      );
    }
  }
  if (match[4] !== "" && match[4] !== "/") {
    throw invalid(
      url,
      `a server URL cannot have a path ("${
        match[4]
      }"); mount the app under a path with app.map() instead`,
    );
  }
  if (host === "localhost") {
    return {
      url,
      scheme,
      hostnames: ["127.0.0.1", "::1"],
      displayHost: host,
      port,
    };
  }
  if (host === "*" || host === "+" || host === "[::]") {
    return {
      url,
      scheme,
      hostnames: ["::", "0.0.0.0"],
      displayHost: "[::]",
      port,
    };
  }
  if (host.startsWith("[")) {
    const ip = host.slice(1, -1);
    if (!/^[0-9a-f:.]+$/.test(ip) || !ip.includes(":")) {
      throw invalid(url, `"${host}" is not an IPv6 address`);
    }
    return { url, scheme, hostnames: [ip], displayHost: host, port };
  }
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    if (host.split(".").some((part) => Number(part) > 255)) {
      throw invalid(url, `"${host}" is not an IPv4 address`);
    }
    return { url, scheme, hostnames: [host], displayHost: host, port };
  }
  if (!/^[a-z0-9.-]+$/.test(host)) {
    throw invalid(url, `"${host}" is not a host name`);
  }
  // Like Kestrel: a host name other than localhost binds every interface;
  // which names the app answers to is the host-filtering middleware's job.
  return {
    url,
    scheme,
    hostnames: ["::", "0.0.0.0"],
    displayHost: "[::]",
    port,
    hostName: host,
  };
}

/**
 * Parses a list of server URLs: an array, or one string of URLs separated
 * by `;`.
 *
 * @param urls The URLs.
 * @returns One endpoint per URL.
 * @throws {TypeError} When a URL is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseEndpointUrls } from "../mod.ts";
 *
 * const endpoints = parseEndpointUrls("http://127.0.0.1:0; http://[::1]:0");
 * assert.deepEqual(endpoints.map((endpoint) => endpoint.url), [
 *   "http://127.0.0.1:0",
 *   "http://[::1]:0",
 * ]);
 * ```
 */
export function parseEndpointUrls(
  urls: string | readonly string[],
): Endpoint[] {
  const list = typeof urls === "string" ? [urls] : urls;
  return list.flatMap((entry) => entry.split(";"))
    .map((url) => url.trim())
    .filter((url) => url !== "")
    .map(parseEndpointUrl);
}
