// Turning what an add… call was given into a descriptor's factory or
// instance.

import type { ServiceToken } from "../../features/mod.ts";
import { describeToken, isClass } from "./_tokens.ts";
import type {
  ServiceClass,
  ServiceDescriptor,
  ServiceFactory,
  ServiceLifetime,
} from "./service_provider.ts";

/** `args` is what followed the token: nothing, a class, a factory or a value. */
export function toFactory<T>(
  where: string,
  lifetime: ServiceLifetime,
  token: ServiceToken<T>,
  args: readonly unknown[],
): Pick<ServiceDescriptor, "factory" | "instance"> {
  if (args.length === 0) {
    if (typeof token !== "function") {
      throw new TypeError(
        `${where} was given only ${
          describeToken(token)
        }: a key needs a factory or value as the second argument, e.g. services.add${
          lifetime[0].toUpperCase() + lifetime.slice(1)
        }(key, () => value)`,
      );
    }
    const Class = token as unknown as ServiceClass<T>;
    return { factory: (provider) => new Class(provider) };
  }
  const [given] = args;
  if (isClass(given)) {
    const Class = given as ServiceClass<T>;
    return { factory: (provider) => new Class(provider) };
  }
  if (typeof given === "function") {
    return { factory: given as ServiceFactory<unknown> };
  }
  if (lifetime !== "singleton") {
    throw new TypeError(
      `${where} needs a factory, not a value, for ${
        describeToken(token)
      }: a ${lifetime} service is made anew each ${
        lifetime === "scoped" ? "scope" : "time"
      }; pass () => value, or register the value with addSingleton`,
    );
  }
  if (given === undefined) {
    throw new TypeError(
      `${where} was given undefined for ${
        describeToken(token)
      }: pass the instance, or a factory that makes it`,
    );
  }
  return { instance: given };
}
