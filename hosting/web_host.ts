/**
 * `WebHost`: a built application with its server, ready to start, run and
 * stop.
 *
 * @module
 */

import { type HttpContext, ServerAddressesFeature } from "../features/mod.ts";
import { parseEndpointUrls, type Server, TestServer } from "../server/mod.ts";
import {
  ApplicationBuilder,
  type RequestDelegate,
} from "./application_builder.ts";
import { ApplicationLifetime } from "./application_lifetime.ts";
import { HostSettings, parseBooleanSetting } from "./host_settings.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import {
  HostingApplication,
  writeErrorResponse,
} from "./_hosting_application.ts";

/** What `configure` callbacks receive besides the application builder. */
export interface WebHostBuilderContext {
  /** The hosting environment. */
  readonly environment: HostingEnvironment;
  /**
   * Reads a host setting.
   *
   * @param key The setting's key, any case.
   */
  getSetting(key: string): string | undefined;
}

/**
 * Builds the request pipeline. A returned promise is awaited; any other
 * return value (such as the builder itself) is ignored.
 */
export type ConfigureApp = (
  app: ApplicationBuilder,
  context: WebHostBuilderContext,
) => unknown;

/** What `WebHostBuilder.build()` hands a `WebHost`. */
export interface WebHostOptions {
  /** The server to run on. */
  server: Server;
  /** The host settings, keys lower-cased. */
  settings: ReadonlyMap<string, string>;
  /** The hosting environment. */
  environment: HostingEnvironment;
  /** Builds the pipeline. */
  configure: ConfigureApp | undefined;
}

/** Options for {@linkcode WebHost.stop}. */
export interface WebHostStopOptions {
  /**
   * Aborting it ends the graceful stop early, as the shutdown timeout would.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

const DEFAULT_SHUTDOWN_SECONDS = 30;

function status(line: string): void {
  console.log(line);
}

/**
 * A built application and its server (`IWebHost`). Make one with
 * `WebHostBuilder.build()`.
 *
 * @example
 * ```ts
 * import { WebHostBuilder } from "../mod.ts";
 *
 * await using host = new WebHostBuilder()
 *   .useUrls("http://127.0.0.1:0")
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => app.run(() => new Response("hi")))
 *   .build();
 * await host.start();
 * console.log(await (await fetch(host.addresses[0])).text()); // "hi"
 * ```
 */
export class WebHost implements AsyncDisposable {
  readonly #server: Server;
  readonly #settings: ReadonlyMap<string, string>;
  readonly #environment: HostingEnvironment;
  readonly #configure: ConfigureApp | undefined;
  readonly #lifetime = new ApplicationLifetime();
  readonly #force = new AbortController();
  #application: Promise<HostingApplication> | undefined;
  #memory: Promise<TestServer> | undefined;
  #state: "new" | "starting" | "started" | "stopping" | "stopped" = "new";
  #stopped: Promise<void> | undefined;

  /**
   * Prefer `WebHostBuilder.build()`.
   *
   * @param options The server, settings, environment and pipeline.
   */
  constructor(options: WebHostOptions) {
    this.#server = options.server;
    this.#settings = options.settings;
    this.#environment = options.environment;
    this.#configure = options.configure;
  }

  /** The server the host runs on. */
  get server(): Server {
    return this.#server;
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
    return [
      ...(this.#server.features.get(ServerAddressesFeature)?.addresses ?? []),
    ];
  }

  /**
   * Reads a host setting.
   *
   * @param key The setting's key, any case.
   */
  getSetting(key: string): string | undefined {
    return this.#settings.get(key.toLowerCase());
  }

  #flag(key: string): boolean | undefined {
    return parseBooleanSetting(key, this.getSetting(key));
  }

  get #detailedErrors(): boolean {
    return this.#flag(HostSettings.detailedErrors) ??
      this.#environment.isDevelopment();
  }

