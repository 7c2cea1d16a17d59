/**
 * What a request is: a {@linkcode FeatureCollection} of typed features, and
 * the {@linkcode HttpContext} facade over it.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection, HttpContext } from "./mod.ts";
 *
 * const ctx = new HttpContext(new FeatureCollection());
 * ctx.items.set("answer", 42);
 * assert.equal(ctx.items.get("answer"), 42);
 * ```
 *
 * @module
 */

export * from "./feature_collection.ts";
export * from "./request_features.ts";
export * from "./response_features.ts";
export * from "./server_features.ts";
export * from "./http_error.ts";
export * from "./problem_details.ts";
export * from "./endpoint_features.ts";
export * from "./error_features.ts";
export * from "./forwarded_features.ts";
export * from "./http_request.ts";
export * from "./http_response.ts";
export * from "./http_context.ts";
