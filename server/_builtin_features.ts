// A feature collection whose built-in features answer from fields. Building
// a request's context then costs a handful of allocations: the collection
// only grows a Map when middleware sets a feature of its own, and only
// copies the built-in ones into it when one of them is replaced.

import { FeatureCollection, type FeatureKey } from "../features/mod.ts";

/**
 * The built-in features answer from `builtin()` until someone sets or
 * removes one of them, or iterates; then they move into the map, so that
 * set, remove and iteration behave exactly as in any collection. Setting
 * another feature (routing's endpoint, a middleware's own) leaves them where
 * they are.
 */
export abstract class BuiltinFeatures extends FeatureCollection {
  #materialized = false;
  // Built-in features replaced before anything needed the map (forwarded
  // headers' connection, a timeout's lifetime): they answer first, the
  // other built-in ones still from builtin().
  #replaced: Map<FeatureKey<unknown>, unknown> | undefined;

  /** The keys `builtin()` may answer, in iteration order. */
  protected abstract readonly builtinKeys: readonly FeatureKey<unknown>[];

  /** The built-in feature for `key`, or `undefined`. */
  protected abstract builtin(key: FeatureKey<unknown>): unknown;

  override get<T>(key: FeatureKey<T>): T | undefined {
    if (!this.#materialized) {
      const replaced = this.#replaced?.get(key);
      if (replaced !== undefined) return replaced as T;
      const value = this.builtin(key);
      if (value !== undefined) return value as T;
    }
    return super.get(key);
  }

  #materialize(): void {
    this.#materialized = true;
    for (const key of this.builtinKeys) {
      const feature = this.#replaced?.get(key) ?? this.builtin(key);
      if (feature !== undefined) super.set(key, feature);
    }
    this.#replaced = undefined;
  }

  override set<T>(key: FeatureKey<T>, value: T | undefined): void {
    if (!this.#materialized && this.builtinKeys.includes(key)) {
      // Removing a built-in feature is the map's business; replacing one
      // is not worth copying the other ten into it.
      if (value === undefined) this.#materialize();
      else (this.#replaced ??= new Map()).set(key, value);
    }
    super.set(key, value);
  }

  override *[Symbol.iterator](): IterableIterator<
    [FeatureKey<unknown>, unknown]
  > {
    if (!this.#materialized) this.#materialize();
    yield* super[Symbol.iterator]();
  }
}
