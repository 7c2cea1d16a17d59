import assert from "node:assert/strict";
import {
  type CollectingOutput,
  collectLogs,
  SERVER_KINDS,
  startHost,
  until,
} from "../_helpers.ts";
import {
  fileETag,
  parseRange,
  planFileResponse,
} from "../../features/_file_conditions.ts";
import { contentTypeFor } from "../../features/_media_types.ts";

const CONTENT = "0123456789abcdefghij"; // 20 bytes

async function withFile(
  body: (path: string) => Promise<void>,
): Promise<void> {
  const path = await Deno.makeTempFile({ suffix: ".txt" });
  try {
    await Deno.writeTextFile(path, CONTENT);
    await body(path);
  } finally {
    await Deno.remove(path);
  }
}

for (const kind of SERVER_KINDS) {
  Deno.test(`sendFile answers Range, If-None-Match and If-Match as RFC 9110 asks (${kind})`, async () => {
    await withFile(async (path) => {
      await using running = await startHost(
        kind,
        (app) => app.run((ctx) => ctx.response.sendFile(path)),
      );
      const full = await running.fetch("/");
      assert.equal(full.status, 200);
      assert.equal(await full.text(), CONTENT);
      const etag = full.headers.get("etag")!;
      assert.equal(etag, fileETag(await Deno.stat(path)));
      assert.equal(full.headers.get("accept-ranges"), "bytes");
      assert.ok(full.headers.get("last-modified")!.endsWith("GMT"));

      const part = await running.fetch("/", { headers: { range: "bytes=-3" } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get("content-range"), "bytes 17-19/20");
      assert.equal(part.headers.get("content-length"), "3");
      assert.equal(await part.text(), "hij");

      const unsatisfiable = await running.fetch("/", {
        headers: { range: "bytes=20-" },
      });
      assert.equal(unsatisfiable.status, 416);
      assert.equal(unsatisfiable.headers.get("content-range"), "bytes */20");
      assert.equal(await unsatisfiable.text(), "");

      const cached = await running.fetch("/", {
        headers: { "if-none-match": etag },
      });
      assert.equal(cached.status, 304);
      assert.equal(cached.headers.get("etag"), etag);
      assert.equal(cached.headers.get("content-type"), null);
      assert.equal(await cached.text(), "");

      const changed = await running.fetch("/", {
        headers: { "if-match": '"not-it"' },
      });
      assert.equal(changed.status, 412);
      assert.equal(await changed.text(), "");
    });
  });

  Deno.test(`a sendFile an async handler did not await is reported, and never ends the process (${kind})`, async () => {
    await withFile(async (path) => {
      let logs: CollectingOutput | undefined;
      await using running = await startHost(kind, (app) => {
        // Each handler returns before its sendFile has looked at the file:
        // the call finds the response ended, or taken by another answer.
        // deno-lint-ignore require-await -- the async handler that forgot its await
        app.mapGet("/forgot", async (ctx) => {
          ctx.response.sendFile(path);
        });
        app.mapGet("/then-send", async (ctx) => {
          ctx.response.sendFile(path);
          await ctx.response.send("other");
        });
        app.mapGet("/twice", async (ctx) => {
          ctx.response.sendFile(path);
          await ctx.response.sendFile(path);
        });
        app.mapGet("/ok", (ctx) => ctx.response.sendFile(path));
      }, { setup: (builder) => logs = collectLogs(builder) });
      for (const route of ["/forgot", "/then-send", "/twice"]) {
        const response = await running.fetch(route);
        await response.body?.cancel();
      }
      const misuses = () =>
        logs!.records.filter((record) =>
          record.message === "The application misused a response:"
        ).length;
      // A call nobody awaited reports itself when it gets there: no event
      // says when. An unhandled rejection instead would fail this test.
      await until(() => misuses() >= 3, "three misuse reports");
      const ok = await running.fetch("/ok");
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), CONTENT);
    });
  });

  Deno.test(`sendFile answers 404, not 500, for a path no file can have: too long, a symlink loop, a NUL (${kind})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.symlink(`${dir}/loop2`, `${dir}/loop1`);
      await Deno.symlink(`${dir}/loop1`, `${dir}/loop2`);
      let logs: CollectingOutput | undefined;
      await using running = await startHost(kind, (app) => {
        // A name from the query: the server refuses a NUL in the path.
        app.run((ctx) =>
          ctx.response.sendFile(`${dir}/${ctx.request.query.get("name")}`)
        );
      }, { setup: (builder) => logs = collectLogs(builder) });
      for (const name of ["a".repeat(300), "loop1", "x%00y"]) {
        const response = await running.fetch(`/?name=${name}`);
        assert.equal(response.status, 404, name);
        await response.body?.cancel();
      }
      assert.deepEqual(
        logs!.records.filter((record) => record.level === "error"),
        [],
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`sendFile after write() sends the file on, with no validators or ranges of the file's (${kind})`, async () => {
    await withFile(async (path) => {
      const refusals: string[] = [];
      await using running = await startHost(kind, (app) => {
        // The body feature wrapped, as compression wraps it, says the same.
        app.useResponseCompression({ minimumSize: 0 });
        app.mapGet("/wrapped", async (ctx) => {
          ctx.response.contentType = "text/plain";
          await ctx.response.write("PREAMBLE:");
          await ctx.response.sendFile(path);
        });
        app.mapGet("/count", async (ctx) => {
          for (const count of [-5, NaN, 1.5]) {
            await ctx.response.sendFile(path, { count }).catch((error) =>
              refusals.push(`${error.name}: ${error.message}`)
            );
          }
          await ctx.response.send("checked");
        });
      });
      const etag = fileETag(await Deno.stat(path));
      for (
        const headers of [
          {},
          { range: "bytes=0-3" },
          { "if-none-match": etag },
          { "accept-encoding": "identity;q=1, *;q=0", range: "bytes=0-3" },
          { "accept-encoding": "gzip", range: "bytes=0-3" },
          { "accept-encoding": "gzip", "if-none-match": etag },
        ] as Record<string, string>[]
      ) {
        const response = await running.fetch("/wrapped", { headers });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("etag"), null);
        assert.equal(response.headers.get("accept-ranges"), null);
        assert.equal(await response.text(), `PREAMBLE:${CONTENT}`);
      }
      assert.equal(await (await running.fetch("/count")).text(), "checked");
      assert.deepEqual(refusals, [
        "RangeError: sendFile count must be a whole number of bytes from 0, got -5",
        "RangeError: sendFile count must be a whole number of bytes from 0, got NaN",
        "RangeError: sendFile count must be a whole number of bytes from 0, got 1.5",
      ]);
    });
  });

  Deno.test(`a file being opened when the response is cleared goes nowhere, and the new answer stands (${kind})`, async () => {
    await withFile(async (path) => {
      let refusal: unknown;
      await using running = await startHost(kind, (app) => {
        app.run(async (ctx) => {
          ctx.response.headers.set("content-type", "text/plain");
          // The file is being opened when the response is cleared, as a
          // request timeout or an error page clears it.
          const sending = ctx.response.sendFile(path, { offset: 0 });
          ctx.response.clear();
          refusal = await sending.catch((error) => error);
          await ctx.response.send("instead");
        });
      });
      const response = await running.fetch("/");
      assert.equal(await response.text(), "instead");
      assert.ok(refusal instanceof TypeError);
      assert.match(refusal.message, /cleared while the file was opened/);
    });
  });

  Deno.test(`sendFile with offset and count sends exactly that slice, 200, without validators (${kind})`, async () => {
    await withFile(async (path) => {
      await using running = await startHost(
        kind,
        (app) =>
          app.run((ctx) =>
            ctx.response.sendFile(path, { offset: 5, count: 4 })
          ),
      );
      const response = await running.fetch("/", {
        headers: { range: "bytes=0-0" },
      });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get("etag"), null);
      assert.equal(response.headers.get("content-length"), "4");
      assert.equal(await response.text(), "5678");
    });
  });

  Deno.test(`sendFile leaves a status the app set, and methods other than GET and HEAD, alone (${kind})`, async () => {
    await withFile(async (path) => {
      await using running = await startHost(kind, (app) => {
        app.map("/missing", (b) =>
          b.run(async (ctx) => {
            ctx.response.status = 404;
            await ctx.response.sendFile(path);
          }));
        app.run((ctx) => ctx.response.sendFile(path));
      });
      const page = await running.fetch("/missing", {
        headers: { range: "bytes=0-1", "if-none-match": "*" },
      });
      assert.equal(page.status, 404);
      assert.equal(await page.text(), CONTENT);
      const posted = await running.fetch("/", {
        method: "POST",
        headers: { range: "bytes=0-1", "if-match": '"nope"' },
      });
      assert.equal(posted.status, 200);
      assert.equal(await posted.text(), CONTENT);
    });
  });

  Deno.test(`sendFile answers HEAD with the full length and validators, ignoring Range (${kind})`, async () => {
    await withFile(async (path) => {
      await using running = await startHost(
        kind,
        (app) => app.run((ctx) => ctx.response.sendFile(path)),
      );
      const head = await running.fetch("/", {
        method: "HEAD",
        headers: { range: "bytes=0-1" },
      });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "20");
      assert.ok(head.headers.get("etag") !== null);
      assert.equal(await head.text(), "");
    });
  });
}

