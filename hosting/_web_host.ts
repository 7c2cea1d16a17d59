// The host `WebHostBuilder.build()` returns. Private: users see only the
// `WebHost` interface (ASP.NET's internal WebHost behind IWebHost), so the
// options a builder hands it stay free to change.

import { notifyDraining } from "./_draining.ts";
import { ServerAddressesFeature } from "../features/mod.ts";
import {
  parseEndpointUrls,
  type Server,
  type ServerLimits,
  TestServer,
} from "../server/mod.ts";
import { schedule } from "../server/_timers.ts";
import { untilDeadline } from "./services/hosted_service_runner.ts";
import { ApplicationLifetime } from "./application_lifetime.ts";
import type { Configuration } from "./config/mod.ts";
import { HostSettings, parseBooleanSetting } from "./host_settings.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import type { WebHostStopOptions } from "./host_types.ts";
import type { Logger } from "./logging/mod.ts";
import { getDefaultLoggerFactory } from "./logging/logger_factory.ts";
import {
  initialize,
  type Initialized,
  reportThrough,
  type WebHostOptions,
} from "./_host_initializer.ts";
import { shutdownTimeoutMilliseconds } from "./_host_settings_check.ts";
import type { WebHost } from "./web_host.ts";
import {
  delayUnlessAborted,
  describeStartFailure,
  listenForStopSignals,
  logSettingSources,
} from "./_host_run.ts";

const DEFAULT_SHUTDOWN_SECONDS = 30;

/** The one implementation of {@linkcode WebHost}; see there for each member. */
export class WebHostImpl implements WebHost {
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

  // Only WebHostBuilder.build() makes one.
  constructor(options: WebHostOptions) {
    this.#options = options;
    this.#environment = options.environment;
  }

  get server(): Server {
    const server = this.#ready?.server ?? this.#options.server;
    if (server === undefined || typeof server === "function") {
      throw new TypeError(
        "The host makes its server when it starts: call start() (or fetch()) first",
      );
    }
    return server;
  }

  get configuration(): Configuration {
    if (this.#ready === undefined) {
      throw new TypeError(
        "The configuration is built when the host starts: call start() (or fetch()) first",
      );
    }
    return this.#ready.configuration;
  }

  get environment(): HostingEnvironment {
    return this.#environment;
  }

  get lifetime(): ApplicationLifetime {
    return this.#lifetime;
  }

  get addresses(): string[] {
    const server = this.#ready?.server ?? this.#options.server;
    if (server === undefined || typeof server === "function") return [];
    return [...(server.features.get(ServerAddressesFeature)?.addresses ?? [])];
  }

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

