/**
 * `ServiceProvider`: resolves services by token, caches them by lifetime,
 * checks scopes and cycles, and disposes of what it made.
 *
 * @module
 */

import type { ServiceResolver, ServiceToken } from "../../features/mod.ts";
import { disposeInReverse, isDisposable, type Owned } from "./_disposal.ts";
import {
  circularDependency,
  disposedProvider,
  missingService,
  scopedFromRoot,
} from "./_errors.ts";
import { tokenName } from "./_tokens.ts";

/**
 * How long a service lives: one for the app (`singleton`), one per scope, that
 * is per request (`scoped`), or a new one each time it is asked for
 * (`transient`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, type ServiceLifetime } from "./mod.ts";
 *
 * class Unit {}
 * const collection = new ServiceCollection().addScoped(Unit);
 * const lifetime: ServiceLifetime = [...collection][0].lifetime;
 * assert.equal(lifetime, "scoped");
 * const services = collection.build();
 * await using a = services.createScope();
 * await using b = services.createScope();
 * assert.equal(a.services.get(Unit), a.services.get(Unit)); // one per scope…
 * assert.notEqual(a.services.get(Unit), b.services.get(Unit)); // …each its own
 * ```
 */
export type ServiceLifetime = "singleton" | "scoped" | "transient";

/**
 * Makes a service. Factories are synchronous because resolution is: a
 * request's middleware calls `ctx.requestServices.get(…)` inline, and an async
 * factory would make every look-up a promise. Do async set-up in a hosted
 * service's `start`, or register a promise and await it where it is used.
 *
 * @typeParam T The service's type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, type ServiceFactory } from "./mod.ts";
 *
 * class Clock {
 *   now(): number {
 *     return 0;
 *   }
 * }
 * const makeClock: ServiceFactory<Clock> = () => new Clock();
 * const services = new ServiceCollection().addSingleton(Clock, makeClock).build();
 * assert.equal(services.get(Clock)?.now(), 0);
 * ```
 */
export type ServiceFactory<T> = (provider: ServiceProvider) => T;

/**
 * A class a service can be made from: constructed with the provider as its
 * one argument, which a constructor without parameters ignores.
 *
 * @typeParam T The service's type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, type ServiceClass, ServiceProvider } from "./mod.ts";
 *
 * class Clock {}
 * class Report {
 *   readonly clock: Clock;
 *   constructor(services: ServiceProvider) {
 *     this.clock = services.getRequired(Clock, "Report");
 *   }
 * }
 * const make: ServiceClass<Report> = Report;
 * const services = new ServiceCollection().addSingleton(Clock).addTransient(make).build();
 * assert.ok(services.get(Report)?.clock instanceof Clock);
 * ```
 */
export type ServiceClass<T> = new (provider: ServiceProvider) => T;

/**
 * One registration, as {@linkcode ServiceCollection} lists it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection } from "./mod.ts";
 *
 * class Clock {}
 * const [descriptor] = new ServiceCollection().addTransient(Clock);
 * assert.equal(descriptor.token, Clock);
 * assert.equal(descriptor.lifetime, "transient");
 * ```
 */
export interface ServiceDescriptor {
  /** The token the service is resolved by. */
  readonly token: ServiceToken<unknown>;
  /** How long an instance lives. */
  readonly lifetime: ServiceLifetime;
  /** Makes the service; absent when an instance was registered. */
  readonly factory?: ServiceFactory<unknown>;
  /** The registered instance (a singleton), when there is no factory. */
  readonly instance?: unknown;
}

/**
 * A scope: its {@linkcode ServiceProvider} caches scoped services, and
 * disposing of the scope disposes of what it made. The host makes one per
 * request (`ctx.requestServices`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection } from "./mod.ts";
 *
 * class Unit {}
 * const root = new ServiceCollection().addScoped(Unit).build();
 * await using scope = root.createScope();
 * assert.equal(scope.services.get(Unit), scope.services.get(Unit));
 * ```
 */
export interface ServiceScope extends AsyncDisposable {
  /** Resolves services in this scope. */
  readonly services: ServiceProvider;
}