Deno.test("planFileResponse evaluates If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range in order", () => {
  const facts = { size: 100, mtime: new Date("2024-06-01T12:00:00.500Z") };
  const etag = fileETag(facts);
  const modified = facts.mtime.toUTCString();
  const before = "Sat, 01 Jun 2024 11:59:59 GMT";
  const cases: [string, Record<string, string>, number][] = [
    ["GET", {}, 200],
    ["GET", { "if-modified-since": modified }, 304], // whole seconds
    ["GET", { "if-modified-since": before }, 200],
    ["POST", { "if-modified-since": modified }, 200], // GET/HEAD only
    ["POST", { "if-none-match": etag }, 412],
    ["GET", { "if-unmodified-since": before }, 412],
    ["GET", { "if-unmodified-since": modified }, 200],
    ["GET", { "if-unmodified-since": "garbage" }, 200],
    ["GET", { "if-match": `"a", ${etag}` }, 200],
    ["GET", { "if-match": `W/${etag}` }, 412],
    ["GET", { "if-none-match": `W/${etag}` }, 304], // weak comparison
    ["GET", { "if-none-match": etag, "if-modified-since": before }, 304],
    ["GET", { range: "bytes=0-0", "if-range": etag }, 206],
    ["GET", { range: "bytes=0-0", "if-range": before }, 200],
    ["GET", { range: "bytes=0-0", "if-range": modified }, 206],
    ["GET", { range: "bytes=0-0", "if-none-match": etag }, 304],
    ["HEAD", { range: "bytes=0-0" }, 200],
  ];
  for (const [method, headers, status] of cases) {
    const all = new Headers(headers);
    const plan = planFileResponse(
      { method, header: (name) => all.get(name) },
      facts,
      etag,
    );
    assert.equal(plan.status, status, `${method} ${JSON.stringify(headers)}`);
  }
});

