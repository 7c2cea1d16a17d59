/**
 * `WebHostBuilder`: composes a host from settings, configuration, a server
 * and a pipeline.
 *
 * @module
 */

import type { DenoServerOptions, Server } from "../server/mod.ts";
import type { ConfigurationSection, StandardSchemaV1 } from "./config/mod.ts";
import { HOST_ENVIRONMENT_PREFIX, HostSettings } from "./host_settings.ts";
import { MAX_SHUTDOWN_TIMEOUT_MS } from "./_host_settings_check.ts";
import { HostingEnvironment } from "./hosting_environment.ts";
import type { Startup } from "./startup.ts";
import type {
  ConfigureApp,
  ConfigureAppConfiguration,
  ConfigureLogging,
  ConfigureServices,
  HostSetting,
  ServerFactory,
} from "./host_types.ts";
import type { WebHost } from "./web_host.ts";
import { WebHostImpl } from "./_web_host.ts";

export type {
  ConfigureAppConfiguration,
  ConfigureLogging,
  ConfigureServices,
  ServerFactory,
} from "./host_types.ts";

function readEnvironment(): Map<string, HostSetting> {
  const settings = new Map<string, HostSetting>();
  let variables: Record<string, string>;
  try {
    variables = Deno.env.toObject();
  } catch {
    return settings; // no --allow-env: no settings from the environment
  }
  for (const [name, value] of Object.entries(variables)) {
    if (name.toUpperCase().startsWith(HOST_ENVIRONMENT_PREFIX)) {
      // "__" is ":", as in every environment variable source.
      const key = name.slice(HOST_ENVIRONMENT_PREFIX.length).toLowerCase()
        .replaceAll("__", ":");
      if (key !== "") {
        settings.set(key, { value, source: `environment variable ${name}` });
      }
    }
  }
  return settings;
}

function readPort(): string | undefined {
  try {
    return Deno.env.get("PORT");
  } catch {
    return undefined;
  }
}

function mainModuleName(): string {
  const main = Deno.mainModule;
  const file = main.slice(main.lastIndexOf("/") + 1);
  return file.replace(/\.[^.]*$/, "") || "roost-app";
}

/**
 * Builds a {@linkcode WebHost}. Host settings start from `ROOST_`-prefixed
 * environment variables; every `use…` call after that overrides them, in the
 * order called, and the last call that sets a value wins.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .useUrls("http://127.0.0.1:0")
 *   .useEnvironment("Development")
 *   .configureAppConfiguration((_context, config) => config.addInMemory({ Greeting: "Hello" }))
 *   .configure((app, { environment, configuration }) =>
 *     app.run((ctx) => ctx.response.send(`${configuration.get("Greeting")} from ${environment.name}`))
 *   )
 *   .build();
 * assert.equal(await (await host.fetch("/")).text(), "Hello from Development");
 * ```
 */
export class WebHostBuilder {
  readonly #settings: Map<string, HostSetting>;
  readonly #appConfiguration: ConfigureAppConfiguration[] = [];
  readonly #validations: { path: string; schema: StandardSchemaV1 }[] = [];
  readonly #services: ConfigureServices[] = [];
  readonly #logging: ConfigureLogging[] = [];
  #server: Server | ServerFactory | undefined;
  #denoOptions: DenoServerOptions | undefined;
  #configure: ConfigureApp | undefined;
  #startup: Startup | undefined;
  #built = false;

  /** Makes a builder with the host settings found in the environment. */
  constructor() {
    this.#settings = readEnvironment();
  }

