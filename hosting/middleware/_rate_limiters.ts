// ASP.NET's rate limiters (the counters are in _rate_counters.ts),
// partitioned by key, with a FIFO queue per partition and a sweep that drops
// partitions whose state is back to a fresh one (so 10,000 clients seen once
// do not stay in memory). State is computed lazily from timestamps: no timer
// per partition except while requests wait in its queue.

import {
  concurrency,
  type Counter,
  fixedWindow,
  slidingWindow,
  tokenBucket,
} from "./_rate_counters.ts";
import {
  schedule,
  scheduleDeadline,
  type Timer,
} from "../../server/_timers.ts";

/** What an acquire gave: a permit to release, or a refusal. */
export type Lease =
  | { readonly acquired: true; release(): void }
  | {
    readonly acquired: false;
    /** Milliseconds until a permit may be free, when known. */
    readonly retryAfter: number | undefined;
    /** The waiter's signal fired while it was queued. */
    readonly aborted: boolean;
    /** The host began to stop while it was queued, or before. */
    readonly stopping?: boolean;
  };

interface Waiter {
  resolve(lease: Lease): void;
}

interface Partition {
  readonly counter: Counter;
  readonly queue: Waiter[];
  timer: Timer | undefined;
}

/** One policy's partitions: acquire, queue, release, sweep. */
export class PartitionedLimiter {
  readonly #make: () => Counter;
  readonly #queueLimit: number;
  readonly #sweepEvery: number;
  readonly #partitions = new Map<string, Partition>();
  #sweep: Timer | undefined;

  /**
   * @param make Makes a partition's counter.
   * @param queueLimit How many requests may wait per partition.
   * @param sweepEvery How often, in ms, to look for idle partitions.
   */
  constructor(make: () => Counter, queueLimit: number, sweepEvery: number) {
    this.#make = make;
    this.#queueLimit = queueLimit;
    this.#sweepEvery = Math.max(10, sweepEvery);
  }

  /** How many partitions are kept. */
  get size(): number {
    return this.#partitions.size;
  }

  /**
   * Takes a permit for `key` now, or queues for one (FIFO) when the queue
   * has room; `signal` takes a waiter out of the queue, and `stopping`
   * answers every waiter (and refuses newcomers) once it fires. Either may
   * be given as a function, called only when a permit is not free at once.
   */
  acquire(
    key: string,
    waiterSignal: AbortSignal | (() => AbortSignal),
    stopSignal?: AbortSignal | (() => AbortSignal | undefined),
  ): Lease | Promise<Lease> {
    let partition = this.#partitions.get(key);
    if (partition === undefined) {
      partition = { counter: this.#make(), queue: [], timer: undefined };
      this.#partitions.set(key, partition);
      this.#scheduleSweep();
    }
    const now = performance.now();
    // Waiters come first: a newcomer never overtakes the queue.
    if (partition.queue.length === 0 && partition.counter.tryTake(now)) {
      return this.#lease(partition);
    }
    const stopping = typeof stopSignal === "function"
      ? stopSignal()
      : stopSignal;
    // With no room to wait, the request is refused without its own signal
    // being read (a client already gone hears nothing either way).
    if (partition.queue.length >= this.#queueLimit || stopping?.aborted) {
      return {
        acquired: false,
        retryAfter: partition.counter.retryAfter(now),
        aborted: false,
        stopping: stopping?.aborted,
      };
    }
    const signal = typeof waiterSignal === "function"
      ? waiterSignal()
      : waiterSignal;
    if (signal.aborted) {
      return { acquired: false, retryAfter: undefined, aborted: true };
    }
    const { promise, resolve } = Promise.withResolvers<Lease>();
    const queue = partition.queue;
    const waiter: Waiter = {
      resolve(lease) {
        signal.removeEventListener("abort", onAbort);
        stopping?.removeEventListener("abort", onStop);
        resolve(lease);
      },
    };
    // Leaving the queue: a waiter that gave up, or a host that stops (its
    // waiters must not hold the stop up until the shutdown deadline).
    const leave = (lease: Lease) => {
      const index = queue.indexOf(waiter);
      if (index !== -1) queue.splice(index, 1);
      if (queue.length === 0 && partition.timer !== undefined) {
        partition.timer.cancel();
        partition.timer = undefined;
      }
      waiter.resolve(lease);
    };
    const onAbort = () =>
      leave({ acquired: false, retryAfter: undefined, aborted: true });
    const onStop = () =>
      leave({
        acquired: false,
        retryAfter: undefined,
        aborted: false,
        stopping: true,
      });
    signal.addEventListener("abort", onAbort, { once: true });
    stopping?.addEventListener("abort", onStop, { once: true });
    queue.push(waiter);
    this.#wake(partition, now);
    return promise;
  }

  #lease(partition: Partition): Lease {
    let released = false;
    return {
      acquired: true,
      release: () => {
        if (released) return;
        released = true;
        partition.counter.release();
        this.#drain(partition);
      },
    };
  }

