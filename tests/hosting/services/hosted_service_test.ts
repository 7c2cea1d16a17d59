// Hosted services: BackgroundService and the runner the host uses.

import assert from "node:assert/strict";
import {
  BackgroundService,
  type HostedService,
} from "../../../hosting/services/mod.ts";
// The runner is the host's machinery, not public API.
import { HostedServiceRunner } from "../../../hosting/services/hosted_service_runner.ts";
import { captureErrors } from "../config/_helpers.ts";

const LONG = 10_000;

function deadline(ms = LONG): AbortSignal {
  return AbortSignal.timeout(ms);
}

/** A promise and the functions that settle it. */
function deferred(): PromiseWithResolvers<void> {
  return Promise.withResolvers<void>();
}

function recording(log: string[], name: string): HostedService {
  return {
    start: () => void log.push(`start ${name}`),
    stop: async () => {
      await Promise.resolve();
      log.push(`stop ${name}`);
    },
  };
}

/** A BackgroundService whose execute the test drives. */
class Worker extends BackgroundService {
  signal: AbortSignal | undefined;
  readonly #run: (signal: AbortSignal) => Promise<void>;
  constructor(run: (signal: AbortSignal) => Promise<void>) {
    super();
    this.#run = run;
  }
  protected execute(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    return this.#run(signal);
  }
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true })
  );
}

Deno.test("the runner starts services in registration order and stops them in reverse", async () => {
  const log: string[] = [];
  const runner = new HostedServiceRunner([
    recording(log, "a"),
    recording(log, "b"),
    recording(log, "c"),
  ]);
  await runner.start(deadline());
  await runner.stop(deadline());
  assert.deepEqual(log, [
    "start a",
    "start b",
    "start c",
    "stop c",
    "stop b",
    "stop a",
  ]);
  assert.equal(runner.failed, false);
});

Deno.test("when a start throws, the services already started are stopped in reverse and the error is rethrown", async () => {
  const log: string[] = [];
  const broken: HostedService = {
    start: () => Promise.reject(new Error("no database")),
    stop: () => void log.push("stop broken"),
  };
  const runner = new HostedServiceRunner([
    recording(log, "a"),
    recording(log, "b"),
    broken,
    recording(log, "d"),
  ]);
  await assert.rejects(runner.start(deadline()), { message: "no database" });
  assert.deepEqual(log, ["start a", "start b", "stop b", "stop a"]);
  assert.equal(runner.failed, true);
  await runner.stop(deadline());
  assert.equal(log.length, 4, "nothing is stopped twice");
});

Deno.test("every stop runs even when some throw, and the errors arrive in an AggregateError", async () => {
  const log: string[] = [];
  class Flaky implements HostedService {
    start(): void {}
    stop(): void {
      log.push("stop flaky");
      throw new Error("flaky stop");
    }
  }
  const runner = new HostedServiceRunner([
    recording(log, "a"),
    new Flaky(),
    recording(log, "c"),
  ]);
  await runner.start(deadline());
  await assert.rejects(runner.stop(deadline()), (error: unknown) => {
    assert.ok(error instanceof AggregateError);
    assert.equal(
      error.message,
      "1 hosted service failed to stop: Flaky: flaky stop",
    );
    assert.equal(error.errors[0].message, "flaky stop");
    return true;
  });
  assert.deepEqual(log, [
    "start a",
    "start c",
    "stop c",
    "stop flaky",
    "stop a",
  ]);
  assert.equal(runner.failed, true);
});

Deno.test("a stop that ignores its signal is left behind at the deadline, and the earlier services still stop", async () => {
  const log: string[] = [];
  class Stuck implements HostedService {
    start(): void {}
    stop(): Promise<void> {
      log.push("stop stuck");
      return new Promise(() => {});
    }
  }
  const runner = new HostedServiceRunner([recording(log, "a"), new Stuck()]);
  await runner.start(deadline());
  const controller = new AbortController();
  const stopping = runner.stop(controller.signal);
  await Promise.resolve();
  controller.abort(new DOMException("Shutdown timeout", "TimeoutError"));
  await assert.rejects(stopping, (error: unknown) => {
    assert.ok(error instanceof AggregateError);
    assert.match(
      error.message,
      /^1 hosted service failed to stop: Stuck: it did not stop by the shutdown deadline \(Shutdown timeout\) and was left behind: make stop\(signal\) return when its signal aborts$/,
    );
    return true;
  });
  assert.deepEqual(log, ["start a", "stop stuck", "stop a"]);
  assert.equal(runner.failed, true);
});

