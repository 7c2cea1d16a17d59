/**
 * `bind` and `bindAsync`: a section as a plain object, optionally validated
 * by a Standard Schema.
 *
 * @module
 */

import { combineKey } from "./_keys.ts";
import {
  ConfigurationError,
  type ConfigurationIssue,
} from "./configuration_error.ts";
import type { ConfigurationSection } from "./configuration_section.ts";
import type {
  StandardIssue,
  StandardResult,
  StandardSchemaV1,
} from "./standard_schema.ts";

const NUMBER = /^-?\d+(\.\d+)?$/;

function convert(value: string): string | number | boolean {
  const lower = value.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (NUMBER.test(value)) {
    const number = Number(value);
    // Past 2^53 an integer would silently lose digits: keep the text.
    if (!Number.isInteger(number) || Number.isSafeInteger(number)) {
      return number;
    }
  }
  return value;
}

function tree(section: ConfigurationSection, top: boolean): unknown {
  const children = section.getChildren();
  if (children.length === 0) {
    const value = section.value;
    if (value !== undefined) return convert(value);
    return top ? {} : undefined;
  }
  if (children.every((child, index) => child.key === String(index))) {
    return children.map((child) => tree(child, false));
  }
  const object: Record<string, unknown> = {};
  for (const child of children) {
    if (child.path === section.path) {
      // A key starting with ":" names a section with no name at the root,
      // which is the root itself again.
      throw new TypeError(
        `Cannot bind the configuration: a key starts with ":" (an empty section name at the root, e.g. "--:a" or "APP___a"); remove the leading ":"`,
      );
    }
    // defineProperty, so a key like "__proto__" is data, not a prototype.
    Object.defineProperty(object, child.key, {
      value: tree(child, false),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return object;
}

function segmentName(
  segment: PropertyKey | { readonly key: PropertyKey },
): string {
  const key = typeof segment === "object" ? segment.key : segment;
  return typeof key === "symbol" ? key.description ?? "" : String(key);
}

function failure(
  section: ConfigurationSection,
  issues: readonly StandardIssue[],
): ConfigurationError {
  const found: ConfigurationIssue[] = issues.map((issue) => ({
    path: (issue.path ?? []).map(segmentName).reduce(combineKey, section.path),
    message: issue.message,
  }));
  const what = section.path === ""
    ? "Configuration is invalid"
    : `Configuration section "${section.path}" is invalid`;
  const lines = found.map(({ path, message }) =>
    `  ${path === "" ? "(root)" : JSON.stringify(path)}: ${message}`
  );
  return new ConfigurationError(
    `${what}; fix these settings:\n${lines.join("\n")}`,
    { issues: found },
  );
}

function isPromiseLike<T>(
  result: StandardResult<T> | PromiseLike<StandardResult<T>>,
): result is PromiseLike<StandardResult<T>> {
  return typeof (result as Partial<PromiseLike<unknown>>).then === "function";
}

function settle<T>(
  section: ConfigurationSection,
  result: StandardResult<T>,
): T {
  if (result.issues !== undefined) throw failure(section, result.issues);
  return result.value;
}

// Configuration holds text, and bind guesses numbers and booleans; the
// schema knows better. Where it rejects a guessed value, the value goes back
// to the text it came from ("0042", "1.10"), and validation runs again, as
// ASP.NET converts by the target's type. A value the text does not help
// (70000 for a port) gets its guess back, so the schema's own complaint
// ("too big") is the one reported. Each value is tried once: the rounds end.
class TextRetry {
  readonly #section: ConfigurationSection;
  readonly #value: unknown;
  readonly #tried = new Set<string>();
  // The values turned back into text in the last round, with their guesses.
  #restored: {
    parent: Record<string, unknown>;
    key: string;
    guess: unknown;
    path: string;
  }[] = [];

  constructor(section: ConfigurationSection, value: unknown) {
    this.#section = section;
    this.#value = value;
  }

  /** Whether anything changed, and validation should run again. */
  next(issues: readonly StandardIssue[]): boolean {
    const failing = new Set(issues.map((issue) => pathOf(issue).join(":")));
    let changed = false;
    // A text that did not help gives its guess back.
    for (const { parent, key, guess, path } of this.#restored) {
      if (failing.has(path)) {
        parent[key] = guess;
        changed = true;
      }
    }
    this.#restored = [];
    for (const issue of issues) {
      const path = pathOf(issue);
      const joined = path.join(":");
      if (path.length === 0 || this.#tried.has(joined)) continue;
      this.#tried.add(joined);
      let parent = this.#value;
      for (const key of path.slice(0, -1)) {
        parent = isContainer(parent) ? parent[key] : undefined;
      }
      const key = path[path.length - 1];
      if (!isContainer(parent) || !Object.hasOwn(parent, key)) continue;
      const guess = parent[key];
      if (typeof guess !== "number" && typeof guess !== "boolean") continue;
      const text = this.#section.getSection(joined).value;
      if (text === undefined) continue;
      parent[key] = text;
      this.#restored.push({ parent, key, guess, path: joined });
      changed = true;
    }
    return changed;
  }
}

function pathOf(issue: StandardIssue): string[] {
  return (issue.path ?? []).map(segmentName);
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * Builds a plain object from a section: an object for each section, an
 * array where the child keys are exactly `0`…`n-1`, and for each value
 * `true`/`false` (any case) as booleans, numbers (`-12`, `3.5`) as numbers
 * (integers past 2^53 stay strings, as digits would be lost), the rest as
 * strings. With a schema, the object is validated (synchronously) and the
 * schema's output returned; a guessed number or boolean the schema rejects
 * is given to it again as the text it came from, so a string setting keeps
 * `"0042"` or `"1.10"` as written.
 *
 * @param section The section (or the whole configuration) to bind.
 * @param schema A Standard Schema v1 schema, like a Zod or Valibot schema.
 * @returns The object, or the schema's output.
 * @throws {ConfigurationError} Listing every issue as `"<full path>": <message>`,
 * with the issues in its `issues` property.
 * @throws {TypeError} When the schema validates asynchronously; use
 * {@linkcode bindAsync}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind, ConfigurationBuilder } from "./mod.ts";
 *
 * const config = new ConfigurationBuilder()
 *   .addInMemory({ Server: { Port: "8080", Tls: "true", Urls: ["http://a", "http://b"] } })
 *   .build();
 * assert.deepEqual(bind(config.getSection("Server")), {
 *   Port: 8080,
 *   Tls: true,
 *   Urls: ["http://a", "http://b"],
 * });
 * ```
 */
export function bind<T = Record<string, unknown>>(
  section: ConfigurationSection,
  schema?: StandardSchemaV1<unknown, T>,
): T {
  const value = tree(section, true);
  if (schema === undefined) return value as T;
  const validate = () => {
    const result = schema["~standard"].validate(value);
    if (isPromiseLike(result)) {
      Promise.resolve(result).catch(() => {}); // nobody awaits it otherwise
      throw new TypeError(
        `The schema for configuration section "${section.path}" validates asynchronously, which bind does not support; use bindAsync`,
      );
    }
    return result;
  };
  let result = validate();
  const retry = new TextRetry(section, value);
  while (result.issues !== undefined && retry.next(result.issues)) {
    result = validate();
  }
  return settle(section, result);
}

/**
 * {@linkcode bind} for schemas that may validate asynchronously.
 *
 * @param section The section (or the whole configuration) to bind.
 * @param schema A Standard Schema v1 schema.
 * @returns The schema's output.
 * @throws {ConfigurationError} Listing every issue, as {@linkcode bind} does.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bindAsync, ConfigurationBuilder, type StandardSchemaV1 } from "./mod.ts";
 *
 * const anything: StandardSchemaV1<unknown, Record<string, unknown>> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) => Promise.resolve({ value: value as Record<string, unknown> }),
 *   },
 * };
 * const config = new ConfigurationBuilder().addInMemory({ Feature: { Enabled: "false" } }).build();
 * assert.deepEqual(await bindAsync(config.getSection("Feature"), anything), { Enabled: false });
 * ```
 */
export async function bindAsync<T>(
  section: ConfigurationSection,
  schema: StandardSchemaV1<unknown, T>,
): Promise<T> {
  const value = tree(section, true);
  let result = await schema["~standard"].validate(value);
  const retry = new TextRetry(section, value);
  while (result.issues !== undefined && retry.next(result.issues)) {
    result = await schema["~standard"].validate(value);
  }
  return settle(section, result);
}
