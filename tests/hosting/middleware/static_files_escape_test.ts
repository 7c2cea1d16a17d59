// Every spelling of "outside the root" we could think of, sent to both
// servers. DenoServer gets the bytes exactly as written (a raw socket: fetch
// would clean the URL first); TestServer gets what `new URL` makes of them.
// Each must either be refused at the request boundary (400) or fall through
// static files to the next middleware (404 here), and never show a secret.

import assert from "node:assert/strict";
import { rawRequest, SERVER_KINDS, startHost } from "../../_helpers.ts";
import { staticFiles } from "../../../hosting/middleware/static_files.ts";
import { fileServer } from "../../../hosting/middleware/file_server.ts";
import { makeSite } from "./_static_site.ts";

type Outcome = "boundary 400" | "falls through";

// [request target, what DenoServer must answer, why]
const ESCAPES: ReadonlyArray<readonly [string, Outcome, string]> = [
  ["/../secret.txt", "boundary 400", "plain dot-dot"],
  ["/../../../../etc/passwd", "boundary 400", "deep dot-dot"],
  ["/%2e%2e/secret.txt", "boundary 400", "encoded dots"],
  ["/%2E%2E/secret.txt", "boundary 400", "upper-case encoded dots"],
  ["/.%2e/secret.txt", "boundary 400", "half-encoded dots"],
  ["/..\\..\\secret.txt", "boundary 400", "backslash separators"],
  ["/a/%00", "boundary 400", "encoded NUL"],
  ["/hello.txt%00.html", "boundary 400", "NUL before an extension"],
  ["/..%2fsecret.txt", "falls through", "encoded slash after dots"],
  ["/..%2Fsecret.txt", "falls through", "upper-case encoded slash"],
  ["/%2e%2e%5csecret.txt", "falls through", "encoded backslash"],
  ["/%5c..%5csecret.txt", "falls through", "leading encoded backslash"],
  ["/%2e%2e%2f%2e%2e%2fsecret.txt", "falls through", "all encoded"],
  ["/docs/..%2f..%2fsecret.txt", "falls through", "climb from a subdir"],
  ["/%252e%252e/secret.txt", "falls through", "double-encoded dots"],
  ["/%252e%252e%252fsecret.txt", "falls through", "double-encoded slash"],
  ["/%c0%ae%c0%ae/secret.txt", "falls through", "overlong UTF-8 dots"],
  ["/..%c0%afsecret.txt", "falls through", "overlong UTF-8 slash"],
  ["/%e2%80%a4%e2%80%a4/secret.txt", "falls through", "one-dot leaders"],
  ["/%ef%bc%8e%ef%bc%8e/secret.txt", "falls through", "fullwidth dots"],
  ["//etc/passwd", "falls through", "empty first segment"],
  ["/docs//guide.html", "falls through", "empty inner segment"],
  ["/.env", "falls through", "dotfile"],
  ["/%2eenv", "falls through", "encoded dotfile"],
  ["/.git/config", "falls through", "dot-directory"],
  ["/.git%2fconfig", "falls through", "dot-directory, encoded slash"],
  ["/..hidden.txt", "falls through", "name starting with two dots"],
  ["/escape.txt", "falls through", "symlink to a file outside"],
  ["/escape-dir/file.txt", "falls through", "symlink to a directory outside"],
  ["/env.txt", "falls through", "symlink to a dotfile inside"],
  ["/hello.txt%2500", "falls through", "encoded percent and zeros"],
  ["/static/..%2fsecret.txt", "falls through", "encoded slash after prefix"],
  ["/static/%2e%2e/secret.txt", "falls through", "prefix then encoded dots"],
  ["/staticx/hello.txt", "falls through", "prefix that is no segment"],
];

const SECRETS = ["TOP SECRET", "SECRET=1", "[core]"];

for (const kind of SERVER_KINDS) {
  Deno.test(`Static files never serve anything outside the root, however the path is spelled (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root, requestPath: "/static" }));
      app.use(fileServer({ root: site.root, enableDirectoryBrowsing: true }));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    const port = Number(new URL(running.base).port);
    // The mounts serve: what follows is refused for its spelling alone.
    for (const path of ["/static/hello.txt", "/hello.txt", "/docs/"]) {
      assert.equal((await running.fetch(path)).status, 200, path);
    }
    for (const [target, outcome, why] of ESCAPES) {
      let status: number;
      let body: string;
      if (kind === "DenoServer") {
        const answer = await rawRequest(
          port,
          `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
        );
        status = answer.status;
        body = answer.body;
      } else {
        const response = await running.fetch(target);
        status = response.status;
        body = await response.text();
      }
      const label = `${target} (${why})`;
      for (const secret of SECRETS) {
        assert.ok(!body.includes(secret), `${label} showed a secret`);
      }
      const fellThrough = status === 404 && body.includes("fell through");
      if (kind === "DenoServer") {
        if (outcome === "boundary 400") assert.equal(status, 400, label);
        else assert.ok(fellThrough, `${label}: got ${status} ${body}`);
      } else {
        // new URL() resolves some spellings first; either refusal is right.
        assert.ok(status === 400 || fellThrough, `${label}: got ${status}`);
      }
    }
  });

  Deno.test(`A directory listing leaves out links that lead outside the root or to a dotfile (${kind})`, async () => {
    // Listing them would confirm what their 404 keeps quiet.
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(fileServer({
        root: site.root,
        enableDirectoryBrowsing: true,
        enableDefaultFiles: false,
      }));
    });
    const response = await running.fetch("/");
    assert.equal(response.status, 200);
    const page = await response.text();
    assert.ok(page.includes('href="./hello.txt"'), "a plain file is listed");
    assert.ok(page.includes('href="./alias.txt"'), "a link inside is listed");
    for (
      const hidden of ["escape.txt", "escape-dir", "env.txt", "hello.txt.gz"]
    ) {
      assert.ok(!page.includes(`./${hidden}`), `${hidden} is listed`);
    }
  });

  Deno.test(`Static files serve the same files when spelled plainly (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root, requestPath: "/static" }));
      app.use(staticFiles({ root: site.root }));
    });
    for (
      const [path, text] of [
        ["/secret.html", "inner file named secret"],
        ["/static/hello.txt", "hello, world"],
        ["/STATIC/hello.txt", "hello, world"],
        ["/alias.txt", "hello, world"],
        ["/caf%C3%A9.txt", "unicode name"],
        ["/docs/guide.html", "<h1>Guide</h1>"],
      ]
    ) {
      const response = await running.fetch(path);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), text, path);
    }
  });

  Deno.test(`Static files serve dotfiles only when serveDotFiles is set (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({
        root: site.root,
        serveDotFiles: true,
        serveUnknownFileTypes: true,
      }));
    });
    const response = await running.fetch("/.git/config");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "[core]");
    const outside = await running.fetch("/escape.txt");
    assert.equal(outside.status, 404);
    await outside.body?.cancel();
  });

  Deno.test(`A precompressed sibling that links outside the root is never sent (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
    });
    const response = await running.fetch("/hello.txt", {
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-encoding"), null);
    assert.equal(await response.text(), "hello, world");
  });
}
