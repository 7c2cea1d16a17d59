/**
 * `ForwardedHeadersFeature`: what a request looked like before forwarded
 * headers rewrote it.
 *
 * @module
 */

import { type FeatureKey, featureKey } from "./feature_collection.ts";

/**
 * The connection and request values as the server saw them, before the
 * forwarded headers middleware replaced them with what a trusted proxy
 * reported. Set only on requests the middleware changed. (ASP.NET keeps these
 * in `X-Original-For`, `X-Original-Proto`, `X-Original-Host` and
 * `X-Original-Prefix` request headers; Roost keeps them here only, and
 * leaves the request headers as they came.)
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection } from "./feature_collection.ts";
 * import { ForwardedHeadersFeature } from "./forwarded_features.ts";
 *
 * const features = new FeatureCollection();
 * features.set(ForwardedHeadersFeature, {
 *   originalRemoteAddress: "127.0.0.2",
 *   originalRemotePort: 51000,
 *   originalScheme: "http",
 *   originalHost: "app.internal:8000",
 *   originalPathBase: "",
 * });
 * assert.equal(features.get(ForwardedHeadersFeature)?.originalRemoteAddress, "127.0.0.2");
 * ```
 */
export interface ForwardedHeadersFeature {
  /** The peer's address: the proxy's, when a proxy forwarded the request. */
  readonly originalRemoteAddress: string;
  /** The peer's port. */
  readonly originalRemotePort: number;
  /** The scheme of the connection to this server (`"http"`). */
  readonly originalScheme: string;
  /** The Host the proxy sent (`"app.internal:8000"`). */
  readonly originalHost: string;
  /** The path base before a forwarded prefix replaced it (often `""`). */
  readonly originalPathBase: string;
}
/** The key of {@linkcode ForwardedHeadersFeature}. */
export const ForwardedHeadersFeature: FeatureKey<ForwardedHeadersFeature> =
  featureKey<ForwardedHeadersFeature>("ForwardedHeadersFeature");
