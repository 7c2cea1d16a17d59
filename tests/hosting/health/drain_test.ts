// Drain-friendly shutdown, Kubernetes-style, in a real process: on SIGTERM
// with `shutdownDelaySeconds`, the readiness probe fails at once while
// ordinary requests are still served for the delay, then the host exits 0.

import assert from "node:assert/strict";
import { spawnHost } from "../../_helpers.ts";

const HOST = "tests/fixtures/hosts/drain_host.ts";

async function get(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

Deno.test("SIGTERM with shutdownDelaySeconds turns health 503 at once, serves through the delay, then exits 0", async () => {
  await using host = await spawnHost(HOST, [
    "--urls",
    "http://127.0.0.1:0",
    "--shutdownDelaySeconds",
    "1",
  ]);
  const [base] = host.addresses;
  assert.ok(base, `the host did not start: ${host.stderr()}${host.stdout()}`);
  assert.deepEqual(await get(`${base}/healthz`), {
    status: 200,
    body: "Healthy",
  });

  const signalled = performance.now();
  // Sends one SIGTERM (a second would cut the delay short) and waits.
  const exited = host.signal("SIGTERM");
  // The signal arrives asynchronously: the probe flips within a few ms.
  let health = await get(`${base}/healthz`);
  const deadline = signalled + 500;
  while (health.status === 200 && performance.now() < deadline) {
    health = await get(`${base}/healthz`);
  }
  assert.deepEqual(health, { status: 503, body: "Unhealthy" });
  // Still serving: a load balancer has the delay to take the pod out.
  for (let i = 0; i < 3; i++) {
    assert.deepEqual(await get(`${base}/work`), { status: 200, body: "work" });
  }
  assert.ok(
    performance.now() - signalled < 900,
    "the checks took the delay up",
  );

  const status = await exited;
  assert.equal(status.code, 0, host.stderr());
  assert.ok(
    performance.now() - signalled >= 950,
    "the host stopped before the delay was over",
  );
  assert.match(host.stdout(), /Application is shutting down/);
});

Deno.test("a second SIGTERM during shutdownDelaySeconds stops the host at once", async () => {
  await using host = await spawnHost(HOST, [
    "--urls",
    "http://127.0.0.1:0",
    "--shutdownDelaySeconds",
    "30",
  ]);
  const [base] = host.addresses;
  assert.ok(base, `the host did not start: ${host.stderr()}${host.stdout()}`);
  host.child.kill("SIGTERM");
  // Wait until the first signal was handled: the probe fails.
  const deadline = performance.now() + 2000;
  let health = await get(`${base}/healthz`);
  while (health.status === 200 && performance.now() < deadline) {
    health = await get(`${base}/healthz`);
  }
  assert.equal(health.status, 503);
  const signalled = performance.now();
  const status = await host.signal("SIGTERM");
  assert.equal(status.code, 0, host.stderr());
  assert.ok(
    performance.now() - signalled < 5000,
    "the delay was not cut short",
  );
});

Deno.test("shutdownDelaySeconds that is not a number of seconds fails the start", async () => {
  await using host = await spawnHost(HOST, [
    "--urls",
    "http://127.0.0.1:0",
    "--shutdownDelaySeconds",
    "soon",
  ]);
  const status = await host.signal("SIGTERM");
  assert.equal(status.code, 1);
  assert.match(
    host.stdout() + host.stderr(),
    /Host setting "shutdownDelaySeconds" is "soon" \(from command line\): it must be a number of seconds/,
  );
});
