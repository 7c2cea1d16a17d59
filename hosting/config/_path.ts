// The three path functions file configuration needs, as node:path has them.
// Importing node:path would add ~7 ms to every host's start-up (it boots
// Deno's Node compatibility layer), so POSIX paths are handled here and
// Windows paths go to node:path, fetched synchronously on first use.

import type * as NodePath from "node:path";

const WINDOWS = Deno.build.os === "windows";

let win32: typeof NodePath | undefined;

function nodePath(): typeof NodePath {
  return win32 ??= process.getBuiltinModule("node:path") as typeof NodePath;
}

/**
 * The absolute, normalized path of `paths` joined right to left, against
 * the current directory (node:path's `resolve`).
 */
export function resolve(...paths: string[]): string {
  if (WINDOWS) return nodePath().resolve(...paths);
  let joined = "";
  for (let i = paths.length - 1; i >= -1 && joined[0] !== "/"; i--) {
    const path = i >= 0 ? paths[i] : Deno.cwd();
    if (path !== "") joined = joined === "" ? path : `${path}/${joined}`;
  }
  const segments: string[] = [];
  for (const segment of joined.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join("/")}`;
}

/** The directory of an absolute, resolved `path` (node:path's `dirname`). */
export function dirname(path: string): string {
  if (WINDOWS) return nodePath().dirname(path);
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

/** The last segment of `path`, without trailing slashes (`basename`). */
export function basename(path: string): string {
  if (WINDOWS) return nodePath().basename(path);
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}
