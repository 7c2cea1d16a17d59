/**
 * Startup modules: an app described by a module's exports, loaded by
 * `useStartup()` or the `startupModule` setting (`--startupModule ./app.ts`).
 *
 * @module
 */

import type { ApplicationBuilder, Fetchable } from "./application_builder.ts";
import type { ServiceCollection } from "./services/mod.ts";
import type { Startup, WebHostBuilderContext } from "./host_types.ts";

export type { Startup } from "./host_types.ts";

const EXPECTED =
  "export function configure(app, context) { … } and/or configureServices(services, context) { … }, or export default { fetch(request) { … } } as for deno serve";

/** The two halves of a startup: services, then the pipeline. */
export interface StartupParts {
  /** Registers services, when the startup exports `configureServices`. */
  configureServices?: (
    services: ServiceCollection,
    context: WebHostBuilderContext,
  ) => unknown;
  /** Builds the pipeline, when the startup exports `configure` or `fetch`. */
  configure?: (
    app: ApplicationBuilder,
    context: WebHostBuilderContext,
  ) => unknown;
}

/**
 * Takes a startup object or module namespace apart into its services and
 * pipeline callbacks.
 *
 * @param startup The module's exports.
 * @param name How to name it in errors (the specifier).
 * @returns The callbacks it provides.
 * @throws {TypeError} When it exports none of the forms; the message says
 * what was expected.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 * import { startupParts } from "./startup.ts";
 *
 * const parts = startupParts({ default: { fetch: () => new Response("hi") } }, "inline");
 * assert.equal(parts.configureServices, undefined);
 * const host = new WebHostBuilder().configure(parts.configure!).build();
 * assert.equal(await (await host.fetch("/")).text(), "hi");
 * ```
 */
export function startupParts(startup: Startup, name: string): StartupParts {
  const parts: StartupParts = {};
  if (typeof startup.configureServices === "function") {
    const configureServices = startup.configureServices.bind(startup);
    parts.configureServices = (services, context) =>
      configureServices(services, context);
  }
  const fallback = startup.default;
  if (typeof startup.configure === "function") {
    const configure = startup.configure.bind(startup);
    parts.configure = (app, context) => configure(app, context);
  } else if (
    fallback !== null && typeof fallback === "object" &&
    typeof (fallback as Fetchable).fetch === "function"
  ) {
    parts.configure = (app) => app.run(fallback as Fetchable);
  }
  if (parts.configure === undefined && parts.configureServices === undefined) {
    const exported = Object.keys(startup);
    const what = exported.length === 0
      ? "nothing"
      : `only ${exported.map((key) => `"${key}"`).join(", ")}`;
    throw new TypeError(
      `Startup ${name} exports ${what}: expected ${EXPECTED}`,
    );
  }
  return parts;
}

function toModuleUrl(specifier: string, contentRoot: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier)) return specifier;
  const base = `file://${
    contentRoot.endsWith("/") ? contentRoot : `${contentRoot}/`
  }`;
  return new URL(specifier, base).href;
}

/**
 * Imports a startup module. Relative specifiers resolve against the content
 * root.
 *
 * @param specifier A path (`./app.ts`) or a URL.
 * @param contentRoot The content root.
 * @returns The module's services and pipeline callbacks.
 * @throws {TypeError} When the module cannot be loaded or exports neither
 * form.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadStartupModule } from "./startup.ts";
 *
 * await assert.rejects(loadStartupModule("./missing.ts", "/nowhere"), {
 *   name: "TypeError",
 *   message: /^Startup module "\.\/missing\.ts" could not be loaded/,
 * });
 * ```
 */
export async function loadStartupModule(
  specifier: string,
  contentRoot: string,
): Promise<StartupParts> {
  const url = toModuleUrl(specifier, contentRoot);
  let module: Startup;
  try {
    // The one dynamic import `deno publish` cannot analyze, and warns about
    // (Deno has no way to silence it: denoland/deno#22594). That is fine
    // here: the module is the user's, known only at run time, and `url` is
    // always absolute (toModuleUrl), so it needs no import map to resolve.
    // tests/distribution_test.ts allows this warning and no other.
    module = await import(url);
  } catch (error) {
    // Deno colours the location in its message: a log file or a JSON
    // record gets plain text.
    const reason = String((error as Error)?.message ?? error)
      // deno-lint-ignore no-control-regex -- the escape that starts a colour
      .replace(/\x1b\[[0-9;]*m/g, "")
      .replace(/\.+$/, "");
    // Not there, or there and broken (a syntax error, a throw at the top,
    // an import of its own that is missing): different fixes.
    const missing =
      /^(?:Module not found|Cannot (?:resolve|load) module) "([^"]+)"/i
        .exec(reason)?.[1];
    const advice = missing === undefined
      ? "The module was found but failed while loading: fix the error in it."
      : missing === url
      ? "Check the path given to useStartup() or --startupModule (relative paths start at the content root)."
      : `The module was found, but ${missing} that it imports was not: fix that import.`;
    throw new TypeError(
      `Startup module "${specifier}" could not be loaded from ${url}: ${reason}. ${advice}`,
      { cause: error },
    );
  }
  return startupParts(module, `module "${specifier}"`);
}
