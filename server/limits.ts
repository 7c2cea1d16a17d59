/**
 * Server limits: what Roost enforces that `Deno.serve` does not.
 *
 * @module
 */

/**
 * Limits a server enforces. Every field is optional; the defaults are chosen
 * for an app on the open internet and each states why.
 *
 * `Deno.serve` itself limits the HTTP/1 header block (~64 KiB, 128 headers)
 * and HTTP/2 streams (200 per connection), and has no setting for
 * header-read or keep-alive timeouts, so Roost has no such limits either.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoServer } from "../mod.ts";
 *
 * const server = new DenoServer({
 *   urls: "http://127.0.0.1:0",
 *   limits: { maxRequestBodySize: 1_000_000, maxConcurrentRequests: 1000 },
 * });
 * assert.equal(server.limits.maxRequestBodySize, 1_000_000);
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
 * ```
 */
export const DEFAULT_SERVER_LIMITS: ResolvedServerLimits = Object.freeze({
  maxRequestBodySize: 30_000_000,
  maxConcurrentRequests: null,
  responseBufferSize: 65_536,
});

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
      }a whole number of at least ${min}, got ${JSON.stringify(value)}`,
    );
  }
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
 * assert.throws(() => resolveServerLimits({ maxRequestBodySize: -1 }), RangeError);
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
      case "maxConcurrentRequests":
        checkCount(name, value, true, name === "maxRequestBodySize" ? 0 : 1);
        break;
      case "responseBufferSize":
        checkCount(name, value, false, 0);
        break;
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
