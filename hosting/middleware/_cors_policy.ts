// A CORS policy as the middleware uses it: the options checked once, origins
// split into exact ones and subdomain wildcards, and the answers to "may this
// origin / method / header pass?".

/**
 * Who may call across origins, and how (ASP.NET's `CorsPolicy`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CorsPolicy } from "./cors.ts";
 *
 * const policy: CorsPolicy = {
 *   origins: ["https://app.example", "https://*.example.com"],
 *   methods: ["GET", "PUT"],
 *   headers: ["authorization"],
 *   credentials: true,
 *   maxAge: 600,
 * };
 * assert.equal(policy.methods?.length, 2);
 * ```
 */
export interface CorsPolicy {
  /**
   * The origins allowed: exact ones (`"https://app.example"`, compared
   * ignoring case), the subdomains of a domain (`"https://*.example.com"`,
   * not `example.com` itself), or `"*"` for any.
   */
  origins: string | readonly string[];
  /**
   * The methods a preflight may ask for, or `"*"`. `GET`, `HEAD` and `POST`
   * always pass, as browsers send them without asking.
   * @default {["GET", "HEAD", "POST"]}
   */
  methods?: "*" | readonly string[];
  /**
   * The request headers a preflight may ask for, or `"*"`. `Accept`,
   * `Accept-Language` and `Content-Language` always pass.
   * @default {[]}
   */
  headers?: "*" | readonly string[];
  /**
   * Response headers the calling script may read beyond the safelisted ones
   * (`Access-Control-Expose-Headers`).
   * @default {[]}
   */
  exposedHeaders?: readonly string[];
  /**
   * Whether the browser may send cookies and read the answer
   * (`Access-Control-Allow-Credentials: true`). Not with `origins: "*"`.
   * @default {false}
   */
  credentials?: boolean;
  /**
   * How long, in seconds, a browser may cache a preflight's answer
   * (`Access-Control-Max-Age`); without it, the browser's own default.
   * @default {undefined}
   */
  maxAge?: number;
}

/** A checked policy, ready to answer requests. */
export interface CompiledCorsPolicy {
  /** Whether `origins` has `"*"`. */
  readonly anyOrigin: boolean;
  /** Whether credentials are allowed. */
  readonly credentials: boolean;
  /** Whether responses must carry `Vary: Origin`. */
  readonly varyByOrigin: boolean;
  /** The `Access-Control-Expose-Headers` value, if any. */
  readonly exposedHeaders: string | undefined;
  /** The `Access-Control-Max-Age` value, if any. */
  readonly maxAge: string | undefined;
  /** Whether `origin` may call. */
  allowsOrigin(origin: string): boolean;
  /** Whether a preflight may ask for `method`. */
  allowsMethod(method: string): boolean;
  /** The requested headers, lower case, or `undefined` when one is refused. */
  allowedHeaders(requested: readonly string[]): readonly string[] | undefined;
}

// Fetch lets these through without a preflight's permission.
const SAFELISTED_METHODS = new Set(["GET", "HEAD", "POST"]);
// ASP.NET's simple request headers: always allowed. Content-Type is not one:
// a browser lists it only for a value outside the safelist.
const SAFELISTED_HEADERS = new Set([
  "accept",
  "accept-language",
  "content-language",
  "origin",
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface Wildcard {
  readonly scheme: string;
  /** The parent domain with its leading dot: `.example.com`. */
  readonly suffix: string;
  /** The port with its colon, or `""`. */
  readonly port: string;
}

function show(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : String(value);
}

function fail(where: string, message: string): never {
  throw new TypeError(`CORS policy ${where} ${message}`);
}

function checkOrigin(origin: unknown): string {
  const fix = 'write it as scheme://host[:port], e.g. "https://app.example"';
  if (typeof origin !== "string" || origin === "") {
    fail('"origins"', `must hold non-empty strings, got ${show(origin)}`);
  }
  if (origin === "*") return origin;
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]+)$/i.exec(origin);
  if (match === null) {
    fail('"origins"', `has ${show(origin)}, which is not an origin: ${fix}`);
  }
  const host = match[2];
  if (host.includes("*") && !/^\*\.[^*]+$/.test(host)) {
    fail(
      '"origins"',
      `has ${
        show(origin)
      }: a wildcard may only stand for the subdomains of a domain, as in "https://*.example.com"`,
    );
  }
  return origin.toLowerCase();
}

function splitPort(authority: string): [string, string] {
  const colon = authority.lastIndexOf(":");
  if (colon === -1 || authority.endsWith("]")) return [authority, ""];
  return [authority.slice(0, colon), authority.slice(colon)];
}

