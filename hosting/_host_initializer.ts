// What a host builds when it starts: the app configuration, the server, the
// startup and the pipeline. Errors here are startup errors: with
// captureStartupErrors they become an error page instead of a failed start.

import { EDGE_DEFAULTS, useEdgeDefaults } from "./_edge_defaults.ts";
import {
  type ConnectionEvent,
  DenoServer,
  type DenoServerOptions,
  type Server,
} from "../server/mod.ts";
import { ServerReportingFeature } from "../features/mod.ts";
import {
  bind,
  Configuration,
  ConfigurationBuilder,
  ConfigurationError,
  EnvironmentVariablesConfigurationProvider,
  type StandardSchemaV1,
} from "./config/mod.ts";
import { logReloadError } from "./config/configuration.ts";
import {
  ApplicationBuilder,
  type RequestDelegate,
} from "./application_builder.ts";
import { HostSettings, parseBooleanSetting } from "./host_settings.ts";
import { checkHostSettings } from "./_host_settings_check.ts";
import { ApplicationLifetime } from "./application_lifetime.ts";
import { createLoggingBuilder, LoggerFactory } from "./logging/mod.ts";
import {
  loadLogTapeIfUsed,
  setDefaultLoggerFactory,
} from "./logging/logger_factory.ts";
import { loadScopes } from "./logging/_scope.ts";
import { HostingEnvironment } from "./hosting_environment.ts";
import { ServerKey } from "./host_services.ts";
import {
  type BackgroundServiceExceptionBehavior,
  ServiceCollection,
  type ServiceProvider,
} from "./services/mod.ts";
import { HostedServiceRunner } from "./services/hosted_service_runner.ts";
import { SINGLE_WORKER_SERVICES } from "./services/hosted_service.ts";
import type { StartupParts } from "./startup.ts";
import type {
  ConfigureApp,
  ConfigureAppConfiguration,
  ConfigureLogging,
  ConfigureServices,
  HostSetting,
  ServerFactory,
  Startup,
  WebHostBuilderContext,
} from "./host_types.ts";
import {
  HostingApplication,
  showsScopes,
  writeErrorResponse,
} from "./_hosting_application.ts";

/** What `WebHostBuilder.build()` hands its host: internal, free to change. */
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

/** What starting a host built. */
export interface Initialized {
  loggerFactory: LoggerFactory;
  configuration: Configuration;
  server: Server;
  application: HostingApplication;
  services: ServiceProvider;
  hostedServices: HostedServiceRunner;
}

function hostConfiguration(options: WebHostOptions): Configuration {
  const values: [string, string][] = [];
  for (const [key, setting] of options.settings) {
    values.push([key, setting.value]);
  }
  return new ConfigurationBuilder().addInMemory(values).build();
}

// DenoServer reports through a callback (the server layer knows no logger).
function serverReporter(
  factory: LoggerFactory,
): (message: string, error: unknown) => void {
  const logger = factory.createLogger("Roost.Server");
  return (message, error) =>
    error === undefined || error === ""
      ? logger.warning(message)
      : logger.error(message, { error });
}

/**
 * Has `server` report through the host's logging (Roost.Server and
 * Roost.Server.Connections), unless something set its reporting already.
 */
export function reportThrough(server: Server, factory: LoggerFactory): void {
  if (server.features.get(ServerReportingFeature) !== undefined) return;
  server.features.set(ServerReportingFeature, {
    onError: serverReporter(factory),
    onConnectionEvent: connectionLog(factory),
  });
}

// Connection events (accepted, closed, closed by a limit) as the
// Roost.Server.Connections category.
function connectionLog(factory: LoggerFactory): ConnectionEvent {
  const logger = factory.createLogger("Roost.Server.Connections");
  return (level, message, properties) => {
    if (level === "debug") {
      if (logger.isEnabled("debug")) logger.debug(message, properties);
    } else logger.information(message, properties);
  };
}

// Configuration.describeSource names the provider; for an environment
// variable, name the variable itself, which is what a user has to fix.
function describeSource(
  configuration: Configuration,
  key: string,
): string | undefined {
  const providers = configuration.providers;
  for (let i = providers.length - 1; i >= 0; i--) {
    const provider = providers[i];
    if (provider.get(key) === undefined) continue;
    if (!(provider instanceof EnvironmentVariablesConfigurationProvider)) break;
    for (const [name] of provider.entries()) {
      if (name.toLowerCase() === key.toLowerCase()) {
        return `environment variable ${provider.prefix}${
          name.replaceAll(":", "__")
        }`;
      }
    }
    break;
  }
  return configuration.describeSource(key);
}