  #set(key: string, value: string, source: string): this {
    this.#settings.set(key.toLowerCase(), { value, source });
    return this;
  }

  /**
   * Sets a host setting.
   *
   * @param key A key from {@linkcode HostSettings}, or your own; any case.
   * @param value The value.
   */
  useSetting(key: string, value: string): this {
    return this.#set(key, value, "useSetting()");
  }

  /**
   * Reads a host setting.
   *
   * @param key The key, any case.
   * @returns The value, or `undefined`.
   */
  getSetting(key: string): string | undefined {
    return this.#settings.get(key.toLowerCase())?.value;
  }

  /**
   * Where a host setting's value came from (`"environment variable
   * ROOST_URLS"`, `"useUrls()"`, `"command line"`, …).
   *
   * @param key The key, any case.
   */
  getSettingSource(key: string): string | undefined {
    return this.#settings.get(key.toLowerCase())?.source;
  }

  /**
   * Copies every key of a configuration (or section, with the section's
   * prefix removed) into the host settings, overriding what came before.
   *
   * @param configuration A configuration or a section of one.
   * @param source How to name it in the Debug log of setting sources.
   */
  useConfiguration(
    configuration: ConfigurationSection,
    source = "useConfiguration()",
  ): this {
    for (
      const [key, value] of configuration.asEntries({ makePathsRelative: true })
    ) {
      this.#set(key, value, source);
    }
    return this;
  }

  /**
   * Runs on this server instead of the default {@linkcode DenoServer}.
   *
   * @param server The server (e.g. a `TestServer`), or a function that makes
   * one from the app configuration.
   */
  useServer(server: Server | ServerFactory): this {
    this.#server = server;
    this.#denoOptions = undefined;
    return this;
  }

  /**
   * Runs on a `DenoServer` with these options (merged over what the `Server`
   * configuration section says, when the host reads it).
   *
   * @param options Endpoints, certificate, limits.
   */
  useDenoServer(options: DenoServerOptions = {}): this {
    this.#denoOptions = options;
    this.#server = undefined;
    return this;
  }

  /**
   * Sets the URLs to listen on. Each argument may hold several URLs
   * separated by `;`.
   *
   * @param urls E.g. `"http://localhost:8000"`, `"https://*:8443"`,
   * `"unix:/run/app.sock"`.
   */
  useUrls(...urls: string[]): this {
    return this.#set(HostSettings.urls, urls.join(";"), "useUrls()");
  }

  /**
   * Sets the environment's name.
   *
   * @param name `Development`, `Staging`, `Production`, or any name.
   */
  useEnvironment(name: string): this {
    return this.#set(HostSettings.environment, name, "useEnvironment()");
  }

  /**
   * Sets the content root.
   *
   * @param path A directory.
   */
  useContentRoot(path: string): this {
    return this.#set(HostSettings.contentRoot, path, "useContentRoot()");
  }

  /**
   * Sets the web root.
   *
   * @param path A directory, relative to the content root or absolute.
   */
  useWebRoot(path: string): this {
    return this.#set(HostSettings.webRoot, path, "useWebRoot()");
  }

  /**
   * Whether a failing startup keeps the server up, answering 500.
   *
   * @param capture True to capture.
   */
  captureStartupErrors(capture: boolean): this {
    return this.#set(
      HostSettings.captureStartupErrors,
      String(capture),
      "captureStartupErrors()",
    );
  }

  /**
   * How long a graceful stop may take before requests are cancelled, in
   * **milliseconds**. It sets the `shutdownTimeoutSeconds` host setting,
   * which is in seconds (as `--shutdownTimeoutSeconds` and
   * `ROOST_SHUTDOWNTIMEOUTSECONDS` are): `useShutdownTimeout(5000)` and
   * `useSetting("shutdownTimeoutSeconds", "5")` mean the same.
   *
   * @param milliseconds The timeout in milliseconds, from 0 to 2^31 - 1
   * (about 24 days); fractions are rounded. Default 30,000 (30 s).
   * @throws {RangeError} When negative, too large or not a number.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WebHostBuilder } from "../mod.ts";
   *
   * const builder = new WebHostBuilder().useShutdownTimeout(5000);
   * assert.equal(builder.getSetting("shutdownTimeoutSeconds"), "5");
   * assert.equal(builder.build().shutdownTimeout, 5000);
   * ```
   */
  useShutdownTimeout(milliseconds: number): this {
    if (
      !Number.isFinite(milliseconds) || milliseconds < 0 ||
      milliseconds > MAX_SHUTDOWN_TIMEOUT_MS
    ) {
      throw new RangeError(
        `useShutdownTimeout() takes milliseconds from 0 to ${MAX_SHUTDOWN_TIMEOUT_MS}, got ${milliseconds}; for 30 seconds pass 30000`,
      );
    }
    return this.#set(
      HostSettings.shutdownTimeoutSeconds,
      String(Math.round(milliseconds) / 1000),
      "useShutdownTimeout()",
    );
  }

  /**
   * Adds app configuration sources. Calls add up, in order; the callback gets
   * the environment and the host settings (as `context.configuration`).
   *
   * @param configure `(context, builder) => …`.
   */
  configureAppConfiguration(configure: ConfigureAppConfiguration): this {
    this.#appConfiguration.push(configure);
    return this;
  }

  /**
   * Registers services. Calls add up, in order, before the startup module's
   * own `configureServices`; the host has already registered
   * `Configuration`, `HostingEnvironment`, `ApplicationLifetime`, `Server`
   * (as `ServerKey`) and `LoggerFactory`.
   *
   * @param configure `(services, context) => …`.
   */
  configureServices(configure: ConfigureServices): this {
    this.#services.push(configure);
    return this;
  }

  /**
   * Configures logging: outputs and filter rules, in code. Calls add up, in
   * order; the console output is there unless a call clears it. Rules from
   * the `Logging` configuration section apply too, and follow reloads.
   *
   * @param configure `(logging, context) => …`.
   */
  configureLogging(configure: ConfigureLogging): this {
    this.#logging.push(configure);
    return this;
  }

  /**
   * Binds and validates a configuration section when the host starts, so a
   * bad configuration stops startup with a message naming every bad key
   * instead of failing on the first request.
   *
   * @param path The section, e.g. `"Mail"`.
   * @param schema A Standard Schema (zod, valibot, arktype, …).
   */
  validateOnStart(path: string, schema: StandardSchemaV1): this {
    this.#validations.push({ path, schema });
    return this;
  }

  /**
   * Sets how the request pipeline is built. Replaces an earlier `configure`
   * or `useStartup`.
   *
   * @param configure `(app, context) => …`, may be async.
   */
  configure(configure: ConfigureApp): this {
    this.#configure = configure;
    this.#startup = undefined;
    this.#settings.delete(HostSettings.startupModule.toLowerCase());
    return this;
  }

  /**
   * Takes the app from a startup module (a path or URL, imported at start)
   * or object: one exporting `configure`, or a `deno serve`-style
   * `default { fetch }`. Replaces an earlier `configure` or `useStartup`.
   *
   * @param startup `"./app.ts"`, or the module's exports.
   */
  useStartup(startup: string | Startup): this {
    this.#configure = undefined;
    if (typeof startup === "string") {
      this.#startup = undefined;
      return this.#set(HostSettings.startupModule, startup, "useStartup()");
    }
    this.#startup = startup;
    this.#settings.delete(HostSettings.startupModule.toLowerCase());
    return this;
  }

  /**
   * Builds the host. Configuration, server and pipeline are built when it
   * starts (or first `fetch`es), so `captureStartupErrors` covers them.
   *
   * @returns The host, not yet started.
   * @throws {TypeError} On a second call.
   */
  build(): WebHost {
    if (this.#built) {
      throw new TypeError(
        "This WebHostBuilder has already built a host: make a new builder",
      );
    }
    this.#built = true;
    const settings = new Map(this.#settings);
    // PORT (as set by most hosting platforms) applies when nothing names a URL.
    const port = readPort();
    if (!settings.get("urls")?.value && port !== undefined && port !== "") {
      settings.set("urls", {
        value: `http://0.0.0.0:${port}`,
        source: "environment variable PORT",
      });
    }
    const get = (key: string) => settings.get(key.toLowerCase())?.value;
    const environment = new HostingEnvironment({
      name: get(HostSettings.environment),
      applicationName: get(HostSettings.applicationName) ?? mainModuleName(),
      contentRootPath: get(HostSettings.contentRoot),
      webRootPath: get(HostSettings.webRoot),
    });
    return new WebHostImpl({
      settings,
      environment,
      server: this.#server,
      denoServerOptions: this.#denoOptions,
      appConfiguration: [...this.#appConfiguration],
      validations: [...this.#validations],
      services: [...this.#services],
      logging: [...this.#logging],
      configure: this.#configure,
      startup: this.#startup,
    });
  }
}
