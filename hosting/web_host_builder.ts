/**
 * `WebHostBuilder`: composes a host from settings, a server and a pipeline.
 *
 * @module
 */

import {
  DenoServer,
  type DenoServerOptions,
  type Server,
} from "../server/mod.ts";
import { HOST_ENVIRONMENT_PREFIX, HostSettings } from "./host_settings.ts";
import { HostingEnvironment } from "./hosting_environment.ts";
import { type ConfigureApp, WebHost } from "./web_host.ts";

function readEnvironment(): Map<string, string> {
  const settings = new Map<string, string>();
  let variables: Record<string, string>;
  try {
    variables = Deno.env.toObject();
  } catch {
    return settings; // no --allow-env: no settings from the environment
  }
  for (const [name, value] of Object.entries(variables)) {
    if (name.toUpperCase().startsWith(HOST_ENVIRONMENT_PREFIX)) {
      const key = name.slice(HOST_ENVIRONMENT_PREFIX.length).toLowerCase();
      if (key !== "") settings.set(key, value);
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
 * environment variables; every `use…` call after that overrides them, and
 * the last call that sets a value wins.
 *
 * @example
 * ```ts
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .useUrls("http://127.0.0.1:0")
 *   .useEnvironment("Development")
 *   .configure((app, { environment }) =>
 *     app.run((ctx) => ctx.response.send(`Hello from ${environment.name}`))
 *   )
 *   .build();
 * console.log(await (await host.fetch("/")).text()); // "Hello from Development"
 * ```
 */
export class WebHostBuilder {
  readonly #settings: Map<string, string>;
  #server: Server | undefined;
  #denoOptions: DenoServerOptions | undefined;
  #configure: ConfigureApp | undefined;
  #built = false;

  /** Makes a builder with the host settings found in the environment. */
  constructor() {
    this.#settings = readEnvironment();
  }

  /**
   * Sets a host setting.
   *
   * @param key A key from {@linkcode HostSettings}, or your own; any case.
   * @param value The value.
   */
  useSetting(key: string, value: string): this {
    this.#settings.set(key.toLowerCase(), value);
    return this;
  }

  /**
   * Reads a host setting.
   *
   * @param key The key, any case.
   * @returns The value, or `undefined`.
   */
  getSetting(key: string): string | undefined {
    return this.#settings.get(key.toLowerCase());
  }

  /**
   * Runs on this server instead of the default {@linkcode DenoServer}.
   *
   * @param server The server, e.g. a `TestServer`.
   */
  useServer(server: Server): this {
    this.#server = server;
    this.#denoOptions = undefined;
    return this;
  }

  /**
   * Runs on a {@linkcode DenoServer} with these options.
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
    return this.useSetting(HostSettings.urls, urls.join(";"));
  }

  /**
   * Sets the environment's name.
   *
   * @param name `Development`, `Staging`, `Production`, or any name.
   */
  useEnvironment(name: string): this {
    return this.useSetting(HostSettings.environment, name);
  }

  /**
   * Sets the content root.
   *
   * @param path A directory.
   */
  useContentRoot(path: string): this {
    return this.useSetting(HostSettings.contentRoot, path);
  }

  /**
   * Sets the web root.
   *
   * @param path A directory, relative to the content root or absolute.
   */
  useWebRoot(path: string): this {
    return this.useSetting(HostSettings.webRoot, path);
  }

  /**
   * Whether a failing startup keeps the server up, answering 500.
   *
   * @param capture True to capture.
   */
  captureStartupErrors(capture: boolean): this {
    return this.useSetting(HostSettings.captureStartupErrors, String(capture));
  }

  /**
   * How long a graceful stop may take before requests are cancelled.
   *
   * @param milliseconds The timeout; the default is 30 s.
   * @throws {RangeError} When negative or not a number.
   */
  useShutdownTimeout(milliseconds: number): this {
    if (!Number.isFinite(milliseconds) || milliseconds < 0) {
      throw new RangeError(
        `Shutdown timeout must be a number of milliseconds of at least 0, got ${milliseconds}`,
      );
    }
    return this.useSetting(
      HostSettings.shutdownTimeoutSeconds,
      String(milliseconds / 1000),
    );
  }

  /**
   * Sets how the request pipeline is built. The last call wins.
   *
   * @param configure `(app, context) => …`, may be async.
   */
  configure(configure: ConfigureApp): this {
    this.#configure = configure;
    return this;
  }

  /**
   * Builds the host. A builder builds once.
   *
   * @returns The host, not yet started.
   * @throws {TypeError} On a second call, or a malformed URL.
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
    if (!settings.get("urls") && port !== undefined && port !== "") {
      settings.set("urls", `http://0.0.0.0:${port}`);
    }
    const get = (key: string) => settings.get(key.toLowerCase());
    const environment = new HostingEnvironment({
      name: get(HostSettings.environment),
      applicationName: get(HostSettings.applicationName) ?? mainModuleName(),
      contentRootPath: get(HostSettings.contentRoot),
      webRootPath: get(HostSettings.webRoot),
    });
    return new WebHost({
      server: this.#server ?? new DenoServer(this.#denoOptions),
      settings,
      environment,
      configure: this.#configure,
    });
  }
}
