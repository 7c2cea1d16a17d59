/**
 * The console formats: {@linkcode formatSimple} (ASP.NET's simple console
 * format), {@linkcode formatJson} (one JSON object per line) and
 * {@linkcode formatSystemd} (syslog priority prefixes for journald).
 *
 * @module
 */

import { LEVEL_NAMES, type RecordLevel } from "./log_level.ts";
import type { LogRecord } from "./log_record.ts";
import { eventIdAndPairs, renderError, stringify } from "./_render.ts";
import { templateNames } from "./_template.ts";

/**
 * The formats {@linkcode ConsoleOutput} writes, as `Logging:Console:FormatterName`
 * names them (any case).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConsoleOutput, type ConsoleFormatterName } from "./mod.ts";
 *
 * const formatter: ConsoleFormatterName = Deno.stdout.isTerminal() ? "simple" : "json";
 * const output = new ConsoleOutput({ formatter });
 * assert.equal(output.name, "Console");
 * assert.equal(output.formatter, formatter); // given in code, it wins over configuration
 * ```
 */
export type ConsoleFormatterName = "simple" | "json" | "systemd";

/** How {@linkcode formatSimple} writes. */
export interface SimpleFormatOptions {
  /**
   * Colour the level tag with ANSI escapes, as ASP.NET does on a terminal.
   *
   * @default {false}
   */
  colors?: boolean;
}

const TAGS: Readonly<Record<RecordLevel, string>> = {
  trace: "trce",
  debug: "dbug",
  information: "info",
  warning: "warn",
  error: "fail",
  critical: "crit",
};

// ASP.NET's console colours: grey, dark green, yellow, black on dark red,
// white on dark red.
const COLORS: Readonly<Record<RecordLevel, string>> = {
  trace: "\x1b[90m",
  debug: "\x1b[90m",
  information: "\x1b[32m",
  warning: "\x1b[33m",
  error: "\x1b[30;41m",
  critical: "\x1b[97;41m",
};
const RESET = "\x1b[0m";

/** Lines after the first start under the category: `"info: "` is 6 wide. */
const PADDING = "      ";
const NEWLINE = /\r?\n/g;

function hasError(record: LogRecord): boolean {
  return record.error !== undefined;
}

/** The event id and the pairs the message does not already show. */
function headerAndPairs(record: LogRecord): [eventId: number, pairs: string] {
  const template = record.messageTemplate;
  return eventIdAndPairs(
    record.properties,
    template === undefined ? undefined : templateNames(template),
  );
}

/**
 * Formats a record as ASP.NET's simple console formatter does: a header
 * line `{tag}: {category}[{eventId}]`, then, each indented six spaces, the
 * message (every line of it), the properties as `key=value` pairs when
 * there are any, and the error with its stack. Tags: `trce`, `dbug`,
 * `info`, `warn`, `fail`, `crit`. The event id is the integer `eventId`
 * property (then left out of the pairs), or 0. The message is written with
 * its template filled in, and the properties it names are not repeated in
 * the pairs. The scope is not written. No trailing newline.
 *
 * @param record The record.
 * @param options Whether to colour the tag.
 * @returns The text, one or more lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSimple } from "./mod.ts";
 *
 * const text = formatSimple({
 *   timestamp: Date.now(),
 *   level: "information",
 *   category: "Roost.Hosting.Lifetime",
 *   message: "Now listening on: http://localhost:8000",
 *   properties: {},
 *   scope: {},
 * });
 * assert.equal(text, "info: Roost.Hosting.Lifetime[0]\n      Now listening on: http://localhost:8000");
 * ```
 */
export function formatSimple(
  record: LogRecord,
  options: SimpleFormatOptions = {},
): string {
  const tag = options.colors === true
    ? `${COLORS[record.level]}${TAGS[record.level]}${RESET}`
    : TAGS[record.level];
  const [eventId, pairs] = headerAndPairs(record);
  let text = `${tag}: ${record.category}[${eventId}]\n${PADDING}${
    record.message.replace(NEWLINE, `\n${PADDING}`)
  }`;
  if (pairs !== "") text += `\n${PADDING}${pairs}`;
  if (hasError(record)) {
    text += `\n${PADDING}${
      renderError(record.error).replace(NEWLINE, `\n${PADDING}`)
    }`;
  }
  return text;
}