async function makeServer(
  options: WebHostOptions,
  configuration: Configuration,
): Promise<Server> {
  const server = options.server;
  if (server === undefined) {
    const section = configuration.getSection("Server");
    // The reader of the section is loaded only for a section to read.
    const fromConfiguration: DenoServerOptions =
      section.getChildren().length === 0
        ? {}
        : (await import("./server_configuration.ts")).denoServerOptionsFrom(
          section,
          {
            describeSource: (key) => describeSource(configuration, key),
            basePath: options.environment.contentRootPath,
          },
        );
    const own = options.denoServerOptions ?? {};
    // A supervisor's workers all bind the same endpoints; Linux spreads
    // the connections among them.
    const worker = options.settings.has(HostSettings.workerId.toLowerCase()) &&
      Deno.build.os === "linux";
    return new DenoServer({
      ...(worker ? { reusePort: true } : {}),
      ...fromConfiguration,
      ...own,
      limits: { ...fromConfiguration.limits, ...own.limits },
    });
  }
  return typeof server === "function" ? server(configuration) : server;
}

async function resolveStartup(options: WebHostOptions): Promise<StartupParts> {
  if (options.configure !== undefined) return { configure: options.configure };
  // Startup objects and modules are read by code loaded only for them.
  if (options.startup !== undefined) {
    const { startupParts } = await import("./startup.ts");
    return startupParts(options.startup, "object");
  }
  const module = options.settings.get(HostSettings.startupModule.toLowerCase());
  if (module === undefined || module.value.trim() === "") return {};
  const { loadStartupModule } = await import("./startup.ts");
  return await loadStartupModule(
    module.value,
    options.environment.contentRootPath,
  );
}

function exceptionBehavior(
  value: string | undefined,
): BackgroundServiceExceptionBehavior {
  const lower = (value ?? "stophost").trim().toLowerCase();
  if (lower === "stophost") return "stopHost";
  if (lower === "ignore") return "ignore";
  throw new RangeError(
    `Host setting "backgroundServiceExceptionBehavior" must be StopHost or Ignore, got "${value}"`,
  );
}

function validate(
  options: WebHostOptions,
  configuration: Configuration,
): void {
  const failures: ConfigurationError[] = [];
  for (const { path, schema } of options.validations) {
    try {
      bind(configuration.getSection(path), schema);
    } catch (error) {
      if (error instanceof ConfigurationError) failures.push(error);
      else throw error;
    }
  }
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new ConfigurationError(
      `The configuration is invalid:\n${
        failures.map((failure) => failure.message).join("\n")
      }`,
      { issues: failures.flatMap((failure) => failure.issues) },
    );
  }
}

/**
 * Builds configuration, server and pipeline. With `captureStartupErrors`, a
 * failure is logged once and every request is answered 500; without, it is
 * thrown.
 */
// The request log lines are opt-in: at Information they would print for
// every request. Configuration overrides this like any other rule.
const LOGGING_DEFAULTS: [string, string][] = [
  ["Logging:LogLevel:Roost.Hosting.Diagnostics", "Warning"],
];

async function makeLoggerFactory(
  options: WebHostOptions,
  configuration: Configuration | undefined,
  context: WebHostBuilderContext,
): Promise<LoggerFactory> {
  // LogTape loggers of the app write through the factory from its start.
  await loadLogTapeIfUsed();
  const factory = new LoggerFactory(configuration ? { configuration } : {});
  const logging = createLoggingBuilder(factory).addConsole();
  for (const configure of options.logging) await configure(logging, context);
  // Every request will run in a scope: load its storage now, not then.
  if (showsScopes(factory)) await loadScopes();
  setDefaultLoggerFactory(factory);
  return factory;
}

