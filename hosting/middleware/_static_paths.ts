// Mapping a request path onto a directory without ever leaving it. The
// server already normalized the path (no dot segments, even encoded ones),
// but the file system sees decoded names: each segment is decoded here and
// refused when decoding makes it a separator, a NUL, a dot segment or a
// dotfile. The final word is the real path: symlinks included, it must lie
// inside the root's real path.

import type { HttpContext } from "../../features/mod.ts";

const WINDOWS = Deno.build.os === "windows";
const SEP = WINDOWS ? "\\" : "/";
// How long, and for how many directories, a link-free directory is trusted
// without resolving it again (realPath costs a syscall per path component).
const VERIFIED_MS = 1000;
const VERIFIED_LIMIT = 1024;

/** A directory to serve from, resolved once when the middleware is made. */
export interface StaticRoot {
  /** The root's real path (symlinks resolved). */
  readonly real: string;
  /** The request path prefix it is served under: `""` or `"/static"`. */
  readonly requestPath: string;
  /** Whether names starting with `.` may be served. */
  readonly serveDotFiles: boolean;
  /**
   * Directories under the root whose real path was just seen to be their
   * own (no link on the way), and until when to trust that (ms).
   */
  readonly verified: Map<string, number>;
}

/** A file or directory found inside a root. */
export interface FoundEntry {
  /** Its real path. */
  readonly path: string;
  /** What `Deno.stat` says about it. */
  readonly stat: Deno.FileInfo;
}

/**
 * Checks the options every static middleware shares and resolves the root.
 *
 * @param where The factory's name, for error messages.
 * @param root The directory to serve, absolute or relative to the cwd.
 * @param requestPath The URL prefix, `""` or `/segment…` without a
 * trailing `/`.
 * @param serveDotFiles Whether dotfiles may be served.
 * @returns The resolved root.
 * @throws {TypeError} When the root is missing, not a directory, or the
 * prefix is malformed.
 */
