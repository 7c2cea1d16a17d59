// Turning values into text for the formatters: errors with their stacks,
// JSON that survives bigints and cycles, and `key=value` pairs.

const MAX_CAUSES = 8;

/**
 * An error as text: an `Error`'s stack (or `Name: message` without one),
 * then each `cause` on a `Caused by:` line (a cause seen before ends the
 * chain: they form a cycle); a string as it is; anything else as JSON. A
 * value that cannot be read (a getter or a Proxy trap that throws) is
 * described, never thrown: the record it belongs to is still written.
 */
export function renderError(
  error: unknown,
  depth = 0,
  seen: unknown[] = [],
): string {
  try {
    if (error instanceof Error) {
      seen.push(error);
      let text = typeof error.stack === "string" && error.stack !== ""
        ? error.stack
        : `${error.name}: ${error.message}`;
      const cause = error.cause;
      if (cause !== undefined && seen.includes(cause)) {
        text += "\nCaused by: (an error above: the causes form a cycle)";
      } else if (cause !== undefined && depth < MAX_CAUSES) {
        text += `\nCaused by: ${renderError(cause, depth + 1, seen)}`;
      }
      return text;
    }
    if (typeof error === "string") return error;
    return stringify(error) ?? String(error);
  } catch (failure) {
    return unreadable(error, failure);
  }
}

// What to write for a value that threw while being read.
function unreadable(value: unknown, failure: unknown): string {
  let why: string;
  try {
    why = failure instanceof Error ? failure.message : String(failure);
  } catch {
    why = "and so did reading why";
  }
  const type = typeof value;
  const article = type === "object" || type === "undefined" ? "an" : "a";
  return `(${article} ${type} that cannot be shown: reading it threw: ${why})`;
}

function replaceValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return renderError(value);
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

/** A replacer that also writes `"[Circular]"` for a value inside itself. */
function cycleSafeReplacer(): (
  this: unknown,
  key: string,
  value: unknown,
) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, key: string, value: unknown): unknown {
    const replaced = replaceValue(key, value);
    if (typeof replaced !== "object" || replaced === null) return replaced;
    // `this` is the object holding `value`: drop the finished branches.
    while (ancestors.length > 0 && ancestors.at(-1) !== this) ancestors.pop();
    if (ancestors.includes(replaced)) return "[Circular]";
    ancestors.push(replaced);
    return replaced;
  };
}

/**
 * JSON on one line. Bigints become strings, errors their stack, maps
 * objects, sets arrays, and a cycle `"[Circular]"`.
 */
export function stringify(value: unknown): string | undefined {
  try {
    return JSON.stringify(value, replaceValue);
  } catch {
    // Cycles get here (bigints are replaced): the slower, cycle-safe pass.
  }
  try {
    return JSON.stringify(value, cycleSafeReplacer());
  } catch {
    // A getter, toJSON or Proxy trap threw: read every value by hand.
    return JSON.stringify(readable(value, []));
  }
}

// A copy of `value` as plain data, each read guarded: what cannot be read
// is described instead. Only for values JSON.stringify could not take.
function readable(value: unknown, ancestors: unknown[]): unknown {
  try {
    if (typeof value === "bigint") return value.toString();
    if (typeof value !== "object" || value === null) return value;
    if (ancestors.includes(value)) return "[Circular]";
    if (value instanceof Error) return renderError(value);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      return readable(toJSON.call(value), ancestors);
    }
    const inner = [...ancestors, value];
    if (value instanceof Map) {
      return readable(Object.fromEntries(value), ancestors);
    }
    if (value instanceof Set || Array.isArray(value)) {
      return [...value].map((item) => readable(item, inner));
    }
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      try {
        copy[key] = readable((value as Record<string, unknown>)[key], inner);
      } catch (failure) {
        copy[key] = unreadable(value as Record<string, unknown>, failure);
      }
    }
    return copy;
  } catch (failure) {
    return unreadable(value, failure);
  }
}

const BARE = /^[^\s"=]+$/;

function pairValue(value: unknown): string {
  try {
    return pairText(value);
  } catch (failure) {
    return JSON.stringify(unreadable(value, failure));
  }
}

function pairText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return BARE.test(value) ? value : JSON.stringify(value);
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return String(value);
  }
  if (value === null) return "null";
  if (value instanceof Error) {
    return JSON.stringify(`${value.name}: ${value.message}`);
  }
  return stringify(value) ?? String(value);
}

/**
 * The properties as `key=value` pairs separated by spaces, those in `skip`
 * left out. Strings stay bare unless they hold spaces, quotes or `=` (then
 * they are JSON strings); objects are JSON.
 */
function formatPairs(
  properties: Record<string, unknown>,
  skip: ReadonlySet<string> | undefined,
  skipEventId: boolean,
): string {
  let text = "";
  for (const key of Object.keys(properties)) {
    if ((skipEventId && key === "eventId") || skip?.has(key)) continue;
    text += `${text === "" ? "" : " "}${key}=${pairValue(properties[key])}`;
  }
  return text;
}

/**
 * The event id in a record's brackets and the rest of its properties as
 * pairs: the `eventId` property when it is an integer (ASP.NET's
 * EventId), then left out of the pairs, or 0. Names in `skip` (those the
 * message template already shows) are left out too.
 */
export function eventIdAndPairs(
  properties: Record<string, unknown>,
  skip?: ReadonlySet<string>,
): [eventId: number, pairs: string] {
  const id = properties.eventId;
  return typeof id === "number" && Number.isInteger(id)
    ? [id, formatPairs(properties, skip, true)]
    : [0, formatPairs(properties, skip, false)];
}
