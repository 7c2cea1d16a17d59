import assert from "node:assert/strict";
import { type ConfigureApp, HttpError } from "../../../mod.ts";
import { developerExceptionPage } from "../../../hosting/middleware/developer_exception_page.ts";
import {
  type CollectingOutput,
  collectLogs,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

const SECRETS = {
  authorization: "Bearer top-secret-token",
  cookie: "session=cookie-secret",
  "proxy-authorization": "Basic proxy-secret",
};

/** A host of `kind` in `environment`, its logs collected. */
async function host(
  kind: ServerKind,
  configure: ConfigureApp,
  environment = "Production",
  settings: Record<string, string> = {},
): Promise<Running & { logs: CollectingOutput }> {
  let logs: CollectingOutput | undefined;
  const running = await startHost(kind, configure, {
    setup(builder) {
      builder.useEnvironment(environment);
      for (const [key, value] of Object.entries(settings)) {
        builder.useSetting(key, value);
      }
      logs = collectLogs(builder);
    },
  });
  return Object.assign(running, { logs: logs! });
}

// The app every page test fails in: an error with a cause, a message with
// markup in it, thrown from an endpoint with route values.
const failing: ConfigureApp = (app) => {
  app.use(developerExceptionPage());
  app.useRouting();
  app.mapGet("/orders/{id}", () => {
    throw new Error("<script>alert(1)</script> order failed", {
      cause: new TypeError("the <db> is down"),
    });
  });
};

for (const kind of SERVER_KINDS) {
  Deno.test(`[${kind}] the developer page shows the error, its cause, source lines and the request, escaped and masked`, async () => {
    await using running = await host(kind, failing);
    const response = await running.fetch("/orders/42?verbose=yes", {
      headers: { accept: "text/html,*/*;q=0.8", ...SECRETS },
    });
    assert.equal(response.status, 500);
    assert.equal(
      response.headers.get("content-type"),
      "text/html; charset=utf-8",
    );
    assert.equal(response.headers.get("cache-control"), "no-store");
    const page = await response.text();
    assert.ok(!page.includes("<script>alert"), "the message is escaped");
    assert.ok(page.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert.ok(page.includes("Caused by: TypeError"));
    assert.ok(page.includes("the &lt;db&gt; is down"));
    // The throwing line of this very file, with its neighbours.
    assert.ok(page.includes("developer_exception_page_test.ts"));
    assert.ok(page.includes('<span class="hit">'));
    assert.ok(page.includes("app.mapGet(&quot;/orders/{id}&quot;"));
    assert.ok(page.includes('<span class="tag">framework</span>'));
    assert.ok(page.includes("/orders/42?verbose=yes"));
    assert.ok(page.includes("<th>verbose</th><td><code>yes</code>"));
    assert.ok(page.includes("<th>id</th><td><code>42</code>"));
    for (const secret of Object.values(SECRETS)) {
      assert.ok(!page.includes(secret), `${secret} is masked`);
    }
    assert.ok(page.includes("<th>authorization</th><td><code>[masked]"));
    assert.equal(
      running.logs.messages("Roost.Hosting.DeveloperExceptionPage", "error")
        .length,
      1,
    );
    assert.equal(
      running.logs.messages("Roost.Hosting.Diagnostics", "error").length,
      0,
    );
  });

  Deno.test(`[${kind}] the developer page answers JSON clients with problem details carrying the same information`, async () => {
    await using running = await host(kind, failing);
    const response = await running.fetch("/orders/7?x=1", {
      headers: { accept: "application/json", ...SECRETS },
    });
    assert.equal(response.status, 500);
    assert.equal(
      response.headers.get("content-type"),
      "application/problem+json",
    );
    const problem = await response.json();
    assert.equal(problem.title, "Internal Server Error");
    assert.equal(problem.detail, "<script>alert(1)</script> order failed");
    assert.match(problem.stack, /^Error: <script>.*\n\s+at /);
    assert.equal(problem.errorName, "Error");
    assert.deepEqual(
      problem.causes.map((cause: { name: string; message: string }) =>
        `${cause.name}: ${cause.message}`
      ),
      ["TypeError: the <db> is down"],
    );
    assert.equal(problem.request.method, "GET");
    assert.equal(problem.request.path, "/orders/7");
    assert.deepEqual(problem.request.query, { x: "1" });
    assert.deepEqual(problem.request.routeValues, { id: "7" });
    assert.equal(problem.request.headers.authorization, "[masked]");
    assert.equal(problem.request.headers.cookie, "[masked]");
    assert.equal(problem.request.headers["proxy-authorization"], "[masked]");
    assert.equal(typeof problem.traceId, "string");
  });

  Deno.test(`[${kind}] the developer page answers other clients with plain text`, async () => {
    await using running = await host(kind, failing);
    const response = await running.fetch("/orders/1", {
      headers: { accept: "*/*", ...SECRETS },
    });
    assert.equal(response.status, 500);
    assert.equal(
      response.headers.get("content-type"),
      "text/plain; charset=utf-8",
    );
    const text = await response.text();
    assert.match(
      text,
      /^500 Error: <script>alert\(1\)<\/script> order failed\n\s+at /,
    );
    assert.match(text, /Caused by: TypeError: the <db> is down/);
    assert.match(text, /GET \/orders\/1/);
    assert.match(text, /authorization: \[masked\]/);
    for (const secret of Object.values(SECRETS)) {
      assert.ok(!text.includes(secret));
    }
  });

  Deno.test(`[${kind}] the developer page keeps an HttpError's status and headers`, async () => {
    await using running = await host(kind, (app) => {
      app.use(developerExceptionPage());
      app.run(() => {
        throw new HttpError(503, "maintenance", {
          headers: { "retry-after": "30" },
        });
      });
    });
    const response = await running.fetch("/", {
      headers: { accept: "text/html" },
    });
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("retry-after"), "30");
    assert.match(await response.text(), /503 Service Unavailable/);
  });

  Deno.test(`[${kind}] the developer page rethrows when the response has started`, async () => {
    await using running = await host(kind, (app) => {
      app.use(developerExceptionPage());
      app.run(async (ctx) => {
        await ctx.response.write("partial");
        await ctx.response.start();
        throw new Error("too late");
      });
    });
    const response = await running.fetch("/", {
      headers: { accept: "text/html" },
    });
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
    assert.equal(
      running.logs.messages("Roost.Hosting.DeveloperExceptionPage").length,
      0,
    );
  });

  Deno.test(`[${kind}] Development shows the developer page by itself; Production does not`, async () => {
    const app: ConfigureApp = (app) =>
      app.run(() => {
        throw new Error("<i>dev only</i>");
      });
    {
      await using dev = await host(kind, app, "Development");
      const page = await dev.fetch("/", { headers: { accept: "text/html" } });
      assert.equal(page.status, 500);
      assert.equal(
        page.headers.get("content-type"),
        "text/html; charset=utf-8",
      );
      assert.ok((await page.text()).includes("&lt;i&gt;dev only&lt;/i&gt;"));
      const json = await dev.fetch("/", {
        headers: { accept: "application/json", cookie: "a=secret" },
      });
      const problem = await json.json();
      assert.equal(problem.detail, "<i>dev only</i>");
      assert.equal(problem.request.headers.cookie, "[masked]");
      // Logged once each, by the host.
      assert.equal(
        dev.logs.messages("Roost.Hosting.Diagnostics", "error").length,
        2,
      );
    }
    {
      await using production = await host(kind, app, "Production");
      const page = await production.fetch("/", {
        headers: { accept: "text/html" },
      });
      assert.equal(page.status, 500);
      assert.equal(
        page.headers.get("content-type"),
        "text/plain; charset=utf-8",
      );
      assert.equal(await page.text(), "Internal Server Error");
    }
    {
      await using off = await host(kind, app, "Development", {
        detailedErrors: "false",
      });
      const page = await off.fetch("/", { headers: { accept: "text/html" } });
      assert.equal(await page.text(), "Internal Server Error");
    }
  });
}

Deno.test("Development keeps a 4xx HttpError's plain answer when no page was added", async () => {
  await using running = await host("TestServer", (app) =>
    app.run(() => {
      throw new HttpError(409, "Already booked.");
    }), "Development");
  const response = await running.fetch("/", {
    headers: { accept: "text/html" },
  });
  assert.equal(response.status, 409);
  assert.equal(await response.text(), "Already booked.");
});

Deno.test("developerExceptionPage() checks its options when called", () => {
  assert.throws(
    () => developerExceptionPage({ sourceLines: -1 }),
    (error: unknown) =>
      error instanceof RangeError && /sourceLines.*-1/.test(error.message),
  );
  assert.throws(
    () => developerExceptionPage({ sourceLines: 2.5 }),
    RangeError,
  );
  assert.equal(typeof developerExceptionPage({ sourceLines: 0 }), "function");
});
