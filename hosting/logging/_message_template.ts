// Fills in a message template without loading LogTape (which costs ~10 ms
// of every host's start-up): "{name}" takes a property's value, "{{" and
// "}}" are literal braces, "{*}" is every property, and "{a.b}", "{a[0]}",
// "{a["k"]}" and "{a?.b}" read into one. Templates mean what they mean in
// LogTape, but for one thing: only a value's own properties are read, so
// "{constructor}" stays as written. tests/hosting/logging/templates_test.ts
// compares the two.

// The marker of LogTape's lazy() values: evaluated when the record is made.
const LAZY = Symbol.for("logtape.lazy");

function evaluate(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const lazy = value as { [LAZY]?: unknown; getter?: () => unknown };
  return lazy[LAZY] === true && typeof lazy.getter === "function"
    ? lazy.getter()
    : value;
}

// One step of a path: `.name` or `?.name`, `[3]`, `["key"]` or `['key']`.
const STEP =
  /^(?:\??\.)?(?:([^.[\]?"']+)|\[(-?\d+)\]|\[("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\])/;

function quotedKey(quoted: string): string | undefined {
  const json = quoted[0] === '"'
    ? quoted
    : `"${quoted.slice(1, -1).replaceAll('"', '\\"')}"`;
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

// Reads own properties only: "{user.constructor}" must not reach a prototype.
function step(from: unknown, key: string | number): unknown {
  if (typeof from !== "object" && typeof from !== "function") return undefined;
  if (from === null) return undefined;
  if (typeof key === "number") {
    return Array.isArray(from) && key >= 0 ? from[key] : undefined;
  }
  if (key === "__proto__" || key === "prototype" || key === "constructor") {
    return undefined;
  }
  return Object.hasOwn(from, key)
    ? (from as Record<string, unknown>)[key]
    : undefined;
}

function readPath(values: Record<string, unknown>, path: string): unknown {
  let current: unknown = values;
  let rest = path;
  while (rest.length > 0) {
    const match = STEP.exec(rest);
    if (match === null) return undefined;
    const [whole, name, index, quoted] = match;
    const key = name ??
      (index !== undefined ? Number(index) : quotedKey(quoted));
    if (key === undefined) return undefined;
    current = step(current, key);
    if (current === undefined) return undefined;
    rest = rest.slice(whole.length);
  }
  return current;
}

function own(values: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

function lookup(values: Record<string, unknown>, key: string): unknown {
  const name = key.trim();
  if (name === "*") {
    return Object.hasOwn(values, key)
      ? values[key]
      : Object.hasOwn(values, "*")
      ? values["*"]
      : values;
  }
  // Own properties only: "{constructor}" is no placeholder with a value.
  const value = Object.hasOwn(values, key) || key === name
    ? own(values, key)
    : own(values, name);
  if (value !== undefined || !/[.[]|\?\./.test(name)) return value;
  return readPath(values, name);
}

/**
 * A template's text and values, alternating (`["shelf has ", 3, " books"]`).
 * A `{` with no `}` after it is text. `scope` (the implicit context) gives
 * way to `properties`.
 */
export function parseMessageTemplate(
  template: string,
  properties: Record<string, unknown>,
  scope: Record<string, unknown>,
): unknown[] {
  if (!template.includes("{")) return [template];
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(scope)) values[key] = evaluate(scope[key]);
  for (const key in properties) values[key] = evaluate(properties[key]);
  const parts: unknown[] = [];
  let text = "";
  let from = 0;
  for (let i = 0; i < template.length; i++) {
    const char = template[i];
    const doubled = template[i + 1] === char;
    if (char === "}" && doubled) {
      text += template.slice(from, i + 1);
      from = ++i + 1;
    } else if (char === "{" && doubled) {
      text += template.slice(from, i + 1);
      from = ++i + 1;
    } else if (char === "{") {
      const close = template.indexOf("}", i + 1);
      if (close === -1) continue;
      parts.push(text + template.slice(from, i));
      parts.push(lookup(values, template.slice(i + 1, close)));
      text = "";
      from = (i = close) + 1;
    }
  }
  parts.push(text + template.slice(from));
  return parts;
}
