/**
 * Host filtering middleware (ASP.NET Core's `UseHostFiltering`).
 *
 * @module
 */

import type { ConfigurationSection } from "../config/configuration_section.ts";
import { ConfigurationError } from "../config/configuration_error.ts";
import type { Middleware } from "../pipeline.ts";

/** Options for {@linkcode hostFiltering}. */
export interface HostFilteringOptions {
  /**
   * The host names requests may address. Ports are ignored; case is
   * ignored; international names match their punycode form; IPv6
   * literals are written in brackets (`"[::1]"`). `"*.example.com"`
   * matches every subdomain of example.com but not example.com itself;
   * `"*"` allows every host. Required, and not empty.
   * @default {undefined}
   */
  allowedHosts: readonly string[];
  /**
   * Allow requests with no host at all (HTTP/1.0 without a `Host` header),
   * as ASP.NET does by default.
   * @default {true}
   */
  allowEmptyHosts?: boolean;
}

// A host name as compared: its URL-parser form without the port, so that
// case, IDN, percent-escapes and IPv6 spellings agree on both sides.
function canonicalHost(host: string): string | undefined {
  try {
    // "example.com." is the same name, written fully qualified.
    return new URL(`http://${host}`).hostname.replace(/(?<=.)\.$/, "");
  } catch {
    return undefined;
  }
}

interface Rules {
  readonly any: boolean;
  readonly exact: ReadonlySet<string>;
  // ".example.com" for "*.example.com".
  readonly suffixes: readonly string[];
}

function compile(allowedHosts: readonly string[]): Rules {
  if (!Array.isArray(allowedHosts) || allowedHosts.length === 0) {
    throw new RangeError(
      'hostFiltering: allowedHosts is empty; list the host names this app answers to (["example.com", "*.example.com"]), or ["*"] for any',
    );
  }
  const exact = new Set<string>();
  const suffixes: string[] = [];
  let any = false;
  for (const entry of allowedHosts) {
    const text = String(entry).trim();
    if (text === "*") {
      any = true;
      continue;
    }
    const wildcard = text.startsWith("*.");
    const name = canonicalHost(wildcard ? text.slice(2) : text);
    if (name === undefined || name === "" || text.includes("/")) {
      throw new TypeError(
        `hostFiltering: allowedHosts has "${entry}", which is not a host name; write "example.com", "*.example.com", "[::1]" or "*"`,
      );
    }
    if (wildcard) suffixes.push(`.${name}`);
    else exact.add(name);
  }
  return { any, exact, suffixes };
}

function allowed(rules: Rules, host: string): boolean {
  const name = canonicalHost(host);
  if (name === undefined || name === "") return false;
  if (rules.exact.has(name)) return true;
  // A subdomain is labels before the suffix: "..example.com" has an empty
  // one, and is no name.
  return rules.suffixes.some((suffix) =>
    name.length > suffix.length && name.endsWith(suffix) &&
    !name.slice(0, -suffix.length).split(".").includes("")
  );
}

/**
 * Answers 400 to requests for hosts the app does not serve (ASP.NET's
 * `UseHostFiltering`), so that a forged `Host` cannot steer the links,
 * redirects or cache keys the app builds from it. Put it after
 * `forwardedHeaders`, which may replace the host. The 400 has an empty
 * body: the rejected host is never echoed, and a status code pages
 * middleware before it can fill the body in.
 *
 * @param options The allowed hosts.
 * @returns The middleware.
 * @throws {RangeError} When `allowedHosts` is empty.
 * @throws {TypeError} When an entry is not a host name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { hostFiltering } from "./host_filtering.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(hostFiltering({ allowedHosts: ["example.com", "*.example.com"] }))
 *       .run((ctx) => ctx.response.send("ok"))
 *   )
 *   .build();
 * const good = await host.fetch("http://api.example.com:8080/");
 * assert.equal(await good.text(), "ok");
 * const bad = await host.fetch("http://evil.test/");
 * assert.equal(bad.status, 400);
 * assert.equal(await bad.text(), "");
 * ```
 */
export function hostFiltering(options: HostFilteringOptions): Middleware {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      'hostFiltering: options are required; pass { allowedHosts: ["example.com"] }',
    );
  }
  const rules = compile(options.allowedHosts);
  const allowEmpty = options.allowEmptyHosts ?? true;
  if (typeof allowEmpty !== "boolean") {
    throw new TypeError(
      `hostFiltering: allowEmptyHosts is ${typeof allowEmpty}; use true or false`,
    );
  }
  if (rules.any) return (_ctx, next) => next();
  // Every request on a keep-alive connection names the same host.
  let lastAllowed: string | undefined;
  return (ctx, next) => {
    const host = ctx.request.host;
    if (host === lastAllowed) return next();
    if (host === "" ? allowEmpty : allowed(rules, host)) {
      if (host !== "") lastAllowed = host;
      return next();
    }
    ctx.response.status = 400;
    return ctx.response.send("");
  };
}

/**
 * Reads {@linkcode HostFilteringOptions} from the `AllowedHosts` key, as
 * ASP.NET's default host does: `;`-separated (`"example.com;*.example.com"`)
 * or an array.
 *
 * @param configuration The app configuration.
 * @returns The options, or `undefined` when the key is absent, empty or
 * allows every host (`"*"`): then no filtering is needed.
 * @throws {ConfigurationError} When an entry is not a host name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { hostFilteringFromConfiguration } from "./host_filtering.ts";
 *
 * const config = new ConfigurationBuilder()
 *   .addInMemory({ AllowedHosts: "example.com; *.example.com" })
 *   .build();
 * assert.deepEqual(hostFilteringFromConfiguration(config), {
 *   allowedHosts: ["example.com", "*.example.com"],
 * });
 * const open = new ConfigurationBuilder().addInMemory({ AllowedHosts: "*" }).build();
 * assert.equal(hostFilteringFromConfiguration(open), undefined);
 * ```
 */
export function hostFilteringFromConfiguration(
  configuration: ConfigurationSection,
): HostFilteringOptions | undefined {
  const section = configuration.getSection("AllowedHosts");
  if (!section.exists()) return undefined;
  const values = section.value !== undefined
    ? [section.value]
    : section.getChildren().map((child) => child.value ?? "");
  const allowedHosts = values.flatMap((value) => value.split(";"))
    .map((entry) => entry.trim()).filter((entry) => entry !== "");
  if (allowedHosts.length === 0 || allowedHosts.includes("*")) {
    return undefined;
  }
  try {
    compile(allowedHosts);
  } catch (error) {
    throw new ConfigurationError(
      `Configuration key "${section.path}": ${
        (error as Error).message.replace(/^hostFiltering: allowedHosts /, "")
      }`,
      { cause: error },
    );
  }
  return { allowedHosts };
}
