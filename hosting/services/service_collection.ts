/**
 * `ServiceCollection`: where an app registers its services before the host
 * builds the provider.
 *
 * @module
 */

import type { ServiceToken } from "../../features/mod.ts";
import type { ConfigurationSection, StandardSchemaV1 } from "../config/mod.ts";
import { Configuration } from "../config/configuration.ts";
import {
  type HostedService,
  type HostedServiceOptions,
  type HostedServiceRegistration,
  SINGLE_WORKER_SERVICES,
} from "./hosted_service.ts";
import {
  ConfigurationOptionsMonitor,
  type ConfigureOptions,
  type OptionsMonitor,
} from "./options_monitor.ts";
import { toFactory } from "./_registration.ts";
import {
  addHealthChecks,
  type HealthChecksBuilder,
} from "../health/health_checks.ts";
import { assertToken, isClass } from "./_tokens.ts";
import {
  type ServiceClass,
  type ServiceDescriptor,
  type ServiceFactory,
  type ServiceLifetime,
  ServiceProvider,
  type ServiceProviderOptions,
} from "./service_provider.ts";

/**
 * The services an app registers (`IServiceCollection`), in order; for a
 * token registered twice the last wins. Each `add…` takes a token and one of:
 *
 * - nothing, when the token is a class: `new Token(provider)`;
 * - a class (an ES `class`): `new Impl(provider)`, as ASP.NET's
 *   `AddSingleton<IClock, SystemClock>()`;
 * - a function: a {@linkcode ServiceFactory} called with the provider (to
 *   register a function as the service itself, wrap it: `() => fn`);
 * - for singletons, any other value: the instance itself, which the
 *   provider never disposes of, since it did not make it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, serviceKey } from "./mod.ts";
 *
 * class Clock {
 *   now(): number {
 *     return 1_700_000_000_000;
 *   }
 * }
 * class Report {
 *   constructor(readonly at: number) {}
 * }
 * const Name = serviceKey<string>("Name");
 * const services = new ServiceCollection()
 *   .addSingleton(Name, "roost")
 *   .addSingleton(Clock)
 *   .addScoped(Report, (provider) => new Report(provider.getRequired(Clock).now()))
 *   .build();
 * await using scope = services.createScope();
 * assert.equal(scope.services.getRequired(Report).at, 1_700_000_000_000);
 * ```
 */
export class ServiceCollection implements Iterable<ServiceDescriptor> {
  readonly #descriptors: ServiceDescriptor[] = [];
  readonly #tokens = new Set<ServiceToken<unknown>>();
  readonly #hosted: HostedServiceRegistration[] = [];

