/**
 * Start-up entry: a Roost host made by `createDefaultBuilder` (which also
 * reads `appsettings.*` and the environment). Spawned by
 * `bench/startup.ts` with `--port N`; a file of its own, so the child
 * builds only this graph.
 *
 * It imports `bundle/mod.js`, what `deno.json` exports (and so what JSR and
 * the README's raw URL serve).
 *
 * @module
 */

import { createDefaultBuilder } from "../../../bundle/mod.js";

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1]);
await createDefaultBuilder([
  "--urls",
  `http://127.0.0.1:${port}`,
  "--suppressStatusMessages",
  "true",
])
  .configure((app) => app.run((ctx) => ctx.response.send("Hello, World!")))
  .build()
  .start();