/** How {@linkcode ServiceCollection.build} checks lifetimes. */
export interface ServiceProviderOptions {
  /**
   * Refuse to resolve a scoped service from the root provider, or into a
   * singleton (a captive dependency). Without the check such a service
   * silently lives as long as the app, shared across requests.
   *
   * @default {true}
   */
  validateScopes?: boolean;
}

interface Shared {
  readonly registry: ReadonlyMap<ServiceToken<unknown>, ServiceDescriptor>;
  readonly validateScopes: boolean;
  /** The registrations being made right now, outermost first. */
  readonly resolving: ServiceDescriptor[];
  readonly root: ServiceProvider;
}

// Set by createScope just before it constructs a scope's provider, so the
// public constructor stays the root's.
let scopeOf: Shared | undefined;

/**
 * Resolves services (`IServiceProvider`). The root provider, made by
 * {@linkcode ServiceCollection.build}, caches singletons; each scope's
 * provider caches scoped services; transients are made on every call. A
 * provider disposes of the disposable services it made (never instances
 * registered as values) when it is disposed, last made first.
 *
 * `get(ServiceProvider)` returns the provider asked: the scope's in a scoped
 * factory, the root's in a singleton's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, ServiceProvider, serviceKey } from "./mod.ts";
 *
 * const events: string[] = [];
 * class Db implements AsyncDisposable {
 *   async [Symbol.asyncDispose](): Promise<void> {
 *     events.push("closed");
 *   }
 * }
 * const Greeting = serviceKey<string>("Greeting");
 * await using services = new ServiceCollection()
 *   .addSingleton(Greeting, "hello")
 *   .addScoped(Db)
 *   .build();
 * assert.equal(services.getRequired(Greeting), "hello");
 * {
 *   await using scope = services.createScope();
 *   scope.services.getRequired(Db);
 *   assert.equal(scope.services.get(ServiceProvider), scope.services);
 * } // the scope closes its Db here
 * assert.deepEqual(events, ["closed"]);
 * ```
 */
export class ServiceProvider implements ServiceResolver, ServiceScope {
  readonly #shared: Shared;
  // Both made on first use: a scope no one resolves from costs one object.
  #instances: Map<ServiceDescriptor, unknown> | undefined;
  #owned: Owned[] | undefined;
  #disposal: Promise<void> | undefined;

