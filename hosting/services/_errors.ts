// The messages of the errors a user can cause while resolving: each says
// what was asked, through which chain of services, and how to fix it.

import type { ServiceToken } from "../../features/mod.ts";
import { describeToken, tokenName } from "./_tokens.ts";

/** No registration for `token`. */
export function missingService(
  token: ServiceToken<unknown>,
  requestedBy: string | undefined,
  namesake = false,
): TypeError {
  if (namesake) {
    // Registering again would not help: the key asked for is another one.
    return new TypeError(
      `No service is registered for ${describeToken(token)}${
        requestedBy === undefined ? "" : ` (requested by ${requestedBy})`
      }, but another ${
        typeof token === "function" ? "class" : "key"
      } with the same name is: tokens are told apart by identity, not name. Make the key once (const Key = serviceKey(…) in one module) and import it where it is registered and resolved; two copies of a module (Roost's or yours, loaded from two URLs) make two of them`,
    );
  }
  const register = typeof token === "function"
    ? `services.addSingleton(${tokenName(token)})`
    : `services.addSingleton(key, value) with the key made by serviceKey("${
      tokenName(token)
    }")`;
  return new TypeError(
    `No service is registered for ${describeToken(token)}${
      requestedBy === undefined ? "" : ` (requested by ${requestedBy})`
    }: register it in configureServices, e.g. ${register}, or addScoped / addTransient`,
  );
}

/** Resolving from a provider that was disposed. */
export function disposedProvider(
  token: ServiceToken<unknown>,
  scope: boolean,
): TypeError {
  const which = scope
    ? "this service scope was disposed (its request has ended)"
    : "the root service provider was disposed (the host has stopped)";
  return new TypeError(
    `Cannot resolve ${
      describeToken(token)
    }: ${which}; resolve services while the scope or host is alive, and do not keep scopes beyond their request`,
  );
}

/** `chain` (outermost first) reaches `chain[start]` again. */
export function circularDependency(
  chain: readonly string[],
  start: number,
): TypeError {
  const name = chain[start];
  const cycle = [...chain.slice(start), name].join(" -> ");
  const full = [...chain, name].join(" -> ");
  return new TypeError(
    `Circular dependency between services: ${cycle}${
      full === cycle ? "" : ` (chain: ${full})`
    }; break the cycle by removing one dependency, or by resolving it later (provider.get inside a method) instead of in the factory`,
  );
}

/** The last of `chain` is scoped and asked of the root provider. */
export function scopedFromRoot(
  chain: readonly string[],
  captor: string | undefined,
): TypeError {
  const name = chain[chain.length - 1];
  const path = chain.join(" -> ");
  if (captor !== undefined) {
    return new TypeError(
      `Singleton "${captor}" cannot depend on scoped service "${name}" (chain: ${path}): it would keep one scope's ${name} for the life of the app; make ${captor} scoped, or ${name} a singleton`,
    );
  }
  const requester = chain.length > 1
    ? ` or make ${chain[chain.length - 2]} scoped`
    : "";
  return new TypeError(
    `Cannot resolve scoped service "${name}" from the root provider (chain: ${path}): resolve it from a request's scope (ctx.requestServices) or a scope from createScope()${requester}`,
  );
}
