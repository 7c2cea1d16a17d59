// Timers on Deno's own timer list. In Deno 2.9 the global setTimeout and
// setInterval are Node's: the first call loads Node's timers module, which
// measured 4.5 ms, paid by a server on its way to its first response (the
// connection heartbeat starts with the first connection). The core timers
// both are built on measured 0.3 ms for the first one. They are internal,
// so they are feature-detected, with the globals as the fallback. Where a
// program replaced the global setTimeout (a fake clock in its tests, such
// as @std/testing's FakeTime), the deadlines the application sees run on
// it, so that clock drives them as it drives the program's own; Roost's
// own upkeep stays on real time, so a stop never waits for a fake clock.

/** Deno's core timer functions, as Deno 2.9 has them. */
export interface CoreTimers {
  createTimer(
    callback: () => void,
    after: number,
    args: undefined,
    repeat: boolean,
    refed: boolean,
  ): unknown;
  cancelTimer(timer: unknown): void;
  /** The async context (what AsyncLocalStorage reads), to carry it over. */
  getAsyncContext?(): unknown;
  setAsyncContext?(context: unknown): void;
}

/** A scheduled callback; `cancel()` stops it, and may be called twice. */
export interface Timer {
  cancel(): void;
}

/** How a timer runs. */
export interface TimerOptions {
  /** Every `ms` rather than once. */
  repeat?: boolean;
  /** Whether it keeps the process alive; true by default. */
  ref?: boolean;
}

/** Schedules callbacks on `core` when given, else on the global timers. */
export type Schedule = (
  callback: () => void,
  ms: number,
  options?: TimerOptions,
) => Timer;

/** Deno's core timers, or `undefined` where this Deno has none. */
export function coreTimers(): CoreTimers | undefined {
  const key = (Deno as unknown as { internal?: symbol }).internal;
  if (key === undefined) return undefined;
  const core = ((Deno as unknown as Record<symbol, unknown>)[key] as
    | { core?: Partial<CoreTimers> }
    | undefined)?.core;
  return typeof core?.createTimer === "function" &&
      typeof core.cancelTimer === "function"
    ? core as CoreTimers
    : undefined;
}

/** A scheduler over `core`, or over the global timers without it. */
export function scheduler(core: CoreTimers | undefined): Schedule {
  if (core !== undefined) {
    const { getAsyncContext, setAsyncContext } = core;
    return (callback, ms, options) => {
      // A callback runs in the async context it was scheduled in, as with
      // the global timers: a request's log scope, say.
      let run = callback;
      if (getAsyncContext !== undefined && setAsyncContext !== undefined) {
        const context = getAsyncContext();
        run = () => {
          const outer = getAsyncContext();
          setAsyncContext(context);
          try {
            callback();
          } finally {
            setAsyncContext(outer);
          }
        };
      }
      const timer = core.createTimer(
        run,
        ms,
        undefined,
        options?.repeat === true,
        options?.ref !== false,
      );
      return { cancel: () => core.cancelTimer(timer) };
    };
  }
  return (callback, ms, options) => {
    // The clear that goes with this set: a program that swaps its clock
    // back meanwhile must not have an id of one cleared on the other.
    const clear = clearTimeout;
    const id = options?.repeat === true
      ? setInterval(callback, ms)
      : setTimeout(callback, ms);
    if (options?.ref === false) {
      try {
        Deno.unrefTimer(id as unknown as number);
      } catch {
        // A fake clock's id: nothing keeps the process alive.
      }
    }
    return { cancel: () => clear(id) };
  };
}

// Deno's own global setTimeout: an accessor, checked without being read
// (its first read loads Node's timers module).
const NATIVE = Object.getOwnPropertyDescriptor(globalThis, "setTimeout");

/** Whether the program put its own setTimeout in the global's place. */
function replacedGlobal(): boolean {
  const now = Object.getOwnPropertyDescriptor(globalThis, "setTimeout");
  return now?.get !== NATIVE?.get || now?.value !== NATIVE?.value;
}

let current: Schedule = scheduler(coreTimers());
const globals: Schedule = scheduler(undefined);

/**
 * Runs `callback` after `ms` milliseconds, or every `ms` with `repeat`, in
 * real time: Roost's own upkeep (the connection heartbeat, a stop's
 * deadline), which a program's fake clock must not hold up.
 */
export const schedule: Schedule = (callback, ms, options) =>
  current(callback, ms, options);

/**
 * As `schedule`, for a deadline the application sees (a request's timeout,
 * a health check's, a rate-limited request's wait): when the program put its
 * own setTimeout in the global's place (a fake clock in its tests), on that,
 * so the program's clock decides when it comes.
 */
export const scheduleDeadline: Schedule = (callback, ms, options) =>
  (replacedGlobal() ? globals : current)(callback, ms, options);

/**
 * Puts `next` in the place of how `schedule` makes timers, and returns what
 * was there: for tests that wait for a timer to be set.
 */
export function replaceScheduler(next: Schedule): Schedule {
  const previous = current;
  current = next;
  return previous;
}

// Deno's own setImmediate and clearImmediate, as the process started with
// them (read when first needed: the first read loads Node's timers module,
// about 7 ms, paid once by the first response that streams).
const IMMEDIATE = Object.getOwnPropertyDescriptor(globalThis, "setImmediate");
const CLEAR_IMMEDIATE = Object.getOwnPropertyDescriptor(
  globalThis,
  "clearImmediate",
);
interface Immediates {
  set(callback: () => void): unknown;
  clear(id: unknown): void;
}
let immediates: Immediates | null | undefined;

function nativeImmediates(): Immediates | null {
  // Deno's own are accessors; a plain value in their place is a program's
  // (a fake clock installed before Roost was imported): not to be trusted.
  const read = (descriptor: PropertyDescriptor | undefined) =>
    descriptor?.get?.call(globalThis);
  const set = read(IMMEDIATE);
  const clear = read(CLEAR_IMMEDIATE);
  return typeof set === "function" && typeof clear === "function"
    ? { set, clear }
    : null;
}

/**
 * Runs `callback` once the work of this turn of the event loop (its
 * microtasks included) is done, in microseconds: Deno's own setImmediate,
 * whatever a program put in the global's place. A 0 ms timer takes about 2
 * ms in Deno 2.9; it is the fallback where Deno's own cannot be told apart.
 */
export function scheduleImmediate(callback: () => void): Timer {
  const native = immediates ??= nativeImmediates();
  if (native === null) return schedule(callback, 0);
  const id = native.set(callback);
  return { cancel: () => native.clear(id) };
}
