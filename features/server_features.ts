/**
 * Features that belong to a server or to the application around a request:
 * addresses, per-request items, services and WebSockets.
 *
 * @module
 */

import { type FeatureKey, featureKey } from "./feature_collection.ts";

/**
 * The addresses a server listens on (`IServerAddressesFeature`). Before start
 * they are the addresses asked for; after start, the real ones (port 0
 * resolved to the bound port).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoServer, ServerAddressesFeature } from "../mod.ts";
 *
 * const server = new DenoServer({ urls: "http://127.0.0.1:0" });
 * const addresses = server.features.get(ServerAddressesFeature)?.addresses;
 * assert.deepEqual(addresses, ["http://127.0.0.1:0"]); // not started: as asked
 * ```
 */
export interface ServerAddressesFeature {
  /** The addresses, as URLs (`"http://127.0.0.1:8000"`, `"unix:/run/app.sock"`). */
  readonly addresses: string[];
  /**
   * When true, the host's `urls` win over endpoints configured on the server
   * itself.
   */
  preferHostingUrls: boolean;
}
/** The key of {@linkcode ServerAddressesFeature}. */
export const ServerAddressesFeature: FeatureKey<ServerAddressesFeature> =
  featureKey<ServerAddressesFeature>("ServerAddressesFeature");

/**
 * Where a server reports what no application code can catch: its warnings,
 * errors the app let through, and connection events. A host sets it on its
 * server before the start, as ASP.NET hands Kestrel a logger factory, so a
 * server passed to `useServer()` logs through the host; a server's own
 * `onError`/`onConnectionEvent` options win over it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerReportingFeature, TestServer, WebHostBuilder } from "../mod.ts";
 *
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => app.run((ctx) => ctx.response.send("ok")))
 *   .build();
 * await host.start();
 * assert.equal(typeof server.features.get(ServerReportingFeature)?.onError, "function");
 * await host.stop();
 * ```
 */
export interface ServerReportingFeature {
  /** A warning (`error` undefined) or an error of the server's own. */
  onError(message: string, error?: unknown): void;
  /** A connection accepted or closed (`"debug"`), or closed by a limit. */
  onConnectionEvent?(
    level: "debug" | "information",
    message: string,
    properties: Record<string, unknown>,
  ): void;
}
/** The key of {@linkcode ServerReportingFeature}. */
export const ServerReportingFeature: FeatureKey<ServerReportingFeature> =
  featureKey<ServerReportingFeature>("ServerReportingFeature");

/**
 * A place for middleware to share per-request values (`IItemsFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FeatureCollection, ItemsFeature, WebHostBuilder } from "../mod.ts";
 *
 * function tag(features: FeatureCollection): void {
 *   features.get(ItemsFeature)?.items.set("user", "ada");
 * }
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app
 *       .use((ctx, next) => {
 *         tag(ctx.features);
 *         return next();
 *       })
 *       .run((ctx) => ctx.response.send(`${ctx.items.get("user")}`))
 *   )
 *   .build();
 * assert.equal(await (await host.fetch("http://localhost/")).text(), "ada");
 * ```
 */
export interface ItemsFeature {
  /** The items, keyed by anything. */
  readonly items: Map<unknown, unknown>;
}
/** The key of {@linkcode ItemsFeature}. */
export const ItemsFeature: FeatureKey<ItemsFeature> = featureKey<ItemsFeature>(
  "ItemsFeature",
);

/**
 * A token for a service: a key made by the hosting layer's `serviceKey`, or a
 * class.
 *
 * @typeParam T The service's type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServiceToken } from "../mod.ts";
 *
 * class Clock {
 *   now(): number {
 *     return Date.now();
 *   }
 * }
 * const token: ServiceToken<Clock> = Clock;
 * assert.equal(token.name, "Clock");
 * ```
 */
export type ServiceToken<T> =
  | { readonly name: string; readonly __service?: T }
  | (abstract new (...args: never[]) => T);

