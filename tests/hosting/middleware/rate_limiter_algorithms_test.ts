// The four limiting algorithms on a made-up clock: each counter takes the
// time as an argument, so windows, segments and refills are tested exactly,
// with no waiting.

import assert from "node:assert/strict";
import {
  concurrency,
  fixedWindow,
  slidingWindow,
  tokenBucket,
} from "../../../hosting/middleware/_rate_counters.ts";
import { PartitionedLimiter } from "../../../hosting/middleware/_rate_limiters.ts";

/** Which of `times` a counter let through. */
function takes(
  counter: { tryTake(now: number): boolean },
  times: number[],
): boolean[] {
  return times.map((now) => counter.tryTake(now));
}

Deno.test("a fixed window lets permitLimit through per window, from the first request", () => {
  const counter = fixedWindow(2, 100)();
  assert.deepEqual(takes(counter, [1000, 1010, 1020]), [true, true, false]);
  assert.equal(counter.retryAfter(1020), 80);
  assert.equal(counter.idle(1099), false);
  assert.deepEqual(takes(counter, [1100, 1101, 1102]), [true, true, false]);
  assert.equal(counter.idle(1200), true);
});

Deno.test("a sliding window gives permits back segment by segment", () => {
  // 4 permits per 100 ms in 4 segments of 25 ms.
  const counter = slidingWindow(4, 100, 4)();
  assert.deepEqual(takes(counter, [1000, 1000, 1030, 1060]), [
    true,
    true,
    true,
    true,
  ]);
  assert.equal(counter.tryTake(1070), false);
  // The two permits of segment 1000–1025 come back when it leaves the
  // window, at 1100.
  assert.equal(counter.retryAfter(1070), 30);
  assert.equal(counter.tryTake(1099), false);
  assert.deepEqual(takes(counter, [1100, 1101, 1102]), [true, true, false]);
  // Unlike a fixed window, no burst of 8 across a window's edge.
  assert.equal(counter.idle(1150), false);
  assert.equal(counter.idle(1300), true);
});

Deno.test("a sliding window works at the clock's origin", () => {
  const counter = slidingWindow(1, 100, 4)();
  assert.equal(counter.tryTake(0), true);
  assert.equal(counter.tryTake(50), false);
  assert.equal(counter.tryTake(100), true);
});

Deno.test("a token bucket allows a burst, then refills tokensPerPeriod each period", () => {
  const start = 1000;
  const counter = tokenBucket(3, 2, 100)();
  assert.deepEqual(takes(counter, [start, start, start, start]), [
    true,
    true,
    true,
    false,
  ]);
  assert.equal(counter.retryAfter(start + 40), 60);
  assert.deepEqual(takes(counter, [start + 100, start + 100, start + 100]), [
    true,
    true,
    false,
  ]);
  // Never more than the bucket holds, however long it rested.
  assert.equal(counter.idle(start + 10_000), true);
  assert.deepEqual(
    takes(counter, [
      start + 10_000,
      start + 10_000,
      start + 10_000,
      start + 10_000,
    ]),
    [true, true, true, false],
  );
});

Deno.test("a concurrency limiter counts requests in flight", () => {
  const counter = concurrency(2)();
  assert.deepEqual(takes(counter, [0, 0, 0]), [true, true, false]);
  assert.equal(counter.retryAfter(0), undefined);
  counter.release();
  assert.equal(counter.tryTake(0), true);
  counter.release();
  counter.release();
  assert.equal(counter.idle(0), true);
});

Deno.test("a partitioned limiter queues FIFO and a fired signal leaves the queue", async () => {
  const limiter = new PartitionedLimiter(concurrency(1), 2, 1000);
  const signal = new AbortController().signal;
  const first = limiter.acquire("a", signal);
  assert.ok(!(first instanceof Promise) && first.acquired);
  const order: string[] = [];
  const leaving = new AbortController();
  const second = Promise.resolve(limiter.acquire("a", leaving.signal));
  const third = Promise.resolve(limiter.acquire("a", signal)).then((lease) => {
    order.push("third");
    return lease;
  });
  const full = limiter.acquire("a", signal);
  assert.ok(!(full instanceof Promise) && !full.acquired && !full.aborted);
  leaving.abort();
  const gone = await second;
  assert.ok(!gone.acquired && gone.aborted);
  // Another partition is not held up.
  const other = limiter.acquire("b", signal);
  assert.ok(!(other instanceof Promise) && other.acquired);
  other.release();
  first.release();
  const lease = await third;
  assert.deepEqual(order, ["third"]);
  assert.ok(lease.acquired);
  lease.release();
  lease.release(); // twice is harmless
  assert.equal(limiter.size, 2);
});
