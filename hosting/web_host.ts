/**
 * `WebHost`: a built application with its server, ready to start, run and
 * stop.
 *
 * @module
 */

import { ServerAddressesFeature } from "../features/mod.ts";
import { parseEndpointUrls, type Server, TestServer } from "../server/mod.ts";
import { ApplicationLifetime } from "./application_lifetime.ts";
import type { Configuration } from "./config/mod.ts";
import { HostSettings, parseBooleanSetting } from "./host_settings.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import type { WebHostOptions, WebHostStopOptions } from "./host_types.ts";
import type { Logger } from "./logging/mod.ts";
import { getDefaultLoggerFactory } from "./logging/logger_factory.ts";
import { initialize, type Initialized } from "./_host_initializer.ts";
import { shutdownTimeoutMilliseconds } from "./_host_settings_check.ts";

export type {
  ConfigureApp,
  HostSetting,
  WebHostBuilderContext,
  WebHostOptions,
  WebHostStopOptions,
} from "./host_types.ts";

const DEFAULT_SHUTDOWN_SECONDS = 30;

/**
 * A built application and its server (`IWebHost`). Make one with
 * `WebHostBuilder.build()`.
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
export class WebHost implements AsyncDisposable {
  readonly #options: WebHostOptions;
  readonly #environment: HostingEnvironment;
  readonly #lifetime = new ApplicationLifetime();
  readonly #force = new AbortController();
  #initialized: Promise<Initialized> | undefined;
  #ready: Initialized | undefined;
  #memory: Promise<TestServer> | undefined;
  #state: "new" | "starting" | "started" | "stopping" | "stopped" = "new";
  #stopped: Promise<void> | undefined;
  #starting: Promise<void> | undefined;
  #failed = false;

  /**
   * Prefer `WebHostBuilder.build()`.
   *
   * @param options Settings, environment, server, configuration and pipeline.
   */
  constructor(options: WebHostOptions) {
    this.#options = options;
    this.#environment = options.environment;
  }

  /**
   * The server. One given to `useServer` is there from the start; the
   * default `DenoServer` is made when the host starts.
   *
   * @throws {TypeError} When asked before the server was made.
   */
  get server(): Server {
    const server = this.#ready?.server ?? this.#options.server;
    if (server === undefined || typeof server === "function") {
      throw new TypeError(
        "The host makes its server when it starts: call start() (or fetch()) first",
      );
    }
    return server;
  }

  /**
   * The app configuration, once the host has started (or answered a
   * `fetch`).
   *
   * @throws {TypeError} When asked before it was built.
   */
  get configuration(): Configuration {
    if (this.#ready === undefined) {
      throw new TypeError(
        "The configuration is built when the host starts: call start() (or fetch()) first",
      );
    }
    return this.#ready.configuration;
  }

  /** The hosting environment. */
  get environment(): HostingEnvironment {
    return this.#environment;
  }

  /** Started / stopping / stopped events, and `stopApplication()`. */
  get lifetime(): ApplicationLifetime {
    return this.#lifetime;
  }

  /** The addresses the server listens on (real ports once started). */
  get addresses(): string[] {
    const server = this.#ready?.server ?? this.#options.server;
    if (server === undefined || typeof server === "function") return [];
    return [...(server.features.get(ServerAddressesFeature)?.addresses ?? [])];
  }

  /**
   * Reads a host setting.
   *
   * @param key The setting's key, any case.
   */
  getSetting(key: string): string | undefined {
    return this.#options.settings.get(key.toLowerCase())?.value;
  }

  #flag(key: string): boolean | undefined {
    return parseBooleanSetting(key, this.getSetting(key));
  }

  #logger(category: string): Logger {
    return (this.#ready?.loggerFactory ?? getDefaultLoggerFactory())
      .createLogger(category);
  }

  #status(message: string): void {
    if (!this.#flag(HostSettings.suppressStatusMessages)) {
      this.#logger("Roost.Hosting.Lifetime").information(message);
    }
  }

  #initialize(): Promise<Initialized> {
    return this.#initialized ??= initialize(this.#options, this.#lifetime).then(
      (ready) => {
        this.#ready = ready;
        this.#logSettingSources();
        return ready;
      },
      (error) => {
        this.#initialized = undefined;
        throw error;
      },
    );
  }

  // At Debug level (Logging:LogLevel:Default or :Roost.Hosting), say where
  // every host setting came from.
  #logSettingSources(): void {
    if (!this.#logger("Roost.Hosting").isEnabled("debug")) return;
    const logger = this.#logger("Roost.Hosting");
    for (const [key, setting] of this.#options.settings) {
      // A template: a value with braces in it is never read as one.
      logger.debug('Host setting {key} = "{value}" (from {source})', {
        key,
        value: setting.value,
        source: setting.source,
      });
    }
  }

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
  async start(): Promise<void> {
    if (this.#state !== "new") {
      throw new TypeError(
        `The host cannot start: it is ${this.#state} (a host starts once)`,
      );
    }
    this.#state = "starting";
    this.#starting = this.#start();
    await this.#starting;
  }

  async #start(): Promise<void> {
    try {
      const { application, server, hostedServices } = await this.#initialize();
      const addresses = server.features.get(ServerAddressesFeature);
      const urls = this.getSetting(HostSettings.urls);
      if (addresses !== undefined) {
        if (urls !== undefined && urls.trim() !== "") {
          const parsed = parseEndpointUrls(urls).map((e) => e.url);
          addresses.addresses.splice(0, Infinity, ...parsed);
        }
        addresses.preferHostingUrls =
          this.#flag(HostSettings.preferHostingUrls) ?? false;
      }
      // Hosted services first, the server last: by "Application started"
      // everything the app needs is running.
      await hostedServices.start(this.#lifetime.stopping);
      try {
        await server.start(application);
      } catch (error) {
        await hostedServices.stop(AbortSignal.timeout(this.shutdownTimeout))
          .catch(() => {});
        throw error;
      }
    } catch (error) {
      this.#state = "new";
      // Reloading configuration watches files: a failed start must not leave
      // the process alive for them. A later start builds everything again.
      this.#ready?.configuration[Symbol.dispose]();
      this.#ready = this.#initialized = undefined;
      throw error;
    }
    this.#state = "started";
    for (const address of this.addresses) {
      this.#status(`Now listening on: ${address}`);
    }
    this.#status("Application started. Press Ctrl+C to shut down.");
    this.#status(`Hosting environment: ${this.#environment.name}`);
    this.#status(`Content root path: ${this.#environment.contentRootPath}`);
    this.#lifetime.notifyStarted();
    const onStopping = () => {
      if (this.#state === "started") this.stop().catch(() => {});
    };
    // stopApplication() may have been called while the host was starting.
    if (this.#lifetime.stopping.aborted) onStopping();
    else {
      this.#lifetime.stopping.addEventListener("abort", onStopping, {
        once: true,
      });
    }
  }

  /**
   * The shutdown timeout in **milliseconds**, read from the
   * `shutdownTimeoutSeconds` setting (in seconds; `useShutdownTimeout` takes
   * milliseconds). Default 30,000 ms.
   *
   * @throws {ConfigurationError} When the setting is not a number of seconds
   * (`start()` checks it first, so a started host never throws here).
   */
  get shutdownTimeout(): number {
    return shutdownTimeoutMilliseconds(
      this.#options.settings.get(
        HostSettings.shutdownTimeoutSeconds.toLowerCase(),
      ),
      DEFAULT_SHUTDOWN_SECONDS * 1000,
    );
  }

  /**
   * Stops gracefully: `lifetime.stopping` fires, the server stops taking
   * requests and drains those in flight for up to the shutdown timeout, then
   * cancels the rest; `lifetime.stopped` fires. Called while `start()` is
   * still running, it waits for the start to finish (or fail) and then
   * stops, so the host never serves once `stop()` has resolved.
   *
   * @param options A signal that ends the graceful part early.
   */
  stop(options: WebHostStopOptions = {}): Promise<void> {
    if (this.#state === "starting") {
      // Wait for the start to finish (or fail), then stop what it started:
      // the host never serves after a stop() resolved.
      const starting = this.#starting ?? Promise.resolve();
      return starting.then(() => {}, () => {}).then(() => this.stop(options));
    }
    if (this.#state === "new") {
      return this.#memory === undefined
        ? Promise.resolve()
        : this.#stopMemory();
    }
    return this.#stopped ??= this.#stop(options.signal);
  }

  async #stopMemory(): Promise<void> {
    const memory = await this.#memory;
    this.#memory = undefined;
    await memory?.stop();
    try {
      await this.#ready?.services[Symbol.asyncDispose]();
    } catch (error) {
      this.#logger("Roost.Hosting").error("Disposing services failed", {
        error,
      });
    }
    // File watchers of reloading configuration would keep the process alive.
    this.#ready?.configuration[Symbol.dispose]();
    await this.#ready?.loggerFactory[Symbol.asyncDispose]();
  }

  /**
   * True when a hosted service failed (to start, to stop, or by throwing
   * from `execute` with the default "stopHost" behaviour): `run()` then
   * resolves to exit code 1.
   */
  get failed(): boolean {
    return this.#failed || (this.#ready?.hostedServices.failed ?? false);
  }

  async #stop(signal: AbortSignal | undefined): Promise<void> {
    this.#state = "stopping";
    this.#status("Application is shutting down...");
    this.#lifetime.notifyStopping();
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(new DOMException("Shutdown timeout", "TimeoutError")),
      this.shutdownTimeout,
    );
    const signals = [this.#force.signal, ...(signal ? [signal] : [])];
    const forward = () => deadline.abort("stop forced");
    for (const s of signals) {
      if (s.aborted) forward();
      else s.addEventListener("abort", forward, { once: true });
    }
    try {
      // The order of ASP.NET's host: stopping, the server drains, hosted
      // services stop, services are disposed, stopped.
      await this.#ready?.server.stop({ signal: deadline.signal });
      try {
        await this.#ready?.hostedServices.stop(deadline.signal);
      } catch (error) {
        this.#failed = true;
        this.#logger("Roost.Hosting").error("Hosted services failed to stop", {
          error,
        });
      }
      await this.#stopMemory();
    } finally {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener("abort", forward);
      this.#state = "stopped";
      this.#lifetime.notifyStopped();
    }
  }

  /**
   * Starts, waits for SIGINT or SIGTERM (or `lifetime.stopApplication()`),
   * then stops gracefully. A second signal during the stop cancels what is
   * still running at once. While it runs, a promise rejection nobody handled
   * is logged instead of ending the process.
   *
   * @returns The exit code: 0, or 1 when a hosted service failed.
   */
  async run(): Promise<number> {
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      this.#logger("Roost.Hosting").error(
        "An unhandled promise rejection was ignored",
        { error: event.reason },
      );
    };
    globalThis.addEventListener("unhandledrejection", onRejection);
    const signals: Deno.Signal[] = Deno.build.os === "windows"
      ? ["SIGINT", "SIGBREAK"]
      : ["SIGINT", "SIGTERM"];
    const onSignal = () => {
      if (this.#lifetime.stopping.aborted) this.#force.abort("second signal");
      else this.#lifetime.stopApplication();
    };
    try {
      // Listen before start() prints "Application started": a signal sent
      // right after that line must stop the host, not kill the process.
      for (const signal of signals) Deno.addSignalListener(signal, onSignal);
      await this.start();
      await new Promise<void>((resolve) => {
        if (this.#lifetime.stopping.aborted) resolve();
        this.#lifetime.stopping.addEventListener("abort", () => resolve(), {
          once: true,
        });
      });
      await this.stop();
      return this.failed ? 1 : 0;
    } finally {
      for (const signal of signals) {
        try {
          Deno.removeSignalListener(signal, onSignal);
        } catch {
          // never added: start() failed
        }
      }
      globalThis.removeEventListener("unhandledrejection", onRejection);
    }
  }

  /**
   * Runs a request through the app in memory, without the network. Works
   * before `start()` too.
   *
   * @param input A URL (relative to `http://localhost`) or a `Request`.
   * @param init Request options, as for `fetch`.
   * @returns The app's response.
   */
  async fetch(
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response> {
    const memory = await (this.#memory ??= (async () => {
      const server = new TestServer();
      await server.start((await this.#initialize()).application);
      return server;
    })());
    return await memory.fetch(input, init);
  }

  /** Stops the host. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
