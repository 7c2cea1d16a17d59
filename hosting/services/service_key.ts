/**
 * `serviceKey`: typed tokens for services that are not classes.
 *
 * @module
 */

/**
 * A typed token for a service that has no class of its own (a function, a
 * plain object, an interface). Keys are compared by identity: two keys with
 * the same name are different tokens, so make each once and share it.
 *
 * @typeParam T The service's type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serviceKey, type ServiceKey } from "./mod.ts";
 *
 * interface Greeter {
 *   greet(name: string): string;
 * }
 * const Greeter: ServiceKey<Greeter> = serviceKey<Greeter>("Greeter");
 * assert.equal(Greeter.name, "Greeter");
 * ```
 */
export interface ServiceKey<T> {
  /** The name used in error messages. */
  readonly name: string;
  /** Carries `T` for type inference only; never set. */
  readonly __service?: T;
}

/**
 * Makes a {@linkcode ServiceKey}: a frozen object compared by identity.
 *
 * @typeParam T The service's type.
 * @param name A name for error messages, like `"Greeter"`.
 * @returns The key.
 * @throws {TypeError} When `name` is not a non-empty string.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection, serviceKey } from "./mod.ts";
 *
 * const Greeting = serviceKey<string>("Greeting");
 * const services = new ServiceCollection().addSingleton(Greeting, "hello").build();
 * assert.equal(services.get(Greeting), "hello");
 * assert.equal(services.get(serviceKey<string>("Greeting")), undefined); // another key
 * ```
 */
export function serviceKey<T>(name: string): ServiceKey<T> {
  if (typeof name !== "string" || name.trim() === "") {
    throw new TypeError(
      `serviceKey() needs a non-empty name for error messages, got ${
        JSON.stringify(name) ?? String(name)
      }: try serviceKey<Clock>("Clock")`,
    );
  }
  return Object.freeze({ name });
}
