/**
 * Forwarded headers middleware (ASP.NET Core's `UseForwardedHeaders`).
 *
 * @module
 */

import type { HttpContext } from "../../features/http_context.ts";
import type { ConfigurationSection } from "../config/configuration_section.ts";
import { ConfigurationError } from "../config/configuration_error.ts";
import {
  getDefaultLoggerFactory,
  LoggerFactory,
} from "../logging/logger_factory.ts";
import type { Middleware } from "../pipeline.ts";
import { type IpNetwork, parseIp, parseNetwork } from "./_ip_networks.ts";
import {
  apply,
  FIELDS,
  type ForwardedHeaderField,
  type ForwardedHeaderFormat,
  headersRead,
  hopsOf,
  type Policy,
  trusted,
  walk,
} from "./_forwarded_walk.ts";

export type { ForwardedHeaderField, ForwardedHeaderFormat };

const CATEGORY = "Roost.Hosting.ForwardedHeaders";

/** Options for {@linkcode forwardedHeaders}. */
export interface ForwardedHeadersOptions {
  /**
   * The values to apply. Enable only those your proxy sets (overwriting
   * what the client sent): a value the proxy passes through is the
   * client's to forge.
   * @default {["for", "proto", "host"]}
   */
  forwardedHeaders?: readonly ForwardedHeaderField[];
  /**
   * The headers to read. Exactly one kind is read: a proxy that sets one
   * kind passes the other through untouched, so reading both would let a
   * client forge whichever the proxy ignores.
   * @default {"x-forwarded"}
   */
  format?: ForwardedHeaderFormat;
  /**
   * The addresses of proxies trusted to forward (`["10.0.0.5", "::1"]`).
   * By default, as in ASP.NET, `["::1"]` with `knownNetworks`
   * `["127.0.0.0/8"]`: loopback only. Giving this or `knownNetworks`
   * replaces both defaults (ASP.NET appends to them): the lists are then
   * exactly what is trusted, so a deployment that names its proxy does not
   * also trust every process on the machine, and dropping loopback needs
   * no separate `clear()` step.
   * @default {["::1"]}
   */
  knownProxies?: readonly string[];
  /**
   * The networks of trusted proxies, in CIDR notation (`"10.0.0.0/8"`,
   * `"fd00::/8"`, `"::ffff:10.0.0.0/104"`, which is `10.0.0.0/8`). Replaces
   * the loopback default, as `knownProxies` does. IPv4 and IPv6 are
   * separate: trusting every peer takes `["0.0.0.0/0", "::/0"]`.
   * @default {["127.0.0.0/8"]}
   */
  knownNetworks?: readonly string[];
  /**
   * How many proxies to walk back through, from the right of each header,
   * stopping early at an address that is not trusted; `null` for no limit.
   * @default {1}
   */
  forwardLimit?: number | null;
}

const LOOPBACK = [parseNetwork("127.0.0.0/8") as IpNetwork];
const LOOPBACK_PROXIES = [parseIp("::1")!];

function resolve(options: ForwardedHeadersOptions): Policy {
  const fields = options.forwardedHeaders ?? ["for", "proto", "host"];
  if (!Array.isArray(fields)) {
    throw new TypeError(
      `forwardedHeaders: forwardedHeaders must be an array like ["for", "proto"], got ${typeof fields}`,
    );
  }
  for (const field of fields) {
    if (!FIELDS.includes(field)) {
      throw new TypeError(
        `forwardedHeaders: forwardedHeaders has "${field}"; use "for", "proto", "host" or "prefix"`,
      );
    }
  }
  const format = options.format ?? "x-forwarded";
  if (format !== "x-forwarded" && format !== "forwarded") {
    throw new TypeError(
      `forwardedHeaders: format is "${format}"; use "x-forwarded" or "forwarded"`,
    );
  }
  const limit = options.forwardLimit === undefined ? 1 : options.forwardLimit;
  if (limit !== null && (!Number.isInteger(limit) || limit < 1)) {
    throw new RangeError(
      `forwardedHeaders: forwardLimit is ${limit}; use a whole number of at least 1, or null for no limit`,
    );
  }
  const configured = options.knownProxies !== undefined ||
    options.knownNetworks !== undefined;
  const proxies = (options.knownProxies ?? []).map((text) => {
    const address = parseIp(String(text).trim());
    if (address === undefined) {
      throw new TypeError(
        `forwardedHeaders: knownProxies has "${text}", which is not an IP address; list addresses like "10.0.0.5" or "::1" (networks go in knownNetworks)`,
      );
    }
    return address;
  });
  const networks = (options.knownNetworks ?? []).map((text) => {
    const network = parseNetwork(String(text).trim());
    if (typeof network === "string") {
      throw new TypeError(
        `forwardedHeaders: knownNetworks has "${text}", which is not a network: ${network}`,
      );
    }
    return network;
  });
  return {
    fields: new Set(fields),
    format,
    proxies: configured ? proxies : LOOPBACK_PROXIES,
    networks: configured ? networks : LOOPBACK,
    limit: limit ?? Infinity,
  };
}

