/**
 * Typed feature tokens and the collection that holds a request's or a
 * server's features.
 *
 * @module
 */

// Every copy of Roost loads this module: a second copy says so (see there).
import "./_copies.ts";

/**
 * A typed token naming one feature. Two keys are the same feature only when
 * they are the same object, so a feature's interface and its key share a name
 * and the key is declared once.
 *
 * @typeParam T The interface of the feature the key names.
 *
 * @example Declaring a feature
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureKey, type FeatureKey } from "./feature_collection.ts";
 *
 * interface ClockFeature {
 *   now(): number;
 * }
 * const ClockFeature: FeatureKey<ClockFeature> = featureKey<ClockFeature>("ClockFeature");
 * assert.equal(ClockFeature.name, "ClockFeature");
 * ```
 */
export interface FeatureKey<T> {
  /** The feature's name, for messages and debugging. */
  readonly name: string;
  /** Never set: carries the feature type for the type checker. */
  readonly __type?: T;
}

/**
 * Makes a new feature key.
 *
 * @typeParam T The interface of the feature.
 * @param name The feature's name, shown in messages.
 * @returns A frozen key that only equals itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureKey, FeatureCollection } from "./feature_collection.ts";
 *
 * const Greeting = featureKey<{ text: string }>("Greeting");
 * const features = new FeatureCollection();
 * features.set(Greeting, { text: "hi" });
 * assert.equal(features.get(Greeting)?.text, "hi");
 * ```
 */
export function featureKey<T>(name: string): FeatureKey<T> {
  return Object.freeze({ name }) as FeatureKey<T>;
}

/**
 * A set of features keyed by {@linkcode FeatureKey}, with an optional
 * read-only `defaults` collection behind it: a request's collection falls back
 * to the server's. Every `set` bumps `revision`, which lets facades such as
 * `HttpContext` cache what they looked up.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { featureKey, FeatureCollection } from "./feature_collection.ts";
 *
 * const Name = featureKey<string>("Name");
 * const server = new FeatureCollection();
 * server.set(Name, "server");
 * const request = new FeatureCollection(server);
 * assert.equal(request.get(Name), "server"); // from the defaults
 * request.set(Name, "request");
 * assert.equal(request.get(Name), "request");
 * request.set(Name, undefined); // removes the request's own value
 * assert.equal(request.get(Name), "server");
 * ```
 */
export class FeatureCollection
  implements Iterable<[FeatureKey<unknown>, unknown]> {
  #features: Map<FeatureKey<unknown>, unknown> | undefined;
  #revision = 0;
  #defaults: FeatureCollection | undefined;

  /**
   * Makes an empty collection.
   *
   * @param defaults The collection to read from when this one has no value
   * for a key.
   */
  constructor(defaults?: FeatureCollection) {
    this.#defaults = defaults;
  }

  /** The collection this one falls back to, if any. */
  get defaults(): FeatureCollection | undefined {
    return this.#defaults;
  }

  /**
   * A number that changes whenever this collection or its defaults change.
   * Cache a looked-up feature together with the revision it was read at.
   */
  get revision(): number {
    const defaults = this.#defaults;
    return defaults === undefined
      ? this.#revision
      : this.#revision + defaults.revision;
  }

  /**
   * Looks a feature up, here first and then in the defaults.
   *
   * @param key The feature's key.
   * @returns The feature, or `undefined` when neither has it.
   */
  get<T>(key: FeatureKey<T>): T | undefined {
    const value = this.#features?.get(key);
    if (value !== undefined) return value as T;
    return this.#defaults?.get(key);
  }

  /**
   * Sets a feature, or removes this collection's own value when `value` is
   * `undefined` (a default behind it shows through again).
   *
   * @param key The feature's key.
   * @param value The feature, or `undefined` to remove it.
   */
  set<T>(key: FeatureKey<T>, value: T | undefined): void {
    if (value === undefined) {
      this.#features?.delete(key);
    } else {
      (this.#features ??= new Map()).set(key, value);
    }
    this.#revision++;
  }

  /**
   * Iterates this collection's own features, then the defaults' features that
   * it does not override.
   */
  *[Symbol.iterator](): IterableIterator<[FeatureKey<unknown>, unknown]> {
    const own = this.#features;
    if (own !== undefined) yield* own;
    if (this.#defaults === undefined) return;
    for (const entry of this.#defaults) {
      if (own === undefined || !own.has(entry[0])) yield entry;
    }
  }
}
