import assert from "node:assert/strict";
import {
  collectLogs,
  curl,
  type Running,
  SERVER_KINDS,
  startHost,
} from "../../_helpers.ts";
import { staticFiles } from "../../../hosting/middleware/static_files.ts";
import { defaultFiles } from "../../../hosting/middleware/default_files.ts";
import { fileServer } from "../../../hosting/middleware/file_server.ts";
import { BIG, makeSite, TEXT } from "./_static_site.ts";

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function get(
  running: Running,
  path: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<Answer> {
  const response = await running.fetch(path, {
    method,
    headers,
    redirect: "manual",
  });
  return {
    status: response.status,
    headers: response.headers,
    body: await response.text(),
  };
}

for (const kind of SERVER_KINDS) {
  Deno.test(`Static files answer with content types from mime-db, charset for text (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    for (
      const [path, type] of [
        ["/hello.txt", "text/plain; charset=utf-8"],
        ["/index.html", "text/html; charset=utf-8"],
        ["/app.js", "text/javascript; charset=utf-8"],
        ["/data.json", "application/json"],
        ["/logo.svg", "image/svg+xml; charset=utf-8"],
        ["/big.bin", "application/octet-stream"],
      ]
    ) {
      const answer = await get(running, path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.headers.get("content-type"), type, path);
      assert.equal(answer.headers.get("accept-ranges"), "bytes", path);
    }
    const unknown = await get(running, "/notes.unknownext");
    assert.equal(unknown.body, "fell through");
  });

  Deno.test(`Static files serve unknown types only with serveUnknownFileTypes, as defaultContentType (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({
        root: site.root,
        serveUnknownFileTypes: true,
        defaultContentType: "text/plain",
        contentTypes: { ".json": "application/vnd.test+json" },
      }));
    });
    const unknown = await get(running, "/notes.unknownext");
    assert.equal(unknown.status, 200);
    assert.equal(unknown.headers.get("content-type"), "text/plain");
    assert.equal(unknown.body, "raw");
    const custom = await get(running, "/data.json");
    assert.equal(
      custom.headers.get("content-type"),
      "application/vnd.test+json",
    );
  });

  Deno.test(`Static files match a requestPath with spaces or non-ASCII as clients send it, encoded (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root, requestPath: "/my files" }));
      app.use(staticFiles({ root: site.root, requestPath: "/dépôt" }));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    for (const path of ["/my files/hello.txt", "/dépôt/hello.txt"]) {
      const answer = await get(running, path);
      assert.equal(answer.status, 200, path);
      assert.equal(answer.body, TEXT["hello.txt"]);
    }
  });

  Deno.test(`Static files pass other methods, other paths and directories to next (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root, requestPath: "/static" }));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    for (
      const [path, method] of [
        ["/static/hello.txt", "POST"],
        ["/static/hello.txt", "DELETE"],
        ["/hello.txt", "GET"],
        ["/static/docs", "GET"],
        ["/static/docs/", "GET"],
        ["/static/missing.txt", "GET"],
      ]
    ) {
      const answer = await get(running, path, {}, method);
      assert.equal(answer.body, "fell through", `${method} ${path}`);
    }
  });

  Deno.test(`Static files answer HEAD with the headers a GET gets and no body (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
    });
    const head = await get(running, "/big.bin", {}, "HEAD");
    const full = await get(running, "/big.bin");
    assert.equal(head.status, 200);
    assert.equal(head.body, "");
    assert.equal(head.headers.get("content-length"), "1000");
    assert.equal(head.headers.get("etag"), full.headers.get("etag"));
    assert.equal(
      head.headers.get("last-modified"),
      full.headers.get("last-modified"),
    );
    // A HEAD ignores Range (RFC 9110 §14.2 defines it for GET only).
    const ranged = await get(
      running,
      "/big.bin",
      { range: "bytes=0-9" },
      "HEAD",
    );
    assert.equal(ranged.status, 200);
    assert.equal(ranged.headers.get("content-length"), "1000");
  });

  Deno.test(`Static files evaluate preconditions in RFC 9110 §13.2.2's order (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root, cacheControl: "max-age=60" }));
    });
    const first = await get(running, "/hello.txt");
    const etag = first.headers.get("etag")!;
    const modified = first.headers.get("last-modified")!;
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+"$/);
    assert.equal(new Date(modified).toUTCString(), modified);
    const past = "Thu, 01 Jan 1970 00:00:00 GMT";
    const future = "Fri, 01 Jan 2100 00:00:00 GMT";
    const cases: [Record<string, string>, number][] = [
      [{ "if-none-match": etag }, 304],
      [{ "if-none-match": `"x", W/${etag}` }, 304],
      [{ "if-none-match": "*" }, 304],
      [{ "if-none-match": '"other"' }, 200],
      [{ "if-modified-since": modified }, 304],
      // A date later than now is invalid: ignored (RFC 7232 §3.3).
      [{ "if-modified-since": future }, 200],
      [{ "if-modified-since": past }, 200],
      [{ "if-modified-since": "not a date" }, 200],
      // Only HTTP-dates count: "2024" or "3000" would parse as dates in
      // JavaScript, but a client's typo must not become a 304 or a 412.
      [{ "if-modified-since": "3000" }, 200],
      [{ "if-unmodified-since": "2024" }, 200],
      [{ "if-unmodified-since": "Sunday, 06-Nov-94 08:49:37 GMT" }, 412],
      // If-None-Match present: If-Modified-Since is not looked at.
      [{ "if-none-match": '"other"', "if-modified-since": future }, 200],
      [{ "if-match": etag }, 200],
      [{ "if-match": "*" }, 200],
      [{ "if-match": '"other"' }, 412],
      [{ "if-match": `W/${etag}` }, 412], // strong comparison
      [{ "if-unmodified-since": past }, 412],
      [{ "if-unmodified-since": future }, 200],
      // If-Match present: If-Unmodified-Since is not looked at.
      [{ "if-match": etag, "if-unmodified-since": past }, 200],
      // If-Match fails first, before If-None-Match could say 304.
      [{ "if-match": '"other"', "if-none-match": etag }, 412],
    ];
    for (const [headers, status] of cases) {
      const answer = await get(running, "/hello.txt", headers);
      const label = JSON.stringify(headers);
      assert.equal(answer.status, status, label);
      if (status === 200) assert.equal(answer.body, "hello, world", label);
      else assert.equal(answer.body, "", label);
      if (status === 304) {
        assert.equal(answer.headers.get("etag"), etag, label);
        assert.equal(answer.headers.get("last-modified"), modified, label);
        assert.equal(answer.headers.get("cache-control"), "max-age=60");
      }
    }
    const head = await get(
      running,
      "/hello.txt",
      { "if-none-match": etag },
      "HEAD",
    );
    assert.equal(head.status, 304);
  });

  Deno.test(`Static files answer one byte range with 206 and an unsatisfiable one with 416 (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
    });
    const bytes = (answer: Answer) =>
      Uint8Array.from(answer.body, (c) => c.charCodeAt(0));
    const cases: [string, number, string | null, Uint8Array | null][] = [
      ["bytes=0-9", 206, "bytes 0-9/1000", BIG.subarray(0, 10)],
      ["bytes=990-", 206, "bytes 990-999/1000", BIG.subarray(990)],
      ["bytes=-5", 206, "bytes 995-999/1000", BIG.subarray(995)],
      ["bytes=-5000", 206, "bytes 0-999/1000", BIG],
      ["bytes=500-99999", 206, "bytes 500-999/1000", BIG.subarray(500)],
      ["BYTES = 1-1", 206, "bytes 1-1/1000", BIG.subarray(1, 2)],
      ["bytes=1000-", 416, "bytes */1000", null],
      ["bytes=-0", 416, "bytes */1000", null],
      ["bytes=abc", 200, null, BIG],
      ["bytes=9-0", 200, null, BIG],
      ["items=0-9", 200, null, BIG],
      ["bytes=", 200, null, BIG],
      ["bytes=0-1,5-6", 200, null, BIG], // several ranges: the whole file
    ];
    for (const [range, status, contentRange, body] of cases) {
      const response = await running.fetch("/big.bin", { headers: { range } });
      const answer = {
        status: response.status,
        headers: response.headers,
        body: String.fromCharCode(
          ...new Uint8Array(await response.arrayBuffer()),
        ),
      };
      assert.equal(answer.status, status, range);
      assert.equal(answer.headers.get("content-range"), contentRange, range);
      if (body !== null) {
        assert.deepEqual(bytes(answer), body, range);
        assert.equal(
          answer.headers.get("content-length"),
          String(body.length),
          range,
        );
      } else {
        assert.equal(answer.body, "", range);
      }
    }
  });

  Deno.test(`Static files honor Range only when If-Range still matches (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
    });
    const first = await get(running, "/big.bin");
    const etag = first.headers.get("etag")!;
    const modified = first.headers.get("last-modified")!;
    for (
      const [ifRange, status] of [
        [etag, 206],
        [`W/${etag}`, 200],
        ['"stale"', 200],
        [modified, 206],
        ["Thu, 01 Jan 1970 00:00:00 GMT", 200],
      ] as const
    ) {
      const answer = await get(running, "/big.bin", {
        range: "bytes=0-9",
        "if-range": ifRange,
      });
      assert.equal(answer.status, status, ifRange);
    }
  });

  Deno.test(`Static files send a precompressed sibling the client accepts, with Vary on every answer (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({ root: site.root }));
    });
    const original = await get(running, "/site.css", {
      "accept-encoding": "identity",
    });
    assert.equal(original.body, TEXT["site.css"]);
    assert.equal(original.headers.get("content-encoding"), null);
    assert.equal(original.headers.get("vary"), "Accept-Encoding");
    const cases: [string | undefined, string | null][] = [
      ["br, gzip", "br"],
      ["gzip, deflate, br, zstd", "br"],
      ["gzip", "gzip"],
      ["br;q=0, gzip", "gzip"],
      ["gzip;q=0.5, br;q=0.8", "br"],
      ["*", "br"],
      ["*;q=0", null],
      ["gzip;q=0.5, identity", null],
      ["deflate", null],
      [undefined, null],
    ];
    const siblings: Record<string, Uint8Array> = {
      br: await Deno.readFile(`${site.root}/site.css.br`),
      gzip: await Deno.readFile(`${site.root}/site.css.gz`),
    };
    for (const [accept, encoding] of cases) {
      // Deno's fetch sends its own Accept-Encoding when none is given; the
      // curl test below covers a request without one.
      if (accept === undefined && kind === "DenoServer") continue;
      const headers: Record<string, string> = accept === undefined
        ? {}
        : { "accept-encoding": accept };
      const response = await running.fetch("/site.css", { headers });
      const body = new Uint8Array(await response.arrayBuffer());
      const label = String(accept);
      assert.equal(response.headers.get("content-encoding"), encoding, label);
      assert.equal(
        response.headers.get("content-type"),
        "text/css; charset=utf-8",
        label,
      );
      assert.equal(response.headers.get("vary"), "Accept-Encoding", label);
      if (encoding === null || kind === "DenoServer") {
        // fetch() over a socket decodes the coding it was sent.
        assert.equal(new TextDecoder().decode(body), TEXT["site.css"], label);
      } else {
        assert.deepEqual(body, siblings[encoding], label);
      }
      if (encoding !== null) {
        assert.notEqual(
          response.headers.get("etag"),
          original.headers.get("etag"),
        );
      }
    }
    // A compressible file without siblings still says Vary: which siblings
    // exist is only looked up for codings a request accepts.
    const plain = await get(running, "/hello.txt", { "accept-encoding": "br" });
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(plain.headers.get("vary"), "Accept-Encoding");
    // Bytes that compress nothing have no siblings to vary by.
    const binary = await get(running, "/big.bin", { "accept-encoding": "br" });
    assert.equal(binary.headers.get("vary"), null);
  });

  Deno.test(`Static files set Cache-Control and run onPrepareResponse for every file answer (${kind})`, async () => {
    await using site = await makeSite();
    const seen: string[] = [];
    await using running = await startHost(kind, (app) => {
      app.use(staticFiles({
        root: site.root,
        cacheControl: ({ path }) =>
          path.endsWith(".css")
            ? "public, max-age=31536000, immutable"
            : undefined,
        onPrepareResponse: (ctx, file) => {
          seen.push(`${ctx.response.status} ${file.encoding ?? "identity"}`);
          ctx.response.headers.set("x-file-size", String(file.stat.size));
          // ASP.NET's idiom: a page served with the status it stands for.
          if (ctx.request.query.has("missing")) ctx.response.status = 404;
        },
      }));
    });
    const css = await get(running, "/site.css", { "accept-encoding": "gzip" });
    assert.equal(
      css.headers.get("cache-control"),
      "public, max-age=31536000, immutable",
    );
    assert.equal(
      css.headers.get("x-file-size"),
      String(TEXT["site.css"].length),
    );
    const txt = await get(running, "/hello.txt");
    assert.equal(txt.headers.get("cache-control"), null);
    const cached = await get(running, "/hello.txt", {
      "if-none-match": txt.headers.get("etag")!,
    });
    assert.equal(cached.status, 304);
    assert.equal(cached.headers.get("x-file-size"), "12");
    const part = await get(running, "/hello.txt", { range: "bytes=0-4" });
    assert.equal(part.status, 206);
    const page = await get(running, "/hello.txt?missing");
    assert.equal(page.status, 404);
    assert.equal(page.body, TEXT["hello.txt"]);
    // The hook sees the status the answer has so far.
    assert.deepEqual(seen, [
      "200 gzip",
      "200 identity",
      "304 identity",
      "206 identity",
      "200 identity",
    ]);
  });

  Deno.test(`Static files answer 503, not headers of one file over the bytes of another, when the file is replaced or shrinks before it is opened, and send a grown one as planned (${kind})`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const file = `${dir}/app.js`;
      let replaceWith: string | undefined;
      let appendWith: string | undefined;
      await using running = await startHost(kind, (app) => {
        app.use(staticFiles({
          root: dir,
          // Runs between the stat the answer is planned from and the open:
          // a deploy replacing the file there, deterministically.
          onPrepareResponse: async () => {
            if (appendWith !== undefined) {
              await Deno.writeTextFile(file, appendWith, { append: true });
              appendWith = undefined;
            }
            if (replaceWith === undefined) return;
            await Deno.writeTextFile(`${dir}/next`, replaceWith);
            await Deno.rename(`${dir}/next`, file);
            replaceWith = undefined;
          },
        }));
      }, { setup: (builder) => collectLogs(builder) });
      for (
        const [before, after, range] of [
          ["A".repeat(10), "B".repeat(26), undefined],
          ["A".repeat(30), "short", "bytes=2-20"],
        ] as const
      ) {
        await Deno.writeTextFile(file, before);
        replaceWith = after;
        const changed = await get(
          running,
          "/app.js",
          range === undefined ? {} : { range },
        );
        assert.equal(changed.status, 503, before);
        assert.equal(changed.headers.get("etag"), null);
        assert.equal(changed.headers.get("retry-after"), "0");
        // Asked again, the answer matches the file.
        const again = await get(running, "/app.js");
        assert.equal(again.status, 200);
        assert.equal(again.body, after);
        assert.equal(
          again.headers.get("content-length"),
          String(after.length),
        );
      }
      // A file that grew (a log written to) still holds the bytes planned:
      // they go out, as planned.
      await Deno.writeTextFile(file, "first line\n");
      appendWith = "second line\n";
      const grown = await get(running, "/app.js");
      assert.equal(grown.status, 200);
      assert.equal(grown.body, "first line\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`Default files rewrite a directory to its index and redirect the slashless form with 301 (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.use(defaultFiles({ root: site.root }));
      app.use(staticFiles({ root: site.root }));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    assert.equal((await get(running, "/")).body, "<h1>Home</h1>");
    assert.equal((await get(running, "/docs/")).body, "<h1>Docs</h1>");
    const bare = await get(running, "/docs?page=2");
    assert.equal(bare.status, 301);
    assert.equal(bare.headers.get("location"), "/docs/?page=2");
    assert.equal((await get(running, "/empty/")).body, "fell through");
    assert.equal((await get(running, "/empty")).body, "fell through");
  });

  Deno.test(`Default files try defaultFileNames in order, under a map() branch too (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.map("/site", (branch) => {
        branch.use(fileServer({
          root: site.root,
          defaultFileNames: ["guide.html", "index.html"],
        }));
      });
    });
    assert.equal((await get(running, "/site/docs/")).body, "<h1>Guide</h1>");
    const bare = await get(running, "/site/docs");
    assert.equal(bare.headers.get("location"), "/site/docs/");
    const top = await get(running, "/site");
    assert.equal(top.status, 301);
    assert.equal(top.headers.get("location"), "/site/");
  });

  Deno.test(`File server lists a directory safely only when browsing is enabled (${kind})`, async () => {
    await using site = await makeSite();
    await using running = await startHost(kind, (app) => {
      app.map("/on", (b) => {
        b.use(fileServer({ root: site.root, enableDirectoryBrowsing: true }));
      });
      app.map("/off", (b) => b.use(fileServer({ root: site.root })));
      app.run((ctx) => ctx.response.send("fell through", { status: 404 }));
    });
    const listing = await get(running, "/on/list/");
    assert.equal(listing.status, 200);
    assert.equal(
      listing.headers.get("content-type"),
      "text/html; charset=utf-8",
    );
    assert.match(
      listing.headers.get("content-security-policy")!,
      /default-src 'none'/,
    );
    assert.ok(listing.body.includes('href="./a%3Cb%3E%26.txt"'));
    assert.ok(listing.body.includes("a&lt;b&gt;&amp;.txt"));
    assert.ok(!listing.body.includes("<b>"));
    assert.ok(listing.body.includes('href="./sub%20dir/"'));
    assert.ok(listing.body.includes("Index of /on/list/"));
    assert.ok(listing.body.includes("5 B"));
    assert.ok(!listing.body.includes(".hidden"));
    assert.match(listing.body, /GMT/);
    const redirect = await get(running, "/on/list");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/on/list/");
    // A directory with a default file shows the file, not a listing.
    assert.equal((await get(running, "/on/docs/")).body, "<h1>Docs</h1>");
    // A map() branch ends the pipeline: the server's own 404, no listing.
    const off = await get(running, "/off/list/");
    assert.equal(off.status, 404);
    assert.ok(!off.body.includes("Index of"));
  });
}

Deno.test("Static file middleware validates its options when it is made", async () => {
  await using site = await makeSite();
  const bad: [() => unknown, RegExp][] = [
    [() => staticFiles(), /needs options\.root/],
    [() => staticFiles({ root: `${site.base}/nope` }), /cannot be read/],
    [() => staticFiles({ root: `${site.root}/hello.txt` }), /not a directory/],
    [
      () => staticFiles({ root: site.root, requestPath: "static" }),
      /requestPath/,
    ],
    [
      () => staticFiles({ root: site.root, requestPath: "/static/" }),
      /requestPath/,
    ],
    [
      () => staticFiles({ root: site.root, requestPath: "/static?v=1" }),
      /requestPath/,
    ],
    ...["//static", "/a/../static", "/a/./static", "/x\\y"].map((
      requestPath,
    ): [() => unknown, RegExp] => [
      () => staticFiles({ root: site.root, requestPath }),
      /requestPath/,
    ]),
    [
      // @ts-expect-error: a number is no cache policy
      () => staticFiles({ root: site.root, cacheControl: 60 }),
      /cacheControl must be a string or a function/,
    ],
    [
      () => staticFiles({ root: site.root, contentTypes: { map: "x/y" } }),
      /with their dot/,
    ],
    [
      () => defaultFiles({ root: site.root, defaultFileNames: ["a/b.html"] }),
      /defaultFileNames/,
    ],
    [
      // @ts-expect-error: a string is not a boolean
      () => fileServer({ root: site.root, enableDirectoryBrowsing: "yes" }),
      /enableDirectoryBrowsing must be a boolean/,
    ],
  ];
  for (const [make, message] of bad) {
    assert.throws(
      make,
      (error: unknown) =>
        error instanceof TypeError && message.test(error.message),
    );
  }
});

Deno.test("curl sees RFC 9110 range and validator answers from static files on DenoServer", async () => {
  await using site = await makeSite();
  await using running = await startHost("DenoServer", (app) => {
    app.use(staticFiles({ root: site.root }));
  });
  const head = await curl([
    "-sI",
    "-H",
    "Range: bytes=0-9",
    `${running.base}/big.bin`,
  ]);
  assert.match(head, /^HTTP\/1\.1 200/); // curl -I is HEAD: Range ignored
  assert.match(head, /content-length: 1000\r\n/i);
  const ranged = await curl([
    "-s",
    "-D",
    "-",
    "-o",
    "/dev/null",
    "-H",
    "Range: bytes=0-9",
    `${running.base}/big.bin`,
  ]);
  assert.match(ranged, /^HTTP\/1\.1 206/);
  assert.match(ranged, /content-range: bytes 0-9\/1000\r\n/i);
  assert.match(ranged, /content-length: 10\r\n/i);
  assert.match(ranged, /accept-ranges: bytes\r\n/i);
  const etag = /etag: (.*)\r\n/i.exec(ranged)![1];
  const cached = await curl([
    "-s",
    "-D",
    "-",
    "-H",
    `If-None-Match: ${etag}`,
    `${running.base}/big.bin`,
  ]);
  assert.match(cached, /^HTTP\/1\.1 304/);
  assert.match(cached, new RegExp(`etag: ${etag}\\r\\n`, "i"));
  assert.doesNotMatch(cached, /content-length: [1-9]/i);
  const css = await curl(["-s", "-D", "-", `${running.base}/site.css`]);
  assert.match(css, /^HTTP\/1\.1 200/);
  assert.match(css, /vary: Accept-Encoding\r\n/i);
  assert.doesNotMatch(css, /content-encoding/i);
  const gz = await curl([
    "-s",
    "-D",
    "-",
    "-o",
    "/dev/null",
    "-H",
    "Accept-Encoding: gzip",
    `${running.base}/site.css`,
  ]);
  assert.match(gz, /content-encoding: gzip\r\n/i);
  const bad = await curl([
    "-s",
    "-D",
    "-",
    "-H",
    "Range: bytes=5000-",
    `${running.base}/big.bin`,
  ]);
  assert.match(bad, /^HTTP\/1\.1 416/);
  assert.match(bad, /content-range: bytes \*\/1000\r\n/i);
});
