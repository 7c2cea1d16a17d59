/**
 * How an app is composed and run: {@linkcode WebHostBuilder},
 * {@linkcode WebHost}, the middleware pipeline and the lifetime.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "./mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => app.run(() => new Response("hello")))
 *   .build();
 * assert.equal(await (await host.fetch("/")).text(), "hello");
 * ```
 *
 * @module
 */

export {
  ApplicationBuilder,
  type Fetchable,
  type FetchHandler,
  type Middleware,
  type Next,
  type PipelineComponent,
  type RequestDelegate,
} from "./application_builder.ts";
export * from "./application_lifetime.ts";
export { BuiltinMiddlewareBuilder } from "./builtin_middleware_builder.ts";
export * from "./middleware/mod.ts";
export * from "./health/mod.ts";
export {
  EndpointBuilder,
  EndpointRouteBuilder,
  RouteGroupBuilder,
} from "./routing/endpoint_route_builder.ts";
export type {
  RouteContext,
  RouteHandler,
  RouteParams,
} from "./routing/route_types.ts";
export { type HostSettingKeys, HostSettings } from "./host_settings.ts";
export * from "./hosting_environment.ts";
export type {
  ConfigureApp,
  HostSetting,
  WebHost,
  WebHostBuilderContext,
  WebHostStopOptions,
} from "./web_host.ts";
export {
  type ConfigureAppConfiguration,
  type ConfigureLogging,
  type ConfigureServices,
  type ServerFactory,
  WebHostBuilder,
} from "./web_host_builder.ts";
export * from "./host_services.ts";
export * from "./services/mod.ts";
export * from "./logging/mod.ts";
export type { Startup } from "./startup.ts";
export { createDefaultBuilder } from "./default_builder.ts";
export * from "./config/mod.ts";
export * from "./workers/mod.ts";
