// DenoServer's fallback: one Deno.serve per address, where Deno's engine for
// one connection is missing or WebSockets are wanted (that engine cannot
// upgrade a connection in Deno 2.9). Deno.serve shows no connections, so
// the connection limits cannot be enforced there.

import type { ResolvedServerLimits } from "./limits.ts";
import type { Listening, ListenOptions } from "./_owned_listener.ts";

/** Serves `options` with Deno.serve. */
export function listenServe(
  options: ListenOptions,
  handler: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.Addr>,
  ) => Response | Promise<Response>,
  onError: (error: unknown) => Response,
): Listening {
  const serveOptions = { ...options, onListen() {}, onError };
  const server: Deno.HttpServer<Deno.NetAddr | Deno.UnixAddr> =
    "path" in serveOptions
      ? Deno.serve(serveOptions, handler)
      : Deno.serve(serveOptions, handler);
  return {
    address: "",
    addr: server.addr,
    server,
    close: () => server.shutdown(),
  };
}

/** The warning a start on Deno.serve gives, naming what it cannot enforce. */
export function fallbackWarning(
  limits: ResolvedServerLimits,
  webSockets: boolean,
): string {
  const lost = [
    `keepAliveTimeout (${limits.keepAliveTimeout} ms)`,
    `requestHeadersTimeout (${limits.requestHeadersTimeout} ms)`,
  ];
  if (limits.maxConcurrentConnections !== null) {
    lost.push(`maxConcurrentConnections (${limits.maxConcurrentConnections})`);
  }
  const why = webSockets
    ? "webSockets is true, so DenoServer serves through Deno.serve (Deno's engine for one connection cannot upgrade it to a WebSocket)"
    : "This Deno has no serveHttpOnConnection, so DenoServer serves through Deno.serve";
  return `${why}, which does not show its connections: ${
    lost.join(", ")
  } cannot be enforced, and a graceful stop answers new requests 503 while uploads finish.`;
}
