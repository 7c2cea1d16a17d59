/**
 * `rateLimiter()`: ASP.NET's `UseRateLimiter`, with its four limiters (fixed
 * window, sliding window, token bucket, concurrency), partitioned by client,
 * a global limiter and named policies endpoints opt into.
 *
 * @module
 */

import { drainingSignal } from "../_draining.ts";
import type { HttpContext } from "../../features/mod.ts";
import type { Middleware } from "../pipeline.ts";
import { ApplicationLifetime } from "../application_lifetime.ts";
import {
  type Lease,
  limiterFor,
  type PartitionedLimiter,
} from "./_rate_limiters.ts";
import { readsEndpointMetadata } from "../_endpoint_metadata_readers.ts";

/** What every policy may set. */
export interface RateLimiterPolicyBase {
  /**
   * The partition a request counts against; each key has its own permits.
   * @default {(ctx) => ctx.connection.remoteAddress}
   */
  partitionKey?: (ctx: HttpContext) => string;
  /**
   * How many requests may wait (first in, first out) per partition for a
   * permit instead of being rejected at once.
   * @default {0}
   */
  queueLimit?: number;
}

/** `permitLimit` requests per `window` milliseconds. */
export interface FixedWindowPolicy extends RateLimiterPolicyBase {
  /** The algorithm. */
  kind: "fixedWindow";
  /** Permits per window. */
  permitLimit: number;
  /** The window, in milliseconds. */
  window: number;
}

/**
 * `permitLimit` requests in any `window`, tracked in `segmentsPerWindow`
 * segments: a permit comes back when its segment leaves the window.
 */
export interface SlidingWindowPolicy extends RateLimiterPolicyBase {
  /** The algorithm. */
  kind: "slidingWindow";
  /** Permits per window. */
  permitLimit: number;
  /** The window, in milliseconds. */
  window: number;
  /** Segments per window (more is smoother). */
  segmentsPerWindow: number;
}

/** Bursts up to `tokenLimit`, refilled by `tokensPerPeriod` each period. */
export interface TokenBucketPolicy extends RateLimiterPolicyBase {
  /** The algorithm. */
  kind: "tokenBucket";
  /** The bucket's size, and how full it starts. */
  tokenLimit: number;
  /** Tokens added each period. */
  tokensPerPeriod: number;
  /** The period, in milliseconds. */
  replenishmentPeriod: number;
}

/** At most `permitLimit` requests running at once. */
export interface ConcurrencyPolicy extends RateLimiterPolicyBase {
  /** The algorithm. */
  kind: "concurrency";
  /** Requests at once. */
  permitLimit: number;
}

/** One of ASP.NET's four limiters, as options. */
export type RateLimiterPolicy =
  | FixedWindowPolicy
  | SlidingWindowPolicy
  | TokenBucketPolicy
  | ConcurrencyPolicy;

/** What {@linkcode RateLimiterOptions.onRejected} learns. */
export interface RateLimitRejection {
  /** The policy's name, or `"global"` for the global limiter. */
  readonly policy: string;
  /** The partition the request counted against. */
  readonly partitionKey: string;
  /** Seconds until a permit may be free, when known (also `Retry-After`). */
  readonly retryAfter: number | undefined;
}

/** Options for {@linkcode rateLimiter}. */
export interface RateLimiterOptions {
  /**
   * Shorthand for a fixed-window `globalLimiter`: permits per `window`.
   * @default {undefined}
   */
  permitLimit?: number;
  /**
   * Shorthand for a fixed-window `globalLimiter`: the window, in ms.
   * @default {undefined}
   */
  window?: number;
  /**
   * With the shorthand: requests that may wait per partition.
   * @default {0}
   */
  queueLimit?: number;
  /**
   * With the shorthand: the partition of a request.
   * @default {(ctx) => ctx.connection.remoteAddress}
   */
  partitionKey?: (ctx: HttpContext) => string;
  /**
   * A limiter every request goes through (unless its endpoint has
   * {@linkcode DisableRateLimiting}), before any endpoint policy.
   * @default {undefined}
   */
  globalLimiter?: RateLimiterPolicy;
  /**
   * Named policies, for endpoints with {@linkcode EnableRateLimiting}.
   * @default {{}}
   */
  policies?: Readonly<Record<string, RateLimiterPolicy>>;
  /**
   * The status of a rejected request.
   * @default {429}
   */
  rejectionStatusCode?: number;
  /**
   * Runs on rejection, after the status and `Retry-After` are set; may write
   * a body or change them.
   * @default {undefined}
   */
  onRejected?: (
    ctx: HttpContext,
    rejection: RateLimitRejection,
  ) => void | Promise<void>;
}

/**
 * Endpoint metadata: this endpoint also counts against the named policy
 * (ASP.NET's `[EnableRateLimiting("name")]` / `RequireRateLimiting`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EnableRateLimiting } from "./rate_limiter.ts";
 *
 * assert.equal(new EnableRateLimiting("api").policy, "api");
 * ```
 */
