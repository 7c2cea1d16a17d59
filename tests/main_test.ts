// The roost command, run as a user would: as a process, stopped by a signal.

import assert from "node:assert/strict";
import { spawnHost, until, within } from "./_helpers.ts";

Deno.test("roost serves its welcome page with the environment and protocol", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--environment",
    "Staging",
  ]);
  assert.equal(roost.addresses.length, 1, roost.stderr());
  const text = await (await fetch(roost.addresses[0] + "/page")).text();
  assert.match(text, /Environment: Staging/);
  assert.match(text, /Protocol: HTTP\/1\.1/);
  assert.match(text, /Request: GET \/page/);
  assert.ok(text.includes(`Listening on: ${roost.addresses[0]}`));
  // Only Development shows where the app lives and the trace id.
  assert.doesNotMatch(text, /Content root|Trace id/);
  const html = await fetch(roost.addresses[0], {
    headers: { accept: "text/html" },
  });
  assert.match(html.headers.get("content-type")!, /text\/html/);
  assert.match(await html.text(), /<h1>Roost is running<\/h1>/);
});

Deno.test("roost's welcome page in Production hides the content root and trace id, and Development shows them", async () => {
  // Production is the default environment.
  await using production = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  assert.equal(production.addresses.length, 1, production.stderr());
  assert.match(production.stdout(), /Hosting environment: Production/);
  const contentRoot = /Content root path: (.+)/.exec(production.stdout())![1];
  for (const accept of ["text/plain", "text/html"]) {
    const page = await (await fetch(production.addresses[0], {
      headers: { accept },
    })).text();
    assert.match(page, /Environment/);
    assert.doesNotMatch(page, /Trace id|Content root/, accept);
    assert.ok(!page.includes(contentRoot), accept);
  }
  await using development = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--environment",
    "Development",
  ]);
  const page = await (await fetch(development.addresses[0])).text();
  assert.match(page, /Trace id: \S+/);
  assert.ok(page.includes(`Content root: ${contentRoot}`), page);
});

Deno.test("roost answers a method it does not serve 405 with Allow, as problem details to JSON clients", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const text = await fetch(roost.addresses[0], { method: "DELETE" });
  assert.equal(text.status, 405);
  assert.equal(text.headers.get("allow"), "GET, HEAD, POST, PUT");
  assert.match(await text.text(), /^Method DELETE is not allowed/);
  const json = await fetch(roost.addresses[0], {
    method: "DELETE",
    headers: { accept: "application/json" },
  });
  assert.equal(json.headers.get("content-type"), "application/problem+json");
  assert.equal(json.headers.get("allow"), "GET, HEAD, POST, PUT");
  const problem = await json.json();
  assert.equal(problem.status, 405);
  assert.equal(problem.title, "Method Not Allowed");
  assert.equal(typeof problem.traceId, "string");
});

Deno.test("roost finishes the request in flight on SIGTERM and exits 0", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    // Logs "Request starting", the event the signal waits for.
    "--Logging:LogLevel:Roost.Hosting.Diagnostics",
    "Information",
  ]);
  // An upload that sends its first chunk, then the rest only once the host is
  // shutting down: the request is in flight when the signal arrives.
  let chunks = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (chunks === 6) return controller.close();
      if (chunks === 1) {
        await until(
          () => roost.stdout().includes("Application is shutting down..."),
          "the host to start shutting down",
        );
      }
      chunks++;
      controller.enqueue(new Uint8Array(1000).fill(120));
    },
  });
  const response = fetch(roost.addresses[0], { method: "POST", body });
  await until(
    () => roost.stdout().includes("Request starting HTTP/1.1 POST"),
    "the upload to reach the app",
  );
  const exited = roost.signal("SIGTERM");
  const text = await (await response).text();
  assert.match(text, /Body bytes received: 6000/, roost.stderr());
  const status = await exited;
  assert.equal(status.code, 0, roost.stderr());
  assert.match(roost.stdout(), /Application is shutting down\.\.\./);
});

Deno.test("roost exits 0 on SIGINT", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  assert.equal((await roost.signal("SIGINT")).code, 0);
});

Deno.test("roost exits 0 after a graceful stop although the app left a timer pending", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--startupModule",
    "./tests/fixtures/startup/pending_timer.ts",
    "--shutdownTimeoutSeconds",
    "1",
  ]);
  const response = await fetch(roost.addresses[0]);
  assert.equal(await response.text(), "ok");
  const status = await within(
    roost.signal("SIGTERM"),
    "the process to exit",
    10_000,
  );
  assert.equal(status.code, 0, roost.stderr());
});

Deno.test("roost exits 1 when the content root does not exist, instead of serving without its configuration", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--contentRoot",
    "./tests/fixtures/no-such-directory",
  ]);
  const status = await roost.signal("SIGTERM");
  assert.equal(status.code, 1);
  assert.match(
    roost.stdout() + roost.stderr(),
    /Host setting "contentRoot" is "\.\/tests\/fixtures\/no-such-directory" \(from command line\): it must be an existing directory/,
  );
  assert.doesNotMatch(roost.stdout(), /Now listening/);
});

