/**
 * Server limits: what Roost enforces that `Deno.serve` does not.
 *
 * @module
 */

import type { MinDataRate } from "../features/request_features.ts";

export type { MinDataRate } from "../features/request_features.ts";

/**
 * Limits a server enforces. Every field is optional; the defaults are chosen
 * for an app on the open internet and each states why. Times are in
 * milliseconds.
 *
 * `Deno.serve` has no setting for connection counts, header-read or
 * keep-alive timeouts, or a minimum upload rate. Roost enforces these itself
 * on the connections it accepts, as Kestrel does.
 *
 * Some limits are fixed inside Deno's HTTP engine and Roost cannot change
 * them: an HTTP/1 header block is capped at about 64 KiB and 128 headers
 * (answered 400), and an HTTP/2 connection at 200 concurrent streams, a
 * 16 KiB header list and a 1 MiB flow-control window.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoServer } from "../mod.ts";
 *
 * const server = new DenoServer({
 *   urls: "http://127.0.0.1:0",
 *   limits: {
 *     maxRequestBodySize: 1_000_000,
 *     maxConcurrentRequests: 1000,
 *     maxConcurrentConnections: 10_000,
 *     keepAliveTimeout: 60_000,
 *     minRequestBodyDataRate: { bytesPerSecond: 100, gracePeriod: 10_000 },
 *   },
 * });
 * assert.equal(server.limits.maxRequestBodySize, 1_000_000);
 * assert.equal(server.limits.keepAliveTimeout, 60_000);
 * assert.equal(server.limits.requestHeadersTimeout, 30_000);
 * ```
 */
export interface ServerLimits {
  /**
   * The largest request body in bytes, or `null` for no limit. A declared
   * `Content-Length` over it fails the first read before a byte is read; a
   * chunked body fails the read that passes it. Either answers 413 when the
   * response has not started. A request can change its own limit through
   * `HttpMaxRequestBodySizeFeature` until it reads the body. Why 30 MB:
   * Kestrel's default, enough for forms and uploads of documents, small
   * enough that a flood of large bodies cannot exhaust memory.
   * @default {30_000_000}
   */
  maxRequestBodySize?: number | null;
  /**
   * How many requests may be processed at once, or `null` for no limit; a
   * request over it is answered 503 at once without running the app. Why no
   * limit by default: the right number depends on the app, and a wrong one
   * refuses good traffic.
   * @default {null}
   */
  maxConcurrentRequests?: number | null;
  /**
   * How many response bytes are buffered before the response starts
   * streaming. Below it a response goes out as one piece with a
   * `Content-Length`, the fastest path `Deno.serve` has. Why 64 KiB: larger
   * than most API and page responses, small per request.
   * @default {65_536}
   */
  responseBufferSize?: number;
  /**
   * How many connections may be open at once, or `null` for no limit. A
   * connection over it is closed at once, without a response, and logged;
   * HTTP/1.1 too, because answering 503 would mean reading its request first,
   * which is what the cap protects against (Kestrel closes without a response
   * too). Why no limit by default: as with `maxConcurrentRequests`, the right
   * number depends on the app and the machine, and a wrong one refuses good
   * clients.
   * @default {null}
   */
  maxConcurrentConnections?: number | null;
  /**
   * How many connections upgraded to WebSocket may be open at once, or `null`
   * for no limit; an upgrade over it is refused, and the request is answered
   * 503 instead. As in Kestrel, a connection stops counting toward
   * `maxConcurrentConnections` once upgraded and counts here instead. Why no
   * limit by default: a chat or live dashboard holds one per user, so the
   * right number depends on the app.
   * @default {null}
   */
  maxConcurrentUpgradedConnections?: number | null;
  /**
   * How long, in milliseconds, a connection may sit idle between requests
   * before it is closed: an HTTP/1.1 keep-alive connection after a response,
   * or an HTTP/2 connection with no open stream. Why 130 s:
   * Kestrel's default, longer than the idle timeout of the proxies usually in
   * front of a server (60 s for nginx upstreams and AWS load balancers), so
   * the proxy closes an idle connection first and never sends a request on
   * one the server is closing.
   * @default {130_000}
   */
  keepAliveTimeout?: number;
  /**
   * How long, in milliseconds, a new connection may take to send its first
   * complete request head (request line and headers) before it is closed,
   * against clients that hold connections open by sending headers very
   * slowly (slowloris). On a kept-alive connection the next request's head
   * is bounded by `keepAliveTimeout` instead, because Deno's HTTP engine does
   * not tell JavaScript when a request's first byte arrives, only when its
   * head is complete. Why 30 s: Kestrel's default, far longer than any real
   * client needs, short enough that idle sockets cannot pile up.
   * @default {30_000}
   */
  requestHeadersTimeout?: number;
  /**
   * The slowest a request body may arrive, or `null` for no check. After the
   * grace period, an upload slower than `bytesPerSecond` is aborted, and
   * answered 408 when the response has not started. With a declared
   * `Content-Length` the body must arrive within
   * `gracePeriod + length / bytesPerSecond` (5 s plus 1 s per 240 bytes by
   * default); a chunked body is checked as it arrives. A request can change
   * its own rate through `HttpMinRequestBodyDataRateFeature` until it reads
   * the body. Why 240 B/s after 5 s: Kestrel's default, which any real
   * client, even on a poor mobile link, exceeds, while a client trickling a
   * body to hold the request open does not.
   * @default {{ bytesPerSecond: 240, gracePeriod: 5_000 }}
   */
  minRequestBodyDataRate?: MinDataRate | null;
}