export async function initialize(
  options: WebHostOptions,
  lifetime: ApplicationLifetime,
): Promise<Initialized> {
  // Before anything is built or bound, and never captured: the capture
  // itself depends on these settings.
  checkHostSettings(options.settings);
  const setting = (key: string) =>
    options.settings.get(key.toLowerCase())?.value;
  const flag = (key: string) => parseBooleanSetting(key, setting(key));
  const environment = options.environment;
  const detailed = flag(HostSettings.detailedErrors) ??
    environment.isDevelopment();
  let configuration: Configuration | undefined;
  let server: Server | undefined;
  let provider: ServiceProvider | undefined;
  let loggerFactory: LoggerFactory | undefined;
  let hosted: HostedServiceRunner | undefined;
  let pipeline: RequestDelegate;
  let fatal = false;
  try {
    // A reload that fails goes to stderr until the host's logging exists,
    // then through it: a level, a category, the host's format.
    let reportReload: (error: unknown) => void = logReloadError;
    let reportChange = (error: unknown) =>
      console.error("A configuration change callback threw:", error);
    // As in ASP.NET, the host settings are the app configuration's first
    // source: useSetting("Server:Limits:KeepAliveTimeout", "5") works.
    const builder = new ConfigurationBuilder({
      basePath: environment.contentRootPath,
      onReloadError: (error) => reportReload(error),
      onChangeError: (error) => reportChange(error),
    }).addInMemory(LOGGING_DEFAULTS).addInMemory(
      [...options.settings].map(([key, setting]) =>
        [key, setting.value] as const
      ),
    );
    if (options.appConfiguration.length > 0) {
      // Only configureAppConfiguration callbacks see the host settings as a
      // configuration: built for them alone.
      const early: WebHostBuilderContext = {
        environment,
        configuration: hostConfiguration(options),
        getSetting: setting,
      };
      for (const configure of options.appConfiguration) {
        await configure(early, builder);
      }
    }
    configuration = await builder.buildAsync();
    loggerFactory = await makeLoggerFactory(options, configuration, {
      environment,
      configuration,
      getSetting: setting,
    });
    const configurationLog = loggerFactory.createLogger(
      "Roost.Hosting.Configuration",
    );
    reportChange = (error) =>
      configurationLog.error("A configuration change callback threw", {
        error,
      });
    reportReload = (error) =>
      configurationLog.error(
        "Configuration reload failed; keeping the last good values. {reason}",
        {
          reason: error instanceof Error ? error.message : String(error),
          // A ConfigurationError names the file, line and column already:
          // Roost's stack would only bury it. Anything else keeps its own.
          ...(error instanceof ConfigurationError ? {} : { error }),
        },
      );
    try {
      server = await makeServer(options, configuration);
    } catch (error) {
      // The server's own configuration is not the app's startup: serving an
      // error page on endpoints nobody asked for would hide it.
      fatal = true;
      throw error;
    }
    validate(options, configuration);
    const context: WebHostBuilderContext = {
      environment,
      configuration,
      getSetting: setting,
    };
    const startup = await resolveStartup(options);
    const services = new ServiceCollection()
      .addSingleton(Configuration, configuration)
      .addSingleton(HostingEnvironment, environment)
      .addSingleton(ServerKey, server)
      .addSingleton(ApplicationLifetime, lifetime)
      .addSingleton(LoggerFactory, loggerFactory);
    for (const configure of options.services) {
      await configure(services, context);
    }
    await startup.configureServices?.(services, context);
    provider = services.build();
    const app = new ApplicationBuilder(server.features);
    app.applicationServices = provider;
    if (provider.get(EDGE_DEFAULTS) === true) {
      useEdgeDefaults(app, configuration);
    }
    await startup.configure?.(app, context);
    pipeline = app.build();
    // Under a supervisor, a singleWorker service runs in worker 0 alone.
    const workerId = setting(HostSettings.workerId);
    const here = services.hostedServices.filter((service) =>
      workerId === undefined || Number(workerId) === 0 ||
      !SINGLE_WORKER_SERVICES.has(service)
    );
    hosted = new HostedServiceRunner(
      here.map((service) =>
        typeof service === "function" ? service(provider!) : service
      ),
      {
        behavior: exceptionBehavior(
          setting(HostSettings.backgroundServiceExceptionBehavior),
        ),
        stopHost: () => lifetime.stopApplication(),
        // Through the host's logging, like every other host message.
        onFailure: (service, error) =>
          loggerFactory!.createLogger("Roost.Hosting").error(
            `Hosted service ${service.constructor.name} failed`,
            { error },
          ),
      },
    );
  } catch (error) {
    if (fatal || !flag(HostSettings.captureStartupErrors)) {
      configuration?.[Symbol.dispose]();
      throw error;
    }
    loggerFactory ??= await makeLoggerFactory(options, undefined, {
      environment,
      configuration: new ConfigurationBuilder().build(),
      getSetting: setting,
    });
    loggerFactory.createLogger("Roost.Hosting").critical(
      "The application failed to start; every request will be answered 500",
      { error },
    );
    pipeline = (ctx) => writeErrorResponse(ctx.features, error, detailed);
    configuration ??= new ConfigurationBuilder().build();
    server ??=
      options.server === undefined || typeof options.server === "function"
        ? new DenoServer()
        : options.server;
  }
  provider ??= new ServiceCollection().build();
  reportThrough(server, loggerFactory);
  return {
    loggerFactory,
    configuration,
    server,
    services: provider,
    hostedServices: hosted ?? new HostedServiceRunner([]),
    application: new HostingApplication(
      pipeline,
      detailed,
      loggerFactory,
      provider,
      // The developer exception page answers what the app's own error
      // handling let through, in Development unless detailedErrors is off.
      environment.isDevelopment() && detailed,
    ),
  };
}