  // A worker's supervisor says these, once for all its workers.
  get #isWorker(): boolean {
    return this.getSetting(HostSettings.workerId) !== undefined;
  }

  #status(message: string): void {
    if (!this.#flag(HostSettings.suppressStatusMessages) && !this.#isWorker) {
      this.#logger("Roost.Hosting.Lifetime").information(message);
    }
  }

  #initialize(): Promise<Initialized> {
    return this.#initialized ??= initialize(this.#options, this.#lifetime).then(
      (ready) => {
        this.#ready = ready;
        logSettingSources(
          this.#options.settings,
          this.#logger("Roost.Hosting"),
        );
        return ready;
      },
      (error) => {
        this.#initialized = undefined;
        throw error;
      },
    );
  }

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
      await hostedServices.start(
        this.#lifetime.stopping,
        // A start cancelled or failed stops what it started within the
        // shutdown timeout, or at once on a second signal.
        // Its timer is left to run out, unref'd: a rollback is rare.
        () => this.#shutdownDeadline(undefined, false).signal,
      );
      try {
        await server.start(application);
      } catch (error) {
        await hostedServices.stop(AbortSignal.timeout(this.shutdownTimeout))
          .catch(() => {});
        throw error;
      }
    } catch (error) {
      this.#state = "new";
      // A hosted service that failed to start is the host's failure too,
      // after its services are gone.
      if (this.#ready?.hostedServices.failed) this.#failed = true;
      // Reloading configuration watches files: a failed start must not leave
      // the process alive for them. A later start builds everything again.
      this.#ready?.configuration[Symbol.dispose]();
      this.#ready = this.#initialized = undefined;
      const stopping = this.#lifetime.stopping;
      if (stopping.aborted && error === stopping.reason) {
        throw new DOMException(
          "The host's start was cancelled: the application was asked to stop while it started",
          "AbortError",
        );
      }
      throw error;
    }
    this.#state = "started";
    // A stop asked for during the start follows at once: no "started" line.
    if (!this.#lifetime.stopping.aborted) {
      for (const address of this.addresses) {
        this.#status(`Now listening on: ${address}`);
      }
      this.#status("Application started. Press Ctrl+C to shut down.");
      this.#status(`Hosting environment: ${this.#environment.name}`);
      this.#status(`Content root path: ${this.#environment.contentRootPath}`);
    }
    this.#lifetime.notifyStarted();
    if (this.#isWorker) this.#beginWorkerDuties();
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

  #beginWorkerDuties(): void {
    const logger = this.#logger("Roost.Hosting.Workers");
    import("./workers/_worker_duties.ts").then(({ beginWorkerDuties }) =>
      beginWorkerDuties({
        addresses: this.addresses,
        services: this.#ready!.services,
        logger,
        lifetime: this.#lifetime,
      })
    ).catch((error) => {
      logger.critical("The worker could not report to its supervisor", {
        error,
      });
      this.#lifetime.stopApplication();
    });
  }

  get shutdownTimeout(): number {
    return shutdownTimeoutMilliseconds(
      this.#options.settings.get(
        HostSettings.shutdownTimeoutSeconds.toLowerCase(),
      ),
      DEFAULT_SHUTDOWN_SECONDS * 1000,
    );
  }

  /** The `shutdownDelaySeconds` setting, in milliseconds (default 0). */
  get #shutdownDelay(): number {
    return shutdownTimeoutMilliseconds(
      this.#options.settings.get(
        HostSettings.shutdownDelaySeconds.toLowerCase(),
      ),
      0,
      HostSettings.shutdownDelaySeconds,
    );
  }

  stop(options: WebHostStopOptions = {}): Promise<void> {
    // A second call waits for the first stop, whatever state it began in.
    if (this.#stopped !== undefined) return this.#stopped;
    if (this.#state === "starting") {
      // Cancel what the start still waits on (hosted services' starts get
      // the stopping signal, as on SIGTERM), let it finish or fail, then
      // stop what it started: the host never serves after stop() resolved.
      this.#lifetime.stopApplication();
      const starting = this.#starting ?? Promise.resolve();
      return this.#stopped = starting.then(() => {}, () => {}).then(() => {
        if (this.#state !== "new") return this.#stop(options.signal);
        // The start was cancelled or failed: nothing serves, and nothing
        // will.
        this.#state = "stopped";
        this.#lifetime.notifyStopped();
        return this.#stopMemoryWithin(options.signal);
      });
    }
    if (this.#state === "new") {
      if (this.#memory === undefined) return Promise.resolve();
      // Its services are disposed: it cannot serve again.
      this.#state = "stopped";
      return this.#stopped = this.#stopMemoryWithin(options.signal);
    }
    return this.#stopped = this.#stop(options.signal);
  }

  // The in-memory server's stop, within the shutdown timeout.
  async #stopMemoryWithin(signal: AbortSignal | undefined): Promise<void> {
    using deadline = this.#shutdownDeadline(signal);
    await this.#stopMemory(deadline.signal);
  }

  // Aborts when the shutdown timeout has passed from now, or at once on a
  // second signal or the caller's own.
  #shutdownDeadline(
    signal: AbortSignal | undefined,
    ref = true,
  ): { signal: AbortSignal } & Disposable {
    const deadline = new AbortController();
    const timer = schedule(
      () =>
        deadline.abort(new DOMException("Shutdown timeout", "TimeoutError")),
      this.shutdownTimeout,
      { ref },
    );
    const signals = [this.#force.signal, ...(signal ? [signal] : [])];
    const forward = () => deadline.abort("stop forced");
    for (const s of signals) {
      if (s.aborted) forward();
      else s.addEventListener("abort", forward, { once: true });
    }
    return {
      signal: deadline.signal,
      [Symbol.dispose]() {
        timer.cancel();
        for (const s of signals) s.removeEventListener("abort", forward);
      },
    };
  }

  async #stopMemory(signal: AbortSignal): Promise<void> {
    const memory = await this.#memory;
    this.#memory = undefined;
    await memory?.stop({ signal });
    const services = this.#ready?.services;
    try {
      // Bounded by the shutdown deadline, as hosted services' stops are: a
      // singleton whose dispose never returns must not keep the process.
      if (services !== undefined) {
        await untilDeadline(
          services[Symbol.asyncDispose](),
          signal,
          "finish",
          "make the services' [Symbol.asyncDispose]() return promptly",
        );
      }
    } catch (error) {
      this.#failed = true;
      this.#logger("Roost.Hosting").error("Disposing services failed", {
        error,
      });
    }
    // File watchers of reloading configuration would keep the process alive.
    this.#ready?.configuration[Symbol.dispose]();
    await this.#ready?.loggerFactory[Symbol.asyncDispose]();
  }

  get failed(): boolean {
    return this.#failed || (this.#ready?.hostedServices.failed ?? false);
  }

  async #stop(signal: AbortSignal | undefined): Promise<void> {
    this.#state = "stopping";
    this.#status("Application is shutting down...");
    this.#lifetime.notifyStopping();
    // Unhealthy now (health checks watch `stopping`), but still serving, so
    // a load balancer can stop sending traffic before the listeners close.
    // A second signal or the caller's own signal cuts the delay short.
    await delayUnlessAborted(this.#shutdownDelay, [
      this.#force.signal,
      ...(signal ? [signal] : []),
    ]);
    notifyDraining(this.#lifetime);
    using deadline = this.#shutdownDeadline(signal);
    try {
      // The order of ASP.NET's host: stopping, the server drains, hosted
      // services stop, services are disposed, stopped.
      await this.#ready?.server.stop({ signal: deadline.signal });
      await this.#ready?.application.scopesDisposed(deadline.signal);
      try {
        await this.#ready?.hostedServices.stop(deadline.signal);
      } catch (error) {
        this.#failed = true;
        this.#logger("Roost.Hosting").error("Hosted services failed to stop", {
          error,
        });
      }
      // As ASP.NET's ApplicationStopped, before the services are disposed:
      // a listener may still flush a singleton (telemetry, a log sink).
      this.#state = "stopped";
      this.#lifetime.notifyStopped();
      await this.#stopMemory(deadline.signal);
    } finally {
      this.#state = "stopped";
      this.#lifetime.notifyStopped();
    }
  }

  async run(): Promise<number> {
    if (this.#state !== "new") {
      // A mistake in the calling code, not a start that failed: the host
      // already running goes on, and the process's exit code is its own.
      throw new TypeError(
        `The host cannot run: it is ${this.#state} (a host runs once; await the first run())`,
      );
    }
    if (
      this.getSetting(HostSettings.workers) !== undefined && !this.#isWorker
    ) {
      return await this.#supervise();
    }
    const onRejection = (event: PromiseRejectionEvent) => {
      event.preventDefault();
      this.#logger("Roost.Hosting").error(
        "An unhandled promise rejection was ignored",
        { error: event.reason },
      );
    };
    // An exception nobody caught in an event listener (a WebSocket's
    // onmessage, a timer): logged too, as Kestrel keeps serving when one
    // request's code throws.
    const onError = (event: ErrorEvent) => {
      event.preventDefault();
      this.#logger("Roost.Hosting").error(
        "An uncaught exception was ignored",
        { error: event.error ?? event.message },
      );
    };
    globalThis.addEventListener("unhandledrejection", onRejection);
    globalThis.addEventListener("error", onError);
    // Listen before start() prints "Application started": a signal sent
    // right after that line must stop the host, not kill the process.
    using _signals = listenForStopSignals(this.#isWorker, () => {
      if (this.#lifetime.stopping.aborted) this.#force.abort("second signal");
      else this.#lifetime.stopApplication();
    });
    try {
      try {
        await this.start();
      } catch (error) {
        if (!this.#lifetime.stopping.aborted || !isAbortError(error)) {
          return this.#failedStart(error);
        }
        // Ctrl+C or SIGTERM while starting: a stop asked for, not a start
        // that failed. What had started was stopped.
        this.#status("Application stopped while it was starting.");
        this.#lifetime.notifyStopped();
        if (this.failed) Deno.exitCode = 1;
        return this.failed ? 1 : 0;
      }
      await new Promise<void>((resolve) => {
        if (this.#lifetime.stopping.aborted) resolve();
        this.#lifetime.stopping.addEventListener("abort", () => resolve(), {
          once: true,
        });
      });
      await this.stop();
      // The process's exit code too, as a failed start sets it: an app
      // that only awaits run() must not exit 0 after a service failed.
      if (this.failed) Deno.exitCode = 1;
      return this.failed ? 1 : 0;
    } finally {
      globalThis.removeEventListener("unhandledrejection", onRejection);
      globalThis.removeEventListener("error", onError);
    }
  }

  // Through the host's logging and formatter, as one line and where in the
  // app it came from: Deno's dump of an uncaught rejection would bury it
  // under Roost's own frames.
  #failedStart(error: unknown): number {
    this.#logger("Roost.Hosting").critical(
      `The host failed to start: ${describeStartFailure(error)}`,
    );
    Deno.exitCode = 1;
    return 1;
  }

  // run() with the workers setting: this process supervises copies of
  // itself instead of serving. Everything is built first (and then
  // dropped), so a mistake in the app or its settings fails here, once.
  async #supervise(): Promise<number> {
    try {
      await this.#initialize();
    } catch (error) {
      return this.#failedStart(error);
    }
    try {
      const { superviseHost } = await import("./workers/_host_supervision.ts");
      const code = await superviseHost({
        getSetting: (key) => this.getSetting(key),
        logger: this.#logger("Roost.Hosting.Workers"),
        status: (message) => this.#status(message),
        environment: this.#environment,
        shutdownTimeout: this.shutdownTimeout,
        shutdownDelay: this.#shutdownDelay,
      });
      if (code !== 0) Deno.exitCode = code;
      return code;
    } catch (error) {
      return this.#failedStart(error);
    } finally {
      await this.#stopMemoryWithin(undefined);
    }
  }

  // An own property: `deno serve` takes a default export only when it has
  // its own `fetch`.
  readonly fetch = (
    input: string | URL | Request,
    init?: RequestInit | Deno.ServeHandlerInfo<Deno.Addr>,
  ): Promise<Response> => this.#fetch(input, init);

  async #fetch(
    input: string | URL | Request,
    init?: RequestInit | Deno.ServeHandlerInfo<Deno.Addr>,
  ): Promise<Response> {
    if (this.#state === "stopped") {
      throw new TypeError(
        "The host is stopped, and its services disposed: it cannot answer fetch(). Build a new host",
      );
    }
    const memory = await (this.#memory ??= (async () => {
      const ready = await this.#initialize();
      const { application, loggerFactory } = ready;
      // The limits a request meets are the configured server's
      // (maxRequestBodySize above all): also under `deno serve`, which
      // hands every request to this fetch.
      const { limits } = ready.server as { limits?: ServerLimits };
      const server = new TestServer({ limits });
      // What the app put on its server's features while it was built
      // (routing's link generator) belongs to the server that serves it.
      for (const [key, value] of ready.server.features) {
        if (server.features.get(key) === undefined) {
          server.features.set(key, value);
        }
      }
      reportThrough(server, loggerFactory);
      await server.start(application);
      return server;
    })());
    return await memory.fetch(input, init);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}