/**
 * Something services can be resolved from: the request's scope.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ServiceResolver, ServiceToken } from "../mod.ts";
 *
 * const empty: ServiceResolver = {
 *   get: <T>(_token: ServiceToken<T>): T | undefined => undefined,
 *   getRequired: <T>(token: ServiceToken<T>): T => {
 *     throw new Error(`No service is registered for ${token.name}`);
 *   },
 * };
 * assert.equal(empty.get({ name: "nothing" }), undefined);
 * assert.throws(() => empty.getRequired({ name: "Mailer" }), /Mailer/);
 * ```
 */
export interface ServiceResolver {
  /**
   * Resolves a service.
   *
   * @param token The service's token.
   * @returns The service, or `undefined` when none is registered.
   */
  get<T>(token: ServiceToken<T>): T | undefined;
  /**
   * Resolves a service that must be registered.
   *
   * @param token The service's token.
   * @param requestedBy Who asks, for the error message.
   * @returns The service.
   * @throws {Error} When none is registered; the message names the token
   * and who asked.
   */
  getRequired<T>(token: ServiceToken<T>, requestedBy?: string): T;
}

/**
 * The services of the request's scope (`IServiceProvidersFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   FeatureCollection,
 *   ServiceCollection,
 *   serviceKey,
 *   ServiceProvidersFeature,
 * } from "../mod.ts";
 *
 * const services = (features: FeatureCollection) =>
 *   features.get(ServiceProvidersFeature)?.requestServices;
 * const Greeting = serviceKey<string>("Greeting");
 * const root = new ServiceCollection().addSingleton(Greeting, "hello").build();
 * await using scope = root.createScope();
 * const features = new FeatureCollection();
 * features.set(ServiceProvidersFeature, { requestServices: scope.services });
 * assert.equal(services(features)?.get(Greeting), "hello");
 * ```
 */
export interface ServiceProvidersFeature {
  /** The request's scope. */
  requestServices: ServiceResolver;
}
/** The key of {@linkcode ServiceProvidersFeature}. */
export const ServiceProvidersFeature: FeatureKey<ServiceProvidersFeature> =
  featureKey<ServiceProvidersFeature>("ServiceProvidersFeature");

/** Options for {@linkcode HttpWebSocketFeature.accept}. */
export interface WebSocketAcceptOptions {
  /**
   * The subprotocol to accept, one of those the client offered.
   * @default {undefined}
   */
  protocol?: string;
  /**
   * Seconds between pings that keep the connection alive; 0 turns them off.
   * @default {30}
   */
  idleTimeout?: number;
}

/**
 * Upgrades a request to a WebSocket (`IHttpWebSocketFeature`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) => {
 *       if (!ctx.webSockets.isWebSocketRequest) {
 *         ctx.response.status = 426;
 *         return;
 *       }
 *       const socket = ctx.webSockets.accept();
 *       socket.onmessage = (event) => socket.send(event.data);
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/");
 * assert.equal(response.status, 426);
 * ```
 */
export interface HttpWebSocketFeature {
  /** True when the request asks for a WebSocket upgrade. */
  readonly isWebSocketRequest: boolean;
  /**
   * Accepts the upgrade: the response becomes the `101 Switching Protocols`
   * answer.
   *
   * @param options The subprotocol and keep-alive.
   * @returns The server side of the socket.
   * @throws {HttpError} 426 when the request asks for no upgrade (a plain
   * request to a WebSocket endpoint: the client's mistake), 400 for a
   * malformed handshake, 503 over `maxConcurrentUpgradedConnections`.
   */
  accept(options?: WebSocketAcceptOptions): WebSocket;
}
/** The key of {@linkcode HttpWebSocketFeature}. */
export const HttpWebSocketFeature: FeatureKey<HttpWebSocketFeature> =
  featureKey<HttpWebSocketFeature>("HttpWebSocketFeature");
