/**
 * {@linkcode LoggerFactory}: loggers, outputs and filter rules, and the
 * process-wide default factory behind {@linkcode logger}.
 *
 * @module
 */

import type { ConfigurationSection } from "../config/configuration_section.ts";
import {
  changes,
  type LoggerFactoryOptions,
  reportOutputError,
} from "./logger_factory_options.ts";
import { ConsoleOutput } from "./console_output.ts";
import { type LogLevel, parseLogLevel } from "./log_level.ts";
import type { LogOutput } from "./log_record.ts";
import type { Logger } from "./logger.ts";
import { CategoryLogger, type FactoryState } from "./_category_logger.ts";
import type { LogTapeRecord } from "./_logtape.ts";
import { type FilterRule, makeRule, readRules } from "./_rules.ts";
import {
  logTapeInProcess,
  releaseLogTape,
  retainLogTape,
  runInScope,
  whenLogTapeLoads,
} from "./_scope.ts";
import { fromLogTape } from "./_bridge.ts";

/**
 * Makes {@linkcode Logger}s and sends their records through filter rules
 * to outputs (`ILoggerFactory`). Dispose of it to stop following
 * configuration and to dispose of its outputs.
 *
 * **Filter rules.** Each rule has a level and optionally a category prefix
 * and an output name. For a record's category and an output, the rule
 * picked is (as ASP.NET's `LoggerRuleSelector` picks): one naming that
 * output over one for every output; then the longest matching prefix;
 * then the later rule. A prefix matches its own category and those below
 * it on dotted boundaries (`Roost.Hosting` matches `Roost.Hosting.Lifetime`,
 * not `Roost.HostingX`), ignoring case; `Default` or `""` matches all. With
 * no matching rule, Information and above pass.
 *
 * Rules come from configuration (`Logging:LogLevel:Default`,
 * `Logging:LogLevel:{prefix}`, `Logging:{Output}:LogLevel:{prefix}`) and,
 * after them, from code ({@linkcode LoggerFactory.setMinimumLevel},
 * {@linkcode LoggerFactory.addFilter}): where both give the same prefix
 * and output, code wins, as ASP.NET's `ConfigureLogging` runs after
 * `AddConfiguration`. A more specific configured rule still beats a code
 * rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { ConsoleOutput, LoggerFactory } from "./mod.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addInMemory({ Logging: { LogLevel: { Default: "Warning", "App.Orders": "Debug" } } })
 *   .build();
 * const lines: string[] = [];
 * await using factory = new LoggerFactory({
 *   configuration,
 *   outputs: [new ConsoleOutput({ formatter: "systemd", write: (line) => lines.push(line) })],
 * });
 * factory.createLogger("App.Orders.Checkout").debug("Cart read");
 * factory.createLogger("App.Users").information("Not written");
 * assert.deepEqual(lines, ["<7>App.Orders.Checkout[0]: Cart read"]);
 * ```
 */
export class LoggerFactory implements AsyncDisposable {
  readonly #state: FactoryState;
  readonly #loggers = new Map<string, CategoryLogger>();
  readonly #configuration: ConfigurationSection | undefined;
  #configRules: readonly FilterRule[] = [];
  /** Code rules by output and prefix: a later call replaces an earlier one. */
  readonly #codeRules = new Map<string, FilterRule>();
  /** Outputs replaced or cleared away; disposed with the factory. */
  readonly #retired: LogOutput[] = [];
  #unsubscribe: (() => void) | undefined;
  #disposed = false;

