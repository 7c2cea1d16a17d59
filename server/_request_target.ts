// The request boundary's two rules for the request target: one normalized
// path, computed once, and a Host that is a host. Everything after the
// server (path, map(), routing, toRequest(), static files) reads the result.

// A path made only of these characters, with no "/." in it, is already in
// normal form: the hot path pays one regex test and nothing else.
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const HEX = "0123456789ABCDEF";

function isHex(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) ||
    (code >= 97 && code <= 102);
}

function hexValue(code: number): number {
  return code <= 57 ? code - 48 : (code | 0x20) - 87;
}

// RFC 3986 §2.3: these never need encoding, so an encoded one is decoded.
function isUnreserved(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) ||
    (code >= 48 && code <= 57) || code === 45 || code === 46 || code === 95 ||
    code === 126;
}

// What a path segment may carry as it is (RFC 3986 pchar, less "%").
function isPathChar(code: number): boolean {
  return isUnreserved(code) || code === 33 || code === 36 ||
    (code >= 38 && code <= 44) || code === 59 || code === 61 || code === 58 ||
    code === 64;
}

function encodeByte(code: number): string {
  return `%${HEX[code >> 4]}${HEX[code & 15]}`;
}

/** Why a path was refused; the server answers 400 saying so. */
export interface PathProblem {
  readonly problem: string;
}

/**
 * Normalizes one segment's percent-encoding: encoded unreserved characters
 * are decoded (`%2e` is `.`), other escapes get upper-case hex, a stray `%`
 * becomes `%25`, and characters a URL would encode are encoded. Returns a
 * problem instead when the segment encodes NUL.
 */
function normalizeSegment(segment: string): string | PathProblem {
  let out = "";
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code === 37) {
      const a = segment.charCodeAt(i + 1);
      const b = segment.charCodeAt(i + 2);
      if (isHex(a) && isHex(b)) {
        const byte = hexValue(a) * 16 + hexValue(b);
        if (byte === 0) return { problem: "the path encodes a NUL byte (%00)" };
        out += isUnreserved(byte)
          ? String.fromCharCode(byte)
          : encodeByte(byte);
        i += 2;
      } else {
        out += "%25";
      }
    } else if (isPathChar(code)) {
      out += segment[i];
    } else if (code === 0) {
      return { problem: "the path contains a NUL byte" };
    } else if (code < 128) {
      out += encodeByte(code);
    } else {
      // Deno hands a raw UTF-8 path over decoded: encode it back as UTF-8,
      // as new URL() does (a lone surrogate becomes U+FFFD, as there).
      const point = segment.codePointAt(i)!;
      const char = String.fromCodePoint(point);
      i += char.length - 1;
      out += point >= 0xd800 && point <= 0xdfff
        ? "%EF%BF%BD"
        : encodeURIComponent(char);
    }
  }
  return out;
}

/**
 * The request path in normal form, or a problem (the client gets 400).
 *
 * - Dot segments are removed (RFC 3986 §5.2.4), spelled plainly or encoded
 *   (`%2e`, `%2E`); a path that climbs above the root is refused.
 * - A backslash separates segments, as `new URL()` and browsers read it.
 * - Encoded unreserved characters are decoded; every other escape stays
 *   encoded with upper-case hex, so `%2F` is data, never a separator.
 * - Characters a URL would percent-encode are encoded, non-ASCII ones as
 *   their UTF-8 bytes.
 * - Empty segments (`//`) are kept: they are not dot segments.
 *
 * @param raw The path part of the request target: no query, no fragment.
 */
export function normalizePath(raw: string): string | PathProblem {
  if (PLAIN_PATH.test(raw) && !raw.includes("/.")) return raw;
  const input = raw.replaceAll("\\", "/");
  const segments = input.split("/");
  const output: string[] = [];
  // segments[0] is the empty string before the leading "/".
  for (let i = 1; i < segments.length; i++) {
    const segment = normalizeSegment(segments[i]);
    if (typeof segment !== "string") return segment;
    const last = i === segments.length - 1;
    if (segment === ".") {
      if (last) output.push("");
    } else if (segment === "..") {
      if (output.length === 0) {
        return { problem: 'the path climbs above the root with ".."' };
      }
      output.pop();
      if (last) output.push("");
    } else {
      output.push(segment);
    }
  }
  return `/${output.join("/")}`;
}

// RFC 9110 §7.2 and RFC 3986 §3.2.2: a reg-name or IPv4 address, or an IP
// literal in brackets, then an optional port. No userinfo, path, query or
// fragment characters, no spaces.
const HOST =
  /^(?:\[[0-9A-Fa-f:.]+\]|\[v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]{0,5})?$/;
let lastValidHost = "";

/**
 * Whether a Host header (or `:authority`) is a valid `host[:port]`.
 *
 * @param host The value as the client sent it.
 */
export function isValidHost(host: string): boolean {
  // Every request on a keep-alive connection names the same host.
  if (host === lastValidHost) return true;
  if (!HOST.test(host)) return false;
  const colon = host.lastIndexOf(":");
  if (colon > host.lastIndexOf("]") && colon < host.length - 1) {
    if (Number(host.slice(colon + 1)) > 65535) return false;
  }
  lastValidHost = host;
  return true;
}

