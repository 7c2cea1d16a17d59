// The route table: a tree with one level per path segment, as ASP.NET's DFA
// matcher builds. At each level a literal child is tried first, then
// parameters (several parts in one segment, then constrained, then plain),
// then catch-alls; the first template that matches the path and the method
// wins, so precedence never depends on the order endpoints were mapped.

import {
  type ParameterPart,
  type RoutePattern,
  type Segment,
  segmentKey,
} from "./_route_template.ts";

/** What the table holds for one mapped endpoint. */
export interface RouteEntry<E> {
  readonly pattern: RoutePattern;
  /** Upper-case methods; `undefined` matches any method. */
  readonly methods: readonly string[] | undefined;
  /** `"GET /books/{id}"`, for messages. */
  readonly displayName: string;
  readonly value: E;
}

/** A path and method that found an endpoint. */
export interface RouteMatch<E> {
  readonly entry: RouteEntry<E>;
  readonly values: Record<string, string>;
}

/** A path some template matched, with none for the method. */
export interface MethodMismatch {
  /** The `Allow` header: every method the matching templates answer. */
  readonly allow: string;
}

interface Terminal<E> {
  readonly entry: RouteEntry<E>;
  /** Parameter names in capture order. */
  readonly names: readonly string[];
  /** Parameters the path may leave out here: their defaults apply. */
  readonly omitted: readonly ParameterPart[];
}

interface Edge<E> {
  readonly key: string;
  readonly rank: number;
  readonly node: Node<E>;
  /** Pushes the values the segment gives, or returns false. */
  readonly capture: (
    segment: string,
    captures: (string | undefined)[],
  ) => boolean;
}

class Node<E> {
  literals: Map<string, Node<E>> | undefined;
  readonly parameters: Edge<E>[] = [];
  readonly catchAlls: Edge<E>[] = [];
  readonly terminals: Terminal<E>[] = [];
  readonly byMethod = new Map<string, Terminal<E>>();
  any: Terminal<E> | undefined;
  allow = "";
}

