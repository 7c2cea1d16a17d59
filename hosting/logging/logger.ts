/**
 * The {@linkcode Logger} contract.
 *
 * @module
 */

import type { LogLevel } from "./log_level.ts";

/**
 * Writes records of one category (`ILogger`). Get one from
 * {@linkcode LoggerFactory.createLogger} or {@linkcode logger}.
 *
 * Every method takes a message and optional properties. An `error`
 * property is the record's error: it is taken out of the properties into
 * {@linkcode LogRecord.error} and written with its stack, at any level:
 * `log.error("Request failed", { error, path })`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoggerFactory, type LogRecord } from "./mod.ts";
 *
 * const records: LogRecord[] = [];
 * await using factory = new LoggerFactory({
 *   outputs: [{ name: "Memory", write: (record) => records.push(record) }],
 * });
 * const log = factory.createLogger("App.Orders");
 * log.debug("Not written: the default level is Information");
 * log.information("Order placed", { orderId: 42 });
 * log.error("Payment failed", { error: new Error("card declined"), orderId: 42 });
 * assert.equal(records.length, 2);
 * assert.deepEqual(records[1].properties, { orderId: 42 });
 * assert.equal((records[1].error as Error).message, "card declined");
 * ```
 */
export interface Logger {
  /** The category, like `Roost.Hosting.Lifetime`. */
  readonly category: string;
  /**
   * Whether a record of `level` would reach any output. Cheap enough to
   * guard the building of expensive properties.
   *
   * @param level The level to ask about; `"none"` is never enabled.
   * @returns `true` when at least one output takes it.
   * @throws {TypeError} When `level` is not a {@linkcode LogLevel}.
   */
  isEnabled(level: LogLevel): boolean;
  /**
   * Logs at `level`.
   *
   * @param level The level; `"none"` logs nothing.
   * @param message The message.
   * @param properties Structured data; `error` is the record's error.
   * @throws {TypeError} When `level` is not a {@linkcode LogLevel}.
   */
  log(
    level: LogLevel,
    message: string,
    properties?: Record<string, unknown>,
  ): void;
  /**
   * Logs at `trace`: the finest detail, off unless asked for.
   *
   * @param message The message.
   * @param properties Structured data; `error` is the record's error.
   */
  trace(message: string, properties?: Record<string, unknown>): void;
  /**
   * Logs at `debug`: detail for development.
   *
   * @param message The message.
   * @param properties Structured data; `error` is the record's error.
   */
  debug(message: string, properties?: Record<string, unknown>): void;
  /**
   * Logs at `information`: the normal flow of the application.
   *
   * @param message The message.
   * @param properties Structured data; `error` is the record's error.
   */
  information(message: string, properties?: Record<string, unknown>): void;
  /**
   * Logs at `warning`: something unexpected that did not stop the work.
   *
   * @param message The message.
   * @param properties Structured data; `error` is the record's error.
   */
  warning(message: string, properties?: Record<string, unknown>): void;
  /**
   * Logs at `error`: the current operation failed.
   *
   * @param message The message.
   * @param properties Structured data; put the thrown value in `error`.
   */
  error(message: string, properties?: Record<string, unknown>): void;
  /**
   * Logs at `critical`: the application cannot go on.
   *
   * @param message The message.
   * @param properties Structured data; put the thrown value in `error`.
   */
  critical(message: string, properties?: Record<string, unknown>): void;
}
