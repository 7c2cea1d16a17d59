// The supervisor and its workers, as processes: `--workers N` on a host,
// each worker answering with its id and pid (tests/fixtures/workers).
// Linux only: that is where workers share a port.

import assert from "node:assert/strict";
import {
  freePort,
  type HostProcess,
  spawnHost,
  until,
  within,
} from "../../_helpers.ts";

const APP = "tests/fixtures/workers/worker_app.ts";
const LINUX = Deno.build.os === "linux";

interface Answer {
  workerId: string;
  pid: number;
  status: number;
}

// One request on a connection of its own, so the kernel picks a worker.
async function ask(port: number): Promise<Answer> {
  const client = Deno.createHttpClient({});
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { client });
    await response.body?.cancel();
    return {
      workerId: response.headers.get("x-worker-id") ?? "",
      pid: Number(response.headers.get("x-pid")),
      status: response.status,
    };
  } finally {
    client.close();
  }
}

// Asks until every worker id in `ids` answered; each id's latest pid.
async function pidsOf(
  port: number,
  ids: string[],
  tries = 400,
): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  for (let i = 0; i < tries && seen.size < ids.length; i++) {
    const answer = await ask(port);
    assert.equal(answer.status, 200);
    seen.set(answer.workerId, answer.pid);
  }
  assert.deepEqual([...seen.keys()].sort(), ids, "every worker answered");
  return seen;
}

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

async function supervise(
  port: number,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<HostProcess> {
  return await spawnHost(APP, [
    "--workers",
    "2",
    "--urls",
    `http://127.0.0.1:${port}`,
    "--shutdownTimeoutSeconds",
    "5",
    ...args,
  ], env);
}

Deno.test({
  name: "--workers 2 starts two workers on one port, prints the status once",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port);
    assert.deepEqual(host.addresses, [`http://127.0.0.1:${port}`]);
    assert.match(host.stdout(), /Application started with 2 workers/);
    assert.equal(host.stdout().match(/Now listening on/g)?.length, 1);
    const pids = await pidsOf(port, ["0", "1"]);
    assert.notEqual(pids.get("0"), pids.get("1"));
    // Worker output comes through the supervisor, labelled.
    await until(
      () =>
        /\[worker 1\] every-worker service started in 1/.test(host.stdout()),
      "worker 1's hosted service line",
    );
    // A singleWorker hosted service runs in worker 0 alone.
    assert.match(
      host.stdout(),
      /\[worker 0\] single-worker service started in 0/,
    );
    assert.doesNotMatch(host.stdout(), /single-worker service started in 1/);
    const status = await host.signal("SIGTERM");
    assert.equal(status.code, 0, host.stdout() + host.stderr());
    for (const pid of pids.values()) assert.equal(alive(pid), false);
    assert.equal(
      host.stdout().match(/Application is shutting down/g)?.length,
      1,
    );
  },
});

Deno.test({
  name:
    "a worker killed with SIGKILL is replaced within 2 s while the other keeps serving",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port);
    const before = await pidsOf(port, ["0", "1"]);
    Deno.kill(before.get("1")!, "SIGKILL");
    const killedAt = performance.now();
    let replacement: number | undefined;
    let fromOther = 0;
    while (replacement === undefined) {
      assert.ok(performance.now() - killedAt < 2000, "replaced within 2 s");
      let answer: Answer;
      try {
        answer = await ask(port);
      } catch {
        // A connection the killed worker's listener had queued is reset
        // with it, as in any crash.
        continue;
      }
      assert.equal(answer.status, 200);
      if (answer.workerId === "0") {
        assert.equal(answer.pid, before.get("0"));
        fromOther++;
      }
      if (answer.workerId === "1" && answer.pid !== before.get("1")) {
        replacement = answer.pid;
      }
    }
    assert.ok(fromOther > 0, "worker 0 kept serving");
    await until(
      () =>
        /Worker 1 \(pid \d+\) exited with signal SIGKILL/.test(host.stdout()),
      "the restart's log line",
    );
    assert.match(host.stdout(), /restarting it now/);
    assert.equal((await host.signal("SIGTERM")).code, 0);
  },
});

Deno.test({
  name:
    "a crashed worker is replaced at once even while a process it started holds its output open",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port);
    const before = await pidsOf(port, ["0", "1"]);
    const client = Deno.createHttpClient({});
    let sleeper = 0;
    try {
      // One of the two workers answers, starts `sleep 20` and exits 3.
      const response = await fetch(
        `http://127.0.0.1:${port}/spawn-and-crash`,
        { client },
      );
      sleeper = Number(await response.text());
    } finally {
      client.close();
    }
    try {
      // Well before the sleep ends, both workers answer again, one of them
      // a new process.
      await within(
        (async () => {
          for (;;) {
            let answer: Answer;
            try {
              answer = await ask(port);
            } catch {
              continue;
            }
            if (answer.pid !== before.get(answer.workerId)) return;
          }
        })(),
        "the crashed worker's replacement",
      );
      assert.match(host.stdout(), /exited with code 3/);
    } finally {
      if (sleeper > 0) Deno.kill(sleeper, "SIGKILL");
    }
    assert.equal((await host.signal("SIGTERM")).code, 0);
  },
});

