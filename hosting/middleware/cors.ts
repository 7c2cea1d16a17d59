/**
 * `cors()`: Cross-Origin Resource Sharing (ASP.NET's `UseCors`), with a
 * global policy and per-endpoint policies through endpoint metadata
 * ({@linkcode EnableCors}, {@linkcode DisableCors}).
 *
 * @module
 */

import type { HttpContext } from "../../features/mod.ts";
import type { Middleware } from "../pipeline.ts";
import {
  compileCorsPolicy,
  type CompiledCorsPolicy,
  type CorsPolicy,
  requestedHeaders,
  varyByOrigin,
} from "./_cors_policy.ts";
import { readsEndpointMetadata } from "../_endpoint_metadata_readers.ts";

export type { CorsPolicy } from "./_cors_policy.ts";

/**
 * Endpoint metadata for CORS: the base of {@linkcode EnableCors} and
 * {@linkcode DisableCors}, so the last of either on an endpoint wins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CorsMetadata, DisableCors } from "./cors.ts";
 *
 * assert.ok(new DisableCors() instanceof CorsMetadata);
 * ```
 */
export abstract class CorsMetadata {}

// The checked policy of each EnableCors, kept off its public shape.
const COMPILED = new WeakMap<EnableCors, CompiledCorsPolicy>();

/**
 * Endpoint metadata giving an endpoint its own CORS policy (ASP.NET's
 * `[EnableCors]`): with `useRouting()` before `cors()`, it replaces the
 * global policy for that endpoint. The policy is checked when this is made.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { cors, EnableCors } from "./cors.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(cors({ origins: "https://app.example" }));
 *     app.mapGet("/public", (ctx) => ctx.response.send("hi"))
 *       .withMetadata(new EnableCors({ origins: "*" }));
 *   })
 *   .build();
 * const response = await host.fetch("/public", {
 *   headers: { origin: "https://elsewhere.example" },
 * });
 * assert.equal(response.headers.get("access-control-allow-origin"), "*");
 * assert.equal(await response.text(), "hi");
 * ```
 */
export class EnableCors extends CorsMetadata {
  /** The policy as given. */
  readonly policy: Readonly<CorsPolicy>;

  /**
   * Checks `policy` and holds it.
   *
   * @param policy The endpoint's policy.
   * @throws {TypeError} When the policy is malformed, or allows credentials
   * with any origin.
   * @throws {RangeError} When `maxAge` is not a whole number of seconds.
   */
  constructor(policy: CorsPolicy) {
    super();
    COMPILED.set(this, compileCorsPolicy(policy, "new EnableCors()"));
    this.policy = Object.freeze({ ...policy });
  }
}

/**
 * Endpoint metadata turning CORS off for an endpoint (ASP.NET's
 * `[DisableCors]`): with `useRouting()` before `cors()`, its responses get
 * no CORS headers and its preflights go on down the pipeline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { cors, DisableCors } from "./cors.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(cors({ origins: "*" }));
 *     app.mapGet("/internal", (ctx) => ctx.response.send("ok"))
 *       .withMetadata(new DisableCors());
 *   })
 *   .build();
 * const response = await host.fetch("/internal", {
 *   headers: { origin: "https://app.example" },
 * });
 * assert.equal(response.headers.get("access-control-allow-origin"), null);
 * assert.equal(await response.text(), "ok");
 * ```
 */
export class DisableCors extends CorsMetadata {}

function isPreflight(ctx: HttpContext, origin: string | null): boolean {
  return origin !== null && ctx.request.method === "OPTIONS" &&
    ctx.request.header("access-control-request-method") !== null;
}

// Answers a preflight: 204 and the allow headers when the policy allows what
// it asks, 204 and no CORS headers otherwise (ASP.NET), so the browser
// reports the refusal without the app running for it.
function answerPreflight(
  ctx: HttpContext,
  policy: CompiledCorsPolicy,
  origin: string,
): Promise<void> {
  const request = ctx.request;
  const headers = ctx.response.headers;
  if (policy.varyByOrigin) varyByOrigin(headers);
  const method = request.header("access-control-request-method")!.trim();
  const asked = requestedHeaders(
    request.header("access-control-request-headers"),
  );
  const allowedHeaders = policy.allowedHeaders(asked);
  if (
    policy.allowsOrigin(origin) && policy.allowsMethod(method) &&
    allowedHeaders !== undefined
  ) {
    allowOrigin(headers, policy, origin);
    // Echo what was asked: "*" means no wildcard to a credentialed request.
    headers.set("access-control-allow-methods", method);
    if (allowedHeaders.length > 0) {
      headers.set("access-control-allow-headers", allowedHeaders.join(", "));
    }
    if (policy.maxAge !== undefined) {
      headers.set("access-control-max-age", policy.maxAge);
    }
  }
  return ctx.response.send(null, { status: 204 });
}

