// Precompressed siblings (site.css.br, .zst, .gz) and the Accept-Encoding
// negotiation that picks one (RFC 9110 §12.5.3).

import { findPath, type FoundEntry, type StaticRoot } from "./_static_paths.ts";

/** The sibling suffixes Roost looks for, in the order it prefers them. */
const SIBLINGS: ReadonlyArray<readonly [encoding: string, suffix: string]> = [
  ["br", ".br"],
  ["zstd", ".zst"],
  ["gzip", ".gz"],
];

/** A precompressed copy of a file, and its content coding. */
export interface Sibling extends FoundEntry {
  /** The content coding: `br`, `zstd` or `gzip`. */
  readonly encoding: string;
}

/**
 * The precompressed copies of `file` that exist next to it (inside the
 * root) in a coding the request accepts, best first. A request that accepts
 * none (no `Accept-Encoding` at all, as curl and load tools send) costs no
 * lookup, and gets no `Vary`: whatever it is sent, the identity file, is
 * right for every client.
 *
 * @param root The root the file was found in.
 * @param file The original file.
 * @param header The request's `Accept-Encoding`, or `null`.
 * @returns Its siblings; empty when there are none.
 */
export async function findSiblings(
  root: StaticRoot,
  file: FoundEntry,
  header: string | null,
): Promise<Sibling[]> {
  if (header === null) return [];
  const weights = parseAcceptEncoding(header);
  const any = weights.get("*") ?? 0;
  const wanted = SIBLINGS.filter(([encoding]) =>
    (weights.get(encoding) ??
      (encoding === "gzip" ? weights.get("x-gzip") : undefined) ?? any) > 0
  );
  if (wanted.length === 0) return [];
  const found = await Promise.all(
    wanted.map(([, suffix]) => sibling(root, file.path + suffix)),
  );
  const siblings: Sibling[] = [];
  for (let i = 0; i < found.length; i++) {
    const entry = found[i];
    if (entry !== undefined && entry.stat.isFile) {
      siblings.push({ ...entry, encoding: wanted[i][0] });
    }
  }
  return siblings;
}

// A sibling sits in the original's real directory, inside the root: unless
// it is a link, one lstat says all. A link is resolved and checked.
async function sibling(
  root: StaticRoot,
  path: string,
): Promise<FoundEntry | undefined> {
  let stat: Deno.FileInfo;
  try {
    stat = await Deno.lstat(path);
  } catch {
    return undefined;
  }
  return stat.isSymlink ? await findPath(root, path) : { path, stat };
}

/**
 * Reads `Accept-Encoding` into codings and their weights (`q`), lower case.
 *
 * @param header The header's value.
 * @returns Coding to weight; `*` when given.
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const member of header.split(",")) {
    const [name, ...params] = member.split(";");
    const coding = name.trim().toLowerCase();
    if (coding === "") continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split("=").map((s) => s.trim());
      if (key.toLowerCase() === "q") {
        const parsed = Number(value);
        // A malformed weight makes the member meaningless: skip it.
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value ?? "") ? parsed : NaN;
      }
    }
    if (!Number.isNaN(q)) weights.set(coding, q);
  }
  return weights;
}

/**
 * Chooses which sibling to send, or `undefined` for the original: the
 * acceptable coding (`q` > 0, by name or `*`) with the highest weight, ties
 * broken by Roost's order (br, zstd, gzip), and only when the client does
 * not name `identity` with a higher weight.
 *
 * @param header The request's `Accept-Encoding`, or `null`.
 * @param siblings The siblings that exist, best first.
 * @returns The sibling to send, or `undefined`.
 */
export function chooseSibling(
  header: string | null,
  siblings: readonly Sibling[],
): Sibling | undefined {
  // No header: RFC 9110 allows any coding, but clients that send none
  // (curl, scripts) expect the file as it is.
  if (header === null || siblings.length === 0) return undefined;
  const weights = parseAcceptEncoding(header);
  const any = weights.get("*");
  let best: Sibling | undefined;
  let bestQ = 0;
  for (const sibling of siblings) {
    const q = weights.get(sibling.encoding) ??
      (sibling.encoding === "gzip" ? weights.get("x-gzip") : undefined) ??
      any ?? 0;
    if (q > bestQ) {
      best = sibling;
      bestQ = q;
    }
  }
  // An unlisted identity does not compete: "gzip;q=0.5" still wants gzip.
  const identity = weights.get("identity") ?? 0;
  return best !== undefined && bestQ >= identity ? best : undefined;
}
