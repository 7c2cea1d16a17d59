/**
 * Start-up entry: the minimal Roost host of `roost.ts`, imported from the
 * TypeScript sources (`mod.ts`) instead of the bundle. Spawned by `bench/startup.ts` with
 * `--port N`; a file of its own, so the child builds only this graph.
 *
 * @module
 */

import { WebHostBuilder } from "../../../mod.ts";
import { startMinimalHost } from "./_minimal_host.ts";

await startMinimalHost(WebHostBuilder);
