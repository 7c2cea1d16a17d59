/**
 * Startup modules: an app described by a module's exports, loaded by
 * `useStartup()` or the `startupModule` setting (`--startupModule ./app.ts`).
 *
 * @module
 */

import type { ApplicationBuilder, Fetchable } from "./application_builder.ts";
import type { WebHostBuilderContext } from "./web_host.ts";

/**
 * What a startup module (or object) may export: `configure` (and, from the
 * services issue on, `configureServices`), or a `deno serve`-style default
 * export with a `fetch` method.
 *
 * @example A startup module
 * ```ts
 * // app.ts, run with: deno run -A main.ts --startupModule ./app.ts
 * import type { ApplicationBuilder } from "../mod.ts";
 *
 * export function configure(app: ApplicationBuilder): void {
 *   app.run((ctx) => ctx.response.send("from app.ts"));
 * }
 * ```
 */
export interface Startup {
  /**
   * Builds the request pipeline.
   *
   * @param app The application builder.
   * @param context Environment, configuration and host settings.
   */
  configure?(app: ApplicationBuilder, context: WebHostBuilderContext): unknown;
  /**
   * Registers services (reserved: the services container arrives with the
   * services issue; until then a module exporting only this is refused).
   */
  configureServices?(
    services: unknown,
    context: WebHostBuilderContext,
  ): unknown;
  /** A `deno serve`-style handler object, mounted as the whole app. */
  default?: Fetchable | unknown;
}

const EXPECTED =
  "export function configure(app, context) { … }, or export default { fetch(request) { … } } as for deno serve";

/**
 * Turns a startup object or module namespace into the pipeline's configure
 * callback.
 *
 * @param startup The module's exports.
 * @param name How to name it in errors (the specifier).
 * @returns A configure callback.
 * @throws {TypeError} When it exports neither form; the message says what
 * was expected.
 *
 * @example
 * ```ts
 * import { startupConfigure } from "../mod.ts";
 *
 * const configure = startupConfigure({ default: { fetch: () => new Response("hi") } }, "inline");
 * console.log(typeof configure); // "function"
 * ```
 */
export function startupConfigure(
  startup: Startup,
  name: string,
): (app: ApplicationBuilder, context: WebHostBuilderContext) => unknown {
  if (typeof startup.configure === "function") {
    const configure = startup.configure.bind(startup);
    return (app, context) => configure(app, context);
  }
  const fallback = startup.default;
  if (
    fallback !== null && typeof fallback === "object" &&
    typeof (fallback as Fetchable).fetch === "function"
  ) {
    return (app) => app.run(fallback as Fetchable);
  }
  const exported = Object.keys(startup).filter((key) => key !== "__esModule");
  const what = typeof startup.configureServices === "function"
    ? "only configureServices, which needs the services container (not in this version)"
    : exported.length === 0
    ? "nothing"
    : `only ${exported.map((key) => `"${key}"`).join(", ")}`;
  throw new TypeError(
    `Startup ${name} exports ${what}: expected ${EXPECTED}`,
  );
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
 * @returns The module's configure callback.
 * @throws {TypeError} When the module cannot be loaded or exports neither
 * form.
 *
 * @example
 * ```ts
 * import { loadStartupModule } from "../mod.ts";
 *
 * try {
 *   await loadStartupModule("./missing.ts", "/nowhere");
 * } catch (error) {
 *   console.log((error as Error).message.startsWith('Startup module "./missing.ts"')); // true
 * }
 * ```
 */
export async function loadStartupModule(
  specifier: string,
  contentRoot: string,
): Promise<
  (app: ApplicationBuilder, context: WebHostBuilderContext) => unknown
> {
  const url = toModuleUrl(specifier, contentRoot);
  let module: Startup;
  try {
    module = await import(url);
  } catch (error) {
    throw new TypeError(
      `Startup module "${specifier}" could not be loaded from ${url}: ${
        (error as Error).message
      }. Check the path given to useStartup() or --startupModule (relative paths start at the content root).`,
      { cause: error },
    );
  }
  return startupConfigure(module, `module "${specifier}"`);
}