  /**
   * Registers a service made once for the app.
   *
   * @typeParam T The service's type.
   * @param token The class or key to resolve it by.
   * @param args Nothing (a class token is constructed), a class, a factory,
   * or the instance. A function is always taken for a factory: to register
   * a function as the service itself, return it from one
   * (`addSingleton(Format, () => format)`).
   * @returns This collection.
   * @throws {TypeError} When a key is given alone, or the value is undefined.
   */
  addSingleton<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T> | T>]
  ): this {
    return this.#add("singleton", token, args);
  }

  /**
   * Registers a service made once per scope (per request).
   *
   * @typeParam T The service's type.
   * @param token The class or key to resolve it by.
   * @param args Nothing (a class token is constructed), a class, or a
   * factory.
   * @returns This collection.
   * @throws {TypeError} When a key is given alone, or a value instead of a
   * factory.
   */
  addScoped<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T>>]
  ): this {
    return this.#add("scoped", token, args);
  }

  /**
   * Registers a service made each time it is resolved. Disposable
   * transients are disposed of with the scope (or root) that made them.
   *
   * @typeParam T The service's type.
   * @param token The class or key to resolve it by.
   * @param args Nothing (a class token is constructed), a class, or a
   * factory.
   * @returns This collection.
   * @throws {TypeError} As {@linkcode ServiceCollection.addScoped}.
   */
  addTransient<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T>>]
  ): this {
    return this.#add("transient", token, args);
  }

  /**
   * {@linkcode ServiceCollection.addSingleton}, unless the token is already
   * registered: for libraries that supply a default the app may override.
   *
   * @typeParam T The service's type.
   * @param token The class or key.
   * @param args As for `addSingleton`.
   * @returns This collection.
   */
  tryAddSingleton<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T> | T>]
  ): this {
    return this.has(token) ? this : this.#add("singleton", token, args);
  }

  /**
   * {@linkcode ServiceCollection.addScoped}, unless the token is already
   * registered.
   *
   * @typeParam T The service's type.
   * @param token The class or key.
   * @param args As for `addScoped`.
   * @returns This collection.
   */
  tryAddScoped<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T>>]
  ): this {
    return this.has(token) ? this : this.#add("scoped", token, args);
  }

  /**
   * {@linkcode ServiceCollection.addTransient}, unless the token is already
   * registered.
   *
   * @typeParam T The service's type.
   * @param token The class or key.
   * @param args As for `addTransient`.
   * @returns This collection.
   */
  tryAddTransient<T>(
    token: ServiceToken<T>,
    ...args: [] | [NoInfer<ServiceFactory<T> | ServiceClass<T>>]
  ): this {
    return this.has(token) ? this : this.#add("transient", token, args);
  }

  /**
   * Whether a token is registered.
   *
   * @param token The class or key.
   * @returns True when any registration uses it.
   */
  has(token: ServiceToken<unknown>): boolean {
    return this.#tokens.has(token);
  }

  /** How many registrations there are. */
  get size(): number {
    return this.#descriptors.length;
  }

  /**
   * Registers a hosted service, started with the host in registration order
   * and stopped in reverse. A class is constructed with the root provider
   * when the host starts.
   *
   * @param service The service, a factory for it, or its class.
   * @param options `singleWorker: true` runs it in one worker only.
   * @returns This collection.
   * @throws {TypeError} When it is not an object with `start` and `stop`,
   * nor a function.
   */
  addHostedService(
    service: HostedServiceRegistration | ServiceClass<HostedService>,
    options: HostedServiceOptions = {},
  ): this {
    if (isClass(service)) {
      const Class = service as ServiceClass<HostedService>;
      this.#hosted.push((provider) => new Class(provider));
    } else if (
      typeof service === "function" ||
      (typeof service === "object" && service !== null &&
        typeof service.start === "function" &&
        typeof service.stop === "function")
    ) {
      this.#hosted.push(service as HostedServiceRegistration);
    } else {
      throw new TypeError(
        "addHostedService() needs an object with start(signal) and stop(signal) methods, a factory (provider) => service, or a class such as a BackgroundService subclass",
      );
    }
    if (options.singleWorker === true) {
      SINGLE_WORKER_SERVICES.add(this.#hosted[this.#hosted.length - 1]);
    }
    return this;
  }

  /**
   * Registers health checks (ASP.NET's `AddHealthChecks()`): a registry of
   * checks that `app.mapHealthChecks(path)` runs. Calling it again adds to
   * the same registry.
   *
   * @returns The builder: `.addCheck(name, check, { tags, timeout })`.
   */
  addHealthChecks(): HealthChecksBuilder {
    return addHealthChecks(this);
  }

  /** The hosted services, in registration order. */
  get hostedServices(): readonly HostedServiceRegistration[] {
    return this.#hosted;
  }

  /**
   * Registers a singleton {@linkcode OptionsMonitor} under `token`: its
   * `current` is `bind(section, schema)`, checked when the monitor is first
   * resolved (a `ConfigurationError` naming every bad setting), and it
   * follows configuration reloads (see
   * {@linkcode ConfigureOptions.configuration}). A reload that makes invalid
   * options keeps the last valid `current` and reports the error to
   * {@linkcode ConfigureOptions.onError}; it never throws.
   *
   * @typeParam T The options' type.
   * @param token The monitor's token, from {@linkcode optionsKey}.
   * @param section The section to bind.
   * @param schemaOrOptions A Standard Schema, or the options with one.
   * @returns This collection.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ConfigurationBuilder } from "../config/mod.ts";
   * import { optionsKey, ServiceCollection } from "./mod.ts";
   *
   * const Limits = optionsKey<{ MaxBody: number }>("Limits");
   * const config = new ConfigurationBuilder().addInMemory({ Limits: { MaxBody: 1024 } }).build();
   * const services = new ServiceCollection()
   *   .configure(Limits, config.getSection("Limits"), { configuration: config })
   *   .build();
   * assert.equal(services.getRequired(Limits).current.MaxBody, 1024);
   * ```
   */
  configure<T>(
    token: ServiceToken<OptionsMonitor<T>>,
    section: ConfigurationSection,
    schemaOrOptions?:
      | StandardSchemaV1<unknown, NoInfer<T>>
      | ConfigureOptions<NoInfer<T>>,
  ): this {
    assertToken(token, "configure()");
    const options: ConfigureOptions<T> =
      schemaOrOptions !== undefined && "~standard" in schemaOrOptions
        ? { schema: schemaOrOptions }
        : schemaOrOptions ?? {};
    const { schema, configuration, onError } = options;
    return this.#add("singleton", token, [
      (provider: ServiceProvider) =>
        new ConfigurationOptionsMonitor<T>(section, {
          schema,
          configuration: configuration ??
            (section instanceof Configuration
              ? section
              : provider.get(Configuration)),
          onError,
        }),
    ]);
  }

  /**
   * Builds the root provider from a snapshot of the registrations; later
   * registrations do not reach it.
   *
   * @param options Whether to check lifetimes.
   * @returns The root provider.
   */
  build(options?: ServiceProviderOptions): ServiceProvider {
    return new ServiceProvider([...this.#descriptors], options);
  }

  /**
   * Lists the registrations, in order.
   *
   * @returns An iterator over them.
   */
  [Symbol.iterator](): Iterator<ServiceDescriptor> {
    return this.#descriptors[Symbol.iterator]();
  }

  #add<T>(
    lifetime: ServiceLifetime,
    token: ServiceToken<T>,
    args: readonly unknown[],
  ): this {
    const where = `add${lifetime[0].toUpperCase()}${lifetime.slice(1)}()`;
    assertToken(token, where);
    const made = toFactory(where, lifetime, token, args);
    this.#descriptors.push(Object.freeze({ token, lifetime, ...made }));
    this.#tokens.add(token);
    return this;
  }
}
