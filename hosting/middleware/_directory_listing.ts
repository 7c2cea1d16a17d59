// The HTML listing fileServer shows for a directory without a default file
// (ASP.NET's DirectoryBrowserMiddleware). Every name is attacker-chosen as
// far as the page is concerned: text is HTML-escaped, links are
// percent-encoded, dotfiles are left out, and a CSP forbids scripts.

import { escapeHtml } from "./_html.ts";
import type { Middleware } from "../pipeline.ts";
import {
  findPath,
  redirectToSlash,
  requestedDirectory,
  type StaticRoot,
} from "./_static_paths.ts";

interface Row {
  name: string;
  directory: boolean;
  size: number | undefined;
  mtime: Date | null;
}

function formatSize(size: number | undefined): string {
  if (size === undefined) return "-";
  if (size < 1024) return `${size} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

async function readRows(
  root: StaticRoot,
  directory: string,
): Promise<Row[]> {
  const rows: Row[] = [];
  for await (const entry of Deno.readDir(directory)) {
    if (!root.serveDotFiles && entry.name.startsWith(".")) continue;
    const path = `${directory}/${entry.name}`;
    // A link that leads out of the root (or to a dotfile) is not served:
    // listing it would confirm what its 404 does not.
    if (entry.isSymlink && await findPath(root, path) === undefined) continue;
    // lstat: a link's size and date are its target's, not this listing's
    // to tell.
    const stat = await Deno.lstat(path).catch(() => undefined);
    if (stat === undefined) continue;
    rows.push({
      name: entry.name,
      directory: entry.isDirectory,
      size: entry.isFile ? stat.size : undefined,
      mtime: entry.isSymlink ? null : stat.mtime,
    });
  }
  rows.sort((a, b) =>
    a.directory === b.directory
      ? a.name.localeCompare(b.name)
      : a.directory
      ? -1
      : 1
  );
  return rows;
}

/**
 * Renders a directory listing page.
 *
 * @param title The directory's path as the client asked for it, decoded.
 * @param rows The entries.
 * @param parent Whether to link to `../`.
 * @returns The HTML.
 */
function render(title: string, rows: readonly Row[], parent: boolean): string {
  const lines = rows.map((row) => {
    const href = encodeURIComponent(row.name) + (row.directory ? "/" : "");
    const label = escapeHtml(row.name) + (row.directory ? "/" : "");
    const date = row.mtime === null ? "-" : row.mtime.toUTCString();
    return `<tr><td><a href="./${href}">${label}</a></td><td>${
      formatSize(row.size)
    }</td><td>${date}</td></tr>`;
  });
  if (parent) {
    lines.unshift('<tr><td><a href="../">../</a></td><td>-</td><td></td></tr>');
  }
  const heading = escapeHtml(title);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width">
<title>Index of ${heading}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em}td,th{padding:.2em 1em;text-align:left}td:nth-child(2){text-align:right}</style>
</head>
<body>
<h1>Index of ${heading}</h1>
<table>
<thead><tr><th>Name</th><th>Size</th><th>Last modified</th></tr></thead>
<tbody>
${lines.join("\n")}
</tbody>
</table>
</body>
</html>
`;
}

function decodedTitle(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * The directory browser: lists a directory the request names (GET and
 * HEAD), redirecting `/dir` to `/dir/` first; anything else goes to
 * `next()`.
 *
 * @param root The root to list inside.
 * @returns The middleware.
 */
export function directoryBrowser(root: StaticRoot): Middleware {
  return async (ctx, next) => {
    const request = ctx.request;
    if (request.method !== "GET" && request.method !== "HEAD") return next();
    const directory = await requestedDirectory(root, request.path);
    if (directory === undefined) return next();
    if (!directory.slash) return redirectToSlash(ctx);
    const rows = await readRows(root, directory.path);
    const shown = `${request.pathBase}${request.path}`;
    const html = render(decodedTitle(shown), rows, shown !== "/");
    return ctx.response.send(html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy":
          "default-src 'none'; style-src 'unsafe-inline'",
        "x-content-type-options": "nosniff",
      },
    });
  };
}
