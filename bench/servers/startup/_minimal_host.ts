/**
 * The minimal Roost host of the start-up benchmark, given the
 * `WebHostBuilder` of the import under test (the bundle or the sources).
 * Its own import is type-only, so it loads nothing.
 *
 * @module
 */

import type { WebHostBuilder } from "../../../mod.ts";

/** Starts a host that answers "Hello, World!" on `--port N`. */
export async function startMinimalHost(
  Builder: typeof WebHostBuilder,
): Promise<void> {
  const port = Number(Deno.args[Deno.args.indexOf("--port") + 1]);
  await new Builder()
    .useUrls(`http://127.0.0.1:${port}`)
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run((ctx) => ctx.response.send("Hello, World!")))
    .build()
    .start();
}
