// requestTimeouts(): at the deadline requestAborted fires, a response not yet
// started is answered 504 at once, a streaming one is broken off; endpoint
// metadata overrides or disables the default. On both servers.

import assert from "node:assert/strict";
import type { ApplicationBuilder, HttpContext } from "../../../mod.ts";
import { rateLimiter } from "../../../hosting/middleware/rate_limiter.ts";
import {
  DisableRequestTimeout,
  RequestTimeout,
  requestTimeouts,
  type RequestTimeoutsOptions,
} from "../../../hosting/middleware/request_timeouts.ts";
import {
  type CollectingOutput,
  collectLogs,
  deferred,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  until,
  within,
} from "../../_helpers.ts";

/** Resolves when the request's signal fires, with its reason. */
function aborted(ctx: HttpContext): Promise<unknown> {
  const signal = ctx.requestAborted;
  return new Promise((resolve) => {
    if (signal.aborted) resolve(signal.reason);
    signal.addEventListener("abort", () => resolve(signal.reason));
  });
}

/** A host with requestTimeouts(options) after routing; its logs kept. */
function timeoutHost(
  kind: ServerKind,
  options: RequestTimeoutsOptions,
  map: (app: ApplicationBuilder) => void,
  logs?: (output: CollectingOutput) => void,
) {
  return startHost(kind, (app) => {
    app.useRouting();
    app.use(requestTimeouts(options));
    map(app);
  }, { setup: (builder) => logs?.(collectLogs(builder)) });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: a handler that outlives the deadline sees requestAborted and the client gets 504`, async () => {
    const reason = deferred<unknown>();
    await using host = await timeoutHost(kind, { timeout: 50 }, (app) => {
      app.mapGet("/slow", async (ctx) => {
        await ctx.response.write("never sent");
        reason.resolve(await aborted(ctx));
        throw ctx.requestAborted.reason; // what fetch(…, { signal }) does
      });
    });
    const response = await host.fetch("/slow");
    assert.equal(response.status, 504);
    assert.equal(await response.text(), "");
    const why = (await reason.promise) as DOMException;
    assert.equal(why.name, "TimeoutError");
    assert.match(why.message, /timed out after 50 ms/);
  });

  Deno.test(`${kind}: a handler that ignores the signal does not hold the 504 up`, async () => {
    const release = deferred();
    const finished = deferred();
    let logs: CollectingOutput | undefined;
    await using host = await timeoutHost(kind, { timeout: 30 }, (app) => {
      app.mapGet("/stuck", async (ctx) => {
        await release.promise;
        try {
          await ctx.response.send("too late");
        } finally {
          finished.resolve();
        }
      });
    }, (output) => logs = output);
    const response = await within(host.fetch("/stuck"), "the 504", 2000);
    assert.equal(response.status, 504);
    await response.body?.cancel();
    release.resolve();
    await finished.promise;
    // Its late send failed, and that is the deadline's doing: no error log.
    assert.deepEqual(
      logs!.records.filter((r) => r.level === "error").map((r) => r.message),
      [],
    );
  });

  Deno.test(`${kind}: a fast request is untouched and its signal never fires`, async () => {
    let signal: AbortSignal | undefined;
    await using host = await timeoutHost(kind, { timeout: 1000 }, (app) => {
      app.mapGet("/fast", (ctx) => {
        signal = ctx.requestAborted;
        return new Response("fast");
      });
    });
    const response = await host.fetch("/fast");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "fast");
    assert.equal(signal?.aborted, false);
  });

  Deno.test(`${kind}: RequestTimeout metadata sets an endpoint's deadline and DisableRequestTimeout removes it`, async () => {
    await using host = await timeoutHost(kind, { timeout: 40 }, (app) => {
      const wait = async (ctx: HttpContext, ms: number) => {
        const timer = new Promise((resolve) => setTimeout(resolve, ms));
        const reason = await Promise.race([aborted(ctx), timer]);
        if (ctx.requestAborted.aborted) throw reason;
        return new Response(`waited ${ms}`);
      };
      app.mapGet("/long", (ctx) => wait(ctx, 120))
        .withMetadata(new RequestTimeout(2000));
      app.mapGet("/short", (ctx) => wait(ctx, 2000))
        .withMetadata(new RequestTimeout(10));
      app.mapGet("/free", (ctx) => wait(ctx, 120))
        .withMetadata(new DisableRequestTimeout());
      app.mapGet("/default", (ctx) => wait(ctx, 2000));
    });
    const statuses: Record<string, number> = {};
    for (const path of ["/long", "/short", "/free", "/default"]) {
      const response = await host.fetch(path);
      await response.body?.cancel();
      statuses[path] = response.status;
    }
    assert.deepEqual(statuses, {
      "/long": 200,
      "/short": 504,
      "/free": 200,
      "/default": 504,
    });
  });

  Deno.test(`${kind}: with no default, only endpoints with RequestTimeout get a deadline`, async () => {
    await using host = await timeoutHost(kind, {}, (app) => {
      app.mapGet("/plain", () => new Response("plain"));
      app.mapGet("/limited", async (ctx) => {
        throw await aborted(ctx);
      }).withMetadata(new RequestTimeout(20));
    });
    const plain = await host.fetch("/plain");
    assert.equal(await plain.text(), "plain");
    const limited = await host.fetch("/limited");
    assert.equal(limited.status, 504);
    await limited.body?.cancel();
  });

  Deno.test(`${kind}: a response already streaming at the deadline is broken off`, async () => {
    await using host = await timeoutHost(kind, { timeout: 80 }, (app) => {
      app.mapGet("/stream", async (ctx) => {
        await ctx.response.write("first chunk\n");
        await ctx.response.start();
        await aborted(ctx);
      });
    });
    const response = await host.fetch("/stream");
    assert.equal(response.status, 200);
    await assert.rejects(response.text());
  });

  Deno.test(`${kind}: a request still queued by the rate limiter at the deadline gets 504`, async () => {
    const release = deferred();
    const running = deferred();
    await using host = await timeoutHost(kind, { timeout: 50 }, (app) => {
      app.use(rateLimiter({
        globalLimiter: { kind: "concurrency", permitLimit: 1, queueLimit: 1 },
      }));
      app.mapGet("/first", async () => {
        running.resolve();
        await release.promise;
        return new Response("first");
      }).withMetadata(new DisableRequestTimeout());
      app.mapGet("/second", () => new Response("second"));
    });
    const first = host.fetch("/first");
    await running.promise;
    // Queued behind /first until its deadline: a 504, not a reset.
    const response = await host.fetch("/second");
    assert.equal(response.status, 504);
    await response.body?.cancel();
    release.resolve();
    assert.equal(await (await first).text(), "first");
  });

  Deno.test(`${kind}: timeoutStatusCode and writeTimeoutResponse shape the answer`, async () => {
    await using host = await timeoutHost(kind, {
      timeout: 20,
      timeoutStatusCode: 503,
      writeTimeoutResponse: (ctx) =>
        ctx.response.json({ error: "took too long" }),
    }, (app) => {
      app.mapGet("/slow", async (ctx) => {
        ctx.response.headers.set("x-partial", "yes");
        throw await aborted(ctx);
      });
    });
    const response = await host.fetch("/slow");
    assert.equal(response.status, 503);
    assert.equal(response.headers.get("x-partial"), null);
    assert.deepEqual(await response.json(), { error: "took too long" });
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: a writeTimeoutResponse that throws is logged, and the status still goes out`, async () => {
    let logs: CollectingOutput | undefined;
    await using host = await timeoutHost(kind, {
      timeout: 20,
      writeTimeoutResponse: () => {
        throw new Error("the page template is missing");
      },
    }, (app) => {
      app.mapGet("/slow", async (ctx) => {
        throw await aborted(ctx);
      });
    }, (output) => logs = output);
    const response = await host.fetch("/slow");
    assert.equal(response.status, 504);
    assert.equal(await response.text(), "");
    const errors = logs!.records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.match(
      errors[0].message,
      /^writeTimeoutResponse threw for request \S+ \(GET \/slow\); the 504 went out with an empty body$/,
    );
    assert.equal(
      (errors[0].error as Error).message,
      "the page template is missing",
    );
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: while an async writeTimeoutResponse runs, nothing the handler does late reaches the client`, async () => {
    for (const late of ["send", "status", "header", "write", "return"]) {
      const writing = deferred<void>();
      const refusal = deferred<unknown>();
      await using host = await timeoutHost(kind, {
        timeout: 20,
        writeTimeoutResponse: async (ctx) => {
          writing.resolve();
          // The handler acts while the writer is still at work.
          await refusal.promise;
          await ctx.response.json({ error: "timeout" });
        },
      }, (app) => {
        app.mapGet("/slow", async (ctx) => {
          await aborted(ctx);
          await writing.promise;
          try {
            if (late === "send") {
              await ctx.response.send("late", { status: 200 });
            }
            if (late === "status") ctx.response.status = 201;
            if (late === "header") ctx.response.headers.set("x-late", "1");
            if (late === "write") await ctx.response.write("late chunk");
            if (late === "return") {
              refusal.resolve("returned");
              return new Response("late", { status: 202 });
            }
            refusal.resolve(undefined);
          } catch (error) {
            refusal.resolve(error);
          }
        });
      });
      const response = await host.fetch("/slow");
      assert.equal(response.status, 504, late);
      assert.equal(response.headers.get("x-late"), null, late);
      assert.deepEqual(await response.json(), { error: "timeout" }, late);
      const error = await refusal.promise;
      if (late !== "return") {
        assert.ok(error instanceof TypeError, `${late}: ${error}`);
      }
    }
  });

  Deno.test(`${kind}: late calls nobody awaited after the deadline end nothing`, async () => {
    const lateDone = deferred<void>();
    await using host = await timeoutHost(kind, { timeout: 20 }, (app) => {
      app.mapGet("/slow", async (ctx) => {
        await aborted(ctx);
        // A handler that ignores its signal, then forgets its awaits.
        ctx.response.send("late");
        ctx.response.json({ late: true });
        ctx.response.write("late");
        ctx.response.start();
        ctx.response.redirect("/elsewhere");
        ctx.response.sendFile(import.meta.filename!);
        lateDone.resolve();
      });
      app.mapGet("/next", (ctx) => ctx.response.send("next"));
    });
    const response = await host.fetch("/slow");
    assert.equal(response.status, 504);
    await response.body?.cancel();
    await lateDone.promise;
    // An unhandled rejection would fail this test; the host still serves.
    const next = await host.fetch("/next");
    assert.equal(await next.text(), "next");
  });

  Deno.test(`${kind}: a writeTimeoutResponse that throws half-way sends the bare status, not its half`, async () => {
    await using host = await timeoutHost(kind, {
      timeout: 20,
      writeTimeoutResponse: async (ctx) => {
        ctx.response.headers.set("x-half", "1");
        await ctx.response.write("half a page");
        throw new Error("the template broke");
      },
    }, (app) => {
      app.mapGet("/slow", async (ctx) => {
        throw await aborted(ctx);
      });
    });
    const response = await host.fetch("/slow");
    assert.equal(response.status, 504);
    assert.equal(response.headers.get("x-half"), null);
    assert.equal(await response.text(), "");
  });

  Deno.test(`${kind}: an app error thrown after the deadline is logged; the deadline's own abort is not`, async () => {
    let logs: CollectingOutput | undefined;
    const done = deferred<void>();
    await using host = await timeoutHost(kind, { timeout: 20 }, (app) => {
      app.mapGet("/boom", async (ctx) => {
        await aborted(ctx);
        done.resolve();
        throw new Error("late boom");
      });
      app.mapGet("/abort", async (ctx) => {
        throw await aborted(ctx);
      });
    }, (output) => logs = output);
    const abort = await host.fetch("/abort");
    assert.equal(abort.status, 504);
    await abort.body?.cancel();
    const boom = await host.fetch("/boom");
    assert.equal(boom.status, 504);
    await boom.body?.cancel();
    await done.promise;
    // The handler throws after the client has its 504: no event says when.
    await until(
      () => logs!.records.some((r) => r.level === "error"),
      "the late error's log",
    );
    const errors = logs!.records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.match(
      errors[0].message,
      /^Request \S+ \(GET \/boom\) failed after it timed out$/,
    );
    assert.equal((errors[0].error as Error).message, "late boom");
  });
}

Deno.test("requestTimeouts() and RequestTimeout reject bad values when made", () => {
  assert.throws(() => requestTimeouts({ timeout: 0 }), {
    name: "RangeError",
    message: /"timeout" must be a positive number of milliseconds/,
  });
  assert.throws(() => requestTimeouts({ timeoutStatusCode: 200 }), {
    name: "RangeError",
    message: /"timeoutStatusCode"/,
  });
  assert.throws(() => new RequestTimeout(Number.NaN), RangeError);
  assert.throws(
    () => requestTimeouts(null as unknown as RequestTimeoutsOptions),
    { name: "TypeError", message: /options must be an object/ },
  );
});