Deno.test({
  name:
    "at the shutdown deadline a worker answers what is still running with 503 before the supervisor would kill it",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port, [
      "--shutdownTimeoutSeconds",
      "1",
    ]);
    await pidsOf(port, ["0", "1"]);
    const client = Deno.createHttpClient({});
    try {
      const slow = fetch(`http://127.0.0.1:${port}/slow`, { client });
      // The request is in a worker before the stop begins.
      await until(
        () => /slow request started/.test(host.stdout()),
        "the slow request's start",
      );
      const stopping = host.signal("SIGTERM");
      const response = await slow;
      assert.equal(response.status, 503);
      await response.body?.cancel();
      assert.equal((await stopping).code, 0, host.stdout() + host.stderr());
      assert.doesNotMatch(host.stdout() + host.stderr(), /killing it/);
    } finally {
      client.close();
    }
  },
});

Deno.test({
  name:
    "workers that keep crashing end the supervisor with exit 1 and a crash-loop message",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port, [], { CRASH_AFTER_MS: "200" });
    const status = await within(
      host.signal("SIGCONT"), // no-op: waits for the exit
      "the supervisor to give up",
      20_000,
    );
    assert.equal(status.code, 1);
    assert.match(host.stdout(), /crashed 5 times within 60 s/);
    assert.match(host.stdout(), /exited with code 3/);
  },
});

Deno.test({
  name: "a worker that cannot start fails the supervisor's start with exit 1",
  ignore: !LINUX,
  async fn() {
    await using host = await supervise(freePort(), [], { FAIL_START: "1" });
    const status = await within(host.signal("SIGCONT"), "the exit", 20_000);
    assert.equal(status.code, 1);
    assert.match(
      host.stdout(),
      /The workers failed to start: Worker \d exited with code 1 before it was listening/,
    );
  },
});

Deno.test({
  name: "the workers stop when their supervisor is killed with SIGKILL",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port);
    const pids = await pidsOf(port, ["0", "1"]);
    await host.signal("SIGKILL");
    await until(
      () => [...pids.values()].every((pid) => !alive(pid)),
      "the orphaned workers to stop",
      5000,
    );
  },
});

Deno.test({
  name: "SIGHUP replaces every worker one at a time without failing a request",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port);
    const before = await pidsOf(port, ["0", "1"]);
    let running = true;
    let answered = 0;
    const failures: string[] = [];
    // Eight clients with keep-alive connections, as a load balancer has.
    const load = Array.from({ length: 8 }, async () => {
      const client = Deno.createHttpClient({});
      try {
        while (running) {
          try {
            const response = await fetch(`http://127.0.0.1:${port}/`, {
              client,
            });
            await response.body?.cancel();
            if (response.status === 200) answered++;
            else failures.push(`status ${response.status}`);
          } catch (error) {
            failures.push(String(error));
          }
        }
      } finally {
        client.close();
      }
    });
    await until(() => answered > 50, "the load to start");
    host.child.kill("SIGHUP");
    await until(
      () => /Rolling restart finished/.test(host.stdout()),
      "the rolling restart",
      20_000,
    );
    const during = answered;
    await until(() => answered > during + 50, "requests after the restart");
    running = false;
    await Promise.all(load);
    assert.deepEqual(failures, []);
    const after = await pidsOf(port, ["0", "1"]);
    for (const id of ["0", "1"]) assert.notEqual(after.get(id), before.get(id));
    assert.equal((await host.signal("SIGTERM")).code, 0);
  },
});

Deno.test({
  name: "JSON logs from workers carry workerId in each line",
  ignore: !LINUX,
  async fn() {
    const port = freePort();
    await using host = await supervise(port, [
      "--Logging:Console:FormatterName",
      "json",
    ]);
    await pidsOf(port, ["0", "1"]);
    assert.equal((await host.signal("SIGTERM")).code, 0);
    const records = host.stdout().split("\n").filter((line) =>
      line.startsWith("{")
    ).map((line) => JSON.parse(line));
    const fromWorkers = records.filter((record) => "workerId" in record);
    assert.ok(fromWorkers.length > 0, host.stdout());
    assert.deepEqual(
      [...new Set(fromWorkers.map((record) => record.workerId))].sort(),
      [0, 1],
    );
  },
});

Deno.test("--workers that is not a number or auto fails the start, naming the setting", async () => {
  await using host = await spawnHost(APP, ["--workers", "many"]);
  const status = await within(host.signal("SIGCONT"), "the exit", 20_000);
  assert.equal(status.code, 1);
  assert.match(
    host.stdout() + host.stderr(),
    /Host setting "workers" is "many" \(from command line.*\): it must be a whole number from 1 to 9999, or auto/,
  );
});

Deno.test("--workers with port 0 fails the start: each worker would pick a port of its own", async () => {
  await using host = await spawnHost(APP, [
    "--workers",
    "2",
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const status = await within(host.signal("SIGCONT"), "the exit", 20_000);
  assert.equal(status.code, 1);
  assert.match(
    host.stdout() + host.stderr(),
    /http:\/\/127\.0\.0\.1:0 asks for port 0, which gives every worker, and every restarted one, a port of its own: choose a port/,
  );
});

Deno.test({
  name:
    "--workers on a port another process holds fails the start, as one process does, instead of sharing it",
  ignore: !LINUX,
  async fn() {
    using other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (other.addr as Deno.NetAddr).port;
    await using host = await spawnHost(APP, [
      "--workers",
      "2",
      "--urls",
      `http://127.0.0.1:${port}`,
    ]);
    const status = await within(host.signal("SIGCONT"), "the exit", 20_000);
    assert.equal(status.code, 1);
    assert.match(
      host.stdout() + host.stderr(),
      new RegExp(`127\\.0\\.0\\.1 port ${port} is already in use`),
    );
    assert.doesNotMatch(host.stdout(), /Now listening/);
  },
});
