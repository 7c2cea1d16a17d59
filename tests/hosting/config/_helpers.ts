// Shared by the configuration tests: temporary directories, console
// capture, and waiting for a callback with a deadline.

import { type DenoOutput, runDeno } from "../../_deno.ts";

/** A temporary directory removed on dispose. */
export async function tempDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix: "roost_config_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/**
 * Replaces console.error while `fn` runs; returns what it printed. `fn`
 * sees the lines as they come.
 */
export async function captureErrors(
  fn: (lines: readonly string[]) => void | Promise<void>,
): Promise<string[]> {
  const lines: string[] = [];
  const error = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(
      args.map((arg) => arg instanceof Error ? arg.message : String(arg))
        .join(" "),
    );
  };
  try {
    await fn(lines);
  } finally {
    console.error = error;
  }
  return lines;
}

/** Resolves with the next value given to `fire`, or rejects after `ms`. */
export class Waiter<T = void> {
  #queue: T[] = [];
  #resolve: ((value: T) => void) | undefined;

  /** Records a value; hand this to the code under test. */
  readonly fire = (value: T): void => {
    if (this.#resolve !== undefined) {
      const resolve = this.#resolve;
      this.#resolve = undefined;
      resolve(value);
    } else {
      this.#queue.push(value);
    }
  };

  /** How many values are waiting to be taken. */
  get pending(): number {
    return this.#queue.length;
  }

  /** The next value (already fired, or fired within `ms`). */
  next(what: string, ms = 3000): Promise<T> {
    if (this.#queue.length > 0) return Promise.resolve(this.#queue.shift()!);
    let timer: ReturnType<typeof setTimeout> | undefined;
    return new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => {
        this.#resolve = undefined;
        reject(new Error(`Timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.#resolve = resolve;
    }).finally(() => clearTimeout(timer));
  }
}

export { until } from "../../_helpers.ts";

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a module's source in a subprocess with only `permissions`. */
export async function runIsolated(
  source: string,
  permissions: string[],
): Promise<DenoOutput> {
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(file, source);
    return await runDeno([
      "run",
      "--no-config",
      "--no-lock",
      "--no-prompt",
      "--quiet",
      ...permissions,
      file,
    ]);
  } finally {
    await Deno.remove(file);
  }
}

/** The URL of a module under hosting/config/, for subprocess scripts. */
export function configModule(name: string): string {
  return new URL(`../../../hosting/config/${name}`, import.meta.url).href;
}

/** The error `fn` throws; fails the test if it throws none. */
export function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`Threw a non-Error: ${String(error)}`);
  }
  throw new Error("Expected an error, but none was thrown");
}