function allowOrigin(
  headers: Headers,
  policy: CompiledCorsPolicy,
  origin: string,
): void {
  headers.set(
    "access-control-allow-origin",
    policy.anyOrigin && !policy.credentials ? "*" : origin,
  );
  if (policy.credentials) {
    headers.set("access-control-allow-credentials", "true");
  }
}

/**
 * Middleware for Cross-Origin Resource Sharing (ASP.NET's `UseCors`).
 *
 * - A preflight (`OPTIONS` with `Origin` and
 *   `Access-Control-Request-Method`) is answered here, 204, without running
 *   the rest of the pipeline, so it needs no `OPTIONS` endpoint. Allowed, it
 *   gets `Access-Control-Allow-Origin`, `-Methods` (the method asked for),
 *   `-Headers` (the headers asked for), `-Credentials` and `-Max-Age`;
 *   refused, it gets 204 with no CORS headers, as in ASP.NET, and the
 *   browser reports the refusal.
 * - Any other request with an allowed `Origin` gets
 *   `Access-Control-Allow-Origin` (the origin itself, or `*` for any origin
 *   without credentials), `-Credentials` and `-Expose-Headers`, set before
 *   the rest runs so streamed responses carry them too. A refused origin
 *   gets none, and the request runs as usual.
 * - Unless the policy allows any origin, every response to a request with
 *   an `Origin` gets `Vary: Origin` (added once to what is there), as its
 *   CORS headers depend on it. A request without `Origin` is no CORS
 *   request: it passes untouched, as in ASP.NET.
 *
 * The policy: the matched endpoint's {@linkcode EnableCors} or
 * {@linkcode DisableCors} metadata when `useRouting()` comes before this
 * middleware, else `policy`. Placed before routing, the endpoint is not
 * known yet and only `policy` applies. An error thrown further down becomes
 * the host's error response, which replaces every header, CORS ones too.
 *
 * @param policy The global policy; leave it out for endpoint policies only.
 * @returns The middleware.
 * @throws {TypeError} When the policy is malformed, or allows credentials
 * with any origin.
 * @throws {RangeError} When `maxAge` is not a whole number of seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { cors } from "./cors.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(cors({
 *       origins: ["https://app.example"],
 *       methods: ["PUT"],
 *       headers: ["content-type"],
 *       maxAge: 600,
 *     }));
 *     app.mapPut("/items/{id}", (ctx) => ctx.response.json({ saved: true }));
 *   })
 *   .build();
 * const preflight = await host.fetch("/items/1", {
 *   method: "OPTIONS",
 *   headers: {
 *     origin: "https://app.example",
 *     "access-control-request-method": "PUT",
 *     "access-control-request-headers": "content-type",
 *   },
 * });
 * assert.equal(preflight.status, 204);
 * assert.equal(preflight.headers.get("access-control-allow-methods"), "PUT");
 * assert.equal(preflight.headers.get("access-control-max-age"), "600");
 * await preflight.body?.cancel();
 *
 * const put = await host.fetch("/items/1", {
 *   method: "PUT",
 *   headers: { origin: "https://app.example", "content-type": "application/json" },
 *   body: "{}",
 * });
 * assert.equal(put.headers.get("access-control-allow-origin"), "https://app.example");
 * assert.equal(put.headers.get("vary"), "Origin");
 * assert.deepEqual(await put.json(), { saved: true });
 * ```
 */
export function cors(policy?: CorsPolicy): Middleware {
  const global = policy === undefined
    ? undefined
    : compileCorsPolicy(policy, "cors()");
  return readsEndpointMetadata(
    function corsMiddleware(ctx, next) {
      // Without Origin it is no CORS request: untouched, as in ASP.NET, so
      // same-origin traffic pays nothing (not even a Vary header, which takes
      // a response off the server's fastest path).
      const origin = ctx.request.header("origin");
      if (origin === null) return next();
      const metadata = ctx.getEndpoint()?.metadata.get(CorsMetadata);
      const applied = metadata === undefined
        ? global
        : metadata instanceof EnableCors
        ? COMPILED.get(metadata)
        : undefined;
      if (applied === undefined) return next();
      if (isPreflight(ctx, origin)) {
        return answerPreflight(ctx, applied, origin);
      }
      const response = ctx.response;
      const headers = response.headers;
      if (applied.varyByOrigin) {
        // Added as the response starts, as ASP.NET applies CORS headers in
        // OnStarting: a handler may set or return a Vary of its own, and
        // without Origin in it a shared cache could give one origin's
        // answer to another.
        response.onStarting(() => varyByOrigin(response.headers));
      }
      if (applied.allowsOrigin(origin)) {
        allowOrigin(headers, applied, origin);
        if (applied.exposedHeaders !== undefined) {
          headers.set("access-control-expose-headers", applied.exposedHeaders);
        }
      }
      return next();
    },
    "useCors()",
    [CorsMetadata],
  );
}
