// The Logger a LoggerFactory hands out, and the state it shares with its
// factory. A logger caches, per output, the threshold its category gets,
// and refreshes when the factory's version moves (rules or outputs
// changed), so `isEnabled` is a lookup and a compare.

import { type LogLevel, OFF, type RecordLevel, SEVERITY } from "./log_level.ts";
import type { LogOutput, LogRecord } from "./log_record.ts";
import type { Logger } from "./logger.ts";
import { type FilterRule, selectThreshold } from "./_rules.ts";
import { currentScope } from "./_scope.ts";
import { renderTemplate } from "./_template.ts";

/** What a factory's loggers read; the factory bumps `version` on change. */
export interface FactoryState {
  version: number;
  outputs: readonly LogOutput[];
  /** Configuration rules, then code rules: later ones win ties. */
  rules: readonly FilterRule[];
  onOutputError: (error: unknown, output: LogOutput) => void;
}

const EMPTY_PROPERTIES: Record<string, unknown> = Object.freeze({});

function unknownLevel(level: unknown): TypeError {
  return new TypeError(
    `Unknown log level "${
      String(level)
    }"; use trace, debug, information, warning, error, critical or none`,
  );
}

/** A logger of one category in one factory. */
export class CategoryLogger implements Logger {
  readonly category: string;
  readonly #lowerCategory: string;
  readonly #state: FactoryState;
  #version = -1;
  #threshold = OFF;
  #outputs: readonly LogOutput[] = [];
  #thresholds: number[] = [];

  constructor(category: string, state: FactoryState) {
    this.category = category;
    this.#lowerCategory = category.toLowerCase();
    this.#state = state;
  }

  isEnabled(level: LogLevel): boolean {
    const severity = SEVERITY[level];
    if (severity === undefined) throw unknownLevel(level);
    if (this.#version !== this.#state.version) this.#refresh();
    return severity >= this.#threshold;
  }

  log(
    level: LogLevel,
    message: string,
    properties?: Record<string, unknown>,
  ): void {
    const severity = SEVERITY[level];
    if (severity === undefined) throw unknownLevel(level);
    // `none` is -1: never at or above a threshold.
    if (this.#version !== this.#state.version) this.#refresh();
    if (severity < this.#threshold) return;
    this.#write(level as RecordLevel, severity, message, properties);
  }

  /**
   * Logs a message LogTape already filled in (the bridge's records), so
   * it is not read as a template a second time.
   */
  logRendered(
    level: LogLevel,
    message: string,
    template: string | undefined,
    properties: Record<string, unknown>,
  ): void {
    const severity = SEVERITY[level];
    if (severity === undefined) throw unknownLevel(level);
    if (this.#version !== this.#state.version) this.#refresh();
    if (severity < this.#threshold) return;
    this.#write(
      level as RecordLevel,
      severity,
      message,
      properties,
      template ?? null,
    );
  }

  trace(message: string, properties?: Record<string, unknown>): void {
    this.#at("trace", 0, message, properties);
  }

  debug(message: string, properties?: Record<string, unknown>): void {
    this.#at("debug", 1, message, properties);
  }

  information(message: string, properties?: Record<string, unknown>): void {
    this.#at("information", 2, message, properties);
  }

  warning(message: string, properties?: Record<string, unknown>): void {
    this.#at("warning", 3, message, properties);
  }

  error(message: string, properties?: Record<string, unknown>): void {
    this.#at("error", 4, message, properties);
  }

  critical(message: string, properties?: Record<string, unknown>): void {
    this.#at("critical", 5, message, properties);
  }

  #at(
    level: RecordLevel,
    severity: number,
    message: string,
    properties: Record<string, unknown> | undefined,
  ): void {
    if (this.#version !== this.#state.version) this.#refresh();
    if (severity < this.#threshold) return;
    this.#write(level, severity, message, properties);
  }

  #refresh(): void {
    const state = this.#state;
    const thresholds = state.outputs.map((output) =>
      selectThreshold(
        state.rules,
        output.name.toLowerCase(),
        this.#lowerCategory,
      )
    );
    this.#outputs = state.outputs;
    this.#thresholds = thresholds;
    this.#threshold = Math.min(OFF, ...thresholds);
    this.#version = state.version;
  }

  /**
   * Writes a record; `rendered` is the template of a message already
   * filled in, `null` for one to take as it is.
   */
  #write(
    level: RecordLevel,
    severity: number,
    message: string,
    properties: Record<string, unknown> | undefined,
    rendered?: string | null,
  ): void {
    const record: LogRecord = {
      timestamp: Date.now(),
      level,
      category: this.category,
      message: String(message),
      properties: properties ?? EMPTY_PROPERTIES,
      scope: currentScope(),
    };
    if (rendered === undefined) {
      if (record.message.includes("{")) {
        record.messageTemplate = record.message;
        record.message = renderTemplate(record.message, record.properties);
      }
    } else if (rendered !== null) {
      record.messageTemplate = rendered;
    }
    if (properties?.error !== undefined) {
      const { error, ...rest } = properties;
      record.properties = rest;
      record.error = error;
    }
    const outputs = this.#outputs;
    const thresholds = this.#thresholds;
    for (let i = 0; i < outputs.length; i++) {
      if (severity < thresholds[i]) continue;
      try {
        outputs[i].write(record);
      } catch (error) {
        this.#state.onOutputError(error, outputs[i]);
      }
    }
  }
}
