// How tokens are named in error messages, and telling a class from a
// factory function.

import type { ServiceToken } from "../../features/mod.ts";

/** The token's name as a user wrote it: the key's name or the class name. */
export function tokenName(token: ServiceToken<unknown>): string {
  const name = token.name;
  return typeof name === "string" && name !== "" ? name : "(anonymous)";
}

/** `class Clock` or `key "clock"`, for messages that say what was asked for. */
export function describeToken(token: ServiceToken<unknown>): string {
  return typeof token === "function"
    ? `class ${tokenName(token)}`
    : `key "${tokenName(token)}"`;
}

/**
 * Whether `value` is an ES `class`. Calling a class throws, so a class given
 * where a factory is expected is constructed instead; Deno never down-levels
 * classes, so the source text is a reliable witness.
 */
export function isClass(value: unknown): boolean {
  return typeof value === "function" &&
    Function.prototype.toString.call(value).startsWith("class");
}

/** Throws unless `token` can be a service token. */
export function assertToken(token: unknown, where: string): void {
  const ok = typeof token === "function" ||
    (typeof token === "object" && token !== null &&
      typeof (token as { name?: unknown }).name === "string");
  if (!ok) {
    throw new TypeError(
      `${where} needs a service token as its first argument, got ${
        token === null ? "null" : typeof token
      }: pass a class (services.addSingleton(Clock)) or a key made by serviceKey("name")`,
    );
  }
}
