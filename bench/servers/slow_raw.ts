/**
 * The graceful-stop baseline (`bench/stop_under_load.ts`): raw `Deno.serve`
 * whose handler waits 5–50 ms, then answers 200; SIGTERM calls
 * `server.shutdown()` and the process exits once it has finished.
 *
 * @module
 */

import { announceReady } from "./_common.ts";
import { slowAnswer } from "./_slow.ts";

const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => slowAnswer(),
);
Deno.addSignalListener("SIGTERM", () => {
  server.shutdown();
});
announceReady(server.addr.port);
await server.finished;
Deno.exit(0);
