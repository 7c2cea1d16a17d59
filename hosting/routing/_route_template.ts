// Parses ASP.NET route templates: literal segments, `{name}`, constraints
// `{id:int}`, optional `{id?}`, defaults `{page=1}`, catch-alls `{*path}` and
// `{**path}`, several parts in one segment (`{name}.{ext}`), `{{`/`}}` for
// literal braces. A malformed template is a TypeError that quotes it and
// points at the problem.

import { makeConstraint, type RouteConstraint } from "./_route_constraints.ts";

/** A literal part of a segment, as written (braces unescaped). */
export interface LiteralPart {
  readonly kind: "literal";
  readonly text: string;
}

/** A parameter part: `{name:constraint=default}`, `{name?}`, `{*name}`. */
export interface ParameterPart {
  readonly kind: "parameter";
  readonly name: string;
  readonly constraints: readonly RouteConstraint[];
  readonly optional: boolean;
  readonly defaultValue: string | undefined;
  /** 0: a plain parameter; 1: `{*name}`; 2: `{**name}` (slashes kept). */
  readonly catchAll: 0 | 1 | 2;
}

/** One `/`-separated segment of a template. */
export type Segment = readonly (LiteralPart | ParameterPart)[];

/** A parsed template. */
export interface RoutePattern {
  /** The template as written. */
  readonly template: string;
  readonly segments: readonly Segment[];
  /** How many leading segments a path must have; the rest may be left out. */
  readonly required: number;
}

const BAD_NAME_CHARACTERS = /[/{}?*=:.\s]/;

class TemplateProblem extends Error {
  constructor(readonly at: number, message: string) {
    super(message);
  }
}

/** The error for `template` with a caret under `at`. */
function templateError(template: string, problem: TemplateProblem): TypeError {
  const caret = " ".repeat(problem.at) + "^";
  return new TypeError(
    `Route template "${template}" is invalid: ${problem.message}\n  ${template}\n  ${caret}`,
  );
}

/**
 * Parses `template`.
 *
 * @throws {TypeError} When it is malformed: the message quotes it, points at
 * the problem and says how to fix it.
 */
export function parseRouteTemplate(template: string): RoutePattern {
  try {
    return parse(template);
  } catch (error) {
    if (error instanceof TemplateProblem) {
      throw templateError(template, error);
    }
    throw error;
  }
}

function parse(template: string): RoutePattern {
  if (typeof template !== "string") {
    throw new TypeError(
      `A route template must be a string such as "/books/{id}", got ${typeof template}`,
    );
  }
  let start = 0;
  if (template.startsWith("~/")) start = 2;
  else if (template.startsWith("/")) start = 1;
  const segments: Segment[] = [];
  const names = new Set<string>();
  let i = start;
  // A template of "/" or "" has no segments; a trailing "/" is ignored.
  while (i < template.length) {
    const segmentStart = i;
    const parts: (LiteralPart | ParameterPart)[] = [];
    let literal = "";
    while (i < template.length && template[i] !== "/") {
      const c = template[i];
      if (c === "{" && template[i + 1] === "{") {
        literal += "{";
        i += 2;
      } else if (c === "}" && template[i + 1] === "}") {
        literal += "}";
        i += 2;
      } else if (c === "}") {
        throw new TemplateProblem(
          i,
          'a "}" closes no parameter. Write "}}" for a literal brace.',
        );
      } else if (c === "?") {
        throw new TemplateProblem(
          i,
          'a "?" outside a parameter. A template matches paths, not query strings; an optional parameter is written {id?}.',
        );
      } else if (c === "{") {
        if (literal !== "") {
          parts.push({ kind: "literal", text: literal });
          literal = "";
        }
        if (parts.at(-1)?.kind === "parameter") {
          throw new TemplateProblem(
            i,
            'two parameters follow each other in one segment. Put a literal between them, as in "{name}.{ext}".',
          );
        }
        const { part, end } = parameter(template, i);
        if (names.has(part.name.toLowerCase())) {
          throw new TemplateProblem(
            i + 1,
            `the parameter "${part.name}" appears twice. Give each parameter its own name.`,
          );
        }
        names.add(part.name.toLowerCase());
        parts.push(part);
        i = end;
      } else {
        literal += c;
        i++;
      }
    }
    if (literal !== "") parts.push({ kind: "literal", text: literal });
    if (parts.length === 0) {
      if (i >= template.length) break; // a trailing "/"
      throw new TemplateProblem(
        i,
        'an empty segment ("//"). Remove the extra "/".',
      );
    }
    if (
      parts.length === 1 && parts[0].kind === "literal" &&
      (parts[0].text === "." || parts[0].text === "..")
    ) {
      // Paths are normalized before they are matched: no path has one.
      throw new TemplateProblem(
        segmentStart,
        `a "${
          parts[0].text
        }" segment, which no request path has (paths are normalized first, "/a/../b" to "/b"). Write the path it stands for.`,
      );
    }
    checkSegment(parts, segmentStart);
    segments.push(parts);
    if (i < template.length) i++; // the "/"
  }
  return { template, segments, required: requiredSegments(segments, template) };
}

