// Precompressed siblings (site.css.br, .zst, .gz) and the Accept-Encoding
// negotiation that picks one (RFC 9110 §12.5.3).

import { findPath, type FoundEntry, type StaticRoot } from "./_static_paths.ts";
import { acceptedCodings } from "./_compression_negotiation.ts";

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
 * @param weights The request's accepted codings (see
 * {@linkcode acceptedWeights}), or `undefined` without `Accept-Encoding`.
 * @returns Its siblings; empty when there are none.
 */
export async function findSiblings(
  root: StaticRoot,
  file: FoundEntry,
  weights: Map<string, number> | undefined,
): Promise<Sibling[]> {
  if (weights === undefined) return [];
  const any = weights.get("*") ?? 0;
  const wanted = SIBLINGS.filter(([encoding]) =>
    (weights.get(encoding) ?? any) > 0
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
 * The codings a request's `Accept-Encoding` accepts and their weights, read
 * once per request; a member with a malformed weight means nothing here.
 *
 * @param header The header's value, or `null`.
 * @returns Coding to weight (`*` when given), or `undefined` without the
 * header.
 */
export function acceptedWeights(
  header: string | null,
): Map<string, number> | undefined {
  if (header === null) return undefined;
  const weights = acceptedCodings(header);
  for (const [coding, q] of weights) {
    if (Number.isNaN(q)) weights.delete(coding);
  }
  return weights;
}

/**
 * Chooses which sibling to send, or `undefined` for the original: the
 * acceptable coding (`q` > 0, by name or `*`) with the highest weight, ties
 * broken by Roost's order (br, zstd, gzip), and only when the client does
 * not name `identity` with a higher weight.
 *
 * @param weights The request's accepted codings, or `undefined` without
 * `Accept-Encoding`.
 * @param siblings The siblings that exist, best first.
 * @returns The sibling to send, or `undefined`.
 */
export function chooseSibling(
  weights: Map<string, number> | undefined,
  siblings: readonly Sibling[],
): Sibling | undefined {
  // No header: RFC 9110 allows any coding, but clients that send none
  // (curl, scripts) expect the file as it is.
  if (weights === undefined || siblings.length === 0) return undefined;
  const any = weights.get("*");
  let best: Sibling | undefined;
  let bestQ = 0;
  for (const sibling of siblings) {
    const q = weights.get(sibling.encoding) ?? any ?? 0;
    if (q > bestQ) {
      best = sibling;
      bestQ = q;
    }
  }
  // An unlisted identity does not compete: "gzip;q=0.5" still wants gzip.
  const identity = weights.get("identity") ?? 0;
  return best !== undefined && bestQ >= identity ? best : undefined;
}
