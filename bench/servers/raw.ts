/**
 * The baseline: plain `Deno.serve`, a `switch` on the path, and for the mw
 * scenarios a chain of pass-through function wrappers. Each route is the
 * hand-written `Deno.serve` equivalent of one idiomatic Roost route.
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
  ROUTE_COUNT,
  STREAM_CHUNKS,
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

const encoder = new TextEncoder();

async function echo(request: Request): Promise<Response> {
  return new Response(await request.arrayBuffer(), { headers: ECHO_HEADERS });
}

async function echoText(request: Request): Promise<Response> {
  return new Response(await request.text());
}

async function echoJson(request: Request): Promise<Response> {
  return Response.json(await request.json());
}

async function echoBytes(request: Request): Promise<Response> {
  return new Response(await request.bytes(), { headers: ECHO_HEADERS });
}

// An async handler that awaits something before it answers.
async function later(): Promise<Response> {
  await Promise.resolve();
  return new Response(HELLO);
}

// One chunk per pull: the stream's own backpressure, as awaiting each
// write() is Roost's.
function stream(): Response {
  let next = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(encoder.encode(STREAM_CHUNKS[next++]));
        if (next === STREAM_CHUNKS.length) controller.close();
      },
    }),
  );
}

function post(path: string, request: Request): Promise<Response> | undefined {
  switch (path) {
    case "/echo":
      return echo(request);
    case "/text":
      return echoText(request);
    case "/jsonpost":
      return echoJson(request);
    case "/bytes":
      return echoBytes(request);
  }
}

// The routes scenario by hand, as a Deno.serve app without a router would:
// the first segment names the route, the second is the id, digits only.
const ROUTE_NAMES = new Set(
  Array.from({ length: ROUTE_COUNT }, (_, i) => `r${i}`),
);
const DIGITS = /^\d+$/;

function routes(request: Request): Response {
  const path = pathOf(request.url);
  const slash = path.indexOf("/", 1);
  if (request.method === "GET" && slash !== -1) {
    const id = path.slice(slash + 1);
    if (ROUTE_NAMES.has(path.slice(1, slash)) && DIGITS.test(id)) {
      return new Response(id);
    }
  }
  return new Response("Not Found", NOT_FOUND_INIT);
}

// The header scenario's answer: what a middleware sets, by hand.
const VARY_INIT = { headers: { vary: "Origin" } };

// Synchronous where it can be, as a hand-written Deno.serve handler is: only
// the async and body-reading routes await.
function route(request: Request): Response | Promise<Response> {
  const path = pathOf(request.url);
  switch (path) {
    case "/":
    case "/write":
    case "/return":
    case "/mw":
      return new Response(HELLO);
    case "/header":
      return new Response(HELLO, VARY_INIT);
    case "/async":
    case "/mwasync":
      return later();
    case "/json":
      return Response.json(JSON_PAYLOAD);
    case "/stream":
      return stream();
  }
  const answer = request.method === "POST" ? post(path, request) : undefined;
  return answer ?? new Response("Not Found", NOT_FOUND_INIT);
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
// The edge scenario by hand: what a Deno.serve app behind a proxy, serving
// a browser app on another origin, does itself: take the client's address
// from X-Forwarded-For (trusting loopback only), check the Host, and answer
// an allowed Origin with the same CORS headers Roost's useCors() sends.
const ALLOWED_ORIGIN = "https://app.example";
const ALLOWED_HOSTS = new Set(["127.0.0.1", "localhost"]);

function edge(
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.NetAddr>,
): Response {
  let client = info.remoteAddr.hostname;
  const forwarded = request.headers.get("x-forwarded-for");
  if (forwarded !== null && client.startsWith("127.")) {
    client = forwarded.slice(forwarded.lastIndexOf(",") + 1).trim();
  }
  const host = request.headers.get("host") ?? "";
  const colon = host.lastIndexOf(":");
  if (!ALLOWED_HOSTS.has(colon === -1 ? host : host.slice(0, colon))) {
    return new Response(null, { status: 400 });
  }
  const origin = request.headers.get("origin");
  if (origin === ALLOWED_ORIGIN && client !== "") {
    return new Response(HELLO, {
      headers: { "access-control-allow-origin": origin, vary: "Origin" },
    });
  }
  return new Response(HELLO);
}

const handler = scenario === "edge"
  ? edge
  : scenario === "routes"
  ? routes
  : usesMiddleware(scenario)
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
