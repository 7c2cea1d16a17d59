import assert from "node:assert/strict";
import { type ConfigureApp, EnableCors, HttpError } from "../../../mod.ts";
import { ExceptionHandlerFeature } from "../../../features/error_features.ts";
import { exceptionHandler } from "../../../hosting/middleware/exception_handler.ts";
import {
  type CollectingOutput,
  collectLogs,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
} from "../../_helpers.ts";

const SECRET = "password=hunter2";

/** A Production host of `kind`, its logs collected. */
async function host(
  kind: ServerKind,
  configure: ConfigureApp,
  environment = "Production",
): Promise<Running & { logs: CollectingOutput }> {
  let logs: CollectingOutput | undefined;
  const running = await startHost(kind, configure, {
    setup(builder) {
      builder.useEnvironment(environment);
      logs = collectLogs(builder);
    },
  });
  return Object.assign(running, { logs: logs! });
}

/** Every error record, as `category: message`. */
function errors(logs: CollectingOutput): string[] {
  return logs.records.filter((r) => r.level === "error").map((r) =>
    `${r.category}: ${String(r.error)}`
  );
}

const ACCEPTS = ["text/html", "application/json", "*/*", "text/plain"];

for (const kind of SERVER_KINDS) {
  Deno.test(`[${kind}] the exception handler re-executes its path as a GET with the error on a feature, and restores the request`, async () => {
    const seenAfter: string[] = [];
    await using running = await host(kind, (app) => {
      app.use(async (ctx, next) => {
        await next();
        seenAfter.push(`${ctx.request.method} ${ctx.request.path}`);
      });
      app.use(exceptionHandler("/error"));
      app.useRouting();
      app.mapGet("/error", (ctx) => {
        const failed = ctx.features.get(ExceptionHandlerFeature)!;
        assert.equal((failed.error as Error).message, SECRET);
        return ctx.response.json({
          status: ctx.response.status,
          path: failed.path,
          method: failed.method,
          endpoint: failed.endpoint?.displayName,
          routeValues: failed.routeValues,
          now: `${ctx.request.method} ${ctx.request.path}`,
        });
      });
      app.mapPost("/orders/{id}", () => {
        throw new Error(SECRET);
      });
    });
    const response = await running.fetch("/orders/9", { method: "POST" });
    assert.equal(response.status, 500);
    assert.deepEqual(await response.json(), {
      status: 500,
      path: "/orders/9",
      method: "POST",
      endpoint: "POST /orders/{id}",
      routeValues: { id: "9" },
      now: "GET /error",
    });
    assert.deepEqual(seenAfter, ["POST /orders/9"]);
  });

  // Routing placed first (ASP.NET's usual order) selected the failing
  // endpoint before the handler: the error path was never routed again, and
  // the page answered 404 though it was mapped.
  Deno.test(`[${kind}] after useRouting(), the exception handler's error path and status code pages' path are routed`, async () => {
    await using running = await host(kind, (app) => {
      app.useRouting();
      app.useStatusCodePages({ reExecutePath: "/status/{0}" });
      app.useExceptionHandler("/error");
      app.mapGet("/error", (ctx) => ctx.response.send("the error page"));
      app.mapGet(
        "/status/{code}",
        (ctx) =>
          ctx.response.send(`status page ${ctx.request.routeValues.code}`),
      );
      app.mapGet("/boom", () => {
        throw new Error(SECRET);
      });
      app.mapGet("/gone", (ctx) => {
        ctx.response.status = 410;
      });
    });
    const boom = await running.fetch("/boom");
    assert.equal(boom.status, 500);
    assert.equal(await boom.text(), "the error page");
    const gone = await running.fetch("/gone");
    assert.equal(gone.status, 410);
    assert.equal(await gone.text(), "status page 410");
    const missing = await running.fetch("/missing");
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), "status page 404");
  });

  // ASP.NET's CORS after the error middleware reads the error endpoint's
  // policy on re-execution; Roost's read none (the endpoint was selected
  // only where the endpoints run), so the global policy applied.
  Deno.test(`[${kind}] middleware between routing and the endpoints read a re-executed page's endpoint metadata`, async () => {
    await using running = await host(kind, (app) => {
      app.useRouting();
      app.useStatusCodePages({ reExecutePath: "/status/{0}" });
      app.useExceptionHandler("/error");
      app.useCors({ origins: ["https://app.example"] });
      app.mapGet("/error", (ctx) => ctx.response.send("the error page"))
        .withMetadata(new EnableCors({ origins: "*" }));
      app.mapGet(
        "/status/{code}",
        (ctx) =>
          ctx.response.send(`status page ${ctx.request.routeValues.code}`),
      ).withMetadata(new EnableCors({ origins: "*" }));
      app.mapGet("/boom", () => {
        throw new Error(SECRET);
      });
    });
    const origin = { headers: { origin: "https://other.example" } };
    for (const [path, status] of [["/missing", 404], ["/boom", 500]] as const) {
      const response = await running.fetch(path, origin);
      assert.equal(response.status, status);
      await response.body?.cancel();
      assert.equal(
        response.headers.get("access-control-allow-origin"),
        "*",
        path,
      );
    }
  });

  Deno.test(`[${kind}] the exception handler logs the error once, with the trace id, and the host does not`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/error"));
      app.mapGet("/error", (ctx) => ctx.response.send("sorry"));
      app.mapGet("/fail", () => {
        throw new Error(SECRET);
      });
    });
    const response = await running.fetch("/fail");
    assert.equal(await response.text(), "sorry");
    const records = running.logs.records.filter((r) => r.level === "error");
    assert.equal(records.length, 1);
    assert.equal(records[0].category, "Roost.Hosting.ExceptionHandler");
    assert.equal(typeof records[0].properties.traceId, "string");
    assert.match(records[0].message, /GET \/fail/);
    assert.equal((records[0].error as Error).message, SECRET);
  });

  Deno.test(`[${kind}] the handler form answers the error, and nothing secret reaches any client`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler({
        handler: (ctx) => {
          const failed = ctx.features.get(ExceptionHandlerFeature);
          return ctx.response.send(`failed at ${failed?.path}`);
        },
      }));
      app.run(() => {
        throw new Error(SECRET);
      });
    }, "Development");
    for (const accept of ACCEPTS) {
      const response = await running.fetch("/x", { headers: { accept } });
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.equal(text, "failed at /x");
    }
    assert.equal(errors(running.logs).length, ACCEPTS.length);
  });

  Deno.test(`[${kind}] a missing error path answers the generic 500, never the error`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/no-such-page"));
      app.run((ctx) => {
        if (ctx.request.path === "/no-such-page") return; // falls to 404
        throw new Error(SECRET);
      });
    }, "Development");
    for (const accept of ACCEPTS) {
      const response = await running.fetch("/x", { headers: { accept } });
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.ok(!text.includes("hunter2"), `${accept}: ${text}`);
      assert.ok(!text.includes(" at "), `${accept}: no stack`);
    }
  });

  Deno.test(`[${kind}] an error path nothing maps is reported to the developers`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/nowhere"));
      app.mapGet("/boom", () => {
        throw new Error(SECRET);
      });
    });
    const response = await running.fetch("/boom");
    assert.equal(response.status, 500);
    await response.body?.cancel();
    const warned = running.logs.records.filter((record) =>
      record.level === "warning" && record.message.includes("/nowhere") &&
      record.message.includes("answered 404")
    );
    assert.equal(warned.length, 1);
  });

  Deno.test(`[${kind}] an error page that throws gives the generic 500 and both errors are logged`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/error"));
      app.mapGet("/error", () => {
        throw new Error("the error page broke");
      });
      app.mapGet("/fail", () => {
        throw new Error(SECRET);
      });
    }, "Development");
    for (const accept of ACCEPTS) {
      const response = await running.fetch("/fail", { headers: { accept } });
      assert.equal(response.status, 500);
      const text = await response.text();
      assert.ok(!text.includes("hunter2") && !text.includes("broke"), text);
    }
    const logged = errors(running.logs);
    assert.equal(logged.length, 2 * ACCEPTS.length);
    assert.ok(
      logged.every((line) => line.startsWith("Roost.Hosting.ExceptionHandler")),
    );
    assert.ok(logged.some((line) => line.includes("hunter2")));
    assert.ok(logged.some((line) => line.includes("the error page broke")));
    const second = running.logs.records.find((r) =>
      String(r.error).includes("broke")
    )!;
    assert.equal((second.properties.originalError as Error).message, SECRET);
  });

  Deno.test(`[${kind}] the exception handler rethrows once the response has started`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/error"));
      app.mapGet("/error", (ctx) => ctx.response.send("sorry"));
      app.run(async (ctx) => {
        await ctx.response.write("partial");
        await ctx.response.start();
        throw new Error(SECRET);
      });
    });
    const response = await running.fetch("/x");
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
    // Logged once, by the host, which breaks the connection off.
    assert.deepEqual(errors(running.logs).map((line) => line.split(":")[0]), [
      "Roost.Hosting.Diagnostics",
    ]);
  });

  Deno.test(`[${kind}] the exception handler leaves a 4xx HttpError to the host, and answers a 5xx one with its own status`, async () => {
    await using running = await host(kind, (app) => {
      app.use(exceptionHandler("/error"));
      app.mapGet(
        "/error",
        (ctx) => ctx.response.send(`error page ${ctx.response.status}`),
      );
      app.mapGet("/fail", () => {
        throw new HttpError(409, "conflict");
      });
      app.mapGet("/down", () => {
        throw new HttpError(503, "maintenance", {
          headers: { "retry-after": "60" },
        });
      });
    });
    // A client's mistake keeps its status, headers and message.
    const conflict = await running.fetch("/fail");
    assert.equal(conflict.status, 409);
    assert.equal(await conflict.text(), "conflict");
    const wrong = await running.fetch("/fail", { method: "DELETE" });
    assert.equal(wrong.status, 405);
    assert.equal(wrong.headers.get("allow"), "GET, HEAD");
    await wrong.body?.cancel();
    // A server error gets the error page, with its status.
    const down = await running.fetch("/down");
    assert.equal(down.status, 503);
    assert.equal(await down.text(), "error page 503");
    assert.equal(errors(running.logs).length, 1);
  });
}

