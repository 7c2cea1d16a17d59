/**
 * Logging, after ASP.NET Core's `Microsoft.Extensions.Logging`: loggers by
 * category, level filters from the `Logging` configuration section (and
 * from code) that follow reloads, console output in the simple, JSON or
 * systemd format, and an implicit scope per request (a trace id, the
 * method, the path) that reaches every record logged inside it, also from
 * nested async code. Built on LogTape: scopes are LogTape implicit
 * contexts, and what LogTape loggers in libraries write comes out through
 * Roost's filters and outputs.
 *
 * **Message templates.** A message names its properties in braces, and
 * every format shows it filled in: `log.warning("shelf has {count} books",
 * { count: 3 })` prints `shelf has 3 books`. LogTape fills templates in, by
 * its rules (`{{` and `}}` are literal braces, `{user.name}` reads a path);
 * a placeholder with no value stays as written. The JSON format keeps every
 * property in `properties` as well; the simple and systemd formats do not
 * repeat the ones the message shows.
 *
 * **The trace id** of a record is in one place in JSON: the top-level
 * `traceId` (from the request's scope, or a `traceId` property), never
 * also inside `properties` or `scope`.
 *
 * While a {@linkcode LoggerFactory} lives, Roost holds LogTape's global
 * configuration (reset when the last factory is disposed). An application
 * that configures LogTape itself should do so first, with a
 * `contextLocalStorage`: Roost then leaves that configuration alone and
 * keeps its scopes in the application's storage.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { ConsoleOutput, LoggerFactory } from "./mod.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addInMemory({ Logging: { LogLevel: { Default: "Information" }, Console: { FormatterName: "json" } } })
 *   .build();
 * const lines: string[] = []; // leave out `write` to print to standard output
 * await using factory = new LoggerFactory({
 *   configuration,
 *   outputs: [new ConsoleOutput({ write: (line) => lines.push(line) })],
 * });
 * const log = factory.createLogger("App");
 * factory.runInScope({ traceId: "4bf92f3577b34da6a3ce929d0e0e4736" }, () => {
 *   log.information("Hello {user}", { user: "ada" });
 * });
 * const { timestamp: _, ...record } = JSON.parse(lines[0]);
 * assert.deepEqual(record, {
 *   level: "Information",
 *   category: "App",
 *   message: "Hello ada",
 *   messageTemplate: "Hello {user}",
 *   properties: { user: "ada" },
 *   traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
 *   scope: {},
 * });
 * ```
 *
 * @module
 */

export { ConsoleOutput, type ConsoleOutputOptions } from "./console_output.ts";
export { logger } from "./default_logger.ts";
export {
  type ConsoleFormatterName,
  formatJson,
  formatSimple,
  formatSystemd,
  type SimpleFormatOptions,
} from "./formatters.ts";
export { type LogLevel, parseLogLevel, type RecordLevel } from "./log_level.ts";
export type { LogOutput, LogRecord } from "./log_record.ts";
export type { Logger } from "./logger.ts";
export { LoggerFactory } from "./logger_factory.ts";
export type { LoggerFactoryOptions } from "./logger_factory_options.ts";
export {
  createLoggingBuilder,
  type LoggingBuilder,
} from "./logging_builder.ts";
// Re-exported because the API above takes it; the same binding as
// hosting/config's, so `export *` of both modules does not clash.
export type { AsEntriesOptions, ConfigurationSection } from "../config/mod.ts";
