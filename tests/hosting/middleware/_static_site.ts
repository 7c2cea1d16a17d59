// A small site in a temp dir for the static file tests: a root with files,
// dotfiles, a directory with a default file, precompressed siblings, and
// links that point in and out of it, next to a secret outside the root.

import { brotliCompressSync, gzipSync } from "node:zlib";

/** The site's directories; dispose to delete them. */
export interface StaticSite extends AsyncDisposable {
  /** The directory that holds `root` and `secret.txt`. */
  readonly base: string;
  /** The root to serve. */
  readonly root: string;
}

/** The bytes of `big.bin`: 1000 bytes whose value is their index mod 256. */
export const BIG = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);

/** The site's text files and their contents. */
export const TEXT: Readonly<Record<string, string>> = {
  "index.html": "<h1>Home</h1>",
  "hello.txt": "hello, world",
  "site.css": "body { color: red; }".repeat(20),
  "app.js": "console.log(1);",
  "data.json": '{"a":1}',
  "logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
  "notes.unknownext": "raw",
  "docs/index.html": "<h1>Docs</h1>",
  "docs/guide.html": "<h1>Guide</h1>",
  "empty/.keep": "",
  "list/a<b>&.txt": "tricky",
  "list/plain.txt": "plain",
  "list/.hidden": "hidden",
  "list/sub dir/x.txt": "x",
  ".env": "SECRET=1",
  ".git/config": "[core]",
  "secret.html": "inner file named secret",
  "café.txt": "unicode name",
  "..hidden.txt": "dotdot name",
};

/** Makes the site; `await using` deletes it. */
export async function makeSite(): Promise<StaticSite> {
  const base = await Deno.makeTempDir({ prefix: "roost_static_" });
  const root = `${base}/root`;
  for (const [name, text] of Object.entries(TEXT)) {
    const path = `${root}/${name}`;
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(path, text);
  }
  await Deno.writeFile(`${root}/big.bin`, BIG);
  const css = new TextEncoder().encode(TEXT["site.css"]);
  await Deno.writeFile(`${root}/site.css.br`, brotliCompressSync(css));
  await Deno.writeFile(`${root}/site.css.gz`, gzipSync(css));
  await Deno.writeTextFile(`${base}/secret.txt`, "TOP SECRET");
  await Deno.mkdir(`${base}/outside`);
  await Deno.writeTextFile(`${base}/outside/file.txt`, "TOP SECRET");
  await Deno.symlink(`${base}/secret.txt`, `${root}/escape.txt`);
  await Deno.symlink(`${base}/outside`, `${root}/escape-dir`);
  await Deno.symlink(`${root}/hello.txt`, `${root}/alias.txt`);
  await Deno.symlink(`${root}/.env`, `${root}/env.txt`);
  await Deno.symlink(`${base}/secret.txt`, `${root}/hello.txt.gz`);
  return {
    base,
    root,
    async [Symbol.asyncDispose]() {
      await Deno.remove(base, { recursive: true });
    },
  };
}
