// The walk of forwardedHeaders: reading what each proxy reported (from
// X-Forwarded-* or RFC 7239 Forwarded), deciding from the right how far to
// believe it, and trimming the entries it consumed.

import type { HttpContext } from "../../features/http_context.ts";
import {
  HttpConnectionFeature,
  HttpRequestFeature,
} from "../../features/request_features.ts";
import { ForwardedHeadersFeature } from "../../features/forwarded_features.ts";
import { isValidHost, normalizePath } from "../../server/_request_target.ts";
import {
  formatIp,
  type IpAddress,
  type IpNetwork,
  networkContains,
  parseEndpoint,
  sameIp,
} from "./_ip_networks.ts";

/** A value a proxy forwards: client address, scheme, host or path prefix. */
export type ForwardedHeaderField = "for" | "proto" | "host" | "prefix";

/**
 * Which headers carry the forwarded values: the de facto `X-Forwarded-For`,
 * `-Proto`, `-Host` and `-Prefix`, or RFC 7239 `Forwarded` (`for=`, `proto=`,
 * `host=`; the prefix still comes from `X-Forwarded-Prefix`, which RFC 7239
 * has no parameter for).
 */
export type ForwardedHeaderFormat = "x-forwarded" | "forwarded";

/** What forwardedHeaders resolved its options to. */
export interface Policy {
  readonly fields: ReadonlySet<ForwardedHeaderField>;
  readonly format: ForwardedHeaderFormat;
  readonly proxies: readonly IpAddress[];
  readonly networks: readonly IpNetwork[];
  readonly limit: number;
}

// One proxy's report: what it saw of the hop before it. `invalid` says
// why a Forwarded element could not be read: the walk stops with it only if
// it gets that far (everything nearer was trusted).
export interface Hop {
  for?: string;
  proto?: string;
  host?: string;
  prefix?: string;
  invalid?: string;
}

/** Every field, in the order the options list them. */
export const FIELDS: readonly ForwardedHeaderField[] = [
  "for",
  "proto",
  "host",
  "prefix",
];
/** The X-Forwarded-* header of each field. */
export const X_HEADER: Record<ForwardedHeaderField, string> = {
  for: "x-forwarded-for",
  proto: "x-forwarded-proto",
  host: "x-forwarded-host",
  prefix: "x-forwarded-prefix",
};
/** Whether an address is a known proxy's. */
export function trusted(
  policy: Policy,
  address: IpAddress | undefined,
): boolean {
  if (address === undefined) return false;
  // Loops, not some(): no closure per request.
  for (const proxy of policy.proxies) if (sameIp(proxy, address)) return true;
  for (const network of policy.networks) {
    if (networkContains(network, address)) return true;
  }
  return false;
}

// The last `limit` entries of an X-Forwarded-* value, nearest (rightmost)
// first, trimmed, empty ones kept (a walk that meets one stops as at any bad
// value). Read from the right: what a client wrote on the left is never
// looked at, not even a stray quote that would swallow the entries a proxy
// appended after it.
// A hop with every field there: one object shape for every hop.
function newHop(): Hop {
  return {
    for: undefined,
    proto: undefined,
    host: undefined,
    prefix: undefined,
    invalid: undefined,
  };
}

// Each entry goes to `hops` under `field`, making the hops it needs.
function addEntries(
  hops: Hop[],
  field: ForwardedHeaderField,
  value: string,
  limit: number,
): void {
  let end = value.length;
  for (let i = 0; i < limit; i++) {
    const comma = end === 0 ? -1 : value.lastIndexOf(",", end - 1);
    (hops[i] ??= newHop())[field] = value.slice(comma + 1, end).trim();
    if (comma === -1) break;
    end = comma;
  }
}

// RFC 7239's elements, nearest (rightmost) first and at most `limit`, split
// at commas outside quoted strings and read from the right, as the
// X-Forwarded-* entries are: what a client wrote on the left (a stray quote,
// a parameter Roost does not know) is not looked at unless the walk gets
// there. Empty elements (RFC 9110's #rule allows them) are skipped.
function forwardedElements(value: string, limit: number): string[] {
  const elements: string[] = [];
  let end = value.length;
  let quoted = false;
  for (let i = value.length - 1; i >= -1 && elements.length < limit; i--) {
    const boundary = i === -1 || (value[i] === "," && !quoted);
    if (i >= 0 && value[i] === '"' && value[i - 1] !== "\\") {
      quoted = !quoted;
    }
    if (!boundary) continue;
    const element = value.slice(i + 1, end).trim();
    if (element !== "") elements.push(element);
    end = i;
  }
  return elements;
}

// One element: pairs split by semicolons, names tokens, values tokens or
// quoted strings, each name once. Undefined when malformed.
function parseElement(element: string): Hop | undefined {
  const pair =
    /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=(?:"((?:[^"\\]|\\.)*)"|([^\s;,"]*))\s*(;|$)/y;
  const hop = newHop();
  const seen = new Set<string>();
  pair.lastIndex = 0;
  while (pair.lastIndex < element.length) {
    const match = pair.exec(element);
    if (match === null) return undefined;
    const name = match[1].toLowerCase();
    if (seen.has(name)) return undefined;
    seen.add(name);
    const text = match[2] !== undefined
      ? match[2].replace(/\\(.)/g, "$1")
      : match[3];
    if (name === "for" || name === "proto" || name === "host") hop[name] = text;
    if (match[4] === "") break;
  }
  return hop;
}

