/**
 * Start-up entry: a minimal Roost host. Spawned by `bench/startup.ts` with
 * `--port N`; a file of its own, so the child builds only this graph.
 *
 * It imports `bundle/mod.js`, what `deno.json` exports (and so what JSR and
 * the README's raw URL serve).
 *
 * @module
 */

import { WebHostBuilder } from "../../../bundle/mod.js";
import { startMinimalHost } from "./_minimal_host.ts";

await startMinimalHost(WebHostBuilder);
