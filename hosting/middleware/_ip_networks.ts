// IP addresses and CIDR networks, as forwardedHeaders needs them: parsing
// without DNS or platform quirks, matching, and one canonical spelling.
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as the IPv4 address
// they carry, because a dual-stack listener reports IPv4 peers that way and
// a proxy list naming 127.0.0.1 must still match them.

/** An address: 4 bytes for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly bytes: Uint8Array;
}

/** A CIDR network: its first address and how many leading bits count. */
export interface IpNetwork {
  readonly prefix: IpAddress;
  readonly length: number;
}

// Dotted-quad only: "1", "0x7f.1" and "010.0.0.1" are refused, since
// platforms disagree about what they mean.
const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

function parseIpv4(text: string): Uint8Array | undefined {
  if (!IPV4.test(text)) return undefined;
  // Per request (the peer, each hop): a plain loop, not Uint8Array.from
  // with a mapping function, which is slow in V8.
  const parts = text.split(".");
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) bytes[i] = +parts[i];
  return bytes;
}

function parseIpv6(text: string): Uint8Array | undefined {
  // A zone (fe80::1%eth0) names an interface, not an address: ignored.
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const words: number[][] = [];
  for (const half of halves) {
    const out: number[] = [];
    if (half !== "") {
      const parts = half.split(":");
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i];
        if (i === parts.length - 1 && part.includes(".")) {
          const v4 = parseIpv4(part);
          if (v4 === undefined) return undefined;
          out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        } else if (HEXTET.test(part)) out.push(parseInt(part, 16));
        else return undefined;
      }
    }
    words.push(out);
  }
  const head = words[0];
  const tail = words[1] ?? [];
  const compressed = halves.length === 2;
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  // An embedded IPv4 part may only end the address.
  if (compressed && head.length > 0 && text.split("::")[0].includes(".")) {
    return undefined;
  }
  const all = [...head, ...new Array(8 - count).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  all.forEach((word, i) => {
    bytes[2 * i] = word >> 8;
    bytes[2 * i + 1] = word & 0xff;
  });
  return bytes;
}

function unmap(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 16) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  return bytes.slice(12);
}

/**
 * Parses an IPv4 or IPv6 address (no brackets, no port).
 *
 * @param text The address.
 * @returns The address, IPv4-mapped IPv6 ones as IPv4, or `undefined`.
 */
export function parseIp(text: string): IpAddress | undefined {
  // The same few addresses come back on every request (the proxy's, its
  // clients'): parsed once each, while the cache is small.
  const known = parsed.get(text);
  if (known !== undefined) return known;
  const bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  if (bytes === undefined) return undefined;
  const address: IpAddress = Object.freeze({ bytes: unmap(bytes) });
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, address);
  return address;
}

const PARSED_LIMIT = 1024;
const parsed = new Map<string, IpAddress>();

/** An address and the port that came with it (0 when none did). */
export interface IpEndpoint {
  readonly address: IpAddress;
  readonly port: number;
}

/**
 * Parses a forwarded node: `1.2.3.4`, `1.2.3.4:80`, `::1`, `[::1]` or
 * `[::1]:80`, as X-Forwarded-For and RFC 7239 `for=` carry them.
 *
 * @param text The node, unquoted and trimmed.
 * @returns The endpoint, or `undefined` when it is no address.
 */
export function parseEndpoint(text: string): IpEndpoint | undefined {
  let host = text;
  // undefined: no port given; "" would be a colon with nothing after it.
  let port: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close === -1) return undefined;
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      port = rest.slice(1);
    }
    if (!host.includes(":")) return undefined;
  } else {
    const colon = text.indexOf(":");
    // One colon is IPv4 with a port; more is a bare IPv6 address.
    if (colon !== -1 && colon === text.lastIndexOf(":")) {
      host = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
  }
  const address = parseIp(host);
  if (address === undefined) return undefined;
  if (port === undefined) return { address, port: 0 };
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) return undefined;
  return { address, port: Number(port) };
}

/**
 * Parses CIDR notation (`10.0.0.0/8`, `fd00::/8`, `::ffff:10.0.0.0/104`).
 *
 * @param text The network.
 * @returns The network, or a sentence saying what is wrong with it.
 */
export function parseNetwork(text: string): IpNetwork | string {
  const slash = text.indexOf("/");
  if (slash === -1) {
    return "it has no prefix length (write 10.0.0.0/8, or list a single address in knownProxies)";
  }
  const address = text.slice(0, slash);
  const bits = text.slice(slash + 1);
  const mapped = address.includes(":");
  const prefix = parseIp(address);
  if (prefix === undefined) return `"${address}" is not an IP address`;
  const max = mapped ? 128 : 32;
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) {
    return `the prefix length "${bits}" is not a whole number from 0 to ${max}`;
  }
  let length = Number(bits);
  if (mapped && prefix.bytes.length === 4) {
    // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8.
    if (length < 96) {
      return "an IPv4-mapped network needs a prefix length of at least 96";
    }
    length -= 96;
  }
  const masked = mask(prefix.bytes, length);
  if (!masked.every((byte, i) => byte === prefix.bytes[i])) {
    // Said in the family the address was read as: ::ffff:10.0.0.1/104 is
    // the IPv4 network 10.0.0.0/8.
    return `it has address bits set after the prefix (did you mean ${
      formatIp({ bytes: masked })
    }/${length}?)`;
  }
  return { prefix, length };
}

function mask(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const bits = Math.max(0, Math.min(8, length - 8 * i));
    out[i] = bytes[i] & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/**
 * Whether a network holds an address (of the same family).
 *
 * @param network The network.
 * @param address The address.
 */
export function networkContains(
  network: IpNetwork,
  address: IpAddress,
): boolean {
  const prefix = network.prefix.bytes;
  const bytes = address.bytes;
  if (prefix.length !== bytes.length) return false;
  // Byte by byte, without a masked copy: this runs on every request.
  let bits = network.length;
  for (let i = 0; i < bytes.length && bits > 0; i++, bits -= 8) {
    const keep = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i] & keep) !== prefix[i]) return false;
  }
  return true;
}

/**
 * Whether two addresses are the same.
 *
 * @param a One address.
 * @param b The other.
 */
export function sameIp(a: IpAddress, b: IpAddress): boolean {
  const x = a.bytes;
  const y = b.bytes;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The canonical spelling: dotted IPv4, or RFC 5952 IPv6 (lower case, the
 * longest run of two or more zero words as `::`).
 *
 * @param address The address.
 * @returns The text, without brackets.
 */
export function formatIp(address: IpAddress): string {
  // Parsed addresses are shared (see parseIp): so are their spellings.
  const known = formatted.get(address);
  if (known !== undefined) return known;
  const text = spell(address.bytes);
  formatted.set(address, text);
  return text;
}

const formatted = new WeakMap<IpAddress, string>();

function spell(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join(".");
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (list: number[]) => list.map((w) => w.toString(16)).join(":");
  if (bestStart === -1) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${
    hex(words.slice(bestStart + bestLength))
  }`;
}