// The hops to consider, nearest proxy first, with no more than `limit`.
/**
 * The headers a policy reads, each once: `Forwarded` first in that format,
 * then the `X-Forwarded-*` ones of its fields, in `FIELDS` order.
 */
export function headersRead(policy: Policy): string[] {
  return policy.format === "forwarded"
    ? ["forwarded", ...(policy.fields.has("prefix") ? [X_HEADER.prefix] : [])]
    : FIELDS.filter((field) => policy.fields.has(field)).map((field) =>
      X_HEADER[field]
    );
}

// The hops to consider, nearest proxy first, with no more than `limit`.
// `values` are those of `headersRead(policy)`, in its order.
export function hopsOf(
  policy: Policy,
  values: readonly (string | null)[],
): Hop[] | string {
  const hops: Hop[] = [];
  const limit = policy.limit;
  let next = 0;
  if (policy.format === "forwarded") {
    const value = values[next++];
    for (
      const element of value === null ? [] : forwardedElements(value, limit)
    ) {
      hops.push(
        parseElement(element) ??
          { invalid: `the Forwarded element "${element}" is malformed` },
      );
    }
  }
  for (const field of FIELDS) {
    if (!policy.fields.has(field)) continue;
    // The Forwarded format takes only the prefix from an X- header.
    if (policy.format === "forwarded" && field !== "prefix") continue;
    const value = values[next++];
    if (value !== null) addEntries(hops, field, value, limit);
  }
  return hops.length > limit ? hops.slice(0, limit) : hops;
}

// What the walk decided: the new values, and how many hops it consumed.
export interface Outcome {
  consumed: number;
  remote?: { address: string; port: number };
  scheme?: string;
  host?: string;
  pathBase?: string;
}

/**
 * Walks the hops from the nearest proxy while the address reached is
 * trusted. Returns what to change, or why nothing may change (a value that
 * is not an address, a scheme or a host: a broken or forged chain).
 */
export function walk(
  policy: Policy,
  peer: IpAddress | undefined,
  hops: Hop[],
): Outcome | string {
  const fields = policy.fields;
  const outcome: Outcome = { consumed: 0 };
  let remote = peer;
  for (const hop of hops) {
    if (!trusted(policy, remote)) break;
    if (hop.invalid !== undefined) return hop.invalid;
    let stop = false;
    if (fields.has("for") && hop.for !== undefined) {
      // RFC 7239 §6.2-6.3: a proxy hid the node (with or without a port);
      // nothing past it is known. A port it hid ("_p1") is no port at all.
      const node = hop.for.includes(":_")
        ? hop.for.replace(/:_[\w.-]+$/, "")
        : hop.for;
      if (/^unknown(:|$)/i.test(node) || node.startsWith("_")) {
        stop = true;
      } else {
        const endpoint = parseEndpoint(node);
        if (endpoint === undefined) {
          return `the forwarded address "${hop.for}" is not an IP address`;
        }
        remote = endpoint.address;
        outcome.remote = { address: formatIp(remote), port: endpoint.port };
      }
    }
    if (fields.has("proto") && hop.proto !== undefined) {
      const scheme = hop.proto.toLowerCase();
      if (scheme !== "http" && scheme !== "https") {
        return `the forwarded scheme "${hop.proto}" is not http or https`;
      }
      outcome.scheme = scheme;
    }
    if (fields.has("host") && hop.host !== undefined) {
      if (!isValidHost(hop.host) || hop.host === "") {
        return `the forwarded host "${hop.host}" is not a valid host[:port]`;
      }
      outcome.host = hop.host;
    }
    if (fields.has("prefix") && hop.prefix !== undefined) {
      const path = hop.prefix.startsWith("/")
        ? normalizePath(hop.prefix)
        : undefined;
      // "//host" would make every link built from the path base point at
      // another host: a path base starts with one slash.
      if (
        typeof path !== "string" || /[?#]/.test(hop.prefix) ||
        path.startsWith("//")
      ) {
        return `the forwarded prefix "${hop.prefix}" is not a path starting with one "/"`;
      }
      // The prefix is a pathBase: no trailing slash ("/" is the root, "").
      outcome.pathBase = path.replace(/\/+$/, "");
    }
    outcome.consumed++;
    if (stop) break;
  }
  return outcome;
}

/**
 * Puts the walk's outcome on the request: new connection and request
 * values, and the originals in ForwardedHeadersFeature. The request's
 * headers are left as they came: they are immutable from a socket, and a
 * copy costs about 6 µs a request in Deno 2.9.
 */
export function apply(
  ctx: HttpContext,
  _policy: Policy,
  outcome: Outcome,
): void {
  const features = ctx.features;
  const connection = ctx.connection;
  const request = features.get(HttpRequestFeature)!;
  features.set(ForwardedHeadersFeature, {
    originalRemoteAddress: connection.remoteAddress,
    originalRemotePort: connection.remotePort,
    originalScheme: request.scheme,
    originalHost: request.host,
    originalPathBase: request.pathBase,
  });
  if (outcome.remote !== undefined) {
    features.set(HttpConnectionFeature, {
      connectionId: connection.connectionId,
      remoteAddress: outcome.remote.address,
      remotePort: outcome.remote.port,
      localAddress: connection.localAddress,
      localPort: connection.localPort,
    });
  }
  if (outcome.scheme !== undefined) request.scheme = outcome.scheme;
  if (outcome.host !== undefined) request.host = outcome.host;
  if (outcome.pathBase !== undefined) request.pathBase = outcome.pathBase;
}