// A segment's text, percent-decoded. Escapes of bytes that are not UTF-8
// ("%ff") stay as they were written, as ASP.NET keeps them: such a path
// still matches a parameter or the fallback, where it matched nothing.
function decode(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

// Decodes everything but an encoded "/", for {**path}.
function decodeKeepingSlashes(value: string): string {
  if (!value.includes("%")) return value;
  return value.split(/%2f/i).map(decode).join("%2F");
}

function passes(part: ParameterPart, value: string): boolean {
  for (const constraint of part.constraints) {
    if (!constraint.test(value)) return false;
  }
  return true;
}

/**
 * The raw values of a segment's parameters, left to right, or `undefined`
 * when it does not fit: from the right, each literal is found at its last
 * place that leaves the parameter after it at least one character.
 */
function matchParts(raw: string, parts: Segment): string[] | undefined {
  const lower = raw.toLowerCase();
  const values: string[] = [];
  let end = raw.length;
  let i = parts.length - 1;
  const tail = parts[i];
  if (tail.kind === "literal") {
    const text = tail.text.toLowerCase();
    if (!lower.endsWith(text)) return undefined;
    end -= text.length;
    i--;
  }
  // Parameters and literals alternate (the parser allows no two parameters
  // side by side); a literal first in the segment is a prefix.
  for (; i >= 0; i--) {
    if (i === 0) {
      if (end === 0) return undefined;
      values.push(raw.slice(0, end));
      end = 0;
      break;
    }
    const literal = (parts[i - 1] as { text: string }).text.toLowerCase();
    const at = i - 1 === 0
      ? (lower.startsWith(literal) ? 0 : -1)
      : lower.lastIndexOf(literal, end - 1 - literal.length);
    // The parameter after the literal takes at least one character.
    if (at === -1 || at + literal.length >= end) return undefined;
    values.push(raw.slice(at + literal.length, end));
    end = at;
    i--; // past the literal
  }
  return end === 0 ? values.reverse() : undefined;
}

function parameterEdge<E>(segment: Segment, node: Node<E>): Edge<E> {
  const key = segmentKey(segment);
  if (segment.length === 1) {
    const part = segment[0] as ParameterPart;
    return {
      key,
      rank: part.constraints.length > 0 ? 3 : 4,
      node,
      capture(raw, captures) {
        if (raw === "") return false;
        const value = decode(raw);
        if (!passes(part, value)) return false;
        captures.push(value);
        return true;
      },
    };
  }
  // Several parts in one segment: literals match case-insensitively, and each
  // parameter takes as much as it can from the left, by ASP.NET's
  // right-to-left literal search: linear in the segment's length for any
  // request (a backtracking regex is not, and the path is the client's).
  const parameters = segment.filter((p): p is ParameterPart =>
    p.kind === "parameter"
  );
  const last = parameters.at(-1) as ParameterPart;
  // "{name}.{ext?}": without the extension, the segment is only the name.
  const short = last.optional ? segment.slice(0, -2) : undefined;
  return {
    key,
    rank: 2,
    node,
    capture(raw, captures) {
      let found = matchParts(raw, segment);
      let count = parameters.length;
      if (found === undefined && short !== undefined) {
        found = matchParts(raw, short);
        count--;
      }
      if (found === undefined) return false;
      const start = captures.length;
      for (let i = 0; i < count; i++) {
        const value = decode(found[i]);
        if (!passes(parameters[i], value)) {
          captures.length = start;
          return false;
        }
        captures.push(value);
      }
      // An optional part left out still takes a place in the captures.
      if (count < parameters.length) captures.push(undefined);
      return true;
    },
  };
}

function catchAllEdge<E>(part: ParameterPart, node: Node<E>): Edge<E> {
  const read = part.catchAll === 2 ? decodeKeepingSlashes : decode;
  return {
    key: segmentKey([part]),
    rank: 5,
    node,
    capture(raw, captures) {
      const value = read(raw);
      const chosen = value === "" && part.defaultValue !== undefined
        ? part.defaultValue
        : value;
      if (!passes(part, chosen)) return false;
      captures.push(chosen);
      return true;
    },
  };
}

function mayOmit(part: ParameterPart): boolean {
  return part.catchAll === 0 || passes(part, part.defaultValue ?? "");
}

function literalKey(text: string): string {
  return decode(text).toLowerCase();
}

function overlaps(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): boolean {
  return a === undefined || b === undefined || a.some((m) => b.includes(m));
}

/** The endpoints of one pipeline position, ready to match paths. */
export class RouteTable<E> {
  readonly #root = new Node<E>();
  #captures: (string | undefined)[] = [];
  // The Allow values of templates that matched a path but not its method.
  readonly #allowed: string[] = [];
  #size = 0;

  /** How many endpoints it holds. */
  get size(): number {
    return this.#size;
  }

  /**
   * Adds an endpoint.
   *
   * @throws {TypeError} When an endpoint already in the table matches the
   * same paths with a method in common: no request could tell them apart.
   */
  add(entry: RouteEntry<E>): void {
    const { segments, required } = entry.pattern;
    let node = this.#root;
    const names: string[] = [];
    for (let s = 0; s <= segments.length; s++) {
      const omitted = segments.slice(s).map((segment) =>
        segment[0] as ParameterPart
      );
      // A path may end here if what it leaves out may be left out: a
      // catch-all whose constraint refuses an empty rest may not.
      if (s >= required && omitted.every(mayOmit)) {
        this.#terminal(node, { entry, names: [...names], omitted });
      }
      if (s === segments.length) break;
      const segment = segments[s];
      for (const part of segment) {
        if (part.kind === "parameter") names.push(part.name);
      }
      node = this.#child(node, segment);
    }
    this.#size++;
  }

  #child(node: Node<E>, segment: Segment): Node<E> {
    const first = segment[0];
    if (segment.length === 1 && first.kind === "literal") {
      node.literals ??= new Map();
      const key = literalKey(first.text);
      let child = node.literals.get(key);
      if (child === undefined) node.literals.set(key, child = new Node());
      return child;
    }
    const catchAll = first.kind === "parameter" && first.catchAll !== 0;
    const edges = catchAll ? node.catchAlls : node.parameters;
    const key = segmentKey(segment);
    const existing = edges.find((edge) => edge.key === key);
    if (existing !== undefined) return existing.node;
    const child = new Node<E>();
    const edge = catchAll
      ? catchAllEdge(first as ParameterPart, child)
      : parameterEdge(segment, child);
    // Stable: equal ranks keep the order they were mapped in.
    const at = edges.findIndex((other) => other.rank > edge.rank);
    edges.splice(at === -1 ? edges.length : at, 0, edge);
    return child;
  }

  #terminal(node: Node<E>, terminal: Terminal<E>): void {
    const methods = terminal.entry.methods;
    for (const other of node.terminals) {
      if (overlaps(other.entry.methods, methods)) {
        throw new TypeError(
          `Endpoints "${other.entry.displayName}" and "${terminal.entry.displayName}" match the same requests: no path or method tells them apart. Remove one, or give them different methods or templates.`,
        );
      }
    }
    node.terminals.push(terminal);
    if (methods === undefined) node.any = terminal;
    else for (const method of methods) node.byMethod.set(method, terminal);
    const allowed = new Set(node.byMethod.keys());
    if (allowed.has("GET")) allowed.add("HEAD");
    node.allow = [...allowed].sort().join(", ");
  }

  /**
   * Finds the endpoint for `method` and `path` (a normalized path starting
   * with `/`).
   *
   * @returns The match; a mismatch when templates matched the path but none
   * answers the method; `undefined` when no template matched.
   */
  match(
    method: string,
    path: string,
  ): RouteMatch<E> | MethodMismatch | undefined {
    const segments = path.split("/");
    // "/books/" is "/books"; "/" has no segments.
    let count = segments.length;
    if (count > 1 && segments[count - 1] === "") count--;
    const captures: (string | undefined)[] = [];
    this.#captures = captures;
    const allowed = this.#allowed;
    if (allowed.length !== 0) allowed.length = 0;
    const found = this.#search(this.#root, segments, 1, count, method);
    if (found !== undefined) {
      const values: Record<string, string> = {};
      const names = found.names;
      for (let i = 0; i < names.length; i++) {
        const value = captures[i];
        if (value !== undefined) values[names[i]] = value;
      }
      for (const part of found.omitted) {
        if (part.defaultValue !== undefined) {
          values[part.name] = part.defaultValue;
        } else if (part.catchAll !== 0) values[part.name] = "";
      }
      return { entry: found.entry, values };
    }
    if (allowed.length === 0) return undefined;
    const header = new Set(allowed.flatMap((list) => list.split(", ")));
    allowed.length = 0;
    return { allow: [...header].sort().join(", ") };
  }

  #search(
    node: Node<E>,
    segments: string[],
    index: number,
    count: number,
    method: string,
  ): Terminal<E> | undefined {
    if (index === count) {
      if (node.terminals.length === 0) return undefined;
      const terminal = node.byMethod.get(method) ??
        (method === "HEAD" ? node.byMethod.get("GET") : undefined) ??
        node.any;
      if (terminal === undefined) this.#allowed.push(node.allow);
      return terminal;
    }
    const raw = segments[index];
    const literals = node.literals;
    if (literals !== undefined) {
      const child = literals.get(raw) ?? literals.get(literalKey(raw));
      if (child !== undefined) {
        const found = this.#search(
          child,
          segments,
          index + 1,
          count,
          method,
        );
        if (found !== undefined) return found;
      }
    }
    const captures = this.#captures;
    for (const edge of node.parameters) {
      const mark = captures.length;
      if (!edge.capture(raw, captures)) continue;
      const found = this.#search(
        edge.node,
        segments,
        index + 1,
        count,
        method,
      );
      if (found !== undefined) return found;
      captures.length = mark;
    }
    if (node.catchAlls.length > 0) {
      const rest = segments.slice(index, count).join("/");
      for (const edge of node.catchAlls) {
        const mark = captures.length;
        if (!edge.capture(rest, captures)) continue;
        const found = this.#search(edge.node, segments, count, count, method);
        if (found !== undefined) return found;
        captures.length = mark;
      }
    }
    return undefined;
  }
}
