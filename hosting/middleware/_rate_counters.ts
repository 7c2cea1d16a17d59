// The four limiting algorithms of ASP.NET's System.Threading.RateLimiting:
// fixed window, sliding window, token bucket and concurrency. Each counter
// takes the time as an argument, so state is computed from timestamps and
// needs no timer.

/** The state of one partition under one algorithm. */
export interface Counter {
  /** Takes a permit when one is free. */
  tryTake(now: number): boolean;
  /** Gives a permit back (concurrency only; windows and buckets refill). */
  release(): void;
  /** Milliseconds until a permit may be free; undefined when unknown. */
  retryAfter(now: number): number | undefined;
  /** Whether the state is that of a fresh partition, so it may be dropped. */
  idle(now: number): boolean;
}

/** A fixed window: `limit` permits per `window` ms, from a partition's first request. */
export function fixedWindow(limit: number, window: number): () => Counter {
  return () => {
    let start = -Infinity;
    let count = 0;
    const roll = (now: number) => {
      if (now >= start + window) {
        start = now;
        count = 0;
      }
    };
    return {
      tryTake(now) {
        roll(now);
        if (count >= limit) return false;
        count++;
        return true;
      },
      release() {},
      retryAfter: (now) => Math.max(0, start + window - now),
      idle: (now) => now >= start + window,
    };
  };
}

/**
 * A sliding window of `segments` segments: a permit taken in a segment
 * comes back when that segment leaves the window.
 */
export function slidingWindow(
  limit: number,
  window: number,
  segments: number,
): () => Counter {
  const length = window / segments;
  // Segment numbers count from the clock's origin, so early ones can be
  // negative: a plain % would give a negative index.
  const slot = (segment: number) =>
    ((segment % segments) + segments) % segments;
  return () => {
    const counts = new Array<number>(segments).fill(0);
    let last = -Infinity; // the absolute number of the newest segment
    let total = 0;
    const advance = (now: number): number => {
      const current = Math.floor(now / length);
      const from = Math.max(last + 1, current - segments + 1);
      for (let segment = from; segment <= current; segment++) {
        total -= counts[slot(segment)];
        counts[slot(segment)] = 0;
      }
      last = Math.max(last, current);
      return current;
    };
    return {
      tryTake(now) {
        const current = advance(now);
        if (total >= limit) return false;
        counts[slot(current)]++;
        total++;
        return true;
      },
      release() {},
      retryAfter(now) {
        const current = advance(now);
        // The oldest segment holding permits is the first to give some back.
        for (
          let segment = current - segments + 1;
          segment <= current;
          segment++
        ) {
          if (counts[slot(segment)] > 0) {
            return Math.max(0, (segment + segments) * length - now);
          }
        }
        return 0;
      },
      idle(now) {
        advance(now);
        return total === 0;
      },
    };
  };
}

/**
 * A token bucket of `limit` tokens, refilled by `perPeriod` every `period`
 * ms; a request takes one token.
 */
export function tokenBucket(
  limit: number,
  perPeriod: number,
  period: number,
): () => Counter {
  return () => {
    let tokens = limit;
    // Periods count from the partition's first request.
    let last: number | undefined;
    const refill = (now: number) => {
      if (last === undefined) {
        last = now;
        return;
      }
      const periods = Math.floor((now - last) / period);
      if (periods <= 0) return;
      tokens = Math.min(limit, tokens + periods * perPeriod);
      last += periods * period;
    };
    return {
      tryTake(now) {
        refill(now);
        if (tokens < 1) return false;
        tokens--;
        return true;
      },
      release() {},
      retryAfter(now) {
        refill(now);
        return tokens >= 1 ? 0 : Math.max(0, last! + period - now);
      },
      idle(now) {
        refill(now);
        return tokens >= limit;
      },
    };
  };
}

/** At most `limit` requests at once; a permit comes back when one ends. */
export function concurrency(limit: number): () => Counter {
  return () => {
    let held = 0;
    return {
      tryTake() {
        if (held >= limit) return false;
        held++;
        return true;
      },
      release() {
        held--;
      },
      retryAfter: () => undefined,
      idle: () => held === 0,
    };
  };
}