  /**
   * Makes a root provider. {@linkcode ServiceCollection.build} is the usual
   * way.
   *
   * @param descriptors The registrations; for a token registered twice, the
   * last wins.
   * @param options Whether to check lifetimes.
   */
  constructor(
    descriptors: Iterable<ServiceDescriptor> = [],
    options: ServiceProviderOptions = {},
  ) {
    const parent = scopeOf;
    scopeOf = undefined;
    if (parent !== undefined) {
      this.#shared = parent;
      return;
    }
    const registry = new Map<ServiceToken<unknown>, ServiceDescriptor>();
    for (const descriptor of descriptors) {
      registry.set(descriptor.token, descriptor);
    }
    this.#shared = {
      registry,
      validateScopes: options.validateScopes ?? true,
      resolving: [],
      root: this,
    };
  }

  /** This provider: a scope's provider is the scope itself. */
  get services(): ServiceProvider {
    return this;
  }

  /** Whether this is the root provider rather than a scope's. */
  get isRoot(): boolean {
    return this.#shared.root === this;
  }

  /**
   * Resolves a service.
   *
   * @typeParam T The service's type.
   * @param token The class or key it was registered under.
   * @returns The service, or `undefined` when none is registered.
   * @throws {TypeError} When the provider was disposed, when a scoped
   * service is asked of the root provider or by a singleton, or when
   * factories depend on each other in a cycle; each message names the chain.
   */
  get<T>(token: ServiceToken<T>): T | undefined {
    this.#assertLive(token);
    if (token === ServiceProvider) return this as unknown as T;
    const descriptor = this.#shared.registry.get(token);
    return descriptor === undefined
      ? undefined
      : this.#resolve(descriptor) as T;
  }

  /**
   * Resolves a service that must be registered.
   *
   * @typeParam T The service's type.
   * @param token The class or key it was registered under.
   * @param requestedBy Who needs it, for the error message; inside a factory
   * the service being made is named without it.
   * @returns The service.
   * @throws {TypeError} When none is registered, naming the token, who asked,
   * and how to register it; and as {@linkcode ServiceProvider.get} throws.
   */
  getRequired<T>(token: ServiceToken<T>, requestedBy?: string): T {
    const found = this.get(token);
    if (found !== undefined || this.#shared.registry.has(token)) {
      return found as T;
    }
    const stack = this.#shared.resolving;
    const asker = requestedBy ??
      (stack.length > 0 ? tokenName(stack[stack.length - 1].token) : undefined);
    const name = tokenName(token);
    const namesake = [...this.#shared.registry.keys()].some((other) =>
      other !== token && tokenName(other) === name
    );
    throw missingService(token, asker, namesake);
  }

  /**
   * Makes a scope: cheap (one object), since the host makes one per request
   * on first use. Scopes made from a scope are siblings, not children.
   *
   * @returns The scope; dispose of it to dispose of its services.
   */
  createScope(): ServiceScope {
    scopeOf = this.#shared;
    return new ServiceProvider();
  }

  /**
   * Disposes of the services this provider made, last made first, calling
   * `Symbol.asyncDispose` (awaited) or else `Symbol.dispose`. Every one is
   * disposed even when some throw. Later calls return the first call's
   * promise; resolving afterwards throws.
   *
   * @throws {AggregateError} After all ran, when any disposal threw.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#disposal ??= this.#disposeAll();
  }

  #assertLive(token: ServiceToken<unknown>): void {
    const root = this.#shared.root;
    if (this.#disposal === undefined && root.#disposal === undefined) return;
    throw disposedProvider(
      token,
      this.#disposal !== undefined && this !== root,
    );
  }

  #resolve(descriptor: ServiceDescriptor): unknown {
    const factory = descriptor.factory;
    if (factory === undefined) return descriptor.instance;
    switch (descriptor.lifetime) {
      case "singleton":
        return this.#shared.root.#cached(descriptor, factory);
      case "scoped":
        this.#checkScope(descriptor);
        return this.#cached(descriptor, factory);
      case "transient":
        return this.#create(descriptor, factory);
    }
  }

  #cached(
    descriptor: ServiceDescriptor,
    factory: ServiceFactory<unknown>,
  ): unknown {
    const instances = this.#instances ??= new Map();
    const found = instances.get(descriptor);
    if (found !== undefined || instances.has(descriptor)) return found;
    const made = this.#create(descriptor, factory);
    instances.set(descriptor, made);
    return made;
  }

  #create(
    descriptor: ServiceDescriptor,
    factory: ServiceFactory<unknown>,
  ): unknown {
    const stack = this.#shared.resolving;
    const name = tokenName(descriptor.token);
    const start = stack.indexOf(descriptor);
    if (start !== -1) throw circularDependency(this.#names(), start);
    stack.push(descriptor);
    let made: unknown;
    try {
      made = factory(this);
    } finally {
      stack.pop();
    }
    if (isDisposable(made) && !(made instanceof ServiceProvider)) {
      (this.#owned ??= []).push({ instance: made, name });
    }
    return made;
  }

  #checkScope(descriptor: ServiceDescriptor): void {
    const shared = this.#shared;
    if (!shared.validateScopes || shared.root !== this) return;
    const captor = shared.resolving.findLast((d) => d.lifetime === "singleton");
    throw scopedFromRoot(
      [...this.#names(), tokenName(descriptor.token)],
      captor === undefined ? undefined : tokenName(captor.token),
    );
  }

  #names(): string[] {
    return this.#shared.resolving.map((d) => tokenName(d.token));
  }

  #disposeAll(): Promise<void> {
    const owned = this.#owned ?? [];
    this.#owned = undefined;
    this.#instances = undefined;
    return disposeInReverse(owned);
  }
}
