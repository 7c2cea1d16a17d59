/**
 * Start-up entry: raw `Deno.serve`. Spawned by `bench/startup.ts` with
 * `--port N`; a file of its own, so the child builds only this graph.
 *
 * @module
 */

const port = Number(Deno.args[Deno.args.indexOf("--port") + 1]);
Deno.serve(
  { hostname: "127.0.0.1", port, onListen() {} },
  () => new Response("Hello, World!"),
);