Deno.test("parseRange reads single ranges and ignores what it cannot read", () => {
  const cases: [string | null, number, ReturnType<typeof parseRange>][] = [
    [null, 10, "none"],
    ["bytes=0-0", 10, { start: 0, end: 0 }],
    ["bytes=3-", 10, { start: 3, end: 9 }],
    ["bytes=-3", 10, { start: 7, end: 9 }],
    ["bytes=-30", 10, { start: 0, end: 9 }],
    ["bytes=5-99999999999999999999", 10, { start: 5, end: 9 }],
    [" bytes = 1-2 ", 10, { start: 1, end: 2 }],
    ["bytes=10-", 10, "unsatisfiable"],
    ["bytes=-0", 10, "unsatisfiable"],
    ["bytes=0-", 0, "none"], // an empty file is sent whole
    ["bytes=1-0", 10, "none"],
    ["bytes=-", 10, "none"],
    ["bytes=a-b", 10, "none"],
    ["bytes=0-1,3-4", 10, "none"],
    ["bytes=1.5-2", 10, "none"],
    ["pages=1-2", 10, "none"],
    ["bytes", 10, "none"],
  ];
  for (const [header, size, expected] of cases) {
    assert.deepEqual(parseRange(header, size), expected, String(header));
  }
});

Deno.test("contentTypeFor answers from mime-db with charset=utf-8 for text", async () => {
  const cases: [string, string | undefined][] = [
    ["a.css", "text/css; charset=utf-8"],
    ["a.JS", "text/javascript; charset=utf-8"],
    ["a.mjs", "text/javascript; charset=utf-8"],
    ["a.json", "application/json"],
    ["a.webmanifest", "application/manifest+json"],
    ["a.svg", "image/svg+xml; charset=utf-8"],
    ["a.xml", "application/xml; charset=utf-8"],
    ["a.html", "text/html; charset=utf-8"],
    ["a.png", "image/png"],
    ["a.woff2", "font/woff2"],
    ["a.wasm", "application/wasm"],
    ["a.mp4", "video/mp4"],
    ["a.wav", "audio/wav"],
    ["a.mp3", "audio/mpeg"],
    ["dir.d/noext", undefined],
    [".env", undefined],
    ["a.nosuchext", undefined],
  ];
  for (const [name, type] of cases) {
    assert.equal(await contentTypeFor(name), type, name);
  }
});
