/**
 * `WebHost`: a built application with its server, ready to start, run and
 * stop.
 *
 * @module
 */

import type { Server } from "../server/mod.ts";
import type { ApplicationLifetime } from "./application_lifetime.ts";
import type { Configuration } from "./config/mod.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import type { WebHostStopOptions } from "./host_types.ts";

export type {
  ConfigureApp,
  HostSetting,
  WebHostBuilderContext,
  WebHostStopOptions,
} from "./host_types.ts";

/**
 * A built application and its server (`IWebHost`). Only
 * `WebHostBuilder.build()` (or `createDefaultBuilder(args).build()`) makes
 * one: what a builder hands its host is internal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * await using host = new WebHostBuilder()
 *   .useUrls("http://127.0.0.1:0")
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => app.run(() => new Response("hi")))
 *   .build();
 * await host.start();
 * assert.equal(await (await fetch(host.addresses[0])).text(), "hi");
 * ```
 */
export interface WebHost extends AsyncDisposable {
  /**
   * The server. One given to `useServer` is there from the start; the
   * default `DenoServer` is made when the host starts.
   *
   * @throws {TypeError} When asked before the server was made.
   */
  readonly server: Server;

  /**
   * The app configuration, once the host has started (or answered a
   * `fetch`).
   *
   * @throws {TypeError} When asked before it was built.
   */
  readonly configuration: Configuration;

  /** The hosting environment. */
  readonly environment: HostingEnvironment;

  /** Started / stopping / stopped events, and `stopApplication()`. */
  readonly lifetime: ApplicationLifetime;

  /** The addresses the server listens on (real ports once started). */
  readonly addresses: string[];

  /**
   * Reads a host setting.
   *
   * @param key The setting's key, any case.
   * @returns The value, or `undefined` when it is not set.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WebHostBuilder } from "../mod.ts";
   *
   * const host = new WebHostBuilder().useSetting("Greeting", "hi").build();
   * assert.equal(host.getSetting("greeting"), "hi");
   * assert.equal(host.getSetting("missing"), undefined);
   * ```
   */
  getSetting(key: string): string | undefined;

  /**
   * Builds the pipeline and starts the server. Prints the status lines unless
   * `suppressStatusMessages` is set. Every host setting and the `Server`
   * configuration section are checked first, before anything binds.
   *
   * @throws {ConfigurationError} When a host setting (`--shutdownTimeoutSeconds
   * abc`, `ROOST_SUPPRESSSTATUSMESSAGES=maybe`) or a `Server` section value
   * is invalid; the message names the key, the value, where it came from and
   * the valid form. `captureStartupErrors` does not capture these.
   * @throws When the pipeline cannot be built (and `captureStartupErrors`
   * is off) or the server cannot bind.
   */
  start(): Promise<void>;

  /**
   * The shutdown timeout in **milliseconds**, read from the
   * `shutdownTimeoutSeconds` setting (in seconds; `useShutdownTimeout` takes
   * milliseconds). Default 30,000 ms.
   *
   * @throws {ConfigurationError} When the setting is not a number of seconds
   * (`start()` checks it first, so a started host never throws here).
   */
  readonly shutdownTimeout: number;

  /**
   * Stops gracefully: `lifetime.stopping` fires, the server stops taking
   * requests and drains those in flight for up to the shutdown timeout, then
   * cancels the rest; `lifetime.stopped` fires. Called while `start()` is
   * still running, it waits for the start to finish (or fail) and then
   * stops, so the host never serves once `stop()` has resolved.
   *
   * @param options A signal that ends the graceful part early.
   */
  stop(options?: WebHostStopOptions): Promise<void>;

  /**
   * True when a hosted service failed (to start, to stop, or by throwing
   * from `execute` with the default "stopHost" behaviour): `run()` then
   * resolves to exit code 1.
   */
  readonly failed: boolean;

  /**
   * Starts, waits for SIGINT or SIGTERM (or `lifetime.stopApplication()`),
   * then stops gracefully. A second signal during the stop cancels what is
   * still running at once. While it runs, a promise rejection nobody handled
   * is logged instead of ending the process. A start that fails (a port in
   * use, an invalid setting, a malformed route template) is logged as one
   * Critical line through the host's logging, naming the app's line that
   * caused it, and sets `Deno.exitCode` to 1.
   *
   * @returns The exit code: 0, or 1 when the start or a hosted service
   * failed.
   */
  run(): Promise<number>;

  /**
   * Runs a request through the app in memory, without the network. Works
   * before `start()` too. An own property, so that a host is a valid
   * `deno serve` default export (`export default host`): given the
   * `info` Deno.serve passes instead of `init`, the request comes from
   * that peer.
   *
   * @param input A URL (relative to `http://localhost`) or a `Request`.
   * @param init Request options, as for `fetch`; or `Deno.serve`'s
   * handler info.
   * @returns The app's response.
   */
  readonly fetch: (
    input: string | URL | Request,
    init?: RequestInit | Deno.ServeHandlerInfo<Deno.Addr>,
  ) => Promise<Response>;

  /** Stops the host. */
  [Symbol.asyncDispose](): Promise<void>;
}