function debug(ctx: HttpContext, message: string, reason: string): void {
  const logger = (ctx.requestServices?.get(LoggerFactory) ??
    getDefaultLoggerFactory()).createLogger(CATEGORY);
  if (logger.isEnabled("debug")) {
    logger.debug(message, { reason, traceId: ctx.traceIdentifier });
  }
}

/**
 * Applies what a trusted reverse proxy reports about the client (ASP.NET's
 * `UseForwardedHeaders`): the client's address becomes
 * `ctx.connection.remoteAddress`, and the scheme, host and (when enabled)
 * path prefix the client used become `ctx.request.scheme`, `host` and
 * `pathBase`. Put it first, so that everything after it sees the client.
 *
 * Only a request whose peer is a known proxy (loopback by default) is
 * changed. The chain is walked from the right, one proxy per step up to
 * `forwardLimit`, while the address reached is trusted. A value that is not
 * an IP address, a scheme other than http/https, or an invalid host leaves
 * the request untouched (logged at Debug under
 * `Roost.Hosting.ForwardedHeaders`). The originals are kept in
 * {@linkcode ForwardedHeadersFeature}. Unlike ASP.NET, the request headers
 * are left as they came (no consumed entries removed, no `X-Original-*`):
 * they are immutable from a socket, and a copy would cost about 6 µs a
 * request in Deno 2.9.
 *
 * @param options Which values to apply, from whom, and how far back.
 * @returns The middleware.
 * @throws {TypeError} When a field, format, proxy or network is invalid.
 * @throws {RangeError} When `forwardLimit` is not a whole number >= 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { forwardedHeaders } from "./forwarded_headers.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(forwardedHeaders()).run((ctx) =>
 *       ctx.response.send(`${ctx.connection.remoteAddress} ${ctx.request.url}`)
 *     )
 *   )
 *   .build();
 * // The in-memory server's peer is 127.0.0.1: a loopback proxy, trusted.
 * const response = await host.fetch("http://app.internal/orders", {
 *   headers: {
 *     "x-forwarded-for": "203.0.113.7",
 *     "x-forwarded-proto": "https",
 *     "x-forwarded-host": "shop.example",
 *   },
 * });
 * assert.equal(await response.text(), "203.0.113.7 https://shop.example/orders");
 * ```
 */
export function forwardedHeaders(
  options: ForwardedHeadersOptions = {},
): Middleware {
  const policy = resolve(options);
  const names = headersRead(policy);
  return (ctx, next) => {
    const request = ctx.request;
    // Each header is read once, from Deno's record where it can be (no
    // Headers object); most requests carry none of them: leave those alone
    // at once.
    const values: (string | null)[] = [];
    let any = false;
    for (let i = 0; i < names.length; i++) {
      const value = values[i] = request.header(names[i]);
      if (value !== null) any = true;
    }
    if (!any) return next();
    const peer = parseIp(ctx.connection.remoteAddress);
    if (!trusted(policy, peer)) {
      debug(
        ctx,
        "Forwarded headers ignored on request {traceId}: {reason}",
        `the peer ${ctx.connection.remoteAddress} is not a known proxy`,
      );
      return next();
    }
    const hops = hopsOf(policy, values);
    const outcome = typeof hops === "string" ? hops : walk(policy, peer, hops);
    if (typeof outcome === "string") {
      debug(
        ctx,
        "Forwarded headers ignored on request {traceId}: {reason}",
        outcome,
      );
    } else if (outcome.consumed > 0) {
      apply(ctx, policy, outcome);
    }
    return next();
  };
}

function listAt(
  section: ConfigurationSection,
  key: string,
): string[] | undefined {
  const child = section.getSection(key);
  if (!child.exists()) return undefined;
  const values = child.value !== undefined
    ? [child.value]
    : child.getChildren().map((item) => item.value ?? "");
  return values.flatMap((value) => value.split(/[;,]/))
    .map((item) => item.trim()).filter((item) => item !== "");
}

// ASP.NET's flag names, and Roost's own.
const FIELD_NAMES: Record<string, readonly ForwardedHeaderField[]> = {
  for: ["for"],
  proto: ["proto"],
  host: ["host"],
  prefix: ["prefix"],
  xforwardedfor: ["for"],
  xforwardedproto: ["proto"],
  xforwardedhost: ["host"],
  xforwardedprefix: ["prefix"],
  all: FIELDS,
  none: [],
};