  /**
   * Makes a factory; reads the configured rules now.
   *
   * @param options The configuration, the outputs, and what to do when an
   * output fails.
   * @throws {ConfigurationError} When the `Logging` section has a value
   * that is not a level or a format.
   */
  constructor(options: LoggerFactoryOptions = {}) {
    const onOutputError = options.onOutputError ?? reportOutputError;
    this.#state = {
      version: 0,
      outputs: [],
      rules: [],
      onOutputError: (error, output) => {
        try {
          onOutputError(error, output);
        } catch {
          // A failing error handler must not make logging throw.
        }
      },
    };
    this.#configuration = options.configuration;
    for (const output of options.outputs ?? []) this.#add(output);
    if (this.#configuration !== undefined) this.reload();
    retainLogTape(forwardLogTapeRecord);
    // LogTape in the app (now or once it loads): Roost's side of it, loaded
    // lazily, configures it. A host awaits loadLogTapeIfUsed() first.
    if (logTapeInProcess()) void loadRoostLogTape();
    else whenLogTapeLoads(() => void loadRoostLogTape());
    if (this.#configuration !== undefined && changes(this.#configuration)) {
      this.#unsubscribe = this.#configuration.onChange(() => {
        try {
          this.reload();
        } catch (error) {
          this.createLogger("Roost.Logging").error(
            "Reloading the logging configuration failed; the last good settings stay.",
            { error },
          );
        }
      });
    }
  }

  /** The outputs, in the order they were added. */
  get outputs(): readonly LogOutput[] {
    return this.#state.outputs;
  }

  /**
   * The logger of a category; the same object for the same category.
   *
   * @param category Like `Roost.Hosting.Lifetime`; dotted, by convention
   * the module or class name.
   * @returns The logger.
   */
  createLogger(category: string): Logger {
    let logger = this.#loggers.get(category);
    if (logger === undefined) {
      logger = new CategoryLogger(category, this.#state);
      this.#loggers.set(category, logger);
    }
    return logger;
  }

  /**
   * Adds an output, after handing it its `Logging:{name}` settings. One
   * with the same name (ignoring case) is replaced, and disposed with the
   * factory.
   *
   * @param output The output.
   * @returns This factory.
   * @throws {ConfigurationError} When the output rejects its settings; it
   * is not added then.
   */
  addOutput(output: LogOutput): this {
    this.#configure(output);
    this.#add(output);
    return this;
  }

  /**
   * Removes every output (`ClearProviders`); they are disposed with the
   * factory.
   *
   * @returns This factory.
   */
  clearOutputs(): this {
    this.#retired.push(...this.#state.outputs);
    this.#state.outputs = [];
    this.#changed();
    return this;
  }

  /**
   * Sets the level for every category and output from code, like
   * `Logging:LogLevel:Default`; the same as `addFilter("", level)`. It
   * wins over the configured Default, not over configured rules for a
   * category or an output.
   *
   * @param level The level; case and ASP.NET names are accepted.
   * @returns This factory.
   * @throws {RangeError} When `level` is not a level.
   */
  setMinimumLevel(level: LogLevel): this {
    return this.addFilter("", level);
  }

  /**
   * Adds a rule from code; it replaces an earlier code rule for the same
   * prefix and output.
   *
   * @param categoryPrefix A category or dotted prefix (`Roost.Hosting`);
   * `""` or `Default` for all.
   * @param level The lowest level that passes; `none` turns it off.
   * @param output The output it is for, like `Console`; all by default.
   * @returns This factory.
   * @throws {RangeError} When `level` is not a level.
   */
  addFilter(categoryPrefix: string, level: LogLevel, output?: string): this {
    const rule = makeRule(categoryPrefix, parseLogLevel(level), output);
    this.#codeRules.set(`${rule.output ?? ""}\0${rule.prefix}`, rule);
    this.#changed();
    return this;
  }

  /**
   * Re-reads the `Logging` section: the rules, and each output's
   * settings. Called by itself when the configuration changes; does
   * nothing without configuration. Loggers already made follow at their
   * next call.
   *
   * @throws {ConfigurationError} When a value is not a level (the rules
   * stay as they were) or an output rejects its settings (that output
   * keeps its own); an `AggregateError` of them when there are several.
   */
  reload(): void {
    if (this.#configuration === undefined) return;
    const errors: unknown[] = [];
    try {
      this.#configRules = readRules(
        this.#configuration.getSection("Logging"),
        this.#configuration,
      );
      this.#changed();
    } catch (error) {
      errors.push(error);
    }
    for (const output of this.#state.outputs) {
      try {
        this.#configure(output);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(
        errors,
        `The logging configuration has ${errors.length} errors; see its errors`,
      );
    }
  }

  /**
   * Runs `fn` in an implicit scope: every record logged inside it, also
   * from async code it starts, carries `scope` (merged over any enclosing
   * scope) in {@linkcode LogRecord.scope}. Scopes belong to the async
   * context, not to the factory: records from any factory see them. Built
   * on LogTape's `withContext`, so LogTape loggers see them too.
   *
   * @param scope Properties like `traceId`, `method`, `path`.
   * @param fn The function to run.
   * @returns What `fn` returns.
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
   * const log = factory.createLogger("App");
   * await factory.runInScope({ traceId: "abc" }, async () => {
   *   await new Promise((resolve) => setTimeout(resolve, 1));
   *   log.information("Inside");
   * });
   * log.information("Outside");
   * assert.deepEqual(records.map((record) => record.scope), [{ traceId: "abc" }, {}]);
   * ```
   */
  runInScope<T>(scope: Record<string, unknown>, fn: () => T): T {
    return runInScope(scope, fn);
  }

  /**
   * Stops following configuration, turns its loggers off, disposes of its
   * outputs (also those replaced or cleared), and stops being the
   * default factory. Safe to call twice.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const outputs = [...this.#retired, ...this.#state.outputs];
    this.#retired.length = 0;
    this.#state.outputs = [];
    this.#changed();
    if (current === this) current = undefined;
    releaseLogTape();
    const errors: unknown[] = [];
    for (const output of outputs) {
      try {
        await output[Symbol.asyncDispose]?.();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) {
      throw new AggregateError(errors, "Several log outputs failed to dispose");
    }
  }

  #add(output: LogOutput): void {
    const name = output.name.toLowerCase();
    const outputs = [...this.#state.outputs];
    const index = outputs.findIndex((o) => o.name.toLowerCase() === name);
    if (index === -1) outputs.push(output);
    else this.#retired.push(...outputs.splice(index, 1, output));
    this.#state.outputs = outputs;
    this.#changed();
  }

  #configure(output: LogOutput): void {
    if (this.#configuration === undefined) return;
    output.configure?.(
      this.#configuration.getSection("Logging").getSection(output.name),
    );
  }

  #changed(): void {
    this.#state.rules = [...this.#configRules, ...this.#codeRules.values()];
    this.#state.version++;
  }
}

let current: LoggerFactory | undefined;
let fallback: LoggerFactory | undefined;

/**
 * Makes `factory` the process-wide default, behind {@linkcode logger} and
 * LogTape loggers; the host sets its own when it starts. `undefined`
 * goes back to a console factory made on first use.
 *
 * @param factory The factory, or `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LoggerFactory } from "./mod.ts";
 * import { getDefaultLoggerFactory, setDefaultLoggerFactory } from "./logger_factory.ts";
 *
 * await using factory = new LoggerFactory();
 * setDefaultLoggerFactory(factory);
 * assert.equal(getDefaultLoggerFactory(), factory);
 * setDefaultLoggerFactory(undefined);
 * ```
 */
export function setDefaultLoggerFactory(
  factory: LoggerFactory | undefined,
): void {
  current = factory;
  if (factory !== undefined && fallback !== undefined) {
    // Nothing of the fallback's needs awaiting: its console writes are sync.
    void fallback[Symbol.asyncDispose]();
    fallback = undefined;
  }
}

/**
 * The process-wide default factory: the one last set with
 * {@linkcode setDefaultLoggerFactory}, or else a factory writing to the
 * console at Information and above, made on first use.
 *
 * @returns The factory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getDefaultLoggerFactory } from "./logger_factory.ts";
 *
 * assert.deepEqual(getDefaultLoggerFactory().outputs.map((output) => output.name), ["Console"]);
 * ```
 */
export function getDefaultLoggerFactory(): LoggerFactory {
  return current ??
    (fallback ??= new LoggerFactory({ outputs: [new ConsoleOutput()] }));
}

/**
 * Loads Roost's side of LogTape when something in the process loaded
 * LogTape, so that its loggers write through Roost's factories; without
 * LogTape in the process, loads nothing (LogTape costs ~10 ms of start-up).
 */
export async function loadLogTapeIfUsed(): Promise<void> {
  if (logTapeInProcess()) await loadRoostLogTape();
}

function loadRoostLogTape(): Promise<unknown> {
  return import("./_logtape.ts");
}

/** Sends what a LogTape logger writes to the default factory. */
function forwardLogTapeRecord(record: LogTapeRecord): void {
  const { category, level, message, template, properties } = fromLogTape(
    record,
  );
  // Every logger a factory makes is a CategoryLogger.
  (getDefaultLoggerFactory().createLogger(category) as CategoryLogger)
    .logRendered(level, message, template, properties);
}
