/**
 * Services, after ASP.NET Core's `Microsoft.Extensions.DependencyInjection`
 * and hosted services: typed tokens (classes, or keys from
 * {@linkcode serviceKey}), singleton / scoped / transient lifetimes, one
 * scope per request, checks for scoped services resolved from the root,
 * captive dependencies and cycles, async disposal, options bound from
 * configuration that follow reloads, and services that start and stop with
 * the host.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, serviceKey } from "./mod.ts";
 *
 * class Clock {
 *   now(): number {
 *     return 42;
 *   }
 * }
 * const flushed: string[] = [];
 * class RequestLog implements Disposable {
 *   readonly lines: string[] = [];
 *   [Symbol.dispose](): void {
 *     flushed.push(...this.lines);
 *   }
 * }
 * const AppName = serviceKey<string>("AppName");
 *
 * await using services = new ServiceCollection()
 *   .addSingleton(AppName, "roost")
 *   .addSingleton(Clock)
 *   .addScoped(RequestLog)
 *   .build();
 * {
 *   await using scope = services.createScope(); // one per request
 *   const log = scope.services.getRequired(RequestLog);
 *   log.lines.push(`${services.getRequired(AppName)} at ${scope.services.getRequired(Clock).now()}`);
 * } // the scope disposes of its RequestLog here
 * assert.deepEqual(flushed, ["roost at 42"]);
 * ```
 *
 * @module
 */

export {
  BackgroundService,
  type HostedService,
  type HostedServiceOptions,
  type HostedServiceRegistration,
} from "./hosted_service.ts";
export type { BackgroundServiceExceptionBehavior } from "./hosted_service_runner.ts";
export {
  type ChangeSource,
  ConfigurationOptionsMonitor,
  type ConfigurationOptionsMonitorOptions,
  type ConfigureOptions,
  optionsKey,
  type OptionsMonitor,
} from "./options_monitor.ts";
export { ServiceCollection } from "./service_collection.ts";
export { type ServiceKey, serviceKey } from "./service_key.ts";
export {
  type ServiceClass,
  type ServiceDescriptor,
  type ServiceFactory,
  type ServiceLifetime,
  ServiceProvider,
  type ServiceProviderOptions,
  type ServiceScope,
} from "./service_provider.ts";

// The types this API names, re-exported so the module documents on its own
// (deno doc --lint); they are the same bindings features/ and config/
// export, so a module that `export *`s both has no conflict.
export type { ServiceResolver, ServiceToken } from "../../features/mod.ts";
export type {
  AsEntriesOptions,
  ConfigurationSection,
} from "../config/configuration_section.ts";
export type * from "../config/standard_schema.ts";
