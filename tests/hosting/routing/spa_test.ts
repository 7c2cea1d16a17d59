// A single-page app as people put one together: static files first, an API,
// and a fallback that serves index.html for the client's own routes.

import assert from "node:assert/strict";
import { SERVER_KINDS, startHost } from "../../_helpers.ts";

for (const kind of SERVER_KINDS) {
  Deno.test(`a single-page app serves files, its API, and index.html for client routes, but 404 for missing files (${kind})`, async () => {
    const root = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${root}/index.html`, "<div id=app></div>");
      await Deno.writeTextFile(`${root}/app.js`, "start()");
      await using running = await startHost(kind, (app) => {
        app.useStaticFiles({ root });
        app.mapGet("/api/me", (ctx) => ctx.response.json({ name: "Ada" }));
        app.mapFallback((ctx) => ctx.response.sendFile(`${root}/index.html`));
      });
      const get = async (path: string, init?: RequestInit) => {
        const response = await running.fetch(path, init);
        return { status: response.status, text: await response.text() };
      };
      assert.deepEqual(await get("/app.js"), { status: 200, text: "start()" });
      assert.deepEqual(await get("/api/me"), {
        status: 200,
        text: '{"name":"Ada"}',
      });
      // The client's own routes, any depth: the page that runs them.
      for (const path of ["/", "/settings", "/books/42/edit"]) {
        assert.deepEqual(await get(path), {
          status: 200,
          text: "<div id=app></div>",
        }, path);
      }
      // A file name that is not there is a real 404, not the page.
      assert.equal((await get("/missing.js")).status, 404);
      // The API keeps its own 405.
      const post = await running.fetch("/api/me", { method: "POST" });
      assert.equal(post.status, 405);
      await post.body?.cancel();
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  });
}
