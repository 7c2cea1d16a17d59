/**
 * {@linkcode logger}: a logger of the process-wide default factory.
 *
 * @module
 */

import type { LogLevel } from "./log_level.ts";
import type { Logger } from "./logger.ts";
import {
  getDefaultLoggerFactory,
  type LoggerFactory,
} from "./logger_factory.ts";

/** A logger that writes through whichever factory is the default now. */
class DefaultFactoryLogger implements Logger {
  readonly category: string;
  #factory: LoggerFactory | undefined;
  #logger: Logger | undefined;

  constructor(category: string) {
    this.category = category;
  }

  #current(): Logger {
    const factory = getDefaultLoggerFactory();
    if (factory !== this.#factory) {
      this.#factory = factory;
      this.#logger = factory.createLogger(this.category);
    }
    return this.#logger!;
  }

  isEnabled(level: LogLevel): boolean {
    return this.#current().isEnabled(level);
  }

  log(
    level: LogLevel,
    message: string,
    properties?: Record<string, unknown>,
  ): void {
    this.#current().log(level, message, properties);
  }

  trace(message: string, properties?: Record<string, unknown>): void {
    this.#current().trace(message, properties);
  }

  debug(message: string, properties?: Record<string, unknown>): void {
    this.#current().debug(message, properties);
  }

  information(message: string, properties?: Record<string, unknown>): void {
    this.#current().information(message, properties);
  }

  warning(message: string, properties?: Record<string, unknown>): void {
    this.#current().warning(message, properties);
  }

  error(message: string, properties?: Record<string, unknown>): void {
    this.#current().error(message, properties);
  }

  critical(message: string, properties?: Record<string, unknown>): void {
    this.#current().critical(message, properties);
  }
}

const loggers = new Map<string, Logger>();

/**
 * The logger of a category in the process-wide default factory (see
 * {@linkcode getDefaultLoggerFactory}). It follows the default: a logger
 * made at module load, before the host starts, writes through the host's
 * factory once the host has set it. The same object for the same category.
 *
 * @param category Like `App.Orders`.
 * @returns The logger.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logger, LoggerFactory, type LogRecord } from "./mod.ts";
 * import { setDefaultLoggerFactory } from "./logger_factory.ts";
 *
 * const log = logger("App.Orders"); // made early, at module load
 * const records: LogRecord[] = [];
 * await using factory = new LoggerFactory({
 *   outputs: [{ name: "Memory", write: (record) => records.push(record) }],
 * });
 * setDefaultLoggerFactory(factory); // what the host does when it starts
 * log.information("Order placed");
 * assert.equal(records[0].category, "App.Orders");
 * assert.equal(records[0].message, "Order placed");
 * ```
 */
export function logger(category: string): Logger {
  let found = loggers.get(category);
  if (found === undefined) {
    found = new DefaultFactoryLogger(category);
    loggers.set(category, found);
  }
  return found;
}
