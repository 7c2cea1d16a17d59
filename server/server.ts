/**
 * The contract between a server and the application it runs (ASP.NET's
 * `IServer` and `IHttpApplication<TContext>`).
 *
 * @module
 */

import type { FeatureCollection } from "../features/mod.ts";

/**
 * What a server runs: it makes a context from each request's features,
 * processes it, and disposes of it.
 *
 * @typeParam C The context type the application works with.
 *
 * @example A bare application, with no host
 * ```ts
 * import assert from "node:assert/strict";
 * import { HttpResponseBodyFeature, type HttpApplication, TestServer, type FeatureCollection } from "../mod.ts";
 *
 * const app: HttpApplication<FeatureCollection> = {
 *   createContext: (features) => features,
 *   processRequest: (features) => features.get(HttpResponseBodyFeature)!.complete("bare"),
 *   disposeContext() {},
 * };
 * await using server = new TestServer();
 * await server.start(app);
 * const response = await server.fetch("http://localhost/");
 * assert.equal(await response.text(), "bare");
 * ```
 */
export interface HttpApplication<C> {
  /**
   * Makes the context for one request.
   *
   * @param features The features the server set for the request.
   */
  createContext(features: FeatureCollection): C;
  /**
   * Handles one request. A rejection is answered 500 (or resets the
   * connection when the response had started).
   *
   * @param context The context from `createContext`.
   */
  processRequest(context: C): Promise<void>;
  /**
   * Called once the request is over.
   *
   * @param context The context from `createContext`.
   * @param error What `processRequest` rejected with, if it did.
   */
  disposeContext(context: C, error?: unknown): void;
}

/** Options for {@linkcode Server.start}. */
export interface ServerStartOptions {
  /**
   * Aborting it cancels a start that is still binding.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Options for {@linkcode Server.stop}. */
export interface ServerStopOptions {
  /**
   * The deadline of the graceful stop: when it aborts, requests still running
   * are cancelled. Without it the stop waits for every request.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * A server (ASP.NET's `IServer`): it listens, turns what arrives into
 * features, and runs an {@linkcode HttpApplication} on them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   DenoServer,
 *   type FeatureCollection,
 *   type HttpApplication,
 *   HttpResponseBodyFeature,
 *   type Server,
 *   ServerAddressesFeature,
 *   TestServer,
 * } from "../mod.ts";
 *
 * const app: HttpApplication<FeatureCollection> = {
 *   createContext: (features) => features,
 *   processRequest: (features) => features.get(HttpResponseBodyFeature)!.complete("hi"),
 *   disposeContext() {},
 * };
 * // Any server will do: start it, read where it listens, stop it.
 * async function addressesOf(server: Server): Promise<string[]> {
 *   await server.start(app);
 *   const addresses = [...server.features.get(ServerAddressesFeature)!.addresses];
 *   await server.stop();
 *   return addresses;
 * }
 * assert.deepEqual(await addressesOf(new TestServer()), ["http://localhost"]);
 * const [bound] = await addressesOf(new DenoServer({ urls: "http://127.0.0.1:0" }));
 * assert.match(bound, /^http:\/\/127\.0\.0\.1:[1-9]\d*$/); // port 0 became a real port
 * ```
 */
export interface Server extends AsyncDisposable {
  /** Server-wide features, `ServerAddressesFeature` among them. */
  readonly features: FeatureCollection;
  /**
   * Starts listening and running `app`; resolves once every endpoint is
   * bound.
   *
   * @param app The application to run.
   * @param options A signal to cancel the start.
   */
  start<C>(
    app: HttpApplication<C>,
    options?: ServerStartOptions,
  ): Promise<void>;
  /**
   * Stops gracefully: no new connections, in-flight requests finish. When
   * `options.signal` aborts, what is still running is cancelled.
   *
   * @param options The deadline of the graceful stop.
   */
  stop(options?: ServerStopOptions): Promise<void>;
}