/** {@linkcode ServerLimits} with every default filled in. */
export type ResolvedServerLimits = Readonly<Required<ServerLimits>>;

/**
 * The default limits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_SERVER_LIMITS } from "../mod.ts";
 *
 * assert.equal(DEFAULT_SERVER_LIMITS.maxRequestBodySize, 30_000_000);
 * assert.equal(DEFAULT_SERVER_LIMITS.keepAliveTimeout, 130_000);
 * assert.deepEqual(DEFAULT_SERVER_LIMITS.minRequestBodyDataRate, {
 *   bytesPerSecond: 240,
 *   gracePeriod: 5_000,
 * });
 * ```
 */
export const DEFAULT_SERVER_LIMITS: ResolvedServerLimits = Object.freeze({
  maxRequestBodySize: 30_000_000,
  maxConcurrentRequests: null,
  responseBufferSize: 65_536,
  maxConcurrentConnections: null,
  maxConcurrentUpgradedConnections: null,
  keepAliveTimeout: 130_000,
  requestHeadersTimeout: 30_000,
  minRequestBodyDataRate: Object.freeze({
    bytesPerSecond: 240,
    gracePeriod: 5_000,
  }),
});

// The longest delay a timer can wait (2^31 - 1 ms, about 24.8 days): a longer
// one would fire at once, so a time limit may not be longer.
const MAX_TIME = 2_147_483_647;

// Shows a value as a message quotes it: numbers as written (NaN, Infinity),
// everything else as JSON.
function show(value: unknown): string {
  if (typeof value === "number") return String(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkCount(
  name: string,
  value: unknown,
  nullable: boolean,
  min: number,
): void {
  if (value === null && nullable) return;
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < min
  ) {
    throw new RangeError(
      `Server limit "${name}" must be ${
        nullable ? "null or " : ""
      }a whole number of at least ${min}, got ${show(value)}`,
    );
  }
}

function checkTime(name: string, value: unknown): void {
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 ||
    value > MAX_TIME
  ) {
    throw new RangeError(
      `Server limit "${name}" must be a whole number of milliseconds from 1 to ${MAX_TIME}, got ${
        show(value)
      }`,
    );
  }
}

// Checks a rate and returns a frozen copy, so that changing the object given
// cannot change a server's limits.
function checkRate(name: string, value: unknown): MinDataRate | null {
  if (value === null) return null;
  const form = "null or { bytesPerSecond, gracePeriod }";
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new RangeError(
      `Server limit "${name}" must be ${form}, got ${show(value)}`,
    );
  }
  for (const key of Object.keys(value)) {
    if (key !== "bytesPerSecond" && key !== "gracePeriod") {
      throw new RangeError(
        `Server limit "${name}" has an unknown field "${key}": it must be ${form}`,
      );
    }
  }
  const { bytesPerSecond, gracePeriod } = value as Record<string, unknown>;
  if (
    typeof bytesPerSecond !== "number" || !Number.isFinite(bytesPerSecond) ||
    bytesPerSecond <= 0
  ) {
    throw new RangeError(
      `Server limit "${name}" must have a bytesPerSecond that is a number greater than 0 (fractions allowed), got ${
        show(bytesPerSecond)
      }`,
    );
  }
  if (
    typeof gracePeriod !== "number" || !Number.isSafeInteger(gracePeriod) ||
    gracePeriod < 0 || gracePeriod > MAX_TIME
  ) {
    throw new RangeError(
      `Server limit "${name}" must have a gracePeriod that is a whole number of milliseconds from 0 to ${MAX_TIME}, got ${
        show(gracePeriod)
      }`,
    );
  }
  return Object.freeze({ bytesPerSecond, gracePeriod });
}

/**
 * Fills in defaults and checks every limit.
 *
 * @param limits The limits to check.
 * @returns The limits with defaults.
 * @throws {RangeError} When a limit is out of range, naming it and the value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveServerLimits } from "../mod.ts";
 *
 * assert.equal(resolveServerLimits({ maxRequestBodySize: null }).maxRequestBodySize, null);
 * assert.equal(resolveServerLimits({ minRequestBodyDataRate: null }).minRequestBodyDataRate, null);
 * assert.throws(() => resolveServerLimits({ maxRequestBodySize: -1 }), RangeError);
 * assert.throws(
 *   () => resolveServerLimits({ keepAliveTimeout: 0 }),
 *   /"keepAliveTimeout" must be a whole number of milliseconds from 1/,
 * );
 * ```
 */
export function resolveServerLimits(
  limits: ServerLimits = {},
): ResolvedServerLimits {
  const resolved = { ...DEFAULT_SERVER_LIMITS };
  for (const [name, value] of Object.entries(limits)) {
    if (value === undefined) continue;
    switch (name) {
      case "maxRequestBodySize":
        checkCount(name, value, true, 0);
        break;
      case "maxConcurrentRequests":
      case "maxConcurrentConnections":
      case "maxConcurrentUpgradedConnections":
        checkCount(name, value, true, 1);
        break;
      case "responseBufferSize":
        checkCount(name, value, false, 0);
        break;
      case "keepAliveTimeout":
      case "requestHeadersTimeout":
        checkTime(name, value);
        break;
      case "minRequestBodyDataRate":
        (resolved as Record<string, unknown>)[name] = checkRate(name, value);
        continue;
      default:
        throw new RangeError(
          `Unknown server limit "${name}": the limits are ${
            Object.keys(DEFAULT_SERVER_LIMITS).join(", ")
          }`,
        );
    }
    (resolved as Record<string, unknown>)[name] = value;
  }
  return Object.freeze(resolved);
}