  // Hands free permits to waiters, oldest first.
  #drain(partition: Partition): void {
    const now = performance.now();
    while (partition.queue.length > 0 && partition.counter.tryTake(now)) {
      partition.queue.shift()!.resolve(this.#lease(partition));
    }
    this.#wake(partition, now);
  }

  // A time-based counter frees permits with no event: look again then.
  #wake(partition: Partition, now: number): void {
    if (partition.queue.length === 0 || partition.timer !== undefined) return;
    const wait = partition.counter.retryAfter(now);
    if (wait === undefined) return; // concurrency: release() drains
    partition.timer = scheduleDeadline(() => {
      partition.timer = undefined;
      this.#drain(partition);
    }, Math.ceil(wait));
    // Kept alive on purpose (a waiter may have no socket, under TestServer):
    // a queue that empties, by a give-up or a stop, clears it.
  }

  #scheduleSweep(): void {
    if (this.#sweep !== undefined) return;
    // The sweep only frees memory: it must not keep a process alive.
    this.#sweep = schedule(
      () => {
        this.#sweep = undefined;
        const now = performance.now();
        for (const [key, partition] of this.#partitions) {
          if (partition.queue.length === 0 && partition.counter.idle(now)) {
            this.#partitions.delete(key);
          }
        }
        if (this.#partitions.size > 0) this.#scheduleSweep();
      },
      this.#sweepEvery,
      { ref: false },
    );
  }
}

/** The numbers of a policy (`RateLimiterPolicy` in rate_limiter.ts). */
export interface PolicyShape {
  readonly kind: string;
  readonly permitLimit?: number;
  readonly window?: number;
  readonly segmentsPerWindow?: number;
  readonly tokenLimit?: number;
  readonly tokensPerPeriod?: number;
  readonly replenishmentPeriod?: number;
  readonly queueLimit?: number;
}

const MAX_MS = 2_147_483_647;

// Each returns the value once it is checked.
function positiveInteger(value: unknown, where: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new RangeError(
      `${where} must be a whole number of at least 1, got ${String(value)}`,
    );
  }
  return value as number;
}

function milliseconds(value: unknown, where: string): number {
  if (typeof value !== "number" || !(value >= 1) || value > MAX_MS) {
    throw new RangeError(
      `${where} must be a number of milliseconds from 1 to ${MAX_MS}, got ${
        String(value)
      }`,
    );
  }
  return value;
}

/**
 * Checks a policy's numbers and makes its limiter; `where` names the policy
 * in error messages.
 */
export function limiterFor(
  policy: PolicyShape,
  where: string,
): PartitionedLimiter {
  const queueLimit = policy.queueLimit ?? 0;
  if (!Number.isSafeInteger(queueLimit) || queueLimit < 0) {
    throw new RangeError(
      `${where}.queueLimit must be a whole number of at least 0, got ${
        String(queueLimit)
      }`,
    );
  }
  const permits = () =>
    positiveInteger(policy.permitLimit, `${where}.permitLimit`);
  const window = () => milliseconds(policy.window, `${where}.window`);
  switch (policy.kind) {
    case "fixedWindow": {
      const length = window();
      return new PartitionedLimiter(
        fixedWindow(permits(), length),
        queueLimit,
        length,
      );
    }
    case "slidingWindow": {
      const limit = permits();
      const length = window();
      const segments = positiveInteger(
        policy.segmentsPerWindow,
        `${where}.segmentsPerWindow`,
      );
      return new PartitionedLimiter(
        slidingWindow(limit, length, segments),
        queueLimit,
        length / segments,
      );
    }
    case "tokenBucket": {
      const limit = positiveInteger(policy.tokenLimit, `${where}.tokenLimit`);
      const perPeriod = positiveInteger(
        policy.tokensPerPeriod,
        `${where}.tokensPerPeriod`,
      );
      const period = milliseconds(
        policy.replenishmentPeriod,
        `${where}.replenishmentPeriod`,
      );
      return new PartitionedLimiter(
        tokenBucket(limit, perPeriod, period),
        queueLimit,
        period,
      );
    }
    case "concurrency":
      // A finished partition is idle at once: sweep each second.
      return new PartitionedLimiter(concurrency(permits()), queueLimit, 1000);
    default:
      throw new TypeError(
        `${where}.kind must be "fixedWindow", "slidingWindow", "tokenBucket" or "concurrency", got ${
          JSON.stringify(policy.kind) ?? "nothing"
        }`,
      );
  }
}
