/**
 * The graceful stop under test (`bench/stop_under_load.ts`): a Roost host
 * from `createDefaultBuilder` on DenoServer whose handler waits 5–50 ms,
 * then answers 200, run by `host.run()`, which stops the host gracefully on
 * SIGTERM. `--web-sockets` runs DenoServer with `webSockets: true`, i.e. on
 * `Deno.serve`.
 *
 * @module
 */

import { createDefaultBuilder } from "../../mod.ts";
import { announceReady, parseServerArgs } from "./_common.ts";
import { randomPause, SLOW_BODY } from "./_slow.ts";

const { webSockets } = parseServerArgs(Deno.args);
const host = createDefaultBuilder(["--urls", "http://127.0.0.1:0"])
  .useDenoServer({ webSockets })
  .useSetting("suppressStatusMessages", "true")
  .configure((app) => {
    app.run(async (ctx) => {
      await randomPause();
      await ctx.response.send(SLOW_BODY);
    });
  })
  .build();
host.lifetime.started.addEventListener("abort", () => {
  announceReady(Number(new URL(host.addresses[0]).port));
}, { once: true });
Deno.exit(await host.run());
