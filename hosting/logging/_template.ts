// Message templates (`"shelf has {count} books"`), filled in as LogTape
// fills them in (see _message_template.ts): what a template means (escaped
// `{{`/`}}`, `{a.b}` paths, `{*}`, scope values) is LogTape's definition;
// Roost adds only that a placeholder with no value stays as written, as
// ASP.NET's formatter leaves it.

import { parseMessageTemplate } from "./_message_template.ts";
import { stringify } from "./_render.ts";
import { currentScope } from "./_scope.ts";

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
 * Fills in a message template with `properties`, and the values of the
 * current scope under them. A message without `{` is returned as it is.
 */
export function renderTemplate(
  template: string,
  properties: Record<string, unknown>,
): string {
  if (!template.includes("{")) return template;
  let parts: readonly unknown[];
  try {
    parts = parseMessageTemplate(template, properties, currentScope());
  } catch {
    // A throwing lazy() value or property getter: the template as written.
    return template;
  }
  return renderParts(parts, template);
}
