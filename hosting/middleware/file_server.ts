/**
 * File server middleware (ASP.NET Core's `UseFileServer`): default files,
 * static files and, when enabled, directory browsing.
 *
 * @module
 */

import type { Middleware } from "../pipeline.ts";
import { defaultFiles, type DefaultFilesOptions } from "./default_files.ts";
import { type StaticFileOptions, staticFiles } from "./static_files.ts";
import { directoryBrowser } from "./_directory_listing.ts";
import { staticRoot } from "./_static_paths.ts";

/** Options for {@linkcode fileServer}: static files' and default files'. */
export interface FileServerOptions
  extends
    StaticFileOptions,
    Omit<DefaultFilesOptions, keyof StaticFileOptions> {
  /**
   * Rewrite directory requests to their default file (`index.html`…).
   * @default {true}
   */
  enableDefaultFiles?: boolean;
  /**
   * List the contents of a directory that has no default file. Off, as in
   * ASP.NET: a listing shows what a site may not mean to advertise.
   * @default {false}
   */
  enableDirectoryBrowsing?: boolean;
}

/**
 * Serves a directory as a site (ASP.NET's `UseFileServer`): default files,
 * then static files, then — with `enableDirectoryBrowsing` — an HTML
 * listing (names escaped, links percent-encoded, no dotfiles) of a
 * directory without a default file. What none of them answers goes to
 * `next()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { fileServer } from "./file_server.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/index.html`, "<h1>Home</h1>");
 * await Deno.mkdir(`${root}/files`);
 * await Deno.writeTextFile(`${root}/files/a<b>.txt`, "a");
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.use(fileServer({ root, enableDirectoryBrowsing: true }))
 *   )
 *   .build();
 * assert.equal(await (await host.fetch("http://localhost/")).text(), "<h1>Home</h1>");
 * const listing = await (await host.fetch("http://localhost/files/")).text();
 * assert.ok(listing.includes('href="./a%3Cb%3E.txt"'));
 * assert.ok(listing.includes("a&lt;b&gt;.txt"));
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param options Where the files are and what to enable; `root` is
 * required.
 * @returns The middleware.
 * @throws {TypeError} When an option is invalid or the root does not exist.
 */
export function fileServer(options: FileServerOptions = {}): Middleware {
  const { enableDefaultFiles = true, enableDirectoryBrowsing = false } =
    options;
  for (
    const [key, value] of Object.entries({
      enableDefaultFiles,
      enableDirectoryBrowsing,
    })
  ) {
    if (typeof value !== "boolean") {
      throw new TypeError(
        `fileServer options.${key} must be a boolean, got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  const files = staticFiles(options);
  const defaults = enableDefaultFiles ? defaultFiles(options) : undefined;
  const browse = enableDirectoryBrowsing
    ? directoryBrowser(
      staticRoot(
        "fileServer",
        options.root,
        options.requestPath,
        options.serveDotFiles,
      ),
    )
    : undefined;
  let chain: Middleware = files;
  if (browse !== undefined) chain = then(chain, browse);
  if (defaults !== undefined) chain = then(defaults, chain);
  return chain;
}

// One middleware, then another in its next(): the file server is three
// middleware the application registers as one.
function then(first: Middleware, second: Middleware): Middleware {
  return (ctx, next) =>
    first(ctx, async () => {
      await second(ctx, next);
    });
}
