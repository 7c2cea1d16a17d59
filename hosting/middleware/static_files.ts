/**
 * Static files middleware (ASP.NET Core's `UseStaticFiles`).
 *
 * @module
 */

import type { HttpContext, SendFileOptions } from "../../features/mod.ts";
import { contentTypeFor, isCompressible } from "../../features/_media_types.ts";
import { fileETag, planFileResponse } from "../../features/_file_conditions.ts";
import { PLANNED_FROM, plannedFile } from "../../features/_file_errors.ts";
import type { Middleware } from "../pipeline.ts";
import { findInside, segmentsOf, staticRoot } from "./_static_paths.ts";
import {
  acceptedWeights,
  chooseSibling,
  findSiblings,
} from "./_static_encoding.ts";

/** The file a static response is about, for hooks and cache policies. */
export interface StaticFile {
  /** The file's real path (the original, not a precompressed copy). */
  readonly path: string;
  /** What `Deno.stat` says about it. */
  readonly stat: Deno.FileInfo;
  /** The content coding sent (`br`, `zstd`, `gzip`), or `undefined`. */
  readonly encoding: string | undefined;
}

/** Options for {@linkcode staticFiles}. */
export interface StaticFileOptions {
  /**
   * The directory to serve, absolute or relative to the working directory.
   * Required: it must exist when the middleware is made.
   * @default {undefined}
   */
  root?: string;
  /**
   * The URL prefix the files are served under, in whole segments
   * (`"/static"` serves `root/app.js` at `/static/app.js`).
   * @default {""}
   */
  requestPath?: string;
  /**
   * Serve files whose extension has no known content type, as
   * `defaultContentType`. Off, as in ASP.NET: an unknown file may be one
   * that was never meant to be public.
   * @default {false}
   */
  serveUnknownFileTypes?: boolean;
  /**
   * The content type of unknown file types, when they are served.
   * @default {"application/octet-stream"}
   */
  defaultContentType?: string;
  /**
   * Extra or overriding content types by extension (`{ ".webmanifest":
   * "application/manifest+json" }`), ASP.NET's `ContentTypeProvider`.
   * @default {{}}
   */
  contentTypes?: Record<string, string>;
  /**
   * Serve names that start with a dot (`.env`, `.git/config`, `.well-known`).
   * @default {false}
   */
  serveDotFiles?: boolean;
  /**
   * Send `name.br` / `name.zst` / `name.gz` next to a file, when the client
   * accepts that coding. They are looked for (three stats per request) only
   * for types mime-db marks compressible: text, JSON, JavaScript, SVG, wasm.
   * @default {true}
   */
  precompressed?: boolean;
  /**
   * `Cache-Control` for every file response (304s included), or a function
   * that picks one per file (`undefined` sets none).
   * @default {undefined}
   */
  cacheControl?: string | ((file: StaticFile) => string | undefined);
  /**
   * Runs before each response about a file is sent (200, 206, 304, 412,
   * 416), to add or change headers; `ctx.response.status` says which, and
   * a status it sets is the one sent (the file's bytes still follow).
   * @default {undefined}
   */
  onPrepareResponse?: (
    ctx: HttpContext,
    file: StaticFile,
  ) => void | Promise<void>;
}

const NO_BODY = new Set([304, 412, 416]);

