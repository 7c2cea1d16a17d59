// Health checks: addHealthChecks(services).addCheck(...) and the endpoint
// healthChecksEndpoint() makes, on both servers: status codes, plain text and
// JSON reports, timeouts, throwing checks, filters, and 503 once the host is
// stopping.

import assert from "node:assert/strict";
import { ServiceCollection } from "../../../mod.ts";
import {
  addHealthChecks,
  type HealthCheck,
  HealthChecks,
  type HealthStatus,
} from "../../../hosting/health/health_checks.ts";
import {
  type HealthCheckOptions,
  healthChecksEndpoint,
} from "../../../hosting/health/health_checks_endpoint.ts";
import {
  type CollectingOutput,
  collectLogs,
  deferred,
  SERVER_KINDS,
  type ServerKind,
  startHost,
  within,
} from "../../_helpers.ts";

const JSON_ACCEPT = { accept: "application/json" };

interface Check {
  name: string;
  check: HealthCheck;
  tags?: string[];
  timeout?: number;
}

function healthHost(
  kind: ServerKind,
  checks: Check[],
  options: HealthCheckOptions = {},
  logs?: (output: CollectingOutput) => void,
) {
  return startHost(kind, (app) => {
    app.mapGet("/health", healthChecksEndpoint(options));
    app.mapGet("/work", () => new Response("work"));
  }, {
    setup(builder) {
      // Failing checks are logged: kept out of the test output.
      const output = collectLogs(builder);
      logs?.(output);
      builder.configureServices((services) => {
        const health = addHealthChecks(services);
        for (const { name, check, tags, timeout } of checks) {
          health.addCheck(name, check, { tags, timeout });
        }
      });
    },
  });
}

