// Disposing of what a provider made: last made first, every one even when
// some throw.

/** A disposable a provider made, with its token's name for messages. */
export interface Owned {
  readonly instance: Partial<AsyncDisposable & Disposable>;
  readonly name: string;
}

/** Whether `value` has `Symbol.asyncDispose` or `Symbol.dispose`. */
export function isDisposable(
  value: unknown,
): value is Partial<AsyncDisposable & Disposable> {
  if (value === null) return false;
  if (typeof value !== "object" && typeof value !== "function") return false;
  const candidate = value as Partial<AsyncDisposable & Disposable>;
  return typeof candidate[Symbol.asyncDispose] === "function" ||
    typeof candidate[Symbol.dispose] === "function";
}

/**
 * Disposes in reverse order, awaiting `Symbol.asyncDispose` or else calling
 * `Symbol.dispose`; throws an AggregateError after all ran if any threw.
 */
export async function disposeInReverse(owned: readonly Owned[]): Promise<void> {
  const errors: unknown[] = [];
  const failed: string[] = [];
  const done = new Set<unknown>();
  for (let i = owned.length - 1; i >= 0; i--) {
    const { instance, name } = owned[i];
    // A transient factory may hand out one object many times.
    if (done.has(instance)) continue;
    done.add(instance);
    try {
      const asyncDispose = instance[Symbol.asyncDispose];
      if (typeof asyncDispose === "function") {
        await asyncDispose.call(instance);
      } else {
        instance[Symbol.dispose]?.();
      }
    } catch (error) {
      errors.push(error);
      failed.push(name);
    }
  }
  if (errors.length > 0) {
    throw new AggregateError(
      errors,
      `${errors.length} of ${done.size} services threw while being disposed (${
        failed.join(", ")
      }); see this error's errors`,
    );
  }
}