export class EnableRateLimiting {
  /** The policy's name in {@linkcode RateLimiterOptions.policies}. */
  readonly policy: string;
  /**
   * Names the policy.
   *
   * @param policy The policy's name.
   * @throws {TypeError} When it is not a non-empty string.
   */
  constructor(policy: string) {
    if (typeof policy !== "string" || policy === "") {
      throw new TypeError(
        `new EnableRateLimiting(policy) needs a policy name, got ${
          JSON.stringify(policy) ?? String(policy)
        }: try new EnableRateLimiting("api")`,
      );
    }
    this.policy = policy;
  }
}

/**
 * Endpoint metadata: no rate limiting at all for this endpoint, neither the
 * global limiter nor a policy (ASP.NET's `[DisableRateLimiting]`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DisableRateLimiting } from "./rate_limiter.ts";
 *
 * assert.ok(new DisableRateLimiting() instanceof DisableRateLimiting);
 * ```
 */
export class DisableRateLimiting {}

/** The rate limiter middleware, which also reports its memory use. */
export interface RateLimiterMiddleware extends Middleware {
  /** How many partitions (clients × policies) are kept now. */
  readonly partitionCount: number;
}

// Checks a policy (the algorithm's numbers in limiterFor) and returns its
// limiter.
function build(policy: RateLimiterPolicy, where: string): PartitionedLimiter {
  if (typeof policy !== "object" || policy === null) {
    throw new TypeError(
      `${where} must be a policy object, got ${
        String(policy)
      }: try { kind: "fixedWindow", permitLimit: 100, window: 60_000 }`,
    );
  }
  if (
    policy.partitionKey !== undefined &&
    typeof policy.partitionKey !== "function"
  ) {
    throw new TypeError(
      `${where}.partitionKey must be a function (ctx) => string, got ${typeof policy
        .partitionKey}`,
    );
  }
  return limiterFor(policy, where);
}

function shorthand(options: RateLimiterOptions): RateLimiterPolicy | undefined {
  const given =
    (["permitLimit", "window", "queueLimit", "partitionKey"] as const)
      .filter((name) => options[name] !== undefined);
  if (given.length === 0) return undefined;
  if (options.globalLimiter !== undefined) {
    throw new TypeError(
      `rateLimiter() takes "globalLimiter" or the fixed-window shorthand (${
        given.map((name) => `"${name}"`).join(", ")
      }), not both: move them into globalLimiter`,
    );
  }
  if (options.permitLimit === undefined || options.window === undefined) {
    throw new TypeError(
      `rateLimiter() shorthand needs both "permitLimit" and "window": try rateLimiter({ permitLimit: 100, window: 60_000 })`,
    );
  }
  return {
    kind: "fixedWindow",
    permitLimit: options.permitLimit,
    window: options.window,
    queueLimit: options.queueLimit,
    partitionKey: options.partitionKey,
  };
}

interface Limiter {
  readonly name: string;
  readonly limiter: PartitionedLimiter;
  readonly key: (ctx: HttpContext) => string;
}

const remoteAddress = (ctx: HttpContext): string =>
  ctx.connection.remoteAddress;

/**
 * Limits how often clients may call (ASP.NET's `UseRateLimiter`). Every
 * request goes through the global limiter, when there is one, then through
 * the policy its endpoint names with {@linkcode EnableRateLimiting}; an
 * endpoint with {@linkcode DisableRateLimiting} skips both. A request over
 * the limit waits in its partition's queue when there is room (and leaves
 * it when the client goes away), else it is answered 429 with
 * `Retry-After` in seconds when the limiter knows it. Partitions back to a
 * fresh state are dropped. Place it after `useRouting()` for endpoint
 * metadata to apply.
 *
 * @param options The limiters and what a rejection does.
 * @returns The middleware, with its `partitionCount`.
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a limit or duration is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { EnableRateLimiting, rateLimiter } from "./rate_limiter.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(rateLimiter({
 *       policies: { api: { kind: "fixedWindow", permitLimit: 2, window: 60_000 } },
 *     }));
 *     app.mapGet("/api", () => new Response("ok"))
 *       .withMetadata(new EnableRateLimiting("api"));
 *   })
 *   .build();
 * const statuses: number[] = [];
 * for (let i = 0; i < 3; i++) {
 *   const response = await host.fetch("/api");
 *   await response.body?.cancel();
 *   statuses.push(response.status);
 *   if (response.status === 429) assert.equal(response.headers.get("retry-after"), "60");
 * }
 * assert.deepEqual(statuses, [200, 200, 429]);
 * await host.stop();
 * ```
 */