Deno.test("the exception handler clears what the app had set before it failed", async () => {
  await using running = await host("TestServer", (app) => {
    app.use(exceptionHandler({ handler: (ctx) => ctx.response.send("clean") }));
    app.run(async (ctx) => {
      ctx.response.headers.set("x-partial", "yes");
      ctx.response.status = 201;
      await ctx.response.write("half a body");
      throw new Error(SECRET);
    });
  });
  const response = await running.fetch("/");
  assert.equal(response.status, 500);
  assert.equal(response.headers.get("x-partial"), null);
  assert.equal(await response.text(), "clean");
});

Deno.test("exceptionHandler() checks its arguments when called", () => {
  const fails = (value: unknown, pattern: RegExp) =>
    assert.throws(
      // Wrong types on purpose: what a JavaScript caller can pass.
      () => exceptionHandler(value as string),
      (error: unknown) =>
        error instanceof TypeError && pattern.test(error.message),
    );
  fails("error", /must be a path starting with "\/", got "error"/);
  fails({}, /exactly one of "path" and "handler", got neither/);
  fails(
    { path: "/e", handler: () => {} },
    /exactly one of "path" and "handler", got both/,
  );
  fails({ handler: "nope" }, /"handler" must be a function/);
  fails(null, /takes a path/);
});
