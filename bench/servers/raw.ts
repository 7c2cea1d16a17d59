/**
 * The baseline: plain `Deno.serve`, a `switch` on the path, and for the mw
 * scenario a chain of pass-through function wrappers.
 *
 * @module
 */

import {
  announceReady,
  CERT_FILE,
  HELLO,
  JSON_PAYLOAD,
  KEY_FILE,
  MIDDLEWARE_COUNT,
  parseServerArgs,
  usesMiddleware,
  usesTls,
} from "./_common.ts";

type Handler = (request: Request) => Response | Promise<Response>;
type Middleware = (
  request: Request,
  next: Handler,
) => Response | Promise<Response>;

const NOT_FOUND_INIT: ResponseInit = { status: 404 };
const ECHO_HEADERS: HeadersInit = {
  "content-type": "application/octet-stream",
};

// The same indexOf slicing Hono and Roost do internally: `new URL()` per
// request would slow the baseline and flatter the frameworks' ratios.
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  const query = url.indexOf("?", start);
  return query === -1 ? url.slice(start) : url.slice(start, query);
}

async function echo(request: Request): Promise<Response> {
  return new Response(await request.arrayBuffer(), { headers: ECHO_HEADERS });
}

// Synchronous where it can be, as a hand-written Deno.serve handler is: only
// the echo route awaits.
function route(request: Request): Response | Promise<Response> {
  switch (pathOf(request.url)) {
    case "/":
    case "/mw":
      return new Response(HELLO);
    case "/json":
      return Response.json(JSON_PAYLOAD);
    case "/echo":
      if (request.method === "POST") return echo(request);
  }
  return new Response("Not Found", NOT_FOUND_INIT);
}

function withMiddleware(handler: Handler, count: number): Handler {
  // The same shape as the Hono and Roost middleware: async, awaiting next.
  const chain: Middleware[] = Array.from(
    { length: count },
    () => async (request, next) => await next(request),
  );
  return chain.reduceRight<Handler>(
    (next, middleware) => (request) => middleware(request, next),
    handler,
  );
}

const { port, scenario } = parseServerArgs(Deno.args);
const handler = usesMiddleware(scenario)
  ? withMiddleware(route, MIDDLEWARE_COUNT)
  : route;
const tls = usesTls(scenario)
  ? {
    cert: Deno.readTextFileSync(CERT_FILE),
    key: Deno.readTextFileSync(KEY_FILE),
  }
  : {};
const server = Deno.serve(
  { hostname: "127.0.0.1", port, ...tls, onListen() {} },
  handler,
);
announceReady(server.addr.port);