function checkNames(
  where: string,
  value: unknown,
  pattern: RegExp,
  star: boolean,
): readonly string[] | "*" {
  if (star && value === "*") return "*";
  if (!Array.isArray(value)) {
    fail(
      where,
      `must be ${star ? '"*" or ' : ""}an array of names, got ${show(value)}`,
    );
  }
  for (const name of value) {
    if (typeof name !== "string" || !pattern.test(name)) {
      fail(where, `has ${show(name)}, which is not a valid name`);
    }
  }
  return value as string[];
}

/**
 * Checks `options` and makes the policy.
 *
 * @throws {TypeError} When an option is malformed, or credentials are
 * allowed with any origin.
 */
export function compileCorsPolicy(
  options: CorsPolicy,
  what: string,
): CompiledCorsPolicy {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `${what} takes a CORS policy object, got ${
        show(options)
      }: try { origins: ["https://app.example"] }`,
    );
  }
  if (options.origins === undefined) {
    fail(
      '"origins"',
      `is missing in ${what}: name who may call, e.g. { origins: ["https://app.example"] } or { origins: "*" }`,
    );
  }
  const listed = typeof options.origins === "string"
    ? [options.origins]
    : options.origins;
  if (!Array.isArray(listed) || listed.length === 0) {
    fail('"origins"', `must be a string or a non-empty array of origins`);
  }
  const origins = listed.map(checkOrigin);
  const anyOrigin = origins.includes("*");
  const credentials = options.credentials ?? false;
  if (typeof credentials !== "boolean") {
    fail('"credentials"', `must be true or false, got ${show(credentials)}`);
  }
  if (credentials && anyOrigin) {
    fail(
      '"credentials"',
      'cannot be true with origins "*": browsers refuse credentials with any origin. List the origins instead',
    );
  }
  const exact = new Set<string>();
  const wildcards: Wildcard[] = [];
  for (const origin of origins) {
    if (origin === "*") continue;
    const [scheme, authority] = origin.split("://");
    if (!authority.startsWith("*.")) {
      exact.add(origin);
      continue;
    }
    const [host, port] = splitPort(authority);
    wildcards.push({ scheme, suffix: host.slice(1), port });
  }
  const methodList = checkNames(
    '"methods"',
    options.methods ?? [...SAFELISTED_METHODS],
    TOKEN,
    true,
  );
  const methods = methodList === "*"
    ? undefined
    : new Set(methodList.map((m) => m.toUpperCase()));
  const headerList = checkNames(
    '"headers"',
    options.headers ?? [],
    TOKEN,
    true,
  );
  const headers = headerList === "*"
    ? undefined
    : new Set(headerList.map((h) => h.toLowerCase()));
  const exposed = checkNames(
    '"exposedHeaders"',
    options.exposedHeaders ?? [],
    TOKEN,
    false,
  ) as readonly string[];
  const maxAge = options.maxAge;
  if (
    maxAge !== undefined &&
    (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0)
  ) {
    throw new RangeError(
      `CORS policy "maxAge" must be a whole number of seconds, 0 or more, got ${
        show(maxAge)
      }`,
    );
  }
  return {
    anyOrigin,
    credentials,
    varyByOrigin: !anyOrigin,
    exposedHeaders: exposed.length > 0 ? exposed.join(", ") : undefined,
    maxAge: maxAge === undefined ? undefined : String(maxAge),
    allowsOrigin(origin) {
      if (anyOrigin) return true;
      const lower = origin.toLowerCase();
      if (exact.has(lower)) return true;
      if (wildcards.length === 0) return false;
      const separator = lower.indexOf("://");
      if (separator === -1) return false;
      const scheme = lower.slice(0, separator);
      const [host, port] = splitPort(lower.slice(separator + 3));
      return wildcards.some((w) =>
        w.scheme === scheme && w.port === port &&
        host.length > w.suffix.length && host.endsWith(w.suffix)
      );
    },
    allowsMethod(method) {
      return methods === undefined || SAFELISTED_METHODS.has(method) ||
        methods.has(method.toUpperCase());
    },
    allowedHeaders(requested) {
      if (headers === undefined) return requested;
      for (const name of requested) {
        if (!SAFELISTED_HEADERS.has(name) && !headers.has(name)) {
          return undefined;
        }
      }
      return requested;
    },
  };
}

/** `Access-Control-Request-Headers` split into lower-case names. */
export function requestedHeaders(value: string | null): string[] {
  if (value === null) return [];
  const names: string[] = [];
  for (const part of value.split(",")) {
    const name = part.trim().toLowerCase();
    if (name !== "") names.push(name);
  }
  return names;
}

/** Adds `Origin` to the `Vary` header unless it is already there. */
export function varyByOrigin(headers: Headers): void {
  const vary = headers.get("vary");
  if (vary === null) return headers.set("vary", "Origin");
  for (const part of vary.split(",")) {
    const name = part.trim().toLowerCase();
    if (name === "origin" || name === "*") return;
  }
  headers.set("vary", `${vary}, Origin`);
}
