/**
 * `hsts()`: HTTP Strict Transport Security (ASP.NET's `UseHsts`).
 *
 * @module
 */

import type { Middleware } from "../pipeline.ts";

/** Options for {@linkcode hsts}. */
export interface HstsOptions {
  /**
   * How long, in seconds, browsers keep to HTTPS for this host (`max-age`).
   * ASP.NET's default, 30 days; raise it once HTTPS is known to work (a
   * year, 31536000, is what preload lists ask for).
   * @default {2592000}
   */
  maxAge?: number;
  /**
   * Whether the rule covers every subdomain too (`includeSubDomains`).
   * @default {false}
   */
  includeSubDomains?: boolean;
  /**
   * Whether to add `preload`, asking to be built into browsers' HSTS lists
   * (hstspreload.org also wants `includeSubDomains` and a year's `maxAge`).
   * @default {false}
   */
  preload?: boolean;
  /**
   * Hosts that never get the header, compared without their port and
   * ignoring case: a development machine should not be pinned to HTTPS.
   * IPv6 addresses are written in brackets (`"[::1]"`).
   * @default {["localhost", "127.0.0.1", "[::1]"]}
   */
  excludedHosts?: readonly string[];
}

const EXCLUDED = ["localhost", "127.0.0.1", "[::1]"];

// The host of a Host value without its port, lower case.
function hostWithoutPort(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    return end === -1 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

function checkHstsOptions(options: HstsOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `hsts() options must be an object, got ${
        String(options)
      }: try hsts({ maxAge: 31536000 })`,
    );
  }
  const { maxAge, excludedHosts } = options;
  if (
    maxAge !== undefined &&
    (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0)
  ) {
    throw new RangeError(
      `hsts() option "maxAge" must be a whole number of seconds, 0 or more, got ${
        String(maxAge)
      }: try hsts({ maxAge: 31536000 }) for a year`,
    );
  }
  for (const name of ["includeSubDomains", "preload"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(
        `hsts() option "${name}" must be true or false, got ${String(value)}`,
      );
    }
  }
  if (
    excludedHosts !== undefined &&
    (!Array.isArray(excludedHosts) ||
      excludedHosts.some((host) => typeof host !== "string" || host === ""))
  ) {
    throw new TypeError(
      `hsts() option "excludedHosts" must be an array of host names, got ${
        JSON.stringify(excludedHosts)
      }: try hsts({ excludedHosts: ["localhost"] })`,
    );
  }
}

// "::1" and "[::1]" both name the bracketed form the Host header carries.
function normalizeHost(host: string): string {
  const lower = host.toLowerCase();
  return lower.includes(":") && !lower.startsWith("[") ? `[${lower}]` : lower;
}

/**
 * Middleware that adds `Strict-Transport-Security` to HTTPS responses
 * (ASP.NET's `UseHsts`), telling browsers to use only HTTPS for this host
 * from then on. Plain HTTP responses never get it (browsers ignore it
 * there, as RFC 6797 says), nor do `excludedHosts`. The header is set
 * before the rest of the pipeline runs, so streamed responses carry it; an
 * error thrown further down becomes the host's error response without it.
 *
 * @param options `max-age`, `includeSubDomains`, `preload` and the hosts
 * left out.
 * @returns The middleware.
 * @throws {RangeError} When `maxAge` is not a whole number of seconds.
 * @throws {TypeError} When another option has the wrong type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { hsts } from "./hsts.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(hsts({ maxAge: 31536000, includeSubDomains: true }));
 *     app.run((ctx) => ctx.response.send("ok"));
 *   })
 *   .build();
 * const secure = await host.fetch("https://shop.example/");
 * assert.equal(
 *   secure.headers.get("strict-transport-security"),
 *   "max-age=31536000; includeSubDomains",
 * );
 * await secure.body?.cancel();
 * const plain = await host.fetch("http://shop.example/");
 * assert.equal(plain.headers.get("strict-transport-security"), null);
 * await plain.body?.cancel();
 * const local = await host.fetch("https://localhost/");
 * assert.equal(local.headers.get("strict-transport-security"), null);
 * await local.body?.cancel();
 * ```
 */
export function hsts(options: HstsOptions = {}): Middleware {
  checkHstsOptions(options);
  let value = `max-age=${options.maxAge ?? 2_592_000}`;
  if (options.includeSubDomains) value += "; includeSubDomains";
  if (options.preload) value += "; preload";
  const excluded = new Set(
    (options.excludedHosts ?? EXCLUDED).map(normalizeHost),
  );
  return function hstsMiddleware(ctx, next) {
    const request = ctx.request;
    if (request.isHttps && !excluded.has(hostWithoutPort(request.host))) {
      ctx.response.headers.set("strict-transport-security", value);
    }
    return next();
  };
}