Deno.test("roost exits 1 with the error when the URL is malformed", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:99999",
  ]);
  const status = await roost.signal("SIGTERM");
  assert.equal(status.code, 1);
  assert.match(
    roost.stdout(),
    /The host failed to start: .*Invalid server URL "http:\/\/127\.0\.0\.1:99999"/,
  );
});

Deno.test("roost rejects an unknown option with usage and exit code 2", async () => {
  await using roost = await spawnHost("main.ts", ["--bogus"]);
  const status = await roost.signal("SIGTERM");
  assert.equal(status.code, 2);
  assert.match(roost.stderr(), /Usage: roost/);
});

Deno.test("roost honours PORT when nothing names a URL", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  await using roost = await spawnHost("main.ts", [], { PORT: String(port) });
  assert.deepEqual(roost.addresses, [`http://0.0.0.0:${port}`]);
  const text = await (await fetch(`http://127.0.0.1:${port}/`)).text();
  assert.match(text, /Roost is running/);
});

Deno.test("ROOST_ environment variables set host settings, and code overrides them", async () => {
  const env = {
    ROOST_ENVIRONMENT: "Staging",
    ROOST_URLS: "http://127.0.0.1:0",
  };
  await using fromEnv = await spawnHost("main.ts", [], env);
  assert.equal(fromEnv.addresses.length, 1, fromEnv.stderr());
  assert.match(fromEnv.stdout(), /Hosting environment: Staging/);
  await using overridden = await spawnHost(
    "main.ts",
    ["--environment", "Development"],
    env,
  );
  assert.match(overridden.stdout(), /Hosting environment: Development/);
});

Deno.test("roost exits 1 before listening when a host setting is invalid, naming the key, the value, its source and the valid form", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["--shutdownTimeoutSeconds", "abc"],
      {},
      /Host setting "shutdownTimeoutSeconds" is "abc" \(from command line\): it must be a number of seconds/,
    ],
    [
      [],
      { ROOST_SHUTDOWNTIMEOUTSECONDS: "-5" },
      /Host setting "shutdownTimeoutSeconds" is "-5" \(from environment variable ROOST_SHUTDOWNTIMEOUTSECONDS\)/,
    ],
    [
      ["--suppressStatusMessages", "maybe"],
      {},
      /Host setting "suppressStatusMessages" is "maybe" \(from command line\): it must be true or false/,
    ],
    [
      ["--captureStartupErrors", "maybe"],
      {},
      /Host setting "captureStartupErrors" is "maybe" \(from command line\): it must be true or false/,
    ],
    [
      ["--Server:Limits:MaxRequestBodySize", "-5"],
      {},
      /"Server:Limits:MaxRequestBodySize" is "-5" \(from command line\): it must be a whole number of bytes of at least 0/,
    ],
    [
      [],
      { Server__Limits__MaxConcurrentRequests: "0" },
      /"Server:Limits:MaxConcurrentRequests" is "0" \(from environment variable Server__Limits__MaxConcurrentRequests\): it must be a whole number of at least 1/,
    ],
  ];
  await Promise.all(cases.map(async ([args, env, message]) => {
    await using roost = await spawnHost(
      "main.ts",
      ["--urls", "http://127.0.0.1:0", ...args],
      env,
    );
    // spawnHost returns once the process printed its last status line or
    // ended; a failed start prints none. A host that kept serving would
    // never exit: the watchdog kills it, and the exit code tells.
    const watchdog = setTimeout(() => roost.child.kill("SIGKILL"), 10_000);
    const status = await roost.child.status;
    clearTimeout(watchdog);
    assert.equal(status.code, 1, `${args.join(" ")}\n${roost.stdout()}`);
    assert.deepEqual(roost.addresses, []);
    assert.doesNotMatch(roost.stdout(), /Now listening/);
    // Logged through the host's logging, to standard output by default.
    assert.match(roost.stdout(), message);
    // The message is the whole story: no stack of Roost's own frames.
    assert.doesNotMatch(roost.stdout(), /\n\s+at /);
    assert.equal(roost.stderr(), "");
  }));
});

Deno.test("roost serves the web root's files, index.html for a directory, answers /healthz, 404s missing files and welcomes at /", async () => {
  const root = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${root}/docs`);
    await Deno.writeTextFile(`${root}/docs/index.html`, "<h1>docs</h1>");
    await Deno.writeTextFile(`${root}/site.css`, "body{}");
    await using roost = await spawnHost("main.ts", [
      "--urls",
      "http://127.0.0.1:0",
      "--webRoot",
      root,
    ]);
    const base = roost.addresses[0];
    assert.ok(base, roost.stdout() + roost.stderr());
    const css = await fetch(`${base}/site.css`);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.ok(css.headers.get("etag"));
    assert.equal(await css.text(), "body{}");
    assert.equal(await (await fetch(`${base}/docs/`)).text(), "<h1>docs</h1>");
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), "Healthy");
    // With a web root, a path that names no file is a 404; / welcomes.
    const missing = await fetch(`${base}/other`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
    assert.match(await (await fetch(`${base}/`)).text(), /Roost is running/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
