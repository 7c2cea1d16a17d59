// rateLimiter(): the fixed-window shorthand, named policies endpoints opt
// into, DisableRateLimiting, 429 with Retry-After, onRejected, FIFO queueing
// that a client leaving undoes, and partitions that expire. On both servers.

import assert from "node:assert/strict";
import type { ApplicationBuilder, HttpContext } from "../../../mod.ts";
import {
  DisableRateLimiting,
  EnableRateLimiting,
  rateLimiter,
  type RateLimiterMiddleware,
  type RateLimiterOptions,
  type RateLimitRejection,
} from "../../../hosting/middleware/rate_limiter.ts";
import {
  type CollectingOutput,
  collectLogs,
  deferred,
  type Running,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  until,
} from "../../_helpers.ts";

function limitedHost(
  kind: ServerKind,
  limiter: RateLimiterMiddleware,
  map: (app: ApplicationBuilder) => void,
): Promise<Running> {
  return startHost(kind, (app) => {
    app.useRouting();
    app.use(limiter);
    map(app);
  });
}

/** Sends a request and returns its status, Retry-After and body. */
async function call(
  host: Running,
  path: string,
  init?: RequestInit,
): Promise<[number, string | null, string]> {
  const response = await host.fetch(path, init);
  return [
    response.status,
    response.headers.get("retry-after"),
    await response.text(),
  ];
}

