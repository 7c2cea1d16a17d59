// LogTape records as Roost log calls: what a LogTape logger writes goes
// through Roost's filters to Roost's outputs.

import { type LogLevel, parseLogLevel } from "./log_level.ts";
import type { LogTapeRecord } from "./_logtape.ts";
import { currentScope } from "./_scope.ts";
import { renderParts } from "./_template.ts";

/** A LogTape record, as the arguments of a Roost log call. */
export interface BridgedRecord {
  /** The category, dotted: `["fedify", "federation"]` is `fedify.federation`. */
  category: string;
  /** LogTape's `info` is `information`, `fatal` is `critical`. */
  level: LogLevel;
  /** The rendered message: values between the template's parts. */
  message: string;
  /** The template, when the message was one (a string with a `{`). */
  template: string | undefined;
  /** The properties, without the implicit context LogTape merged in. */
  properties: Record<string, unknown>;
}

/** Reads a LogTape record as a Roost log call. */
export function fromLogTape(record: LogTapeRecord): BridgedRecord {
  const raw = record.rawMessage;
  const template = typeof raw === "string" && raw.includes("{")
    ? raw
    : undefined;
  const message = renderParts(
    record.message,
    typeof raw === "string" ? raw : undefined,
  );
  // LogTape merges the implicit context into the properties; Roost keeps it
  // apart, in the record's scope.
  const scope = currentScope();
  let properties = record.properties;
  for (const key in scope) {
    if (!(key in properties) || properties[key] !== scope[key]) continue;
    if (properties === record.properties) properties = { ...properties };
    delete properties[key];
  }
  return {
    category: record.category.join("."),
    level: parseLogLevel(record.level),
    message,
    template,
    properties,
  };
}
