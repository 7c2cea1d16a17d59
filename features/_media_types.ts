// Content types by file extension, from the mime-db data set (the registry
// behind npm's mime-types, IANA + Apache + nginx). It is imported on first
// use: its ~200 KB of JSON cost start-up time that a host serving no files
// should not pay.

/** One entry of mime-db: where it comes from and the extensions it owns. */
interface MimeEntry {
  source?: string;
  extensions?: string[];
  charset?: string;
  compressible?: boolean;
}

// When two types claim an extension, the better-sourced one wins (IANA is
// the registry; Apache and nginx are the servers' lists).
const SOURCE_RANK: Record<string, number> = { iana: 3, apache: 2, nginx: 1 };

// Where the ranking picks what browsers do not expect: application/mp4 and
// video/mp4 are both IANA (alphabetical order would pick the former), and
// .wav's only sourced type is Apache's audio/x-wav.
const PREFERRED: Record<string, string> = {
  mp4: "video/mp4",
  mpg4: "video/mp4",
  wav: "audio/wav",
};

let table: Map<string, string> | undefined;
// The content types (as contentTypeFor spells them) mime-db marks
// compressible: text, JSON, SVG, wasm… but not PNG, video or zip.
const compressible = new Set<string>();
let loading: Promise<Map<string, string>> | undefined;

/**
 * Types whose text is sent as UTF-8: the ones a browser decodes as text.
 * JSON is UTF-8 by definition and RFC 8259 registers no charset for it, so
 * it gets none, as `ctx.response.json()` and `Response.json()` send it.
 */
function isTextual(type: string, entry: MimeEntry): boolean {
  if (type === "application/json" || type.endsWith("+json")) return false;
  return type.startsWith("text/") || entry.charset !== undefined ||
    type.endsWith("+xml") || type === "application/javascript" ||
    type === "application/xml";
}

function build(db: Record<string, MimeEntry>): Map<string, string> {
  const chosen = new Map<string, { type: string; rank: number }>();
  for (const type of Object.keys(db)) {
    const entry = db[type];
    const extensions = entry.extensions;
    if (extensions === undefined) continue;
    const rank = SOURCE_RANK[entry.source ?? ""] ?? 0;
    // application/octet-stream says nothing: it never beats a real type.
    const score = type === "application/octet-stream" ? -1 : rank;
    const full = isTextual(type, entry) ? `${type}; charset=utf-8` : type;
    // mime-db marks octet-stream compressible; arbitrary bytes are not
    // worth looking for a compressed copy of.
    if (entry.compressible === true && type !== "application/octet-stream") {
      compressible.add(full);
    }
    for (const extension of extensions) {
      const current = chosen.get(extension);
      if (current === undefined || score > current.rank) {
        chosen.set(extension, { type: full, rank: score });
      }
    }
  }
  const result = new Map<string, string>();
  for (const [extension, { type }] of chosen) result.set(extension, type);
  for (const extension of Object.keys(PREFERRED)) {
    result.set(extension, PREFERRED[extension]);
  }
  return result;
}

/**
 * Imports mime-db once and builds the extension table. Every caller gets the
 * same promise; a failed import is retried by the next caller.
 *
 * @returns The table: extension (lower case, no dot) to content type.
 */
export function loadMediaTypes(): Promise<Map<string, string>> {
  if (table !== undefined) return Promise.resolve(table);
  return loading ??= import(
    // The project pins third-party code inline, imported in this one module.
    // deno-lint-ignore no-import-prefix
    "npm:mime-db@1.54.0"
  ).then((module: { default: Record<string, MimeEntry> }) => {
    table = build(module.default);
    return table;
  }, (error: unknown) => {
    loading = undefined;
    throw error;
  });
}

/** The extension of a file name, lower case and without the dot, or "". */
function extensionOf(path: string): string {
  const dot = path.lastIndexOf(".");
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  // A leading dot names a dotfile (".env"), not an extension.
  if (dot <= slash + 1) return "";
  return path.slice(dot + 1).toLowerCase();
}

/**
 * The content type for a file name, by its extension, with
 * `; charset=utf-8` for text (text/*, JavaScript, XML, SVG…; not JSON, which
 * has no charset parameter).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeFor } from "./_media_types.ts";
 *
 * assert.equal(await contentTypeFor("site.css"), "text/css; charset=utf-8");
 * assert.equal(await contentTypeFor("logo.png"), "image/png");
 * assert.equal(await contentTypeFor("data.unknown-ext"), undefined);
 * ```
 *
 * @param path A file name or path.
 * @returns The content type, or `undefined` for an unknown extension.
 */
export async function contentTypeFor(
  path: string,
): Promise<string | undefined> {
  const extension = extensionOf(path);
  if (extension === "") return undefined;
  const types = table ?? await loadMediaTypes();
  return types.get(extension);
}

/**
 * Whether mime-db marks a content type compressible (text, JSON, SVG,
 * wasm…; not images, video or archives). Before the table is loaded, every
 * type counts as compressible.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentTypeFor, isCompressible } from "./_media_types.ts";
 *
 * assert.equal(isCompressible((await contentTypeFor("site.css"))!), true);
 * assert.equal(isCompressible((await contentTypeFor("logo.png"))!), false);
 * ```
 *
 * @param type A content type as {@linkcode contentTypeFor} returns it.
 * @returns Whether a compressed copy of such a file is worth looking for.
 */
export function isCompressible(type: string): boolean {
  return table === undefined || compressible.has(type);
}