/** A request URL taken apart as the request features need it. */
export interface ParsedTarget {
  /** The authority Deno put in the URL. */
  host: string;
  /** Everything after the authority, fragment included; "/" if empty. */
  rawTarget: string;
  /** The normalized path, or "/" when it cannot be normalized. */
  path: string;
  /** "?…", or "" without a query. */
  queryString: string;
  /** Why the path cannot be served (a 400's text), or `undefined`. */
  problem: string | undefined;
  /** Whether the path or fragment differ from what the URL says. */
  rewritten: boolean;
}

/**
 * Takes a request URL apart. Deno builds `req.url` as scheme + authority +
 * target, where the authority is the Host header (or `:authority`, or an
 * absolute-form target's), so the path starts at the first "/" or "?"
 * after it: the request side refuses a Host that could move that point.
 */
export function parseTarget(url: string): ParsedTarget {
  // Requests repeat their URLs (a keep-alive client, a health probe, a hot
  // endpoint): the last one's parts are reused, as isValidHost reuses its
  // last answer. Callers only read them.
  if (url === lastUrl) return lastTarget!;
  const target = parse(url);
  lastUrl = url;
  lastTarget = target;
  return target;
}

let lastUrl: string | undefined;
let lastTarget: ParsedTarget | undefined;

function parse(url: string): ParsedTarget {
  const authority = url.indexOf("://") + 3;
  let start = authority;
  while (start < url.length) {
    const code = url.charCodeAt(start);
    if (code === 47 || code === 63) break; // "/" or "?"
    start++;
  }
  let end = url.indexOf("#", start);
  if (end === -1) end = url.length;
  const target = url.slice(start, end);
  const query = target.indexOf("?");
  const rawPath = (query === -1 ? target : target.slice(0, query)) || "/";
  const path = normalizePath(rawPath);
  const normal = typeof path === "string";
  return {
    host: url.slice(authority, start),
    rawTarget: url.slice(start) || "/",
    path: normal ? path : "/",
    queryString: query === -1 ? "" : target.slice(query),
    problem: normal ? undefined : `Bad Request: ${path.problem}.`,
    rewritten: normal && (path !== rawPath || end !== url.length),
  };
}

/** The 400 text for a Host that is not a valid `host[:port]`. */
export function badHost(host: string): string {
  // Header values arrive one char per byte: show UTF-8 as the client meant.
  const codes = Array.from(host, (c) => c.charCodeAt(0));
  const shown = codes.some((code) => code > 0x7f) &&
      codes.every((code) => code <= 0xff)
    ? new TextDecoder().decode(Uint8Array.from(codes))
    : host;
  return `Bad Request: the Host ${
    JSON.stringify(shown.length > 100 ? `${shown.slice(0, 100)}…` : shown)
  } is not a valid host[:port] (RFC 9110 §7.2).`;
}

// Whether a peer is on this machine (a Unix socket counts).
function isLoopback(addr: Deno.Addr): boolean {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return true;
  const host = addr.hostname;
  return host.startsWith("127.") || host === "::1" ||
    host.startsWith("::ffff:127.");
}

/** Why an HTTP/1.1 request without Host is refused. */
export const NO_HOST =
  "Bad Request: the request has no Host header; HTTP/1.1 requires one (RFC 9112 §3.2).";

/**
 * A request's HTTP version, from its Host header (Deno does not tell it:
 * denoland/deno#10277), and why it must be refused, if it must. A Host
 * header means HTTP/1.1 and must be valid; none means HTTP/2 (which sends
 * :authority). Deno puts its fallback "localhost:<port>" in the URL
 * (`fallback`) when there is neither, exactly as for an HTTP/2 client naming
 * localhost:<port>. From a peer on this machine that may be either; from
 * another, no client can have meant this machine's localhost: it is a
 * request that named no host (`noHost`), which only HTTP/1.0 may send
 * (RFC 9112 §3.2; RFC 1945 has no Host). Kestrel serves that one with an
 * empty host, and so does Roost: health checks send it (HAProxy's default
 * `option httpchk` is `OPTIONS / HTTP/1.0` and nothing more), and raw
 * Deno.serve serves it too, as if it named localhost.
 */
export function hostProblem(
  header: string | null,
  fallback: boolean,
  peer: { readonly remoteAddr: Deno.Addr },
): HostProblem {
  if (header !== null) {
    return isValidHost(header)
      ? HOST_HEADER
      : { protocol: "HTTP/1.1", reason: badHost(header) };
  }
  return !fallback || isLoopback(peer.remoteAddr) ? NO_HOST_HEADER : HTTP_1_0;
}

/** What `hostProblem` found. */
export interface HostProblem {
  readonly protocol: string;
  readonly reason?: string;
  readonly noHost?: true;
}

// The common answers, made once.
const HOST_HEADER: HostProblem = { protocol: "HTTP/1.1" };
const NO_HOST_HEADER: HostProblem = { protocol: "HTTP/2" };
const HTTP_1_0: HostProblem = { protocol: "HTTP/1.0", noHost: true };