/**
 * Reads {@linkcode ForwardedHeadersOptions} from a `ForwardedHeaders`
 * configuration section: `ForwardLimit` (a number, or `null`), `KnownProxies`
 * and `KnownNetworks` (arrays, or `;`-separated strings), `ForwardedHeaders`
 * (`For;Proto`, or ASP.NET's `XForwardedFor, XForwardedProto`, `All`,
 * `None`) and `Format` (`x-forwarded` or `forwarded`).
 *
 * @param section The section, as `configuration.getSection("ForwardedHeaders")`.
 * @returns The options, checked as {@linkcode forwardedHeaders} checks them.
 * @throws {ConfigurationError} Naming the section when a value is invalid.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { forwardedHeadersFromConfiguration } from "./forwarded_headers.ts";
 *
 * const config = new ConfigurationBuilder().addInMemory({
 *   ForwardedHeaders: { ForwardLimit: 2, KnownNetworks: "10.0.0.0/8;fd00::/8", ForwardedHeaders: "XForwardedFor" },
 * }).build();
 * assert.deepEqual(forwardedHeadersFromConfiguration(config.getSection("ForwardedHeaders")), {
 *   forwardLimit: 2,
 *   knownNetworks: ["10.0.0.0/8", "fd00::/8"],
 *   forwardedHeaders: ["for"],
 * });
 * ```
 */
export function forwardedHeadersFromConfiguration(
  section: ConfigurationSection,
): ForwardedHeadersOptions {
  const options: {
    -readonly [K in keyof ForwardedHeadersOptions]: ForwardedHeadersOptions[K];
  } = {};
  const where = section.path || "(root)";
  const fail = (message: string, cause?: unknown): never => {
    throw new ConfigurationError(
      `Configuration section "${where}": ${message}`,
      { cause },
    );
  };
  const limit = section.get("ForwardLimit");
  if (limit !== undefined) {
    options.forwardLimit = limit.trim().toLowerCase() === "null" || limit === ""
      ? null
      : Number(limit);
  }
  const proxies = listAt(section, "KnownProxies");
  if (proxies !== undefined) options.knownProxies = proxies;
  const networks = listAt(section, "KnownNetworks");
  if (networks !== undefined) options.knownNetworks = networks;
  const names = listAt(section, "ForwardedHeaders");
  if (names !== undefined) {
    options.forwardedHeaders = [
      ...new Set(names.flatMap((name) =>
        FIELD_NAMES[name.toLowerCase()] ??
          fail(
            `ForwardedHeaders has "${name}"; use For, Proto, Host, Prefix (or XForwardedFor…, All, None)`,
          )
      )),
    ];
  }
  const format = section.get("Format");
  if (format !== undefined) {
    options.format = format.toLowerCase() as ForwardedHeaderFormat;
  }
  try {
    resolve(options);
  } catch (error) {
    fail(
      (error as Error).message.replace(/^forwardedHeaders: /, "") +
        " (set it in configuration)",
      error,
    );
  }
  return options;
}

/**
 * Whether the host should add {@linkcode forwardedHeaders} by itself
 * (ASP.NET's `ASPNETCORE_FORWARDEDHEADERS_ENABLED`): `ForwardedHeaders:Enabled`
 * is true. Set by the environment variable `ROOST_FORWARDEDHEADERS_ENABLED`
 * (a host setting, key `FORWARDEDHEADERS_ENABLED`, read here too),
 * `ROOST_FORWARDEDHEADERS__ENABLED`, or `FORWARDEDHEADERS__ENABLED` and
 * appsettings under `createDefaultBuilder`. Unlike ASP.NET, enabling it
 * does not trust every peer: the options still come from the
 * `ForwardedHeaders` section, loopback by default.
 *
 * @param configuration The app configuration.
 * @returns `true` when enabled.
 * @throws {ConfigurationError} When the value is not true or false.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { forwardedHeadersEnabled } from "./forwarded_headers.ts";
 *
 * const on = new ConfigurationBuilder().addInMemory({ FORWARDEDHEADERS_ENABLED: "true" }).build();
 * assert.equal(forwardedHeadersEnabled(on), true);
 * const off = new ConfigurationBuilder().addInMemory({ ForwardedHeaders: { Enabled: "false" } }).build();
 * assert.equal(forwardedHeadersEnabled(off), false);
 * ```
 */
export function forwardedHeadersEnabled(
  configuration: ConfigurationSection,
): boolean {
  for (const key of ["ForwardedHeaders:Enabled", "FORWARDEDHEADERS_ENABLED"]) {
    const value = configuration.get(key)?.trim().toLowerCase();
    if (value === undefined || value === "") continue;
    if (value === "true" || value === "1") return true;
    if (value === "false" || value === "0") return false;
    throw new ConfigurationError(
      `Configuration key "${key}" is "${
        configuration.get(key)
      }"; use true or false`,
    );
  }
  return false;
}
