// Kestrel's minimum request body data rate. A body that arrives slower than
// its MinDataRate once the grace period has passed fails its read with 408,
// and its connection ends after the response (the unread rest of a body
// cannot be skipped). One interval checks every body being read, as
// Kestrel's heartbeat does, and runs only while some body is.

import { HttpError, type MinDataRate } from "../features/mod.ts";
import { schedule, type Timer } from "./_timers.ts";

/** The 408 error a too-slow body's read fails with. */
export function tooSlow(rate: MinDataRate, close: boolean): HttpError {
  return new HttpError(
    408,
    `Request Timeout: the request body arrived slower than ${rate.bytesPerSecond} bytes/s after a ${rate.gracePeriod} ms grace period (minRequestBodyDataRate)`,
    close ? { headers: { connection: "close" } } : undefined,
  );
}

/** One body being read, and how to fail its read. */
export class BodyWatch {
  readonly rate: MinDataRate;
  readonly #started: number;
  readonly #length: number | undefined;
  readonly #fail: () => void;
  /** Bytes seen so far, when the body is read through a stream. */
  bytes = 0;

  /**
   * @param rate The slowest allowed.
   * @param length The declared length when the bytes cannot be seen (a
   * native read): the whole body must then arrive within the grace period
   * plus length / rate.
   * @param fail Fails the read.
   */
  constructor(
    rate: MinDataRate,
    length: number | undefined,
    fail: () => void,
  ) {
    this.rate = rate;
    this.#length = length;
    this.#fail = fail;
    this.#started = performance.now();
  }

  /** Fails the read when the body is too slow at `now`; says whether it did. */
  check(now: number): boolean {
    const elapsed = now - this.#started;
    const { bytesPerSecond, gracePeriod } = this.rate;
    if (elapsed <= gracePeriod) return false;
    const slow = this.#length === undefined
      ? this.bytes < bytesPerSecond * elapsed / 1000
      : elapsed > gracePeriod + this.#length / bytesPerSecond * 1000;
    if (slow) this.#fail();
    return slow;
  }
}

/** The bodies of one server being read, and the interval over them. */
export class BodyWatches {
  readonly #watches = new Set<BodyWatch>();
  readonly #interval: number;
  #timer: Timer | undefined;

  /** @param gracePeriod The server's: checks run four times within it. */
  constructor(gracePeriod: number) {
    this.#interval = Math.max(10, Math.min(1000, Math.floor(gracePeriod / 4)));
  }

  add(watch: BodyWatch): void {
    this.#watches.add(watch);
    if (this.#timer !== undefined) return;
    // Requests keep the process alive, not this check.
    this.#timer = schedule(
      () => {
        const now = performance.now();
        for (const watch of this.#watches) {
          if (watch.check(now)) this.#watches.delete(watch);
        }
        if (this.#watches.size === 0) this.#stop();
      },
      this.#interval,
      { repeat: true, ref: false },
    );
  }

  delete(watch: BodyWatch): void {
    // The interval stops itself once it finds nothing to check: stopping
    // here would restart it for the next request.
    this.#watches.delete(watch);
  }

  #stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

/**
 * Holds a read by Deno's own readers (which show no bytes until the end) to
 * `rate`: from now, the whole declared `length` must arrive within the
 * grace period plus length / rate, else the returned promise rejects with
 * 408 and `onSlow` is called.
 */
export function timeRead<T>(
  read: Promise<T>,
  length: number,
  rate: MinDataRate,
  watches: BodyWatches,
  close: boolean,
  onSlow: () => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const watch = new BodyWatch(rate, length, () => {
      reject(tooSlow(rate, close));
      onSlow();
    });
    watches.add(watch);
    read.then((value) => {
      watches.delete(watch);
      resolve(value);
    }, (error) => {
      watches.delete(watch);
      reject(error);
    });
  });
}
