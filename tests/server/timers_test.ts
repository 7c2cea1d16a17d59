import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { createDefaultBuilder } from "../../mod.ts";
import { coreTimers, type Schedule, scheduler } from "../../server/_timers.ts";

// Both schedulers: Deno's core timers, and the global timers Roost falls
// back to where a Deno has no core timers.
const SCHEDULERS: [string, Schedule][] = [
  ["core timers", scheduler(coreTimers())],
  ["global timers", scheduler(undefined)],
];

Deno.test("this Deno has the core timers the server schedules on", () => {
  // Without them every timer still works (the fallback below), but the
  // first one costs ~4.5 ms more: the fast path must not vanish unnoticed.
  assert.notEqual(coreTimers(), undefined);
});

for (const [name, schedule] of SCHEDULERS) {
  Deno.test(`${name}: a timeout runs once, after its delay`, async () => {
    const started = performance.now();
    let runs = 0;
    await new Promise<void>((resolve) => {
      schedule(() => {
        runs++;
        resolve();
      }, 20);
    });
    assert.ok(performance.now() - started >= 15, "ran too early");
    // A second run would land within another 20 ms.
    await new Promise<void>((resolve) => schedule(resolve, 60));
    assert.equal(runs, 1);
  });

  Deno.test(`${name}: an interval repeats until cancelled`, async () => {
    let runs = 0;
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = schedule(
      () => {
        if (++runs === 3) {
          timer.cancel();
          resolve();
        }
      },
      5,
      { repeat: true },
    );
    await promise;
    await new Promise<void>((done) => schedule(done, 40));
    assert.equal(runs, 3);
    timer.cancel(); // twice is harmless
  });

  Deno.test(`${name}: a callback runs in the async context it was scheduled in`, async () => {
    // What a request's log scope (AsyncLocalStorage) relies on.
    const storage = new AsyncLocalStorage<string>();
    const seen = await storage.run(
      "request 1",
      () =>
        new Promise<string | undefined>((resolve) =>
          schedule(() => resolve(storage.getStore()), 5)
        ),
    );
    assert.equal(seen, "request 1");
    // And it leaves the context it ran in as it was.
    assert.equal(storage.getStore(), undefined);
  });

  Deno.test(`${name}: a cancelled timeout never runs`, async () => {
    let ran = false;
    schedule(() => ran = true, 5).cancel();
    await new Promise<void>((resolve) => schedule(resolve, 40));
    assert.equal(ran, false);
  });
}

Deno.test("an unref'd timer does not keep the process alive", async () => {
  // A child whose only pending work is an unref'd interval exits at once.
  const code = `
    import { schedule } from ${
    JSON.stringify(new URL("../../server/_timers.ts", import.meta.url).href)
  };
    schedule(() => console.log("ran"), 2000, { repeat: true, ref: false });
    schedule(() => console.log("ref'd ran"), 10);
  `;
  const started = performance.now();
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stdout), "ref'd ran\n");
  assert.ok(performance.now() - started < 1900, "waited for the interval");
});

Deno.test("a default host watching its appsettings, with timeouts, a rate limiter and health checks, serves and stops without the global timers", async () => {
  // Deno 2.9's global timers are Node's: the first call loads a module
  // (about 4.5 ms), which would land on a request. Roost's own timers use
  // the core timer list.
  const calls: string[] = [];
  const saved = {
    setTimeout: globalThis.setTimeout,
    setInterval: globalThis.setInterval,
    clearTimeout: globalThis.clearTimeout,
    clearInterval: globalThis.clearInterval,
  };
  for (const name of Object.keys(saved) as (keyof typeof saved)[]) {
    const original = saved[name] as (...args: unknown[]) => unknown;
    Object.assign(globalThis, {
      [name]: (...args: unknown[]) => {
        calls.push(new Error(name).stack ?? name);
        return original(...args);
      },
    });
  }
  // An appsettings.json the default builder watches for changes.
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(`${root}/appsettings.json`, "{}");
  try {
    const host = createDefaultBuilder([
      "--contentRoot",
      root,
      "--urls",
      "http://127.0.0.1:0",
      "--suppressStatusMessages",
      "true",
      "--shutdownDelaySeconds",
      "0.01",
      "--Logging:LogLevel:Default",
      "Warning",
    ])
      .configureServices((services) =>
        services.addHealthChecks().addCheck(
          "self",
          () => ({ status: "Healthy" }),
          { timeout: 1_000 },
        )
      )
      .configure((app) => {
        app.useRequestTimeouts({ timeout: 5_000 });
        app.useRateLimiter({ permitLimit: 100, window: 1_000 });
        app.mapHealthChecks("/healthz");
        app.run(async (ctx) =>
          ctx.response.send(`read ${(await ctx.request.text()).length}`)
        );
      })
      .build();
    await host.start();
    const base = host.addresses[0];
    const health = await fetch(new URL("/healthz", base));
    assert.equal(health.status, 200);
    await health.body?.cancel();
    const posted = await fetch(base, { method: "POST", body: "x".repeat(10) });
    assert.equal(await posted.text(), "read 10");
    await host.stop();
  } finally {
    Object.assign(globalThis, saved);
    await Deno.remove(root, { recursive: true });
  }
  assert.deepEqual(calls, []);
});