Deno.test("past the deadline a stop is still called, and one that returns at once counts as stopped", async () => {
  const log: string[] = [];
  const runner = new HostedServiceRunner([{
    start: () => void log.push("start"),
    stop: () => void log.push("stop"),
  }]);
  await runner.start(deadline());
  await runner.stop(AbortSignal.abort());
  assert.deepEqual(log, ["start", "stop"]);
  assert.equal(runner.failed, false);
});

Deno.test("each stop gets the shutdown deadline signal", async () => {
  const signals: AbortSignal[] = [];
  const service: HostedService = {
    start() {},
    stop: (signal) => void signals.push(signal),
  };
  const runner = new HostedServiceRunner([service, service]);
  await runner.start(deadline());
  const stopSignal = deadline();
  await runner.stop(stopSignal);
  assert.deepEqual(signals, [stopSignal, stopSignal]);
});

Deno.test("a BackgroundService's start returns without waiting for execute", async () => {
  const finish = deferred();
  const worker = new Worker(() => finish.promise);
  await worker.start(deadline());
  assert.ok(worker.executeTask instanceof Promise);
  let settled = false;
  worker.executeTask?.then(() => (settled = true));
  await Promise.resolve();
  assert.equal(settled, false, "execute is still running after start");
  finish.resolve();
  await worker.executeTask;
  assert.equal(settled, true);
});

Deno.test("stop aborts execute's signal and waits for execute to finish", async () => {
  const log: string[] = [];
  const sawAbort = deferred();
  const cleanedUp = deferred();
  const worker = new Worker(async (signal) => {
    await aborted(signal);
    sawAbort.resolve();
    await cleanedUp.promise;
    log.push("execute finished");
  });
  await worker.start(deadline());
  assert.equal(worker.signal?.aborted, false);
  const stopped = worker.stop(deadline()).then(() => log.push("stopped"));
  await sawAbort.promise;
  // One task turn: a stop that did not wait for execute has resolved by now.
  await new Promise((resolve) => setTimeout(resolve, 0));
  cleanedUp.resolve();
  await stopped;
  assert.equal(worker.signal?.aborted, true);
  assert.deepEqual(log, ["execute finished", "stopped"]);
});

Deno.test("a startup deadline that passes after start does not abort execute", async () => {
  const worker = new Worker((signal) => aborted(signal));
  const startup = AbortSignal.timeout(5);
  await worker.start(startup);
  await aborted(startup);
  assert.equal(worker.signal?.aborted, false);
  await worker.stop(deadline());
  assert.equal(worker.signal?.aborted, true);
});

Deno.test("a start whose signal has already aborted rejects without calling execute", async () => {
  let called = false;
  const worker = new Worker(() => (called = true, Promise.resolve()));
  const cancelled = new AbortController();
  cancelled.abort(new Error("startup cancelled"));
  await assert.rejects(worker.start(cancelled.signal), {
    message: "startup cancelled",
  });
  assert.equal(called, false);
  assert.equal(worker.executeTask, undefined);
});

Deno.test("stop gives up waiting when the shutdown deadline aborts, saying the execute was left behind", async () => {
  const worker = new Worker(() => new Promise<void>(() => {})); // ignores its signal
  await worker.start(deadline());
  const started = Date.now();
  await assert.rejects(
    () => worker.stop(AbortSignal.timeout(30)),
    /its execute\(\) did not return by the shutdown deadline and was left behind: make execute\(signal\) return when its signal aborts/,
  );
  assert.ok(Date.now() - started < 1000);
  assert.equal(worker.signal?.aborted, true);
  // The runner reports it as any stop past the deadline, and fails.
  const deaf = new Worker(() => new Promise<void>(() => {}));
  const runner = new HostedServiceRunner([deaf]);
  await runner.start(deadline());
  await assert.rejects(
    () => runner.stop(AbortSignal.timeout(30)),
    /1 hosted service failed to stop: Worker: its execute\(\) did not return/,
  );
  assert.equal(runner.failed, true);
});