const status = (value: HealthStatus): HealthCheck => () => ({ status: value });

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind}: a host with no checks is Healthy, 200, not cacheable`, async () => {
    await using host = await healthHost(kind, []);
    const response = await host.fetch("/health");
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "Healthy");
    assert.equal(response.headers.get("cache-control"), "no-store");
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain/);
  });

  Deno.test(`${kind}: the worst check decides: Degraded is 200, Unhealthy 503`, async () => {
    for (
      const [statuses, expected, code] of [
        [["Healthy", "Degraded"], "Degraded", 200],
        [["Healthy", "Unhealthy", "Degraded"], "Unhealthy", 503],
        [["Healthy", "Healthy"], "Healthy", 200],
      ] as const
    ) {
      await using host = await healthHost(
        kind,
        statuses.map((s, i) => ({ name: `c${i}`, check: status(s) })),
      );
      const response = await host.fetch("/health");
      assert.equal(response.status, code);
      assert.equal(await response.text(), expected);
    }
  });

  Deno.test(`${kind}: a client asking for JSON gets every entry`, async () => {
    await using host = await healthHost(kind, [
      {
        name: "db",
        check: () => ({
          status: "Degraded",
          description: "replica lag",
          data: { lagSeconds: 4 },
        }),
        tags: ["ready"],
      },
      { name: "self", check: status("Healthy"), tags: ["live"] },
    ]);
    const response = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(response.status, 200);
    const report = await response.json();
    assert.equal(report.status, "Degraded");
    assert.equal(typeof report.totalDuration, "number");
    assert.equal(report.entries.db.status, "Degraded");
    assert.equal(report.entries.db.description, "replica lag");
    assert.deepEqual(report.entries.db.tags, ["ready"]);
    assert.deepEqual(report.entries.db.data, { lagSeconds: 4 });
    assert.equal(typeof report.entries.db.duration, "number");
    assert.equal(report.entries.self.status, "Healthy");
  });

  Deno.test(`${kind}: checks run in parallel`, async () => {
    const started: string[] = [];
    const both = deferred();
    const waitForBoth = (name: string): HealthCheck => async () => {
      started.push(name);
      if (started.length === 2) both.resolve();
      await both.promise; // deadlocks if the checks ran one after another
      return { status: "Healthy" };
    };
    await using host = await healthHost(kind, [
      { name: "a", check: waitForBoth("a"), timeout: 5000 },
      { name: "b", check: waitForBoth("b"), timeout: 5000 },
    ]);
    const response = await host.fetch("/health");
    assert.equal(await response.text(), "Healthy");
    assert.deepEqual(started.sort(), ["a", "b"]);
  });

  Deno.test(`${kind}: a check past its timeout is Unhealthy, "timed out", and its signal fires`, async () => {
    const aborted = deferred<unknown>();
    await using host = await healthHost(kind, [{
      name: "slow",
      timeout: 30,
      check: (signal) => {
        signal.addEventListener("abort", () => aborted.resolve(signal.reason));
        return new Promise(() => {}); // ignores its signal: still cut off
      },
    }]);
    const response = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(response.status, 503);
    const report = await response.json();
    assert.equal(report.entries.slow.status, "Unhealthy");
    assert.match(report.entries.slow.description, /timed out after 30 ms/);
    assert.equal(
      ((await aborted.promise) as DOMException).name,
      "TimeoutError",
    );
  });

  Deno.test(`${kind}: a throwing check is Unhealthy, with its message only in Development and never a stack`, async () => {
    const failing: Check[] = [{
      name: "db",
      check: () => {
        throw new Error("connection refused by db.internal");
      },
    }, {
      name: "queue",
      check: () => Promise.reject(new Error("queue down")),
    }];
    // Production (startHost's default): the status, not the why.
    {
      await using host = await healthHost(kind, failing);
      const response = await host.fetch("/health", { headers: JSON_ACCEPT });
      assert.equal(response.status, 503);
      const text = await response.text();
      assert.doesNotMatch(text, /db\.internal|queue down/);
      const report = JSON.parse(text);
      assert.equal(report.entries.db.status, "Unhealthy");
      assert.equal(report.entries.db.error, undefined);
    }
    await using host = await startHost(kind, (app) => {
      app.mapGet("/health", healthChecksEndpoint());
    }, {
      setup(builder) {
        builder.useEnvironment("Development");
        builder.configureServices((services) => {
          const health = addHealthChecks(services);
          for (const { name, check } of failing) health.addCheck(name, check);
        });
      },
    });
    const response = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(response.status, 503);
    const text = await response.text();
    assert.doesNotMatch(text, /\bat .*\.ts:\d+/);
    const report = JSON.parse(text);
    assert.equal(report.entries.db.error, "connection refused by db.internal");
    assert.equal(
      report.entries.db.description,
      "connection refused by db.internal",
    );
    assert.equal(report.entries.queue.error, "queue down");
  });

  Deno.test(`${kind}: a check that is not Healthy is logged, Unhealthy at Error with what it threw`, async () => {
    let logs: CollectingOutput | undefined;
    const thrown = new TypeError("conn is undefined");
    await using host = await healthHost(
      kind,
      [
        { name: "db", check: () => Promise.reject(thrown) },
        { name: "odd", check: () => 42 as never },
        {
          name: "cache",
          check: () => ({ status: "Degraded", description: "slow" }),
        },
        { name: "self", check: status("Healthy") },
      ],
      {},
      (output) => logs = output,
    );
    const response = await host.fetch("/health");
    assert.equal(response.status, 503);
    await response.body?.cancel();
    const records = logs!.records.filter((r) =>
      r.category === "Roost.Hosting.HealthChecks"
    );
    assert.deepEqual(
      records.map((r) => [r.level, r.properties.name]),
      [["error", "db"], ["error", "odd"], ["warning", "cache"]],
    );
    assert.equal(records[0].error, thrown);
    assert.match(
      records[0].message,
      /^Health check db completed after [\d.]+ ms with status Unhealthy: conn is undefined$/,
    );
    assert.match(
      records[1].message,
      /returned 42: return \{ status: "Healthy" \| "Degraded" \| "Unhealthy" \}/,
    );
    assert.match(records[2].message, /with status Degraded: slow$/);
  });

  Deno.test(`${kind}: checks cancelled by a probe that gave up are not logged as failures`, async () => {
    let logs: CollectingOutput | undefined;
    const running = deferred();
    const cancelled = deferred();
    await using host = await healthHost(
      kind,
      [{
        name: "db",
        check: (signal) =>
          new Promise((_, reject) => {
            signal.addEventListener("abort", () => {
              reject(signal.reason);
              cancelled.resolve();
            }, { once: true });
            running.resolve();
          }),
      }],
      {},
      (output) => logs = output,
    );
    const probe = new AbortController();
    const answer = host.fetch("/health", { signal: probe.signal }).catch(() =>
      undefined
    );
    // The probe gives up while the check runs.
    await within(running.promise, "the check to start");
    probe.abort();
    await within(cancelled.promise, "the check's cancellation");
    await answer;
    // One more request settles the cancelled one's logging.
    await (await host.fetch("/work")).text();
    assert.deepEqual(
      logs!.records.filter((r) => r.category === "Roost.Hosting.HealthChecks"),
      [],
    );
  });

  Deno.test(`${kind}: a probe that gave up does not wait for a check that ignores its signal and has no timeout`, async () => {
    const running = deferred();
    const settled = deferred();
    await using host = await startHost(kind, (app) => {
      app.use(async (_ctx, next) => {
        await next();
        settled.resolve();
      });
      app.mapGet("/health", healthChecksEndpoint());
    }, {
      setup(builder) {
        collectLogs(builder);
        builder.configureServices((services) => {
          addHealthChecks(services).addCheck("stuck driver", () => {
            running.resolve();
            return new Promise(() => {}); // never settles, signal ignored
          });
        });
      },
    });
    const probe = new AbortController();
    const answer = host.fetch("/health", { signal: probe.signal }).catch(() =>
      undefined
    );
    await within(running.promise, "the check to start");
    probe.abort();
    await answer;
    await within(settled.promise, "the health request to settle");
  });

  Deno.test(`${kind}: a check's data JSON cannot hold does not make the JSON probe a 500`, async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await using host = await healthHost(kind, [
      { name: "big", check: () => ({ status: "Healthy", data: { n: 1n } }) },
      { name: "loop", check: () => ({ status: "Healthy", data: cycle }) },
      { name: "fine", check: () => ({ status: "Healthy", data: { n: 1 } }) },
      {
        name: "said",
        check: () => ({
          status: "Healthy",
          description: 2n as unknown as string,
        }),
      },
    ]);
    const response = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(response.status, 200);
    const report = await response.json();
    assert.equal(report.status, "Healthy");
    assert.deepEqual(report.entries.fine.data, { n: 1 });
    assert.equal(report.entries.said.description, "2");
    for (const name of ["big", "loop"]) {
      assert.match(
        report.entries[name].data.error,
        /^This check's data cannot be written as JSON: /,
      );
    }
  });

  Deno.test(`${kind}: a check returning a name Object.prototype has ("toString") is Unhealthy`, async () => {
    await using host = await healthHost(kind, [{
      name: "odd",
      check: () => ({ status: "toString" as HealthStatus }),
    }]);
    const response = await host.fetch("/health");
    assert.equal(response.status, 503);
    assert.equal(await response.text(), "Unhealthy");
  });

  Deno.test(`${kind}: a predicate runs only the checks it selects`, async () => {
    let ran = 0;
    await using host = await healthHost(kind, [
      {
        name: "live",
        check: () => (ran++, { status: "Healthy" }),
        tags: ["live"],
      },
      { name: "db", check: status("Unhealthy"), tags: ["ready"] },
    ], { predicate: (check) => check.tags.includes("live") });
    const response = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(response.status, 200);
    assert.deepEqual(Object.keys((await response.json()).entries), ["live"]);
    assert.equal(ran, 1);
  });

  Deno.test(`${kind}: resultStatusCodes and responseWriter shape the answer`, async () => {
    await using host = await healthHost(kind, [
      { name: "cache", check: status("Degraded") },
    ], {
      resultStatusCodes: { Degraded: 503 },
      responseWriter: (ctx, report) =>
        ctx.response.json({ up: report.status === "Healthy" }),
    });
    const response = await host.fetch("/health");
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), { up: false });
  });

  Deno.test(`${kind}: HEAD answers the status with no body`, async () => {
    await using host = await healthHost(kind, [
      { name: "db", check: status("Unhealthy") },
    ]);
    const response = await host.fetch("/health", { method: "HEAD" });
    assert.equal(response.status, 503);
    assert.equal(await response.text(), "");
  });

  Deno.test(`${kind}: a stopping host answers health 503 at once and keeps serving through shutdownDelaySeconds`, async () => {
    await using host = await startHost(kind, (app) => {
      app.mapGet("/health", healthChecksEndpoint());
      app.mapGet("/work", () => new Response("work"));
    }, {
      setup: (builder) => builder.useSetting("shutdownDelaySeconds", "0.3"),
    });
    const before = await host.fetch("/health");
    assert.equal(before.status, 200);
    await before.body?.cancel();
    host.host.lifetime.stopApplication();
    const health = await host.fetch("/health", { headers: JSON_ACCEPT });
    assert.equal(health.status, 503);
    const report = await health.json();
    assert.equal(report.status, "Unhealthy");
    assert.equal(report.entries.host.description, "The host is stopping");
    const work = await host.fetch("/work");
    assert.equal(work.status, 200);
    assert.equal(await work.text(), "work");
    const stopped = performance.now();
    await host.host.stop();
    assert.ok(host.host.lifetime.stopped.aborted);
    assert.ok(performance.now() - stopped < 2000);
  });
}

