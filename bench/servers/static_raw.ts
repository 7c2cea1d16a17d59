/**
 * Raw `Deno.serve` serving files the way a plain Deno app does without a
 * framework (the shape of std's `serveFile`, written out): decode the path,
 * refuse to leave the root, stat, answer 304 for a matching ETag, else
 * stream the file with its length, type, ETag and Last-Modified.
 *
 * ```sh
 * deno run -A bench/servers/static_raw.ts --port 0 --root /tmp/files
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { announceReady } from "./_common.ts";

const TYPES: Record<string, string> = {
  bin: "application/octet-stream",
  html: "text/html; charset=utf-8",
  css: "text/css; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  json: "application/json",
  txt: "text/plain; charset=utf-8",
};

const NOT_FOUND: ResponseInit = { status: 404 };

async function serveFile(request: Request, root: string): Promise<Response> {
  const url = new URL(request.url);
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return new Response("Bad Request", { status: 400 });
  }
  if (path.includes("..") || path.includes("\0")) {
    return new Response("Not Found", NOT_FOUND);
  }
  const file = `${root}${path}`;
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch {
    return new Response("Not Found", NOT_FOUND);
  }
  if (!info.isFile) return new Response("Not Found", NOT_FOUND);
  const mtime = info.mtime?.getTime() ?? 0;
  const etag = `"${info.size.toString(16)}-${mtime.toString(16)}"`;
  const headers = new Headers({
    "content-type": TYPES[path.slice(path.lastIndexOf(".") + 1)] ??
      "application/octet-stream",
    etag,
    "last-modified": new Date(mtime).toUTCString(),
    "accept-ranges": "bytes",
  });
  if (request.headers.get("if-none-match") === etag) {
    return new Response(null, { status: 304, headers });
  }
  headers.set("content-length", String(info.size));
  if (request.method === "HEAD") return new Response(null, { headers });
  const handle = await Deno.open(file);
  return new Response(handle.readable, { headers });
}

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string" }, root: { type: "string" } },
});
if (values.root === undefined) throw new TypeError("--root is required");
const root = values.root;
const server = Deno.serve(
  { hostname: "127.0.0.1", port: Number(values.port ?? 0), onListen() {} },
  (request) => serveFile(request, root),
);
announceReady(server.addr.port);
