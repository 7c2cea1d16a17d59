/**
 * The smallest Roost app: `deno run -A examples/hello.ts`, then open
 * http://localhost:8000. Set `--urls` or `ROOST_URLS` to listen elsewhere.
 *
 * @module
 */

import { WebHostBuilder } from "../mod.ts";

/** Builds the hello host; `run()` it, or `fetch()` it in tests. */
export function createHost(args: string[] = []): import("../mod.ts").WebHost {
  const builder = new WebHostBuilder();
  const urls = args.indexOf("--urls");
  if (urls !== -1 && args[urls + 1] !== undefined) {
    builder.useUrls(args[urls + 1]);
  }
  return builder
    .configure((app) => {
      app.use(async (ctx, next) => {
        const started = performance.now();
        await next();
        ctx.response.headers.set(
          "server-timing",
          `app;dur=${(performance.now() - started).toFixed(2)}`,
        );
      });
      app.map("/hello", (branch) =>
        branch.run((ctx) => {
          const name = ctx.request.query.get("name") ?? "world";
          return ctx.response.json({ greeting: `Hello, ${name}!` });
        }));
      app.run((ctx) =>
        ctx.response.send(`Hello from Roost over ${ctx.request.protocol}!\n`)
      );
    })
    .build();
}

if (import.meta.main) {
  // Ends the process once stopped, whatever timers the app left pending.
  Deno.exit(await createHost(Deno.args).run());
}
