/**
 * Log levels: {@linkcode LogLevel} and {@linkcode parseLogLevel}.
 *
 * @module
 */

/**
 * How severe a record is, least to most (`Microsoft.Extensions.Logging.LogLevel`).
 * `"none"` is only a filter setting: it turns a category off, and no
 * record has it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLoggingBuilder, LoggerFactory, type LogLevel, type LogRecord } from "./mod.ts";
 *
 * const quiet: LogLevel = "warning";
 * const records: LogRecord[] = [];
 * await using factory = new LoggerFactory({
 *   outputs: [{ name: "Memory", write: (record) => records.push(record) }],
 * });
 * createLoggingBuilder(factory).setMinimumLevel(quiet);
 * const log = factory.createLogger("App");
 * log.information("Not written: below the minimum");
 * log.warning("Disk almost full");
 * assert.deepEqual(records.map((record) => record.message), ["Disk almost full"]);
 * ```
 */
export type LogLevel =
  | "trace"
  | "debug"
  | "information"
  | "warning"
  | "error"
  | "critical"
  | "none";

/** The level of a record: every {@linkcode LogLevel} but `"none"`. */
export type RecordLevel = Exclude<LogLevel, "none">;

/**
 * A level's rank for comparisons, `trace` 0 to `critical` 5. `none` is -1,
 * so asking whether `"none"` is enabled always answers no. Keyed on a
 * null prototype, so `"toString"` is not a level.
 */
export const SEVERITY: Readonly<Record<string, number | undefined>> =
  withoutPrototype({
    trace: 0,
    debug: 1,
    information: 2,
    warning: 3,
    error: 4,
    critical: 5,
    none: -1,
  });

/** A threshold that lets nothing through: the rank of `none` as a filter. */
export const OFF = 6;

/**
 * The threshold a filter level sets: records of this rank or above pass.
 *
 * @param level The filter's level.
 * @returns 0 to 5, or {@linkcode OFF} for `none`.
 */
export function thresholdOf(level: LogLevel): number {
  return level === "none" ? OFF : SEVERITY[level]!;
}

/** The ASP.NET spelling of each level, for JSON output and messages. */
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  trace: "Trace",
  debug: "Debug",
  information: "Information",
  warning: "Warning",
  error: "Error",
  critical: "Critical",
  none: "None",
};

const ALIASES: Readonly<Record<string, LogLevel | undefined>> =
  withoutPrototype({
    trace: "trace",
    debug: "debug",
    information: "information",
    info: "information",
    warning: "warning",
    warn: "warning",
    error: "error",
    critical: "critical",
    fatal: "critical",
    none: "none",
    // Microsoft.Extensions.Logging parses enum numbers too.
    "0": "trace",
    "1": "debug",
    "2": "information",
    "3": "warning",
    "4": "error",
    "5": "critical",
    "6": "none",
  });

function withoutPrototype<T>(
  entries: Record<string, T>,
): Record<string, T | undefined> {
  return Object.assign(Object.create(null), entries);
}

/**
 * Reads a level as configuration spells it: any case, the ASP.NET names
 * (`Trace`, `Debug`, `Information`, `Warning`, `Error`, `Critical`,
 * `None`), the short forms `info`, `warn` and `fatal` (= `critical`), and
 * the ASP.NET enum numbers `0` to `6`. Surrounding spaces are ignored.
 *
 * @param value The text to read.
 * @returns The level.
 * @throws {RangeError} When `value` is none of those.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLogLevel } from "./mod.ts";
 *
 * assert.equal(parseLogLevel("Information"), "information");
 * assert.equal(parseLogLevel("WARN"), "warning");
 * assert.equal(parseLogLevel("fatal"), "critical");
 * ```
 */
export function parseLogLevel(value: string): LogLevel {
  const level = ALIASES[String(value).trim().toLowerCase()];
  if (level === undefined) {
    throw new RangeError(
      `Unknown log level "${value}"; use Trace, Debug, Information, Warning, Error, Critical or None`,
    );
  }
  return level;
}
