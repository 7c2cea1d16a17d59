// Copying the fields of a response's Headers onto the Response built from
// them, without checking each field a second time. Every field of ours was
// checked by Deno's Headers when it was set; setting it again on the
// Response checks it again (name, value, each byte): 0.3 µs a field in
// process. Deno keeps a Headers' fields as a list of [name, value] pairs
// under an internal symbol, and a fresh Response's `headers` share its
// list. It is internal, so it is feature-detected, with set() and append()
// as the fallback.

interface ListKeys {
  /** The pairs of a Headers. */
  list: symbol;
  /** Deno's cache of the pairs' lower-cased names (reset on a change). */
  lowerNames: symbol;
}

let keys: ListKeys | null | undefined;

function findKeys(): ListKeys | null {
  const probe = new Headers([["x-probe", "1"]]);
  let list: symbol | undefined;
  let lowerNames: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(probe)) {
    if (symbol.description === "header list") list = symbol;
    if (symbol.description === "lowercase header names") lowerNames = symbol;
  }
  if (list === undefined || lowerNames === undefined) return null;
  // The shape this code relies on: one pair, as it was set.
  const pairs = (probe as unknown as Record<symbol, unknown>)[list];
  return Array.isArray(pairs) && pairs.length === 1 &&
      Array.isArray(pairs[0]) && pairs[0][0] === "x-probe" &&
      pairs[0][1] === "1"
    ? { list, lowerNames }
    : null;
}

// The pairs of `headers`, when Deno keeps them where this code expects.
function pairsOf(
  headers: Headers,
  list: symbol,
): [string, string][] | undefined {
  const pairs = (headers as unknown as Record<symbol, unknown>)[list];
  return Array.isArray(pairs) ? pairs as [string, string][] : undefined;
}

/**
 * Gives `target` (the headers of a Response just made) the fields of
 * `source`, replacing any it has by the same name (the body's default
 * content type), as `target.set()` for each field of `source` would, and
 * `target.append()` for each Set-Cookie.
 */
export function copyHeaders(source: Headers, target: Headers): void {
  keys ??= findKeys();
  const from = keys === null ? undefined : pairsOf(source, keys.list);
  const to = keys === null ? undefined : pairsOf(target, keys.list);
  const names = from === undefined || to === undefined
    ? undefined
    : lowerCasedOnce(from);
  if (names === undefined) {
    // A Headers joins repeated fields but Set-Cookie, which comes one field
    // at a time. forEach, as for…of makes an iterator result per field.
    source.forEach((value, name) => {
      if (name === "set-cookie") target.append(name, value);
      else target.set(name, value);
    });
    return;
  }
  for (let i = to!.length - 1; i >= 0; i--) {
    if (names.includes(to![i][0].toLowerCase())) to!.splice(i, 1);
  }
  for (let i = 0; i < from!.length; i++) to!.push([names[i], from![i][1]]);
  (target as unknown as Record<symbol, unknown>)[keys!.lowerNames] = null;
}

// The lower-cased names of `pairs`, or undefined when a name other than
// Set-Cookie comes twice: those a Headers joins into one field, which the
// fallback sends as it joins them.
function lowerCasedOnce(pairs: [string, string][]): string[] | undefined {
  const names: string[] = [];
  for (const [name] of pairs) {
    const lower = name.toLowerCase();
    if (lower !== "set-cookie" && names.includes(lower)) return undefined;
    names.push(lower);
  }
  return names;
}
