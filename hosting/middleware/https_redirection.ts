/**
 * `httpsRedirection()`: sends plain HTTP requests to HTTPS (ASP.NET's
 * `UseHttpsRedirection`).
 *
 * @module
 */

import {
  type HttpContext,
  ServerAddressesFeature,
} from "../../features/mod.ts";
import { Configuration } from "../config/mod.ts";
import {
  getDefaultLoggerFactory,
  LoggerFactory,
} from "../logging/logger_factory.ts";
import type { Middleware } from "../pipeline.ts";

/** Options for {@linkcode httpsRedirection}. */
export interface HttpsRedirectionOptions {
  /**
   * The redirect status: 307 (ASP.NET's default) and 308 keep the method and
   * body; 301 and 308 are cached by browsers, so use them only once HTTPS
   * is there to stay.
   * @default {307}
   */
  statusCode?: 301 | 302 | 307 | 308;
  /**
   * The port to redirect to. Without it, the `HTTPS_PORT` configuration key
   * (ASP.NET's: an `HTTPS_PORT` environment variable or `"https_port"` in
   * `appsettings.json` under `createDefaultBuilder`), else the port of the
   * server's one HTTPS address (`ServerAddressesFeature`), found on the
   * first request. When none of them gives one port, requests are not
   * redirected and a Warning says why, once.
   * @default {undefined}
   */
  httpsPort?: number;
}

const CATEGORY = "Roost.Hosting.HttpsRedirection";
const STATUSES = new Set([301, 302, 307, 308]);
const HTTPS_ADDRESS = /^https:\/\/(?:\[[^\]]*\]|[^:/]*)(?::(\d+))?/i;

function checkHttpsRedirectionOptions(options: HttpsRedirectionOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `httpsRedirection() options must be an object, got ${
        String(options)
      }: try useHttpsRedirection({ httpsPort: 443 })`,
    );
  }
  const { statusCode, httpsPort } = options;
  if (statusCode !== undefined && !STATUSES.has(statusCode)) {
    throw new RangeError(
      `httpsRedirection() option "statusCode" must be 301, 302, 307 or 308, got ${
        String(statusCode)
      }: 307 (the default) keeps the method, 308 also lets browsers cache it`,
    );
  }
  if (
    httpsPort !== undefined &&
    (!Number.isInteger(httpsPort) || httpsPort < 1 || httpsPort > 65535)
  ) {
    throw new RangeError(
      `httpsRedirection() option "httpsPort" must be a port from 1 to 65535, got ${
        String(httpsPort)
      }: leave it out to use the server's HTTPS address`,
    );
  }
}

/** The configuration key of the port to redirect to, as in ASP.NET. */
const PORT_KEY = "HTTPS_PORT";

// The port the app's configuration names (behind a proxy that terminates
// TLS, the server itself has no HTTPS address), a reason it cannot be used,
// or undefined when it names none.
function portFromConfiguration(ctx: HttpContext): number | string | undefined {
  const value = ctx.requestServices?.get(Configuration)?.get(PORT_KEY)?.trim();
  if (value === undefined || value === "") return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (port >= 1 && port <= 65535) return port;
  return `Failed to determine the HTTPS port for redirection: the configuration key ${PORT_KEY} is ${
    JSON.stringify(value)
  }, not a port from 1 to 65535. Requests are not redirected: fix the value (an environment variable ${PORT_KEY}=443, say), or set the port with useHttpsRedirection({ httpsPort: 443 }).`;
}

// The port of the server's HTTPS addresses, or a reason there is none to
// use. Port 0 is an address asked for but not bound yet: no port to send
// anyone to.
function portFromServer(ctx: HttpContext): number | string {
  const addresses = ctx.features.get(ServerAddressesFeature)?.addresses ?? [];
  const ports = new Set<number>();
  for (const address of addresses) {
    const match = HTTPS_ADDRESS.exec(address);
    if (match === null) continue;
    const port = match[1] === undefined ? 443 : Number(match[1]);
    if (port !== 0) ports.add(port);
  }
  if (ports.size === 1) return [...ports][0];
  const fix =
    'set the port with useHttpsRedirection({ httpsPort: 443 }) or the HTTPS_PORT configuration key, or listen on one with useUrls("https://*:443")';
  return ports.size === 0
    ? `Failed to determine the HTTPS port for redirection: the server has no HTTPS address (${
      addresses.join(", ") || "none"
    }). Requests are not redirected: ${fix}.`
    : `Failed to determine the HTTPS port for redirection: the server listens for HTTPS on several ports (${
      [...ports].join(", ")
    }). Requests are not redirected: set the one to use with useHttpsRedirection({ httpsPort }).`;
}

// A Host value without its port; an IPv6 literal keeps its brackets.
function hostOnly(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/**
 * Middleware that redirects plain HTTP requests to the same URL on HTTPS
 * (ASP.NET's `UseHttpsRedirection`): `https://host:port` plus the path base,
 * path and query, with the port left out when it is 443. HTTPS requests go
 * on down the pipeline.
 *
 * The port is `httpsPort`, else the `HTTPS_PORT` configuration key, else
 * the one HTTPS port among the server's addresses, found on the first
 * request (so a `https://…:0` endpoint's bound port is known). When there
 * is none, or several, or the key is not a port, a Warning in
 * `Roost.Hosting.HttpsRedirection` says so once and requests pass through
 * unredirected, as in ASP.NET: a missing port is a configuration gap, not a
 * reason to fail every request.
 *
 * @param options The status and the HTTPS port.
 * @returns The middleware.
 * @throws {RangeError} When `statusCode` is not 301, 302, 307 or 308, or
 * `httpsPort` is not a port.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { httpsRedirection } from "./https_redirection.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(httpsRedirection({ httpsPort: 8443 }));
 *     app.run((ctx) => ctx.response.send("secure"));
 *   })
 *   .build();
 * const plain = await host.fetch("http://shop.example:8080/cart?id=7");
 * assert.equal(plain.status, 307);
 * assert.equal(plain.headers.get("location"), "https://shop.example:8443/cart?id=7");
 * await plain.body?.cancel();
 * const secure = await host.fetch("https://shop.example:8443/cart");
 * assert.equal(await secure.text(), "secure");
 * ```
 */
export function httpsRedirection(
  options: HttpsRedirectionOptions = {},
): Middleware {
  checkHttpsRedirectionOptions(options);
  const statusCode = options.statusCode ?? 307;
  // A number once known; `null` once found missing (and logged).
  let port: number | null | undefined = options.httpsPort;
  return function httpsRedirectionMiddleware(ctx, next) {
    const request = ctx.request;
    if (request.isHttps) return next();
    if (port === undefined) {
      const found = portFromConfiguration(ctx) ?? portFromServer(ctx);
      if (typeof found === "number") {
        port = found;
      } else {
        port = null;
        const factory = ctx.requestServices?.get(LoggerFactory) ??
          getDefaultLoggerFactory();
        factory.createLogger(CATEGORY).warning(found);
      }
    }
    const host = hostOnly(request.host);
    // Without a port or a Host there is no URL to send the client to.
    if (port === null || host === "") return next();
    const location = `https://${host}${port === 443 ? "" : `:${port}`}${
      request.pathBase + request.path + request.queryString
    }`;
    return ctx.response.redirect(location, statusCode);
  };
}
