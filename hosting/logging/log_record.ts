/**
 * What a log record is ({@linkcode LogRecord}) and where records go
 * ({@linkcode LogOutput}).
 *
 * @module
 */

import type { ConfigurationSection } from "../config/configuration_section.ts";
import type { RecordLevel } from "./log_level.ts";

/**
 * One log entry, as every {@linkcode LogOutput} receives it. Outputs share
 * the record and must not change it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatJson, type LogRecord } from "./mod.ts";
 *
 * const record: LogRecord = {
 *   timestamp: Date.UTC(2025, 0, 2, 3, 4, 5),
 *   level: "warning",
 *   category: "Roost.Hosting.Lifetime",
 *   message: "Slow start",
 *   properties: { seconds: 12 },
 *   scope: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736" },
 * };
 * assert.equal(JSON.parse(formatJson(record)).traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
 * ```
 */
export interface LogRecord {
  /** When it was logged, in milliseconds since the Unix epoch. */
  timestamp: number;
  /** How severe it is. */
  level: RecordLevel;
  /** The logger's category, like `Roost.Hosting.Lifetime`. */
  category: string;
  /**
   * The message with its template filled in: `"shelf has {count} books"`
   * logged with `{ count: 3 }` is `"shelf has 3 books"`. LogTape fills it
   * in, by its rules: `{{` and `}}` are literal braces, `{user.name}` reads
   * a path, and a name missing from the properties is looked up in the
   * scope. A placeholder with no value stays as written.
   */
  message: string;
  /**
   * The message as given, when it held a `{` (a template): ASP.NET's
   * `{OriginalFormat}`. Text formats leave the properties it names out of
   * the `key=value` pairs, since the message shows them.
   */
  messageTemplate?: string;
  /** The properties given with the message, without `error`. */
  properties: Record<string, unknown>;
  /**
   * The `error` property given with the message, usually an `Error`;
   * formatters write it with its stack (and its `cause`s).
   */
  error?: unknown;
  /**
   * The implicit scope the record was logged in: what every enclosing
   * {@linkcode LoggerFactory.runInScope} (and LogTape `withContext`) set,
   * like `traceId`, `method` and `path`. `{}` outside any scope.
   */
  scope: Record<string, unknown>;
}

/**
 * Where records go (`ILoggerProvider`): the console, a file, a collector.
 * The name identifies the output in filter rules
 * (`Logging:{name}:LogLevel:{category}`) and in
 * {@linkcode LoggerFactory.addFilter}; a factory holds one output per name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoggerFactory, type LogOutput, type LogRecord } from "./mod.ts";
 *
 * class MemoryOutput implements LogOutput {
 *   readonly name = "Memory";
 *   readonly records: LogRecord[] = [];
 *   write(record: LogRecord): void {
 *     this.records.push(record);
 *   }
 * }
 * const memory = new MemoryOutput();
 * await using factory = new LoggerFactory({ outputs: [memory] });
 * factory.createLogger("App").information("Hello");
 * assert.equal(memory.records[0].message, "Hello");
 * ```
 */
export interface LogOutput {
  /** The output's name, like `Console`; compared ignoring case. */
  readonly name: string;
  /**
   * Writes one record that passed the filters for this output. Called
   * synchronously on the logging call; an output that needs I/O should
   * queue. What it throws goes to the factory's `onOutputError`.
   *
   * @param record The record.
   */
  write(record: LogRecord): void;
  /**
   * Optional: reads the output's own settings from its `Logging:{name}`
   * section (like `Logging:Console:FormatterName`). Called when the output
   * joins a factory that has configuration, and after each reload.
   *
   * @param settings The `Logging:{name}` section; it may not exist.
   * @throws A {@linkcode ConfigurationError} for a bad setting; the output
   * keeps its previous settings then.
   */
  configure?(settings: ConfigurationSection): void;
  /** Optional: flushes and closes; the factory calls it when disposed. */
  [Symbol.asyncDispose]?(): Promise<void>;
}
