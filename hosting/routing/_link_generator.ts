// Link generation: a named endpoint's template filled in with values,
// percent-encoded, after the path base the request entered the app with.

import {
  type FeatureCollection,
  HttpRequestFeature,
  type LinkGeneratorFeature,
  type LinkValues,
} from "../../features/mod.ts";
import { parseRouteTemplate, type RoutePattern } from "./_route_template.ts";

// The path base a request had before map() branches added theirs: links are
// made from the app's root, whichever branch the request is in.
const rootPathBases = new WeakMap<FeatureCollection, string>();

/** Remembers a request's path base before a branch changes it. */
export function rememberRootPathBase(
  features: FeatureCollection,
  pathBase: string,
): void {
  if (!rootPathBases.has(features)) rootPathBases.set(features, pathBase);
}

/** Makes a literal path safe to put into a template. */
export function escapeTemplate(path: string): string {
  return path.replaceAll("{", "{{").replaceAll("}", "}}");
}

interface Named {
  readonly displayName: string;
  readonly template: string;
  pattern?: RoutePattern;
}

/** The named endpoints of an app, and the links to them. */
export class LinkRegistry implements LinkGeneratorFeature {
  readonly #named = new Map<string, Named>();

  /**
   * Names an endpoint whose whole template (branch prefixes included) is
   * `template`.
   *
   * @throws {TypeError} When another endpoint has the name.
   */
  add(name: string, displayName: string, template: string): void {
    const other = this.#named.get(name);
    if (other !== undefined) {
      throw new TypeError(
        `Two endpoints are named "${name}": "${other.displayName}" and "${displayName}". Names make links, so each must be unique.`,
      );
    }
    this.#named.set(name, { displayName, template });
  }

  pathByName(
    features: FeatureCollection,
    name: string,
    values: LinkValues = {},
  ): string {
    const named = this.#named.get(name);
    if (named === undefined) {
      const known = [...this.#named.keys()].map((n) => `"${n}"`).join(", ");
      throw new RangeError(
        `No endpoint is named "${name}"${
          known === "" ? "" : ` (named: ${known})`
        }: name one with .withName("${name}")`,
      );
    }
    named.pattern ??= parseRouteTemplate(named.template);
    const base = rootPathBases.get(features) ??
      features.get(HttpRequestFeature)?.pathBase ?? "";
    return base + fill(named, named.pattern, values, name);
  }
}

// A value counts as given unless it is undefined, null (as in ASP.NET) or
// empty: an empty segment would make a path the template does not match.
// A list fills a query parameter, not a segment; "." and ".." would be
// normalized away, leaving a path to another place.
function given(
  values: LinkValues,
  key: string,
  name: string,
): string | undefined {
  const value = values[key];
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    throw new RangeError(
      `linkTo("${name}"): "${key}" is a list, which fills a query parameter, not the route parameter "${key}": give it one value`,
    );
  }
  const text = String(value);
  if (text === "." || text === "..") {
    throw new RangeError(
      `linkTo("${name}"): "${key}" = "${text}" cannot be a path segment (the path would be normalized to another one)`,
    );
  }
  return text === "" ? undefined : text;
}

function fill(
  named: Named,
  pattern: RoutePattern,
  values: LinkValues,
  name: string,
): string {
  const { segments, required } = pattern;
  // Trailing segments are left out after the last one given a value; the
  // ones before it take their defaults.
  let end = segments.length;
  while (
    end > required &&
    given(values, (segments[end - 1][0] as { name: string }).name, name) ===
      undefined
  ) end--;
  const used = new Set<string>();
  const path: string[] = [];
  for (let s = 0; s < segments.length; s++) {
    let text = "";
    for (const part of segments[s]) {
      if (part.kind === "literal") {
        text += encodeURIComponent(part.text);
        continue;
      }
      used.add(part.name);
      if (s >= end) continue;
      const value = given(values, part.name, name) ?? part.defaultValue;
      if (value === undefined) {
        // "{name}.{ext?}" without an extension.
        if (part.optional && segments[s].length > 1) {
          text = text.slice(0, -1);
          continue;
        }
        throw new RangeError(
          `linkTo("${name}") needs a value for "${part.name}" (template "${named.template}")${
            s >= required ? ": a later segment has one" : ""
          }`,
        );
      }
      for (const constraint of part.constraints) {
        if (!constraint.test(value)) {
          throw new RangeError(
            `linkTo("${name}"): "${part.name}" = "${value}" fails the constraint "${constraint.text}" of "${named.template}"`,
          );
        }
      }
      if (part.catchAll === 2) {
        const pieces = value.split("/");
        if (pieces.some((piece) => piece === "." || piece === "..")) {
          throw new RangeError(
            `linkTo("${name}"): "${part.name}" = "${value}" has a "." or ".." segment, which the path would be normalized without`,
          );
        }
        text += pieces.map(encodeURIComponent).join("/");
      } else {
        text += encodeURIComponent(value);
      }
    }
    if (s < end) path.push(text);
  }
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (used.has(key) || value === undefined || value === null) continue;
    // A list repeats its parameter (?tag=a&tag=b), as ASP.NET writes it.
    for (const one of Array.isArray(value) ? value : [value]) {
      query.append(key, String(one));
    }
  }
  const search = query.size === 0 ? "" : `?${query}`;
  return `/${path.join("/")}${search}`;
}
