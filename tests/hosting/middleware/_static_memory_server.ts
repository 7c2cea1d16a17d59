// A host that serves Deno.args[0] with staticFiles on a free port: the
// memory test measures this process alone, not the test runner's.

import { WebHostBuilder } from "../../../mod.ts";
import { staticFiles } from "../../../hosting/middleware/static_files.ts";

await new WebHostBuilder()
  .useUrls("http://127.0.0.1:0")
  .configure((app) => app.use(staticFiles({ root: Deno.args[0] })))
  .build()
  .run();
