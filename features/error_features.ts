/**
 * What the error middleware leaves on a request it re-executes: the error
 * the exception handler caught, and the original request behind a status
 * code page.
 *
 * @module
 */

import { type FeatureKey, featureKey } from "./feature_collection.ts";
import type { RouteEndpoint, RouteValues } from "./endpoint_features.ts";

/**
 * The error the exception handler caught (ASP.NET's
 * `IExceptionHandlerPathFeature`), set on the request's features while the
 * error path or handler runs, so the error page can say what happened (in
 * its logs, not to the client).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection } from "./feature_collection.ts";
 * import { ExceptionHandlerFeature } from "./error_features.ts";
 *
 * const features = new FeatureCollection();
 * features.set(ExceptionHandlerFeature, {
 *   error: new Error("boom"),
 *   path: "/orders",
 *   method: "POST",
 *   endpoint: undefined,
 *   routeValues: {},
 * });
 * assert.equal(features.get(ExceptionHandlerFeature)?.path, "/orders");
 * ```
 */
export interface ExceptionHandlerFeature {
  /** What was thrown. */
  readonly error: unknown;
  /** The path the request had when it failed (without the path base). */
  readonly path: string;
  /** The method the request had when it failed. */
  readonly method: string;
  /** The endpoint routing had selected when it failed, if any. */
  readonly endpoint: RouteEndpoint | undefined;
  /** The route values it had when it failed. */
  readonly routeValues: RouteValues;
}
/** The key of {@linkcode ExceptionHandlerFeature}. */
export const ExceptionHandlerFeature: FeatureKey<ExceptionHandlerFeature> =
  featureKey<ExceptionHandlerFeature>("ExceptionHandlerFeature");

/**
 * The original request behind a re-executed status code page (ASP.NET's
 * `IStatusCodeReExecuteFeature`), set while the page's path runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FeatureCollection } from "./feature_collection.ts";
 * import { StatusCodeReExecuteFeature } from "./error_features.ts";
 *
 * const features = new FeatureCollection();
 * features.set(StatusCodeReExecuteFeature, {
 *   originalStatusCode: 404,
 *   originalPathBase: "",
 *   originalPath: "/missing",
 *   originalQueryString: "?q=1",
 *   originalMethod: "GET",
 *   endpoint: undefined,
 *   routeValues: {},
 * });
 * assert.equal(features.get(StatusCodeReExecuteFeature)?.originalPath, "/missing");
 * ```
 */
export interface StatusCodeReExecuteFeature {
  /** The status the original request was answered with. */
  readonly originalStatusCode: number;
  /** The original path base. */
  readonly originalPathBase: string;
  /** The original path. */
  readonly originalPath: string;
  /** The original query string, `""` or starting with `?`. */
  readonly originalQueryString: string;
  /** The original method. */
  readonly originalMethod: string;
  /** The endpoint routing had selected for the original request, if any. */
  readonly endpoint: RouteEndpoint | undefined;
  /** The original request's route values. */
  readonly routeValues: RouteValues;
}
/** The key of {@linkcode StatusCodeReExecuteFeature}. */
export const StatusCodeReExecuteFeature: FeatureKey<
  StatusCodeReExecuteFeature
> = featureKey<StatusCodeReExecuteFeature>("StatusCodeReExecuteFeature");
