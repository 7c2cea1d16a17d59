/**
 * The shapes a host is built from: its settings, options, and what
 * `configure` callbacks receive.
 *
 * @module
 */

import type { DenoServerOptions, Server } from "../server/mod.ts";
import type { ApplicationBuilder } from "./application_builder.ts";
import type { ConfigurationSection, StandardSchemaV1 } from "./config/mod.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import type { Startup } from "./startup.ts";
import type {
  ConfigureAppConfiguration,
  ConfigureLogging,
  ConfigureServices,
  ServerFactory,
} from "./web_host_builder.ts";

/** A host setting's value and where it came from. */
export interface HostSetting {
  /** The value. */
  readonly value: string;
  /** Where it came from, e.g. `"environment variable ROOST_URLS"`. */
  readonly source: string;
}

/** What `configure` callbacks receive besides the application builder. */
export interface WebHostBuilderContext {
  /** The hosting environment. */
  readonly environment: HostingEnvironment;
  /**
   * The app configuration; inside `configureAppConfiguration`, the host
   * settings (the app configuration is still being built).
   */
  readonly configuration: ConfigurationSection;
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
  /** The host settings, keys lower-cased. */
  settings: ReadonlyMap<string, HostSetting>;
  /** The hosting environment. */
  environment: HostingEnvironment;
  /** The server, a factory for it, or undefined for a `DenoServer`. */
  server: Server | ServerFactory | undefined;
  /** Options of the default `DenoServer`, over the `Server` section's. */
  denoServerOptions: DenoServerOptions | undefined;
  /** Adds app configuration sources, in order. */
  appConfiguration: ConfigureAppConfiguration[];
  /** Sections to bind and validate at start. */
  validations: { path: string; schema: StandardSchemaV1 }[];
  /** Registers services, in order. */
  services: ConfigureServices[];
  /** Configures logging, in order. */
  logging: ConfigureLogging[];
  /** Builds the pipeline. */
  configure: ConfigureApp | undefined;
  /** A startup object, when no `configure` was given. */
  startup: Startup | undefined;
}

/** Options for {@linkcode WebHost.stop}. */
export interface WebHostStopOptions {
  /**
   * Aborting it ends the graceful stop early, as the shutdown timeout would.
   * @default {undefined}
   */
  signal?: AbortSignal;
}
