/**
 * {@linkcode LoggingBuilder}: what `configureLogging((logging, context) => …)`
 * receives.
 *
 * @module
 */

import { ConsoleOutput, type ConsoleOutputOptions } from "./console_output.ts";
import type { LogLevel } from "./log_level.ts";
import type { LogOutput } from "./log_record.ts";
import type { LoggerFactory } from "./logger_factory.ts";

/**
 * Sets up a host's logging (`ILoggingBuilder`): outputs and code rules on
 * the host's {@linkcode LoggerFactory}. Rules from code win over the
 * configured ones for the same prefix and output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLoggingBuilder, LoggerFactory } from "./mod.ts";
 *
 * await using factory = new LoggerFactory();
 * createLoggingBuilder(factory)
 *   .addConsole({ formatter: "json" })
 *   .setMinimumLevel("debug")
 *   .addFilter("Roost.Hosting", "warning");
 * assert.equal(factory.createLogger("Roost.Hosting.Lifetime").isEnabled("information"), false);
 * ```
 */
export interface LoggingBuilder {
  /** The factory being set up. */
  readonly factory: LoggerFactory;
  /**
   * Adds a {@linkcode ConsoleOutput}, replacing any output named `Console`.
   *
   * @param options The console output's options.
   * @returns This builder.
   */
  addConsole(options?: ConsoleOutputOptions): this;
  /**
   * Adds an output, replacing one of the same name.
   *
   * @param output The output.
   * @returns This builder.
   */
  addOutput(output: LogOutput): this;
  /**
   * Removes every output, the console too (`ClearProviders`).
   *
   * @returns This builder.
   */
  clearOutputs(): this;
  /**
   * Sets the level for every category, like `Logging:LogLevel:Default`.
   *
   * @param level The level.
   * @returns This builder.
   */
  setMinimumLevel(level: LogLevel): this;
  /**
   * Adds a rule: records of categories under `categoryPrefix` pass at
   * `level` and above, for one output or all.
   *
   * @param categoryPrefix A category or dotted prefix; `""` for all.
   * @param level The lowest level that passes; `none` turns it off.
   * @param output The output it is for, like `Console`; all by default.
   * @returns This builder.
   */
  addFilter(categoryPrefix: string, level: LogLevel, output?: string): this;
}

class FactoryLoggingBuilder implements LoggingBuilder {
  readonly factory: LoggerFactory;

  constructor(factory: LoggerFactory) {
    this.factory = factory;
  }

  addConsole(options?: ConsoleOutputOptions): this {
    this.factory.addOutput(new ConsoleOutput(options));
    return this;
  }

  addOutput(output: LogOutput): this {
    this.factory.addOutput(output);
    return this;
  }

  clearOutputs(): this {
    this.factory.clearOutputs();
    return this;
  }

  setMinimumLevel(level: LogLevel): this {
    this.factory.setMinimumLevel(level);
    return this;
  }

  addFilter(categoryPrefix: string, level: LogLevel, output?: string): this {
    this.factory.addFilter(categoryPrefix, level, output);
    return this;
  }
}

/**
 * A {@linkcode LoggingBuilder} over `factory`.
 *
 * @param factory The factory to set up.
 * @returns The builder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLoggingBuilder, LoggerFactory } from "./mod.ts";
 *
 * await using factory = new LoggerFactory();
 * const logging = createLoggingBuilder(factory).clearOutputs().addConsole();
 * assert.deepEqual(logging.factory.outputs.map((output) => output.name), ["Console"]);
 * ```
 */
export function createLoggingBuilder(factory: LoggerFactory): LoggingBuilder {
  return new FactoryLoggingBuilder(factory);
}
