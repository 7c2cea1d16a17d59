/**
 * The workers benchmark's app: hello world from `createDefaultBuilder`,
 * with the command line's `--workers N` passed on. `--port N` picks the
 * port.
 *
 * @module
 */

import { createDefaultBuilder } from "../../mod.ts";

const args = [...Deno.args];
const at = args.indexOf("--port");
const port = args.splice(at, 2)[1];
Deno.exitCode = await createDefaultBuilder([
  "--urls",
  `http://127.0.0.1:${port}`,
  "--suppressStatusMessages",
  "true",
  ...args,
])
  .configure((app) => app.run((ctx) => ctx.response.send("Hello, World!")))
  .build()
  .run();
