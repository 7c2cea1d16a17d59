// Accepting a WebSocket: the checks before Deno.upgradeWebSocket, and the
// count of open sockets that maxConcurrentUpgradedConnections caps.

import { HttpError, type WebSocketAcceptOptions } from "../features/mod.ts";
import type { EndpointInfo } from "./_connection_features.ts";

/**
 * The 503 for an upgrade over `maxConcurrentUpgradedConnections`: the
 * server's limit doing its job, which the host logs as Kestrel does
 * ("upgraded connection limit reached", Information), not as the app's
 * crash.
 */
export class UpgradeLimitError extends HttpError {
  constructor(max: number) {
    super(
      503,
      `Service Unavailable: the server already holds its ${max} WebSocket connection(s) (maxConcurrentUpgradedConnections)`,
    );
  }
}

/**
 * Upgrades `request` to a WebSocket, or throws: 426 for a request that asks
 * for no upgrade (a client sent a plain request to a WebSocket endpoint), a
 * TypeError for an app's mistake (an endpoint that cannot upgrade), 503 over
 * the cap, 400 for a malformed handshake (the client's mistake).
 */
export function upgradeWebSocket(
  request: Request,
  endpoint: EndpointInfo,
  isWebSocketRequest: boolean,
  options: WebSocketAcceptOptions | undefined,
  protocol: string,
): { socket: WebSocket; response: Response } {
  if (!isWebSocketRequest) {
    // A client can send this to any WebSocket endpoint: its mistake, a 4xx
    // (RFC 9110 §15.5.22), not a 500 and an error log each time. The app
    // that wants to serve both checks ctx.webSockets.isWebSocketRequest.
    throw new HttpError(
      426,
      "Upgrade Required: this endpoint takes WebSocket connections; the request has no 'Upgrade: websocket' header",
      // Upgrade is a connection header, which HTTP/2 forbids.
      protocol === "HTTP/2" ? undefined : {
        headers: { upgrade: "websocket", connection: "Upgrade" },
      },
    );
  }
  const { noUpgrade, upgraded, limits } = endpoint;
  if (noUpgrade !== undefined) throw new TypeError(noUpgrade);
  const max = limits.maxConcurrentUpgradedConnections;
  if (upgraded !== undefined && max !== null && upgraded.open >= max) {
    throw new UpgradeLimitError(max);
  }
  let upgrade: { socket: WebSocket; response: Response };
  try {
    upgrade = Deno.upgradeWebSocket(request, options);
  } catch (error) {
    throw new HttpError(
      400,
      `Bad Request: not a valid WebSocket handshake: ${
        (error as Error).message
      }`,
      { cause: error },
    );
  }
  if (upgraded !== undefined) {
    upgraded.open++;
    upgrade.socket.addEventListener("close", () => upgraded.open--, {
      once: true,
    });
  }
  return upgrade;
}
