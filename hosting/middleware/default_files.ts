/**
 * Default files middleware (ASP.NET Core's `UseDefaultFiles`).
 *
 * @module
 */

import type { Middleware } from "../pipeline.ts";
import {
  findPath,
  redirectToSlash,
  requestedDirectory,
  staticRoot,
} from "./_static_paths.ts";

/** Options for {@linkcode defaultFiles}. */
export interface DefaultFilesOptions {
  /**
   * The directory to look in, absolute or relative to the working
   * directory. Required: it must exist when the middleware is made.
   * @default {undefined}
   */
  root?: string;
  /**
   * The URL prefix the directory is served under, in whole segments.
   * @default {""}
   */
  requestPath?: string;
  /**
   * The names tried in each directory, first found wins.
   * @default {["index.html", "index.htm", "default.html", "default.htm"]}
   */
  defaultFileNames?: readonly string[];
  /**
   * Look into directories whose names start with a dot.
   * @default {false}
   */
  serveDotFiles?: boolean;
  /**
   * Answer a directory request without a trailing slash (`/docs`) with a
   * 301 to `/docs/`, as ASP.NET does, so that relative links in the
   * default file resolve inside the directory.
   * @default {true}
   */
  redirectToAppendTrailingSlash?: boolean;
}

/** The default file names ASP.NET tries, in its order. */
export const DEFAULT_FILE_NAMES: readonly string[] = Object.freeze([
  "index.html",
  "index.htm",
  "default.html",
  "default.htm",
]);

/**
 * Rewrites a request for a directory to its default file (ASP.NET's
 * `UseDefaultFiles`): `/docs/` becomes `/docs/index.html` when that file
 * exists, and the pipeline goes on (put `staticFiles` after it,
 * or use `fileServer`, which does both). A directory named without its
 * trailing slash gets a 301 to the slash form when it has a default file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { defaultFiles } from "./default_files.ts";
 * import { staticFiles } from "./static_files.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/docs`);
 * await Deno.writeTextFile(`${root}/docs/index.html`, "<h1>Docs</h1>");
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(defaultFiles({ root })).use(staticFiles({ root }))
 *   )
 *   .build();
 * const page = await host.fetch("http://localhost/docs/");
 * assert.equal(await page.text(), "<h1>Docs</h1>");
 * const bare = await host.fetch("http://localhost/docs?x=1", {
 *   redirect: "manual",
 * });
 * assert.equal(bare.status, 301);
 * assert.equal(bare.headers.get("location"), "/docs/?x=1");
 * await bare.body?.cancel();
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param options Where to look and which names to try; `root` is required.
 * @returns The middleware.
 * @throws {TypeError} When an option is invalid or the root does not exist.
 */
export function defaultFiles(options: DefaultFilesOptions = {}): Middleware {
  const root = staticRoot(
    "defaultFiles",
    options.root,
    options.requestPath,
    options.serveDotFiles,
  );
  const names = options.defaultFileNames ?? DEFAULT_FILE_NAMES;
  if (
    !Array.isArray(names) ||
    names.some((name) =>
      typeof name !== "string" || name === "" || /[\/\\\0]/.test(name)
    )
  ) {
    throw new TypeError(
      `defaultFiles options.defaultFileNames must be file names without "/" (like ["index.html"]), got ${
        JSON.stringify(names)
      }`,
    );
  }
  const redirect = options.redirectToAppendTrailingSlash ?? true;
  if (typeof redirect !== "boolean") {
    throw new TypeError(
      `defaultFiles options.redirectToAppendTrailingSlash must be a boolean, got ${
        JSON.stringify(redirect)
      }`,
    );
  }
  const list = [...names];

  return async (ctx, next) => {
    const request = ctx.request;
    if (request.method !== "GET" && request.method !== "HEAD") return next();
    const directory = await requestedDirectory(root, request.path);
    if (directory === undefined) return next();
    for (const name of list) {
      const found = await findPath(root, `${directory.path}/${name}`);
      if (found === undefined || !found.stat.isFile) continue;
      if (!directory.slash) {
        if (redirect) return redirectToSlash(ctx);
        return next();
      }
      request.path = `${request.path}${encodeURIComponent(name)}`;
      break;
    }
    return next();
  };
}
