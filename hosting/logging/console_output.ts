/**
 * {@linkcode ConsoleOutput}: records to standard output, in the simple,
 * JSON or systemd format.
 *
 * @module
 */

import type { ConfigurationSection } from "../config/configuration_section.ts";
import { ConfigurationError } from "../config/configuration_error.ts";
import {
  type ConsoleFormatterName,
  formatJson,
  formatSimple,
  formatSystemd,
} from "./formatters.ts";
import {
  type LogLevel,
  parseLogLevel,
  type RecordLevel,
  SEVERITY,
  thresholdOf,
} from "./log_level.ts";
import type { LogOutput, LogRecord } from "./log_record.ts";

/** How a {@linkcode ConsoleOutput} formats and where it writes. */
export interface ConsoleOutputOptions {
  /**
   * The format. Given here, it wins over configuration; left out,
   * `Logging:Console:FormatterName` picks it (and follows reloads).
   *
   * @default {"simple"}
   */
  formatter?: ConsoleFormatterName;
  /**
   * Colour the simple format's level tags.
   *
   * @default {true when writing with the default writer to a terminal and NO_COLOR is unset}
   */
  colors?: boolean;
  /**
   * Writes one formatted record: the text, possibly several lines, with
   * no trailing newline. Use it to capture output in tests.
   *
   * @default {writes the text and a newline to standard output (or standard error, see stderrLevel), synchronously}
   */
  write?: (text: string, level: RecordLevel) => void;
  /**
   * Records at this level or above go to standard error with the default
   * writer (ASP.NET's `LogToStandardErrorThreshold`). The default sends
   * everything to standard output, as ASP.NET does, so a process manager
   * sees one ordered stream.
   *
   * @default {"none"}
   */
  stderrLevel?: LogLevel;
}

const FORMATTERS: Readonly<Record<string, ConsoleFormatterName | undefined>> =
  Object.assign(Object.create(null), {
    simple: "simple",
    json: "json",
    systemd: "systemd",
  });

const encoder = new TextEncoder();

function writeAllSync(
  writer: { writeSync(bytes: Uint8Array): number },
  text: string,
): void {
  const bytes = encoder.encode(`${text}\n`);
  let written = 0;
  while (written < bytes.length) {
    written += writer.writeSync(bytes.subarray(written));
  }
}

/**
 * Writes records to the console (`ConsoleLoggerProvider`), named `Console`
 * for filter rules (`Logging:Console:LogLevel:Default`). The format comes
 * from the `formatter` option, else `Logging:Console:FormatterName`
 * (`Simple`, `Json` or `Systemd`, any case; followed on reload), else
 * simple. Writes are synchronous, so lines never interleave and nothing
 * is lost on exit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConsoleOutput, LoggerFactory } from "./mod.ts";
 *
 * const lines: string[] = [];
 * await using factory = new LoggerFactory({
 *   outputs: [new ConsoleOutput({ formatter: "systemd", write: (line) => lines.push(line) })],
 * });
 * factory.createLogger("Roost.Hosting.Lifetime").information("Application started.");
 * assert.deepEqual(lines, ["<6>Roost.Hosting.Lifetime[0]: Application started."]);
 * ```
 */
export class ConsoleOutput implements LogOutput {
  /** Always `Console`. */
  readonly name: string = "Console";
  readonly #formatter: ConsoleFormatterName | undefined;
  #configured: ConsoleFormatterName | undefined;
  /** Decided at the first simple-format write: asking costs ~0.5 ms. */
  #colors: boolean | undefined;
  readonly #write: (text: string, level: RecordLevel) => void;

  /**
   * Makes a console output.
   *
   * @param options The format, colours, and writer.
   * @throws {RangeError} When `formatter` or `stderrLevel` is not one.
   */
  constructor(options: ConsoleOutputOptions = {}) {
    if (
      options.formatter !== undefined &&
      FORMATTERS[options.formatter] === undefined
    ) {
      throw new RangeError(
        `Unknown console formatter "${options.formatter}"; use simple, json or systemd`,
      );
    }
    this.#formatter = options.formatter;
    if (options.write !== undefined) {
      this.#write = options.write;
      this.#colors = options.colors ?? false;
    } else {
      const stderrAt = thresholdOf(
        parseLogLevel(options.stderrLevel ?? "none"),
      );
      this.#write = (text, level) =>
        writeAllSync(
          SEVERITY[level]! >= stderrAt ? Deno.stderr : Deno.stdout,
          text,
        );
      this.#colors = options.colors;
    }
  }

  /** The format in use now. */
  get formatter(): ConsoleFormatterName {
    return this.#formatter ?? this.#configured ?? "simple";
  }

  /**
   * Formats and writes one record.
   *
   * @param record The record.
   */
  write(record: LogRecord): void {
    let text: string;
    switch (this.formatter) {
      case "json":
        text = formatJson(record);
        break;
      case "systemd":
        text = formatSystemd(record);
        break;
      default:
        this.#colors ??= Deno.stdout.isTerminal() && !Deno.noColor;
        text = formatSimple(record, { colors: this.#colors });
    }
    this.#write(text, record.level);
  }

  /**
   * Reads `FormatterName` from the `Logging:Console` section; a missing
   * value means simple.
   *
   * @param settings The `Logging:Console` section.
   * @throws {ConfigurationError} When `FormatterName` names no format; the
   * output keeps its format.
   */
  configure(settings: ConfigurationSection): void {
    const value = settings.get("FormatterName")?.trim();
    if (value === undefined || value === "") {
      this.#configured = undefined;
      return;
    }
    const formatter = FORMATTERS[value.toLowerCase()];
    if (formatter === undefined) {
      const path = settings.path === ""
        ? "FormatterName"
        : `${settings.path}:FormatterName`;
      throw new ConfigurationError(
        `Invalid logging configuration: ${path}: "${value}" is not a console formatter. Use Simple, Json or Systemd.`,
        {
          issues: [{ path, message: `"${value}" is not a console formatter` }],
        },
      );
    }
    this.#configured = formatter;
  }
}
