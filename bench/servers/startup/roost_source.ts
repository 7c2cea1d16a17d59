/**
 * Start-up entry: the minimal Roost host of `roost.ts`, imported from the
 * TypeScript sources (`mod.ts`) instead of the bundle. Spawned by `bench/startup.ts` with
 * `--port N`; a file of its own, so the child builds only this graph.
 *
 * @module
 */

import { WebHostBuilder } from "../../../mod.ts";

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1]);
await new WebHostBuilder()
  .useUrls(`http://127.0.0.1:${port}`)
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => app.run((ctx) => ctx.response.send("Hello, World!")))
  .build()
  .start();
