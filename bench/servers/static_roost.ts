/**
 * Roost serving files with `app.useStaticFiles({ root })`: validators,
 * conditional requests, ranges, content types from mime-db.
 *
 * ```sh
 * deno run -A bench/servers/static_roost.ts --port 0 --root /tmp/files
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { WebHostBuilder } from "../../mod.ts";
import { announceReady } from "./_common.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { port: { type: "string" }, root: { type: "string" } },
});
if (values.root === undefined) throw new TypeError("--root is required");
const root = values.root;
const host = new WebHostBuilder()
  .useUrls(`http://127.0.0.1:${values.port ?? 0}`)
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => app.useStaticFiles({ root }))
  .build();
await host.start();
announceReady(Number(new URL(host.addresses[0]).port));