Deno.test("stop with a deadline already passed gives execute a turn of the event loop to return", async () => {
  const worker = new Worker(async (signal) => {
    await aborted(signal);
    // A cleanup with a few awaits of its own.
    for (let i = 0; i < 3; i++) await Promise.resolve();
  });
  await worker.start(deadline());
  await worker.stop(
    AbortSignal.abort(new DOMException("Shutdown timeout", "TimeoutError")),
  );
});

Deno.test("execute ending with its signal's abort reason after stop is not a failure", async () => {
  const failures: unknown[] = [];
  const worker = new Worker(async (signal) => {
    await aborted(signal);
    throw signal.reason;
  });
  const runner = new HostedServiceRunner([worker], {
    onFailure: (_service, error) => failures.push(error),
  });
  await runner.start(deadline());
  await runner.stop(deadline());
  assert.deepEqual(failures, []);
  assert.equal(runner.failed, false);
});

Deno.test("with stopHost, a failed execute is reported, stops the host and marks the runner failed", async () => {
  const reported: [HostedService, unknown][] = [];
  const stopHost = deferred();
  const worker = new Worker(async () => {
    await Promise.resolve();
    throw new Error("queue lost");
  });
  const runner = new HostedServiceRunner([worker], {
    onFailure: (service, error) => reported.push([service, error]),
    stopHost: () => stopHost.resolve(),
  });
  await runner.start(deadline());
  await stopHost.promise;
  assert.equal(reported.length, 1);
  assert.equal(reported[0][0], worker);
  assert.equal((reported[0][1] as Error).message, "queue lost");
  assert.equal(runner.failed, true);
  await runner.stop(deadline()); // stop does not rethrow execute's failure
});

Deno.test("with ignore, a failed execute is only reported and the runner is not failed", async () => {
  const reported: unknown[] = [];
  let hostStopped = false;
  const worker = new Worker(async () => {
    await Promise.resolve();
    throw new Error("queue lost");
  });
  const runner = new HostedServiceRunner([worker], {
    behavior: "ignore",
    onFailure: (_service, error) => reported.push(error),
    stopHost: () => (hostStopped = true),
  });
  await runner.start(deadline());
  await worker.executeTask?.catch(() => {});
  await Promise.resolve();
  assert.equal(reported.length, 1);
  assert.equal(hostStopped, false);
  assert.equal(runner.failed, false);
  await runner.stop(deadline());
});

Deno.test("an execute that fails before its first await fails the start, as in .NET", async () => {
  class Eager extends BackgroundService {
    protected execute(): Promise<void> {
      throw new Error("bad config");
    }
  }
  class EagerAsync extends BackgroundService {
    // deno-lint-ignore require-await
    protected async execute(): Promise<void> {
      throw new Error("bad async config");
    }
  }
  for (
    const [service, message] of [
      [new Eager(), "bad config"],
      [new EagerAsync(), "bad async config"],
    ] as const
  ) {
    const reported: unknown[] = [];
    const runner = new HostedServiceRunner([service], {
      onFailure: (_service, error) => reported.push(error),
    });
    await assert.rejects(runner.start(deadline()), { message });
    assert.equal(runner.failed, true);
    // Reported once, by the failed start, not again as a runtime failure.
    await Promise.resolve();
    assert.deepEqual(reported, []);
  }
});

Deno.test("a BackgroundService with no failure handler logs the failure", async () => {
  class Crashing extends BackgroundService {
    protected async execute(): Promise<void> {
      await Promise.resolve();
      throw new Error("crashed");
    }
  }
  const lines = await captureErrors(async () => {
    const service = new Crashing();
    await service.start(deadline());
    await service.executeTask?.catch(() => {});
    await Promise.resolve();
  });
  assert.deepEqual(lines, ["Crashing failed: crashed"]);
});

Deno.test("a BackgroundService cannot be started twice", async () => {
  const worker = new Worker(() => Promise.resolve());
  await worker.start(deadline());
  await assert.rejects(worker.start(deadline()), {
    name: "TypeError",
    message:
      "Worker was already started; a BackgroundService runs once: register a new instance instead of starting it again",
  });
});

Deno.test("an unknown failure behavior is refused", () => {
  assert.throws(
    () =>
      new HostedServiceRunner([], {
        behavior: "restart" as unknown as "ignore",
      }),
    {
      name: "RangeError",
      message:
        'HostedServiceRunner behavior must be "stopHost" or "ignore", got "restart"',
    },
  );
});
