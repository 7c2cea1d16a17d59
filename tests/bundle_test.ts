// bundle/ is what deno.json exports: it must be what the sources build,
// export what they export, keep one copy of each class across the entries,
// and tell its own stack frames from the app's as the sources do.

import assert from "node:assert/strict";
import { ENTRIES, generatedWith, stale } from "../tools/bundle.ts";
import * as bundled from "../bundle/mod.js";
import * as bundledMiddleware from "../bundle/hosting/middleware/mod.js";

const ROOT = new URL("../", import.meta.url);
const BUNDLE_VERSION = generatedWith(
  await Deno.readTextFile(new URL("bundle/mod.js", ROOT)),
);

Deno.test({
  name: "bundle/ is what the sources build (else: deno task bundle)",
  // Another Deno may bundle differently: only the one that built it can say.
  ignore: BUNDLE_VERSION !== Deno.version.deno,
  async fn() {
    assert.deepEqual(
      await stale(),
      [],
      "bundle/ is stale: run deno task bundle and commit bundle/",
    );
  },
});

Deno.test("deno.json exports each public entry's bundle, typed by its source", async () => {
  const config = JSON.parse(
    await Deno.readTextFile(new URL("deno.json", ROOT)),
  );
  const exported = Object.values(config.exports as Record<string, string>);
  assert.deepEqual(
    exported.toSorted(),
    ENTRIES.map((entry) => `./bundle/${entry.replace(/\.ts$/, ".js")}`)
      .toSorted(),
  );
  for (const entry of ENTRIES) {
    const file = new URL(`bundle/${entry.replace(/\.ts$/, ".js")}`, ROOT);
    const text = await Deno.readTextFile(file);
    const types = /^\/\/ @ts-self-types="([^"]+)"$/m.exec(text)?.[1];
    assert.equal(
      types === undefined ? undefined : new URL(types, file).href,
      new URL(entry, ROOT).href,
      `${entry}'s bundle takes its types from it`,
    );
  }
});

Deno.test("each bundled entry exports what its source exports", async () => {
  for (const entry of ENTRIES) {
    const source = await import(new URL(entry, ROOT).href);
    const bundle = await import(
      new URL(`bundle/${entry.replace(/\.ts$/, ".js")}`, ROOT).href
    );
    assert.deepEqual(
      Object.keys(bundle).sort(),
      Object.keys(source).sort(),
      entry,
    );
  }
});

Deno.test("the bundled entries share one copy of every class and function", async () => {
  for (const entry of ENTRIES.filter((entry) => entry !== "mod.ts")) {
    const bundle = await import(
      new URL(`bundle/${entry.replace(/\.ts$/, ".js")}`, ROOT).href
    );
    for (const [name, value] of Object.entries(bundle)) {
      if (name in bundled) {
        assert.equal(value, (bundled as Record<string, unknown>)[name], name);
      }
    }
  }
  assert.equal(bundledMiddleware.cors, bundled.cors);
});

Deno.test("a host from the bundle serves over DenoServer: routing, CORS, HttpError, JSON", async () => {
  const host = new bundled.WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => {
      app.use(bundledMiddleware.cors({ origins: ["https://a.example"] }));
      app.useRouting();
      app.mapGet("/books/{id:int}", (ctx) => {
        const id = Number(ctx.request.routeValues.id);
        if (id === 0) throw new bundled.HttpError(404, "no book 0");
        return ctx.response.json({ id });
      });
    })
    .build();
  await host.start();
  try {
    const ok = await fetch(`${host.addresses[0]}/books/7`, {
      headers: { origin: "https://a.example" },
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { id: 7 });
    assert.equal(
      ok.headers.get("access-control-allow-origin"),
      "https://a.example",
    );
    const missing = await fetch(`${host.addresses[0]}/books/0`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await host.stop();
  }
});

Deno.test("the bundle's developer page tells its own frames from the app's", async () => {
  const host = new bundled.WebHostBuilder()
    .configure((app) => {
      app.use(bundledMiddleware.developerExceptionPage());
      app.run(function failingHandler() {
        throw new Error("the app failed");
      });
    })
    .build();
  const response = await host.fetch("/", { headers: { accept: "text/html" } });
  assert.equal(response.status, 500);
  const page = await response.text();
  const frames = [...page.matchAll(/<li class="(\w+)"><code>at ([^<]*)</g)]
    .map(([, origin, text]) => ({ origin, text }));
  const app = frames.filter((frame) => frame.origin === "app");
  assert.ok(app.length > 0, "the app's frame is shown");
  for (const frame of app) assert.match(frame.text, /bundle_test\.ts/);
  assert.ok(
    frames.some((frame) =>
      frame.origin === "framework" && frame.text.includes("/bundle/")
    ),
    "the bundle's frames are the framework's",
  );
});

Deno.test("a failed start from the bundle names the app's line, not the bundle's", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/app.ts`,
      `import { WebHostBuilder } from ${
        JSON.stringify(new URL("bundle/mod.js", ROOT).href)
      };
await new WebHostBuilder()
  .useUrls("http://127.0.0.1:0")
  .configure((app) => {
    app.mapGet("/books/{id", () => new Response("never"));
  })
  .build()
  .run();
`,
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--no-config", "--no-lock", "app.ts"],
      cwd: dir,
      stdin: "null",
      env: { NO_COLOR: "1" },
      signal: AbortSignal.timeout(30_000),
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 1, stdout);
    assert.match(
      stdout,
      /The host failed to start: Route template "\/books\/\{id" is invalid[^]*\n\s+at [^\n]*\/app\.ts:5:\d+\)?\n$/,
    );
    assert.ok(!stdout.includes("/bundle/"), stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