const client = (name: string) => ({ headers: { "x-client": name } });
const byHeader = (ctx: HttpContext) =>
  ctx.request.headers.get("x-client") ?? "";

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: the fixed-window shorthand answers 429 with Retry-After, then lets through in the next window`, async () => {
    await using host = await limitedHost(
      kind,
      rateLimiter({ permitLimit: 2, window: 150 }),
      (app) => app.mapGet("/", () => new Response("ok")),
    );
    assert.deepEqual(await call(host, "/"), [200, null, "ok"]);
    assert.deepEqual(await call(host, "/"), [200, null, "ok"]);
    const rejectedAt = performance.now();
    assert.deepEqual(await call(host, "/"), [429, "1", ""]);
    // The next window opens within 150 ms of the first request.
    let status = 429;
    while (status === 429 && performance.now() - rejectedAt < 2000) {
      [status] = await call(host, "/");
    }
    assert.equal(status, 200);
  });

  Deno.test(`${kind}: each partition has its own permits`, async () => {
    await using host = await limitedHost(
      kind,
      rateLimiter({ permitLimit: 1, window: 60_000, partitionKey: byHeader }),
      (app) => app.mapGet("/", () => new Response("ok")),
    );
    assert.equal((await call(host, "/", client("a")))[0], 200);
    assert.equal((await call(host, "/", client("b")))[0], 200);
    assert.deepEqual(await call(host, "/", client("a")), [429, "60", ""]);
  });

  Deno.test(`${kind}: endpoints opt into named policies, and DisableRateLimiting skips the global limiter`, async () => {
    await using host = await limitedHost(
      kind,
      rateLimiter({
        globalLimiter: { kind: "fixedWindow", permitLimit: 3, window: 60_000 },
        policies: {
          strict: {
            kind: "tokenBucket",
            tokenLimit: 1,
            tokensPerPeriod: 1,
            replenishmentPeriod: 60_000,
          },
        },
      }),
      (app) => {
        app.mapGet("/strict", () => new Response("strict"))
          .withMetadata(new EnableRateLimiting("strict"));
        app.mapGet("/open", () => new Response("open"))
          .withMetadata(new DisableRateLimiting());
        app.mapGet("/plain", () => new Response("plain"));
      },
    );
    assert.equal((await call(host, "/strict"))[0], 200); // global 1, strict 1
    // Strict is empty; the global window counted this one too (2).
    assert.equal((await call(host, "/strict"))[0], 429);
    assert.equal((await call(host, "/plain"))[0], 200); // global 3
    assert.equal((await call(host, "/plain"))[0], 429);
    for (let i = 0; i < 5; i++) {
      assert.deepEqual(await call(host, "/open"), [200, null, "open"]);
    }
  });

  Deno.test(`${kind}: onRejected sees the policy, partition and Retry-After and may write the body`, async () => {
    const seen: RateLimitRejection[] = [];
    await using host = await limitedHost(
      kind,
      rateLimiter({
        policies: {
          api: {
            kind: "slidingWindow",
            permitLimit: 1,
            window: 10_000,
            segmentsPerWindow: 10,
            partitionKey: byHeader,
          },
        },
        onRejected: async (ctx, rejection) => {
          seen.push(rejection);
          await ctx.response.json({ error: "slow down" });
        },
      }),
      (app) =>
        app.mapGet("/api", () => new Response("ok"))
          .withMetadata(new EnableRateLimiting("api")),
    );
    assert.equal((await call(host, "/api", client("c")))[0], 200);
    const [status, retryAfter, body] = await call(host, "/api", client("c"));
    assert.equal(status, 429);
    assert.equal(retryAfter, "10");
    assert.deepEqual(JSON.parse(body), { error: "slow down" });
    assert.deepEqual(seen, [{
      policy: "api",
      partitionKey: "c",
      retryAfter: 10,
    }]);
  });

  Deno.test(`${kind}: a concurrency limiter queues FIFO up to queueLimit and rejects beyond it`, async () => {
    const release = deferred();
    const order: string[] = [];
    const keyed = deferred();
    let keys = 0;
    await using host = await limitedHost(
      kind,
      rateLimiter({
        globalLimiter: {
          kind: "concurrency",
          permitLimit: 1,
          queueLimit: 2,
          // Called just before the permit is asked for: tells the test
          // that a request has reached the limiter.
          partitionKey: () => {
            if (++keys === 3) keyed.resolve();
            return "all";
          },
        },
      }),
      (app) =>
        app.mapGet("/{name}", async (ctx) => {
          const { name } = ctx.request.routeValues;
          if (name === "first") await release.promise;
          order.push(name);
          return new Response(name);
        }),
    );
    const first = call(host, "/first");
    const second = call(host, "/second");
    const third = call(host, "/third");
    await keyed.promise;
    // The queue holds second and third: a fourth has no room, and no
    // Retry-After, since a concurrency limiter cannot know.
    assert.deepEqual(await call(host, "/fourth"), [429, null, ""]);
    release.resolve();
    assert.deepEqual(
      (await Promise.all([first, second, third])).map(([status]) => status),
      [200, 200, 200],
    );
    assert.deepEqual(order, ["first", "second", "third"]);
  });

  Deno.test(`${kind}: a client that leaves while queued frees its place`, async () => {
    const release = deferred();
    const queued = deferred();
    let keys = 0;
    await using host = await limitedHost(
      kind,
      rateLimiter({
        globalLimiter: {
          kind: "concurrency",
          permitLimit: 1,
          queueLimit: 1,
          partitionKey: () => {
            if (++keys === 2) queued.resolve();
            return "all";
          },
        },
      }),
      (app) =>
        app.mapGet("/{name}", async (ctx) => {
          if (ctx.request.routeValues.name === "first") await release.promise;
          return new Response(ctx.request.routeValues.name);
        }),
    );
    const first = call(host, "/first");
    const leaving = new AbortController();
    const gone = host.fetch("/leaving", { signal: leaving.signal });
    await queued.promise;
    leaving.abort();
    // A real client's fetch rejects; TestServer's response body errors.
    const outcome = await gone.then((response) => response.text()).then(
      () => "answered",
      () => "cut off",
    );
    assert.equal(outcome, "cut off");
    // The place is free again: this one queues instead of a 429.
    const next = call(host, "/next");
    release.resolve();
    assert.deepEqual(await first, [200, null, "first"]);
    assert.deepEqual(await next, [200, null, "next"]);
  });

  Deno.test(`${kind}: a fixed window with a queue serves waiters when the window turns`, async () => {
    await using host = await limitedHost(
      kind,
      rateLimiter({ permitLimit: 1, window: 100, queueLimit: 1 }),
      (app) => app.mapGet("/", () => new Response("ok")),
    );
    const started = performance.now();
    const [a, b] = await Promise.all([call(host, "/"), call(host, "/")]);
    assert.deepEqual([a[0], b[0]], [200, 200]);
    // The second waited for the next window.
    assert.ok(performance.now() - started >= 90);
  });

  Deno.test(`${kind}: an endpoint naming an unknown policy fails with a message that says how to fix it`, async () => {
    let logs: CollectingOutput | undefined;
    await using host = await startHost(kind, (app) => {
      app.useRouting();
      app.use(rateLimiter({ policies: {} }));
      app.mapGet("/", () => new Response("ok"))
        .withMetadata(new EnableRateLimiting("missing"));
    }, { setup: (builder) => void (logs = collectLogs(builder)) });
    const [status] = await call(host, "/");
    assert.equal(status, 500);
    const errors = logs!.records.map((r) =>
      r.error instanceof Error ? r.error.message : ""
    );
    assert.ok(
      errors.some((m) =>
        m.includes('policy "missing"') && m.includes("policies: {")
      ),
      errors.join("\n"),
    );
  });

  Deno.test(`${kind}: a partitionKey that returns no string fails the request saying so, instead of limiting nobody`, async () => {
    await using host = await limitedHost(
      kind,
      rateLimiter({
        permitLimit: 1,
        window: 60_000,
        partitionKey: (() => ({ user: 1 })) as unknown as () => string,
      }),
      (app) => app.mapGet("/", () => new Response("limited?")),
    );
    // Each object would have been a partition of its own: no limit at all.
    for (let i = 0; i < 2; i++) {
      const [status] = await call(host, "/");
      assert.equal(status, 500);
    }
  });
}

Deno.test("partitions of 10,000 clients are dropped once idle", async () => {
  const limiter = rateLimiter({
    permitLimit: 5,
    window: 50,
    partitionKey: byHeader,
  });
  // In memory: this is about the limiter's bookkeeping, not the socket.
  await using host = await limitedHost(
    "TestServer",
    limiter,
    (app) => app.mapGet("/", () => new Response("ok")),
  );
  for (let i = 0; i < 10_000; i += 500) {
    await Promise.all(
      Array.from({ length: 500 }, async (_, j) => {
        const response = await host.fetch("/", client(`c${i + j}`));
        assert.equal(response.status, 200);
        await response.body?.cancel();
      }),
    );
  }
  assert.ok(limiter.partitionCount > 0);
  // The sweep runs every window (50 ms) and drops what is back to fresh.
  await until(() => limiter.partitionCount === 0, "partitions to expire", 3000);
  assert.equal(limiter.partitionCount, 0);
});

Deno.test("rateLimiter() rejects bad options when called", () => {
  const bad: [RateLimiterOptions, RegExp][] = [
    [{ permitLimit: 5 }, /needs both "permitLimit" and "window"/],
    [{ permitLimit: 0, window: 100 }, /permitLimit must be a whole number/],
    [{ permitLimit: 1, window: 0 }, /window must be a number of milliseconds/],
    [
      {
        permitLimit: 1,
        window: 10,
        globalLimiter: { kind: "concurrency", permitLimit: 1 },
      },
      /"globalLimiter" or the fixed-window shorthand/,
    ],
    [
      { policies: { api: { kind: "leakyBucket" } as never } },
      /policies.api.kind must be "fixedWindow"/,
    ],
    [
      {
        globalLimiter: { kind: "concurrency", permitLimit: 1, queueLimit: -1 },
      },
      /queueLimit must be a whole number of at least 0/,
    ],
    [{ rejectionStatusCode: 200 }, /"rejectionStatusCode"/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => rateLimiter(options), message);
  }
  assert.throws(() => new EnableRateLimiting(""), TypeError);
});

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: a stopping host answers its queued requests 503 at once, also after a waiter gave up`, async () => {
    let arrived = deferred<void>();
    await using running = await startHost(kind, (app) => {
      app.use((_ctx, next) => {
        arrived.resolve();
        return next();
      });
      app.use(rateLimiter({ permitLimit: 1, window: 60_000, queueLimit: 5 }));
      app.run(() => new Response("served"));
    });
    const first = await running.fetch("/");
    assert.equal(await first.text(), "served");
    // A waiter that gives up leaves the queue (and, the last one out, takes
    // the wake-up timer with it).
    arrived = deferred<void>();
    const gaveUp = new AbortController();
    const abandoned = running.fetch("/", { signal: gaveUp.signal }).then(
      (response) => response.body?.cancel().catch(() => {}),
      () => {},
    );
    await arrived.promise;
    gaveUp.abort();
    await abandoned;
    // A waiter still queued when the host stops is answered at once.
    arrived = deferred<void>();
    const queued = running.fetch("/");
    await arrived.promise;
    const started = performance.now();
    const stopped = running.host.stop();
    const answer = await queued;
    assert.equal(answer.status, 503);
    await answer.body?.cancel();
    await stopped;
    assert.ok(performance.now() - started < 5_000, "the stop did not wait");
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: through shutdownDelaySeconds rejections stay 429 with onRejected; the queue is answered 503 when the drain begins`, async () => {
    let arrived = deferred<void>();
    await using running = await startHost(kind, (app) => {
      app.use((_ctx, next) => {
        arrived.resolve();
        return next();
      });
      app.use(rateLimiter({
        permitLimit: 1,
        window: 60_000,
        queueLimit: 1,
        onRejected: (ctx) => ctx.response.json({ error: "slow down" }),
      }));
      app.run(() => new Response("served"));
    }, { setup: (builder) => builder.useSetting("shutdownDelaySeconds", "1") });
    assert.equal(await (await running.fetch("/")).text(), "served");
    arrived = deferred<void>();
    const queued = running.fetch("/");
    await arrived.promise;
    const stopStarted = performance.now();
    const stopped = running.host.stop();
    // The host is stopping but still serves normally: over the limit, with
    // the queue full, is the usual 429.
    const [status, retryAfter, body] = await call(running, "/");
    assert.equal(status, 429);
    assert.equal(retryAfter, "60");
    assert.deepEqual(JSON.parse(body), { error: "slow down" });
    // The waiter is answered when the drain begins, after the delay.
    const answer = await queued;
    assert.equal(answer.status, 503);
    await answer.body?.cancel();
    assert.ok(
      performance.now() - stopStarted >= 900,
      "the queue was answered before the delay ended",
    );
    await stopped;
  });
}
