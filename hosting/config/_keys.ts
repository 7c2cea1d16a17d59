// Key helpers shared by the providers and the sections: flattening nested
// values into ":"-separated keys, and the order children are listed in.

/** The separator of key segments, as in ASP.NET Core. */
export const KEY_DELIMITER = ":";

/** Joins non-empty path segments with {@linkcode KEY_DELIMITER}. */
export function combineKey(path: string, key: string): string {
  return path === "" ? key : `${path}${KEY_DELIMITER}${key}`;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function scalar(value: unknown, key: string): string | undefined {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return undefined;
  }
  if (value === null) return "";
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return value.href;
  throw new TypeError(
    `Configuration value "${key}" must be a string, number, boolean, null, array or plain object, got ${typeof value}`,
  );
}

/**
 * Flattens nested objects and arrays into `[key, value]` pairs: `{ a: { b: 1 } }`
 * becomes `a:b = "1"`, `{ a: [x, y] }` becomes `a:0`, `a:1`. `null` becomes
 * `""`, `undefined` and empty objects or arrays add nothing.
 */
export function flatten(
  value: unknown,
  prefix = "",
  into: [string, string][] = [],
): [string, string][] {
  if (Array.isArray(value)) {
    value.forEach((item, index) =>
      flatten(item, combineKey(prefix, String(index)), into)
    );
  } else if (
    typeof value === "object" && value !== null && isPlainObject(value)
  ) {
    for (const [key, item] of Object.entries(value)) {
      flatten(item, combineKey(prefix, key), into);
    }
  } else if (prefix === "") {
    if (value !== undefined) {
      throw new TypeError(
        `Configuration values must be an object of keys, got ${typeof value}`,
      );
    }
  } else {
    const text = scalar(value, prefix);
    if (text !== undefined) into.push([prefix, text]);
  }
  return into;
}

const INTEGER = /^\d+$/;

/**
 * Orders sibling keys as ASP.NET Core does: integers first and numerically
 * (so `10` comes after `9`), then the rest by ordinal, ignoring case.
 */
export function compareKeys(a: string, b: string): number {
  const aNumeric = INTEGER.test(a);
  const bNumeric = INTEGER.test(b);
  if (aNumeric && bNumeric) {
    const difference = Number(a) - Number(b);
    if (difference !== 0) return difference;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (aNumeric) return -1;
  if (bNumeric) return 1;
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