function check(options: StaticFileOptions): void {
  const where = "staticFiles";
  for (
    const key of ["serveUnknownFileTypes", "precompressed"] as const
  ) {
    const value = options[key];
    if (value !== undefined && typeof value !== "boolean") {
      throw new TypeError(
        `${where} options.${key} must be a boolean, got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  const type = options.defaultContentType;
  if (type !== undefined && (typeof type !== "string" || !type.includes("/"))) {
    throw new TypeError(
      `${where} options.defaultContentType must be a media type like "application/octet-stream", got ${
        JSON.stringify(type)
      }`,
    );
  }
  const cache = options.cacheControl;
  if (
    cache !== undefined && typeof cache !== "string" &&
    typeof cache !== "function"
  ) {
    throw new TypeError(
      `${where} options.cacheControl must be a string or a function of the file, got ${typeof cache}`,
    );
  }
  const hook = options.onPrepareResponse;
  if (hook !== undefined && typeof hook !== "function") {
    throw new TypeError(
      `${where} options.onPrepareResponse must be a function, got ${typeof hook}`,
    );
  }
  for (const [extension, value] of Object.entries(options.contentTypes ?? {})) {
    if (!extension.startsWith(".") || typeof value !== "string") {
      throw new TypeError(
        `${where} options.contentTypes maps extensions with their dot (".map") to media types, got ${
          JSON.stringify(extension)
        }: ${JSON.stringify(value)}`,
      );
    }
  }
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf(".");
  return dot <= 0 ? "" : name.slice(dot).toLowerCase();
}

/**
 * Serves the files of a directory (ASP.NET's `UseStaticFiles`). GET and
 * HEAD requests for a file under `requestPath` are answered with RFC 9110
 * validators (`ETag` from size and modification time, `Last-Modified`),
 * conditional requests (304, 412), one byte range (206, 416; several ranges
 * get the whole file) and precompressed siblings; everything else — other
 * methods, other paths, directories, missing files, dotfiles, names that
 * would leave the root — goes to `next()`, so a later middleware or the
 * server's 404 answers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { staticFiles } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/hello.txt`, "hello");
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(staticFiles({ root, requestPath: "/static" }))
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/static/hello.txt");
 * assert.equal(response.status, 200);
 * assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
 * assert.equal(await response.text(), "hello");
 * const missing = await host.fetch("http://localhost/static/nope.txt");
 * assert.equal(missing.status, 404);
 * await missing.body?.cancel();
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param options Where the files are and how to serve them; `root` is
 * required.
 * @returns The middleware.
 * @throws {TypeError} When an option is invalid or the root does not exist.
 */
export function staticFiles(options: StaticFileOptions = {}): Middleware {
  const root = staticRoot(
    "staticFiles",
    options.root,
    options.requestPath,
    options.serveDotFiles,
  );
  check(options);
  const {
    serveUnknownFileTypes = false,
    defaultContentType = "application/octet-stream",
    precompressed = true,
    cacheControl,
    onPrepareResponse,
  } = options;
  const overrides = new Map<string, string>();
  for (const [extension, type] of Object.entries(options.contentTypes ?? {})) {
    overrides.set(extension.toLowerCase(), type);
  }

  return async (ctx, next) => {
    const request = ctx.request;
    const method = request.method;
    if (method !== "GET" && method !== "HEAD") return next();
    const segments = segmentsOf(root, request.path);
    // A path ending in "/" names a directory: default files' business.
    if (segments === undefined || segments.at(-1) === "") return next();
    const name = segments.at(-1)!;
    let type = overrides.get(extensionOf(name)) ?? await contentTypeFor(name);
    if (type === undefined) {
      if (!serveUnknownFileTypes) return next();
      type = defaultContentType;
    }
    const found = await findInside(root, segments);
    if (found === undefined || !found.stat.isFile) return next();

    // PNGs and zips are compressed already: no siblings worth three stats.
    const accepted = acceptedWeights(request.header("accept-encoding"));
    // Compressible types may have precompressed siblings: only those the
    // client accepts are looked for.
    const varies = precompressed && isCompressible(type);
    const siblings = varies ? await findSiblings(root, found, accepted) : [];
    const sibling = chooseSibling(accepted, siblings);
    const sent = sibling ?? found;
    const file: StaticFile = {
      path: found.path,
      stat: found.stat,
      encoding: sibling?.encoding,
    };
    const plan = planFileResponse(request, sent.stat, fileETag(sent.stat));
    const response = ctx.response;
    const headers = response.headers;
    for (const [header, value] of plan.headers) headers.set(header, value);
    // Caches must key on Accept-Encoding whenever it could change the
    // answer, including for clients that got the original: for every
    // compressible file, since which siblings exist is only looked up for
    // the codings a request accepts.
    if (varies) headers.append("vary", "Accept-Encoding");
    if (sibling !== undefined) {
      headers.set("content-encoding", sibling.encoding);
    }
    const cache = typeof cacheControl === "function"
      ? cacheControl(file)
      : cacheControl;
    if (cache !== undefined) headers.set("cache-control", cache);
    if (!NO_BODY.has(plan.status)) headers.set("content-type", type);
    // The hook sees the status it may change (ASP.NET sets StatusCode
    // before OnPrepareResponse): serving 404.html as a 404, say.
    response.status = plan.status;
    await onPrepareResponse?.(ctx, file);
    if (NO_BODY.has(plan.status)) return response.send(null);
    return response.sendFile(sent.path, {
      offset: plan.offset,
      count: plan.count,
      [PLANNED_FROM]: plannedFile(sent.stat),
    } as SendFileOptions);
  };
}