export function rateLimiter(
  options: RateLimiterOptions = {},
): RateLimiterMiddleware {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `rateLimiter() options must be an object, got ${
        String(options)
      }: try rateLimiter({ permitLimit: 100, window: 60_000 })`,
    );
  }
  const globalPolicy = shorthand(options) ?? options.globalLimiter;
  const global: Limiter | undefined = globalPolicy === undefined ? undefined : {
    name: "global",
    limiter: build(globalPolicy, "rateLimiter() globalLimiter"),
    key: globalPolicy.partitionKey ?? remoteAddress,
  };
  const policies = new Map<string, Limiter>();
  for (const [name, policy] of Object.entries(options.policies ?? {})) {
    policies.set(name, {
      name,
      limiter: build(policy, `rateLimiter() policies.${name}`),
      key: policy.partitionKey ?? remoteAddress,
    });
  }
  const status = options.rejectionStatusCode ?? 429;
  if (!Number.isInteger(status) || status < 400 || status > 599) {
    throw new RangeError(
      `rateLimiter() option "rejectionStatusCode" must be an HTTP error status from 400 to 599, got ${
        String(status)
      }: try 429 or 503`,
    );
  }
  const onRejected = options.onRejected;
  if (onRejected !== undefined && typeof onRejected !== "function") {
    throw new TypeError(
      `rateLimiter() option "onRejected" must be a function (ctx, rejection) => …, got ${typeof onRejected}`,
    );
  }

  // Fires when the host begins to drain; until then (the stopping host's
  // shutdownDelaySeconds included) rejections are as usual.
  function drainingOf(ctx: HttpContext): AbortSignal | undefined {
    const lifetime = ctx.requestServices?.get(ApplicationLifetime);
    return lifetime === undefined ? undefined : drainingSignal(lifetime);
  }

  async function reject(
    ctx: HttpContext,
    limiter: Limiter,
    key: string,
    lease: Lease & { acquired: false },
  ): Promise<void> {
    if (lease.stopping) {
      // Queued when the host began to drain (after shutdownDelaySeconds):
      // answered at once, so the drain does not wait for a permit, and told
      // to come back elsewhere.
      ctx.response.status = 503;
      return;
    }
    if (lease.aborted) {
      // The client went away while queued: nobody is left to answer, and a
      // response (even an empty 200) would look like one.
      ctx.abort(ctx.requestAborted.reason);
      return;
    }
    const retryAfter = lease.retryAfter === undefined
      ? undefined
      : Math.max(1, Math.ceil(lease.retryAfter / 1000));
    ctx.response.status = status;
    if (retryAfter !== undefined) {
      ctx.response.headers.set("retry-after", String(retryAfter));
    }
    await onRejected?.(ctx, {
      policy: limiter.name,
      partitionKey: key,
      retryAfter,
    });
  }

  const middleware = async function rateLimiterMiddleware(
    ctx: HttpContext,
    next: () => Promise<void>,
  ): Promise<void> {
    const metadata = ctx.getEndpoint()?.metadata;
    if (metadata?.get(DisableRateLimiting) !== undefined) return await next();
    const name = metadata?.get(EnableRateLimiting)?.policy;
    const policy = name === undefined ? undefined : policies.get(name);
    if (name !== undefined && policy === undefined) {
      throw new Error(
        `The endpoint asks for rate limiting policy "${name}", which rateLimiter() does not have: add it to rateLimiter({ policies: { ${
          JSON.stringify(name)
        }: … } })`,
      );
    }
    const chain = policy === undefined
      ? (global === undefined ? [] : [global])
      : (global === undefined ? [policy] : [global, policy]);
    const held: (() => void)[] = [];
    try {
      for (const limiter of chain) {
        const key = limiter.key(ctx);
        // An object would be a partition of its own each time (no limit at
        // all), undefined one partition for everyone: both are mistakes.
        if (typeof key !== "string") {
          throw new TypeError(
            `The rate limiting partitionKey of ${
              limiter === global
                ? "the global limiter"
                : `policy "${limiter.name}"`
            } returned ${
              key === null
                ? "null"
                : typeof key === "object" || typeof key === "undefined"
                ? `an ${typeof key}`
                : `a ${typeof key}`
            }: return a string, such as ctx.connection.remoteAddress or a user id`,
          );
        }
        // The signals are read only when no permit is free at once: the
        // request's own is not made for nothing (on Deno.serve, reading it
        // also prints Deno's "legacy abort" notice).
        const lease = await limiter.limiter.acquire(
          key,
          () => ctx.requestAborted,
          () => drainingOf(ctx),
        );
        if (!lease.acquired) return await reject(ctx, limiter, key, lease);
        held.push(lease.release);
      }
      await next();
    } finally {
      for (const release of held) release();
    }
  };
  const all = [...(global ? [global] : []), ...policies.values()];
  readsEndpointMetadata(middleware, "useRateLimiter()", [
    EnableRateLimiting,
    DisableRateLimiting,
  ]);
  return Object.defineProperty(middleware, "partitionCount", {
    get: () => all.reduce((sum, { limiter }) => sum + limiter.size, 0),
    enumerable: true,
  }) as RateLimiterMiddleware;
}