export function staticRoot(
  where: string,
  root: unknown,
  requestPath: unknown,
  serveDotFiles: unknown,
): StaticRoot {
  if (typeof root !== "string" || root === "") {
    throw new TypeError(
      `${where} needs options.root, the directory to serve (absolute or relative to the working directory), got ${
        JSON.stringify(root)
      }`,
    );
  }
  let real: string;
  try {
    real = Deno.realPathSync(root);
  } catch (error) {
    throw new TypeError(
      `${where} root "${root}" cannot be read (${
        (error as Error).name
      }): create the directory or pass another options.root`,
      { cause: error },
    );
  }
  if (!Deno.statSync(real).isDirectory) {
    throw new TypeError(
      `${where} root "${root}" is not a directory: pass the directory that holds the files`,
    );
  }
  const prefix = requestPath ?? "";
  if (
    typeof prefix !== "string" || /[?#\\]|\/\/|\/\.\.?(\/|$)/.test(prefix) ||
    (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/")))
  ) {
    throw new TypeError(
      `${where} options.requestPath must be "" or start with "/" and not end with "/" (like "/static"), got ${
        JSON.stringify(prefix)
      }`,
    );
  }
  if (serveDotFiles !== undefined && typeof serveDotFiles !== "boolean") {
    throw new TypeError(
      `${where} options.serveDotFiles must be a boolean, got ${
        JSON.stringify(serveDotFiles)
      }`,
    );
  }
  return {
    real: real.endsWith(SEP) ? real.slice(0, -1) : real,
    // As request paths are compared: percent-encoded ("/my files" and
    // "/dépôt" match what a client sends for them).
    requestPath: prefix === ""
      ? ""
      : new URL(prefix, "http://localhost").pathname,
    serveDotFiles: serveDotFiles === true,
    verified: new Map(),
  };
}

/**
 * The decoded segments of `path` below the root's request path, or
 * `undefined` when the path is not under it or names nothing that may be
 * served. A trailing `""` segment means the path ended with `/`.
 *
 * @param root The root.
 * @param path The request path (percent-encoded, normalized).
 * @returns The segments, or `undefined`.
 */
export function segmentsOf(
  root: StaticRoot,
  path: string,
): string[] | undefined {
  const prefix = root.requestPath;
  let rest = path;
  if (prefix !== "") {
    // Whole segments, case-insensitive, as ASP.NET's StartsWithSegments.
    const head = path.slice(0, prefix.length);
    if (head.toLowerCase() !== prefix.toLowerCase()) return undefined;
    rest = path.slice(prefix.length);
    if (rest !== "" && !rest.startsWith("/")) return undefined;
  }
  if (rest === "" || rest === "/") return [""];
  if (!rest.startsWith("/")) return undefined;
  const raw = rest.slice(1).split("/");
  const segments: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const last = i === raw.length - 1;
    if (raw[i] === "") {
      // "a//b" is no name: refuse it rather than alias "a/b".
      if (!last) return undefined;
      segments.push("");
      continue;
    }
    let name: string;
    try {
      name = decodeURIComponent(raw[i]);
    } catch {
      return undefined; // not UTF-8 (overlong %C0%AE, a lone %FF…)
    }
    if (!isSafeName(name, root.serveDotFiles)) return undefined;
    segments.push(name);
  }
  return segments;
}

/** Whether one decoded segment may name a file or directory. */
function isSafeName(name: string, serveDotFiles: boolean): boolean {
  if (name === "." || name === "..") return false;
  if (name.includes("/") || name.includes("\\") || name.includes("\0")) {
    return false;
  }
  if (WINDOWS && name.includes(":")) return false; // drives, streams
  return serveDotFiles || !name.startsWith(".");
}

/**
 * Finds `segments` (trailing `""` ignored) inside the root: resolves the
 * real path and requires it to stay inside the root's, dot-free unless
 * allowed.
 *
 * @param root The root.
 * @param segments Decoded, checked segments from {@linkcode segmentsOf}.
 * @returns The entry, or `undefined` when there is none to serve.
 */
export function findInside(
  root: StaticRoot,
  segments: readonly string[],
): Promise<FoundEntry | undefined> {
  const names = segments.filter((name) => name !== "");
  return findPath(root, [root.real, ...names].join(SEP));
}

/**
 * Like {@linkcode findInside}, for a path already under the root (a
 * precompressed sibling, a default file).
 *
 * @param root The root.
 * @param candidate The path to check.
 * @returns The entry, or `undefined`.
 */
export async function findPath(
  root: StaticRoot,
  candidate: string,
): Promise<FoundEntry | undefined> {
  const directory = candidate.slice(0, candidate.lastIndexOf(SEP));
  const now = Date.now();
  if (directory === root.real || (root.verified.get(directory) ?? 0) > now) {
    // The directory has no link on its way out of the root: a file in it
    // that is not a link itself is what it says, and one lstat tells.
    let stat: Deno.FileInfo;
    try {
      stat = await Deno.lstat(candidate);
    } catch {
      return undefined;
    }
    if (!stat.isSymlink) return { path: candidate, stat };
  }
  let real: string;
  let stat: Deno.FileInfo;
  try {
    // Both at once: stat follows the same links realPath resolves.
    [real, stat] = await Promise.all([
      Deno.realPath(candidate),
      Deno.stat(candidate),
    ]);
  } catch {
    return undefined; // missing, a dangling link, unreadable: not found
  }
  if (real !== root.real) {
    if (!real.startsWith(root.real + SEP)) return undefined;
    // A link inside the root may still lead to a dotfile inside it.
    if (!root.serveDotFiles) {
      const inner = real.slice(root.real.length + 1).split(SEP);
      if (inner.some((name) => name.startsWith("."))) return undefined;
    }
  }
  if (real === candidate && directory !== root.real) {
    // Trusted for a second: a link put in place later is seen within one.
    if (root.verified.size >= VERIFIED_LIMIT) root.verified.clear();
    root.verified.set(directory, now + VERIFIED_MS);
  }
  return { path: real, stat };
}

/**
 * Finds the directory a request names, if any: its real path, and whether
 * the request path ended with "/".
 *
 * @param root The root.
 * @param path The request path.
 * @returns The directory, or `undefined`.
 */
export async function requestedDirectory(
  root: StaticRoot,
  path: string,
): Promise<{ path: string; slash: boolean } | undefined> {
  const segments = segmentsOf(root, path);
  if (segments === undefined) return undefined;
  const found = await findInside(root, segments);
  if (found === undefined || !found.stat.isDirectory) return undefined;
  return { path: found.path, slash: path.endsWith("/") };
}

/**
 * Answers a directory request that lacks its trailing slash with a 301 to
 * the slash form, keeping the query.
 *
 * @param ctx The request's context.
 * @returns When the redirect is sent.
 */
export function redirectToSlash(
  ctx: HttpContext,
): Promise<void> {
  const request = ctx.request;
  return ctx.response.redirect(
    `${request.pathBase}${request.path}/${request.queryString}`,
    301,
  );
}
