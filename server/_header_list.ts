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
  /** Who may change it: "response" for a Response made by the app. */
  guard: symbol;
}

let keys: ListKeys | null | undefined;

function findKeys(): ListKeys | null {
  const probe = new Headers([["x-probe", "1"]]);
  let list: symbol | undefined;
  let lowerNames: symbol | undefined;
  let guard: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(probe)) {
    if (symbol.description === "header list") list = symbol;
    if (symbol.description === "lowercase header names") lowerNames = symbol;
    if (symbol.description === "guard") guard = symbol;
  }
  if (list === undefined || lowerNames === undefined || guard === undefined) {
    return null;
  }
  // The shape this code relies on: one pair, as it was set, and the guards
  // of a Headers and of a Response's headers.
  const fields = probe as unknown as Record<symbol, unknown>;
  const pairs = fields[list];
  const response = new Response(null).headers as unknown as Record<
    symbol,
    unknown
  >;
  return Array.isArray(pairs) && pairs.length === 1 &&
      Array.isArray(pairs[0]) && pairs[0][0] === "x-probe" &&
      pairs[0][1] === "1" && fields[guard] === "none" &&
      response[guard] === "response"
    ? { list, lowerNames, guard }
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

/**
 * Appends to `target` each field of `source` whose name it lacks,
 * unchecked, as `target.append()` would. Says whether it wrote;
 * `undefined` when it cannot do it this way and changed nothing: `target`
 * is immutable (fetch() and Response.redirect() make such headers), or
 * `source` has Set-Cookie or a repeated field.
 */
export function appendMissing(
  source: Headers,
  target: Headers,
): boolean | undefined {
  keys ??= findKeys();
  if (keys === null) return undefined;
  // A Headers of its own or a Response's: fetch() and Response.redirect()
  // make immutable ones, which must stay as they are.
  const guard = (target as unknown as Record<symbol, unknown>)[keys.guard];
  if (guard !== "none" && guard !== "response") return undefined;
  const from = pairsOf(source, keys.list);
  const to = pairsOf(target, keys.list);
  const names = from === undefined ? undefined : lowerCasedOnce(from);
  if (to === undefined || names === undefined || names.includes("set-cookie")) {
    return undefined;
  }
  const theirs = to.map(([name]) => name.toLowerCase());
  let wrote = false;
  for (let i = 0; i < names.length; i++) {
    if (theirs.includes(names[i])) continue;
    to.push([names[i], from![i][1]]);
    wrote = true;
  }
  if (wrote) {
    (target as unknown as Record<symbol, unknown>)[keys.lowerNames] = null;
  }
  return wrote;
}

/**
 * Removes the field `name` (lower case) from `target` (a Response's
 * headers), as `target.delete(name)` would.
 */
export function removeField(target: Headers, name: string): void {
  keys ??= findKeys();
  const to = keys === null ? undefined : pairsOf(target, keys.list);
  if (to === undefined) return target.delete(name);
  let removed = false;
  for (let i = to.length - 1; i >= 0; i--) {
    if (to[i][0].toLowerCase() === name) {
      to.splice(i, 1);
      removed = true;
    }
  }
  if (removed) {
    (target as unknown as Record<symbol, unknown>)[keys!.lowerNames] = null;
  }
}

/** Removes every field of `headers`, as deleting each name would. */
export function clearHeaders(headers: Headers): void {
  keys ??= findKeys();
  const pairs = keys === null ? undefined : pairsOf(headers, keys.list);
  if (pairs === undefined) {
    for (const name of [...headers.keys()]) headers.delete(name);
    return;
  }
  pairs.length = 0;
  (headers as unknown as Record<symbol, unknown>)[keys!.lowerNames] = null;
}