function checkSegment(
  parts: (LiteralPart | ParameterPart)[],
  segmentStart: number,
): void {
  parts.forEach((part, index) => {
    if (part.kind !== "parameter") return;
    if (part.catchAll !== 0 && parts.length > 1) {
      throw new TemplateProblem(
        segmentStart,
        `the catch-all parameter "${part.name}" shares its segment. A catch-all takes a whole segment: "/files/{*${part.name}}".`,
      );
    }
    if (part.optional && parts.length > 1) {
      const before = parts[index - 1];
      if (
        index !== parts.length - 1 || before?.kind !== "literal" ||
        before.text !== "."
      ) {
        throw new TemplateProblem(
          segmentStart,
          `the optional parameter "${part.name}" shares its segment. In a segment with several parts, only the last may be optional, after a ".": "{name}.{ext?}".`,
        );
      }
    }
  });
}

// Segments at the end may be left out of a path when each is one parameter
// that is optional, has a default, or is a catch-all.
function requiredSegments(segments: Segment[], template: string): number {
  let required = segments.length;
  while (required > 0) {
    const last = segments[required - 1];
    const part = last[0];
    if (
      last.length !== 1 || part.kind !== "parameter" ||
      !(part.optional || part.defaultValue !== undefined || part.catchAll)
    ) break;
    required--;
  }
  for (let s = 0; s < required; s++) {
    for (const part of segments[s]) {
      if (part.kind !== "parameter") continue;
      if (part.catchAll !== 0) {
        throw new TemplateProblem(
          template.indexOf(`{${"*".repeat(part.catchAll)}${part.name}`),
          `the catch-all parameter "${part.name}" is not the last segment. Move it to the end.`,
        );
      }
      if (part.optional && segments[s].length === 1) {
        throw new TemplateProblem(
          template.indexOf(`{${part.name}`),
          `the optional parameter "${part.name}" is followed by a segment that is not optional. Only trailing segments can be left out.`,
        );
      }
    }
  }
  return required;
}

// Reads the parameter starting at the "{" at `open`; returns it and the index
// after its "}".
function parameter(
  template: string,
  open: number,
): { part: ParameterPart; end: number } {
  let content = "";
  let i = open + 1;
  for (;;) {
    if (i >= template.length) {
      throw new TemplateProblem(
        open,
        `a "{" is not closed. Close the parameter with "}".`,
      );
    }
    const c = template[i];
    if (c === "}" && template[i + 1] === "}") {
      content += "}";
      i += 2;
    } else if (c === "{" && template[i + 1] === "{") {
      content += "{";
      i += 2;
    } else if (c === "}") {
      i++;
      break;
    } else if (c === "{") {
      throw new TemplateProblem(
        i,
        'a "{" inside a parameter. Write "{{" for a literal brace (in a regex constraint too).',
      );
    } else {
      content += c;
      i++;
    }
  }
  return { part: parameterContent(content, open), end: i };
}

