// Message templates (`"shelf has {count} books"`), filled in by LogTape's own
// parser: Roost asks a LogTape logger of its own category to log the
// template and catches the record before any sink sees it. What a template
// means (escaped `{{`/`}}`, `{a.b}` paths, `{*}`, scope values) is LogTape's
// definition; Roost adds only that a placeholder with no value stays as
// written, as ASP.NET's formatter leaves it.

import {
  getConfig,
  getLogger,
  type LogTapeRecord,
  withConfigSync,
} from "./_logtape.ts";
import { stringify } from "./_render.ts";

const CATEGORY = ["roost", "template"];

/** The sink a capture goes to, while one is under way. */
let capturing = false;
let captured: LogTapeRecord | undefined;
/** The LogTape configuration whose root sink is {@linkcode withCapture}'s. */
let ownConfig: ReturnType<typeof getConfig> = null;

function capture(record: LogTapeRecord): void {
  captured = record;
}

const SCOPED = {
  sinks: { capture },
  loggers: [{ category: CATEGORY, sinks: ["capture"], lowestLevel: "trace" }],
} as const;

/**
 * Wraps the sink Roost installs as LogTape's root sink so that it catches
 * the records of a template being filled in and passes the rest on.
 */
export function withCapture(
  sink: (record: LogTapeRecord) => void,
): (record: LogTapeRecord) => void {
  return (record) => {
    if (capturing) capture(record);
    else sink(record);
  };
}

/** Tells this module which LogTape configuration has the capturing sink. */
export function setOwnConfig(config: ReturnType<typeof getConfig>): void {
  ownConfig = config;
}

/** LogTape's parse of `template`: text and values, alternating. */
function parse(
  template: string,
  properties: Record<string, unknown>,
): readonly unknown[] | undefined {
  const config = getConfig();
  capturing = true;
  captured = undefined;
  try {
    const logger = getLogger(CATEGORY);
    if (config !== null && config === ownConfig) {
      // Our root sink catches it: the cheap path (~3 µs).
      logger.info(template, properties);
    } else if (config?.contextLocalStorage !== undefined) {
      // The application's configuration: a scoped one of ours keeps the
      // record away from its sinks (~9 µs).
      withConfigSync(SCOPED, () => logger.info(template, properties));
    }
    // TypeScript cannot see that the call above sets `captured`.
    return (captured as LogTapeRecord | undefined)?.message;
  } catch {
    return undefined;
  } finally {
    capturing = false;
    captured = undefined;
  }
}

/**
 * The placeholders of `template` as written (`"{count}"`), in order, read
 * the way LogTape's parser reads them: `{{` and `}}` are literal braces and
 * a `{` without a closing `}` is text.
 */
export function placeholders(template: string): string[] {
  const found: string[] = [];
  const length = template.length;
  for (let i = 0; i < length; i++) {
    const char = template[i];
    if (char === "{") {
      if (template[i + 1] === "{") {
        i++;
        continue;
      }
      const close = template.indexOf("}", i + 1);
      if (close === -1) continue;
      found.push(template.slice(i, close + 1));
      i = close;
    } else if (char === "}" && template[i + 1] === "}") {
      i++;
    }
  }
  return found;
}

const ROOT_NAME = /^\s*([^.[?\s]*)/;

/**
 * The property names `template` reads (for `{user.name}`, `user`), so
 * text formats need not repeat them after the message.
 */
export function templateNames(template: string): Set<string> {
  const names = new Set<string>();
  for (const placeholder of placeholders(template)) {
    names.add(ROOT_NAME.exec(placeholder.slice(1, -1))![1]);
  }
  return names;
}

/**
 * Text and values as one string: strings as they are, other values as
 * JSON (errors as `Name: message`), and a value that is `undefined` as
 * its placeholder was written in `template` (a tagged template's values
 * have no placeholder: `undefined` is written then).
 */
export function renderParts(
  parts: readonly unknown[],
  template: string | undefined,
): string {
  if (parts.length === 1) return String(parts[0]);
  let text = "";
  let written: string[] | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i % 2 === 0 || typeof part === "string") text += part;
    else if (part === undefined && template !== undefined) {
      written ??= placeholders(template);
      text += written[(i - 1) / 2] ?? "";
    } else if (part instanceof Error) text += `${part.name}: ${part.message}`;
    else text += stringify(part) ?? String(part);
  }
  return text;
}

/**
 * Fills in a message template with `properties` through LogTape. A
 * message without `{` is returned as it is; so is the template when
 * LogTape cannot be asked (its configuration is the application's and has
 * no context storage).
 */
export function renderTemplate(
  template: string,
  properties: Record<string, unknown>,
): string {
  if (!template.includes("{")) return template;
  const parts = parse(template, properties);
  return parts === undefined ? template : renderParts(parts, template);
}