Deno.test("addHealthChecks() twice adds to one registry", () => {
  const services = new ServiceCollection();
  addHealthChecks(services).addCheck("a", status("Healthy"));
  addHealthChecks(services).addCheck("b", status("Healthy"));
  const registry = services.build().getRequired(HealthChecks);
  assert.deepEqual(registry.registrations.map((r) => r.name), ["a", "b"]);
});

Deno.test("addCheck() rejects a taken name, a bad check and a bad timeout", () => {
  const health = addHealthChecks(new ServiceCollection());
  health.addCheck("db", status("Healthy"));
  assert.throws(
    () => health.addCheck("db", status("Healthy")),
    { name: "RangeError", message: /"db" is already registered/ },
  );
  assert.throws(
    () => health.addCheck("", status("Healthy")),
    { name: "TypeError", message: /non-empty name/ },
  );
  assert.throws(
    () => health.addCheck("x", "nope" as unknown as HealthCheck),
    { name: "TypeError", message: /needs a check function/ },
  );
  assert.throws(
    () => health.addCheck("y", status("Healthy"), { timeout: -1 }),
    { name: "RangeError", message: /"timeout" must be a positive number/ },
  );
  for (const name of ["toString", "__proto__"]) {
    assert.throws(
      () =>
        health.addCheck("z", status("Healthy"), {
          failureStatus: name as HealthStatus,
        }),
      { name: "TypeError", message: /"failureStatus" must be/ },
    );
  }
});

Deno.test("healthChecksEndpoint() rejects bad options when called", () => {
  assert.throws(
    () => healthChecksEndpoint({ resultStatusCodes: { Healthy: 42 } }),
    { name: "RangeError", message: /resultStatusCodes.Healthy/ },
  );
  assert.throws(
    () =>
      healthChecksEndpoint({
        resultStatusCodes: { Fine: 200 } as HealthCheckOptions[
          "resultStatusCodes"
        ],
      }),
    { name: "TypeError", message: /unknown status "Fine"/ },
  );
  assert.throws(
    () =>
      healthChecksEndpoint({
        resultStatusCodes: { toString: 500 } as HealthCheckOptions[
          "resultStatusCodes"
        ],
      }),
    { name: "TypeError", message: /unknown status "toString"/ },
  );
  assert.throws(
    () =>
      healthChecksEndpoint({
        predicate: true as unknown as HealthCheckOptions["predicate"],
      }),
    { name: "TypeError", message: /"predicate" must be a function/ },
  );
});