function parameterContent(content: string, open: number): ParameterPart {
  let i = 0;
  let catchAll: 0 | 1 | 2 = 0;
  if (content.startsWith("**")) [catchAll, i] = [2, 2];
  else if (content.startsWith("*")) [catchAll, i] = [1, 1];
  const nameStart = i;
  while (i < content.length && !":=?".includes(content[i])) i++;
  const name = content.slice(nameStart, i);
  if (name === "") {
    throw new TemplateProblem(
      open + 1,
      "a parameter has no name. Name it: {id}.",
    );
  }
  const bad = BAD_NAME_CHARACTERS.exec(name);
  if (bad !== null) {
    throw new TemplateProblem(
      open + 1 + nameStart + bad.index,
      `the parameter name "${name}" contains "${
        bad[0]
      }". Use letters, digits, "_" or "-".`,
    );
  }
  const constraints: RouteConstraint[] = [];
  while (content[i] === ":") {
    const at = open + 1 + i + 1;
    i++;
    const constraintStart = i;
    while (i < content.length && /[A-Za-z0-9_]/.test(content[i])) i++;
    const constraintName = content.slice(constraintStart, i);
    let argument: string | undefined;
    if (content[i] === "(") {
      const close = closingParenthesis(content, i);
      if (close === -1) {
        throw new TemplateProblem(
          at,
          `the constraint "${constraintName}" has an unclosed "(". Close it: ${constraintName}(…).`,
        );
      }
      argument = content.slice(i + 1, close);
      i = close + 1;
    }
    if (constraintName === "") {
      throw new TemplateProblem(
        at,
        `parameter "${name}" has an empty constraint after ":". Name one, as in {${name}:int}.`,
      );
    }
    try {
      constraints.push(makeConstraint(constraintName, argument));
    } catch (error) {
      throw new TemplateProblem(
        at,
        `parameter "${name}": ${(error as Error).message}.`,
      );
    }
  }
  let optional = false;
  let defaultValue: string | undefined;
  if (content[i] === "=") {
    defaultValue = content.slice(i + 1);
    if (defaultValue.endsWith("?")) {
      throw new TemplateProblem(
        open + 1 + i,
        `parameter "${name}" is optional and has a default. Keep one: {${name}=${
          defaultValue.slice(0, -1)
        }} or {${name}?}.`,
      );
    }
    i = content.length;
  } else if (content[i] === "?" && i === content.length - 1) {
    optional = true;
    i++;
  }
  if (i !== content.length) {
    throw new TemplateProblem(
      open + 1 + i,
      `parameter "${name}" has unexpected "${
        content.slice(i)
      }". Write {name}, {name:constraint}, {name?} or {name=default}.`,
    );
  }
  if (catchAll !== 0 && optional) {
    throw new TemplateProblem(
      open,
      `the catch-all parameter "${name}" cannot be marked optional: a catch-all already matches an empty rest. Remove the "?".`,
    );
  }
  if (defaultValue !== undefined) {
    for (const constraint of constraints) {
      if (!constraint.test(defaultValue)) {
        throw new TemplateProblem(
          open,
          `the default "${defaultValue}" of parameter "${name}" fails its constraint "${constraint.text}".`,
        );
      }
    }
  }
  return {
    kind: "parameter",
    name,
    constraints,
    optional,
    defaultValue,
    catchAll,
  };
}

// The ")" matching the "(" at `open`, skipping nested and escaped ones.
function closingParenthesis(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) {
      // A regex may hold ")" followed by more: the argument ends at the last
      // ")" before a ":", "=", "?" or the end.
      const next = text[i + 1];
      if (next === undefined || ":=?".includes(next)) return i;
      depth = 1;
    }
  }
  return -1;
}

/**
 * The canonical key of a segment: equal keys match the same paths. A lone
 * parameter's `?` changes where its template may end, not what the segment
 * matches, so `{id?}` and `{id}` share a key.
 */
export function segmentKey(segment: Segment): string {
  return segment.map((part) =>
    part.kind === "literal"
      ? part.text.toLowerCase()
      : `{${"*".repeat(part.catchAll)}${
        part.optional && segment.length > 1 ? "?" : ""
      }:${part.constraints.map((c) => c.text).join(":")}}`
  ).join("");
}