  #logRequestError = (ctx: HttpContext, error: unknown): void => {
    console.error(
      `fail: Roost.Hosting.Diagnostics: An unhandled exception was thrown while processing request ${ctx.traceIdentifier} (${ctx.request.method} ${ctx.request.pathBase}${ctx.request.path}):`,
      error,
    );
  };

  #buildApplication(): Promise<HostingApplication> {
    return this.#application ??= (async () => {
      const detailed = this.#detailedErrors;
      let pipeline: RequestDelegate;
      try {
        const app = new ApplicationBuilder(this.#server.features);
        await (this.#configure?.(app, {
          environment: this.#environment,
          getSetting: (key) => this.getSetting(key),
        }));
        pipeline = app.build();
      } catch (error) {
        if (!this.#flag(HostSettings.captureStartupErrors)) {
          this.#application = undefined;
          throw error;
        }
        console.error(
          "crit: Roost.Hosting: The application failed to start; every request will be answered 500:",
          error,
        );
        pipeline = (ctx) => writeErrorResponse(ctx.features, error, detailed);
      }
      return new HostingApplication(pipeline, detailed, this.#logRequestError);
    })();
  }

  /**
   * Builds the pipeline and starts the server. Prints the status lines unless
   * `suppressStatusMessages` is set.
   *
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
    try {
      const application = await this.#buildApplication();
      const addresses = this.#server.features.get(ServerAddressesFeature);
      const urls = this.getSetting(HostSettings.urls);
      if (addresses !== undefined) {
        if (urls !== undefined && urls.trim() !== "") {
          const parsed = parseEndpointUrls(urls).map((e) => e.url);
          addresses.addresses.splice(0, Infinity, ...parsed);
        }
        addresses.preferHostingUrls =
          this.#flag(HostSettings.preferHostingUrls) ?? false;
      }
      await this.#server.start(application);
    } catch (error) {
      this.#state = "new";
      throw error;
    }
    this.#state = "started";
    if (!this.#flag(HostSettings.suppressStatusMessages)) {
      for (const address of this.addresses) {
        status(`Now listening on: ${address}`);
      }
      status("Application started. Press Ctrl+C to shut down.");
      status(`Hosting environment: ${this.#environment.name}`);
      status(`Content root path: ${this.#environment.contentRootPath}`);
    }
    this.#lifetime.notifyStarted();
    this.#lifetime.stopping.addEventListener("abort", () => {
      if (this.#state === "started") this.stop().catch(() => {});
    }, { once: true });
  }

  /** The shutdown timeout in milliseconds. */
  get shutdownTimeout(): number {
    const text = this.getSetting(HostSettings.shutdownTimeoutSeconds);
    if (text === undefined || text === "") {
      return DEFAULT_SHUTDOWN_SECONDS * 1000;
    }
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || seconds < 0) {
      throw new RangeError(
        `Host setting "shutdownTimeoutSeconds" must be a number of seconds of at least 0, got "${text}"`,
      );
    }
    return seconds * 1000;
  }

  /**
   * Stops gracefully: `lifetime.stopping` fires, the server stops taking
   * requests and drains those in flight for up to the shutdown timeout, then
   * cancels the rest; `lifetime.stopped` fires.
   *
   * @param options A signal that ends the graceful part early.
   */
  stop(options: WebHostStopOptions = {}): Promise<void> {
    if (this.#state === "new" || this.#state === "starting") {
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
  }

  async #stop(signal: AbortSignal | undefined): Promise<void> {
    this.#state = "stopping";
    if (!this.#flag(HostSettings.suppressStatusMessages)) {
      status("Application is shutting down...");
    }
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
      await this.#server.stop({ signal: deadline.signal });
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
   */
  async run(): Promise<void> {
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      console.error(
        "fail: Roost.Hosting: An unhandled promise rejection was ignored:",
        event.reason,
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
      await server.start(await this.#buildApplication());
      return server;
    })());
    return await memory.fetch(input, init);
  }

  /** Stops the host. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