/**
 * Formats a record as one line of JSON, keys in this order: `timestamp`
 * (ISO 8601, UTC), `level` (`Trace` … `Critical`), `category`, `message`
 * (its template filled in), `messageTemplate` (the template as given, when
 * it differs from the message), `properties` (all of them, also those the
 * message shows), `traceId` (only when there is one), `scope`, and
 * `exception` (only with an error: its stack and causes, as one string).
 *
 * The trace id has one place: the top-level `traceId`, taken from the
 * scope (a request's) or else from a `traceId` property, and left out of
 * `properties` and `scope`. Bigints become strings, errors in properties
 * their stack, maps objects, sets arrays, and a cycle `"[Circular]"`.
 *
 * @param record The record.
 * @returns One line, no trailing newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatJson } from "./mod.ts";
 *
 * const text = formatJson({
 *   timestamp: Date.UTC(2025, 0, 2, 3, 4, 5),
 *   level: "information",
 *   category: "App.Library",
 *   message: "shelf has 3 books",
 *   messageTemplate: "shelf has {count} books",
 *   properties: { count: 3 },
 *   scope: { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", path: "/shelves/1" },
 * });
 * assert.equal(
 *   text,
 *   '{"timestamp":"2025-01-02T03:04:05.000Z","level":"Information","category":"App.Library","message":"shelf has 3 books","messageTemplate":"shelf has {count} books","properties":{"count":3},"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","scope":{"path":"/shelves/1"}}',
 * );
 * ```
 */
export function formatJson(record: LogRecord): string {
  let properties = record.properties;
  let scope = record.scope;
  let traceId: unknown;
  if (scope.traceId !== undefined) {
    ({ traceId, ...scope } = scope);
  }
  if (properties.traceId !== undefined) {
    let own: unknown;
    ({ traceId: own, ...properties } = properties);
    traceId ??= own;
  }
  const json: Record<string, unknown> = {
    timestamp: new Date(record.timestamp).toISOString(),
    level: LEVEL_NAMES[record.level],
    category: record.category,
    message: record.message,
  };
  // The template as given, when it differs from the message: what groups
  // records of one kind in a log store (ASP.NET's `{OriginalFormat}`).
  const template = record.messageTemplate;
  if (template !== undefined && template !== record.message) {
    json.messageTemplate = template;
  }
  json.properties = properties;
  if (traceId !== undefined) json.traceId = traceId;
  json.scope = scope;
  if (hasError(record)) json.exception = renderError(record.error);
  return stringify(json)!;
}

const PRIORITIES: Readonly<Record<RecordLevel, number>> = {
  trace: 7,
  debug: 7,
  information: 6,
  warning: 4,
  error: 3,
  critical: 2,
};

/**
 * Formats a record for systemd's journal: `<{priority}>{category}[{eventId}]: {message}`,
 * then ` key=value` pairs when there are properties, then the error's
 * stack on the following lines. Every line starts with the syslog
 * priority, so journald files each one at the record's severity: trace
 * and debug 7, information 6, warning 4, error 3, critical 2. The event id,
 * and the pairs (without the properties the message template names), are
 * as in {@linkcode formatSimple}. No trailing newline.
 *
 * @param record The record.
 * @returns The text, one or more lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatSystemd } from "./mod.ts";
 *
 * const text = formatSystemd({
 *   timestamp: Date.now(),
 *   level: "warning",
 *   category: "Roost.Hosting.Lifetime",
 *   message: "Shutdown timed out",
 *   properties: { seconds: 30 },
 *   scope: {},
 * });
 * assert.equal(text, "<4>Roost.Hosting.Lifetime[0]: Shutdown timed out seconds=30");
 * ```
 */
export function formatSystemd(record: LogRecord): string {
  const prefix = `<${PRIORITIES[record.level]}>`;
  const [eventId, pairs] = headerAndPairs(record);
  let text = `${prefix}${record.category}[${eventId}]: ${record.message}`;
  if (pairs !== "") text += ` ${pairs}`;
  if (hasError(record)) text += `\n${renderError(record.error)}`;
  return text.replace(NEWLINE, `\n${prefix}`);
}
