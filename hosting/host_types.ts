/**
 * The shapes a host is built from: its settings, and what `configure`
 * callbacks receive.
 *
 * @module
 */

import type { Server } from "../server/mod.ts";
import type { ApplicationBuilder, Fetchable } from "./application_builder.ts";
import type {
  ConfigurationBuilder,
  ConfigurationSection,
} from "./config/mod.ts";
import type { HostingEnvironment } from "./hosting_environment.ts";
import type { LoggingBuilder } from "./logging/mod.ts";
import type { ServiceCollection } from "./services/mod.ts";

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

/** Options for {@linkcode WebHost.stop}. */
export interface WebHostStopOptions {
  /**
   * Aborting it ends the graceful stop early, as the shutdown timeout would.
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** Adds app configuration sources; see `configureAppConfiguration`. */
export type ConfigureAppConfiguration = (
  context: WebHostBuilderContext,
  builder: ConfigurationBuilder,
) => unknown;

/** Registers services; see `configureServices`. */
export type ConfigureServices = (
  services: ServiceCollection,
  context: WebHostBuilderContext,
) => unknown;

/** Configures logging; see `configureLogging`. */
export type ConfigureLogging = (
  logging: LoggingBuilder,
  context: WebHostBuilderContext,
) => unknown;

/** How a `WebHostBuilder` makes its server from the app configuration. */
export type ServerFactory = (configuration: ConfigurationSection) => Server;

/**
 * What a startup module (or object) may export: `configureServices` and/or
 * `configure`, or a `deno serve`-style default export with a `fetch` method.
 *
 * @example A startup module
 * ```ts
 * // app.ts, run with: deno run -A main.ts --startupModule ./app.ts
 * import type { ApplicationBuilder } from "../mod.ts";
 *
 * export function configure(app: ApplicationBuilder): void {
 *   app.run((ctx) => ctx.response.send("from app.ts"));
 * }
 * ```
 */
export interface Startup {
  /**
   * Builds the request pipeline.
   *
   * @param app The application builder.
   * @param context Environment, configuration and host settings.
   */
  configure?(app: ApplicationBuilder, context: WebHostBuilderContext): unknown;
  /**
   * Registers services (reserved: the services container arrives with the
   * services issue; until then a module exporting only this is refused).
   */
  configureServices?(
    services: unknown,
    context: WebHostBuilderContext,
  ): unknown;
  /** A `deno serve`-style handler object, mounted as the whole app. */
  default?: Fetchable | unknown;
}
