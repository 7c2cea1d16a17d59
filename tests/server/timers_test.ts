import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import { WebHostBuilder } from "../../mod.ts";
import { startHost } from "../_helpers.ts";
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

Deno.test("a default host watching its appsettings, with timeouts, a rate limiter and health checks, serves and stops without reading the global timers", async () => {
  // Deno 2.9's global timers are Node's: the first read loads a module
  // (about 4.5 ms), which would land on a request. A process of its own,
  // so the global timers are untouched when Roost loads.
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../fixtures/timers/no_global_timers.ts", import.meta.url)
        .pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  assert.deepEqual(result, { health: 200, text: "read 10", reads: [] });
});

Deno.test("a fake clock that replaces globalThis.setTimeout drives the deadlines an app sees: a request timeout fires when the clock says", async () => {
  // What @std/testing's FakeTime does: it assigns its own functions.
  const pending = new Map<number, () => void>();
  let nextId = 1;
  const names = ["setTimeout", "clearTimeout"] as const;
  const natives = names.map((name) =>
    Object.getOwnPropertyDescriptor(globalThis, name)!
  );
  Object.assign(globalThis, {
    setTimeout: (callback: () => void, ms: number) => {
      const id = nextId++;
      if (ms === 60_000) pending.set(id, callback);
      return id;
    },
    clearTimeout: (id: number) => pending.delete(id),
  });
  try {
    const host = new WebHostBuilder()
      .configure((app) => {
        app.useRequestTimeouts({ timeout: 60_000 });
        app.run((ctx) =>
          new Promise<void>((_, reject) =>
            ctx.requestAborted.addEventListener(
              "abort",
              () => reject(ctx.requestAborted.reason),
            )
          )
        );
      })
      .build();
    const answer = host.fetch("http://localhost/");
    // The fake clock holds the deadline; nothing fires until it says so.
    await until(() => pending.size === 1);
    for (const callback of pending.values()) callback();
    const response = await answer;
    assert.equal(response.status, 504);
    await response.body?.cancel();
  } finally {
    names.forEach((name, i) =>
      Object.defineProperty(globalThis, name, natives[i])
    );
  }
});

const realTime = scheduler(coreTimers());

Deno.test("a host serving on a socket stops without waiting for a fake clock that never ticks", async () => {
  const names = ["setTimeout", "clearTimeout"] as const;
  const natives = names.map((name) =>
    Object.getOwnPropertyDescriptor(globalThis, name)!
  );
  // A clock the test never advances: nothing on it ever fires.
  Object.assign(globalThis, { setTimeout: () => 1, clearTimeout: () => {} });
  try {
    const running = await startHost(
      "DenoServer",
      (app) => app.run((ctx) => ctx.response.send("hi")),
    );
    // A connection that just answered gets a grace period on a stop, and
    // the stop has a deadline: both on real time.
    const response = await running.fetch("/");
    assert.equal(await response.text(), "hi");
    const stopped = await Promise.race([
      running.host.stop().then(() => "stopped"),
      // On real time whatever the globals say.
      new Promise<string>((resolve) => realTime(() => resolve("stuck"), 5_000)),
    ]);
    assert.equal(stopped, "stopped");
  } finally {
    names.forEach((name, i) =>
      Object.defineProperty(globalThis, name, natives[i])
    );
  }
});

Deno.test("a timer made on a fake clock is cleared on that clock, even after the real one is back", () => {
  const cleared: string[] = [];
  const natives = (["setTimeout", "clearTimeout"] as const).map((name) =>
    [name, Object.getOwnPropertyDescriptor(globalThis, name)!] as const
  );
  const clock = (name: string) => ({
    setTimeout: () => 7,
    clearTimeout: (id: number) => cleared.push(`${name} ${id}`),
  });
  try {
    Object.assign(globalThis, clock("fake"));
    const timer = scheduler(undefined)(() => {}, 1_000);
    // The program puts another clock back (the real one, say): its id 7
    // is not this timer's.
    Object.assign(globalThis, clock("other"));
    timer.cancel();
    assert.deepEqual(cleared, ["fake 7"]);
  } finally {
    for (const [name, native] of natives) {
      Object.defineProperty(globalThis, name, native);
    }
  }
});

// Waits, a turn at a time, for a condition made true by other tasks.
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !condition(); turn++) {
    await new Promise<void>((resolve) => queueMicrotask(resolve));
  }
  assert.ok(condition(), "the condition never held");
}
