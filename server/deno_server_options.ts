/**
 * Options for `DenoServer`.
 *
 * @module
 */

import type { CertificateOptions, EndpointOptions } from "./endpoint.ts";
import type { ServerLimits } from "./limits.ts";
import type { ErrorReporter } from "./_report.ts";
import type { ConnectionEvent } from "./_connections.ts";

/** The URL a server listens on when nothing names one. */
export const DEFAULT_URL = "http://localhost:8000";

/** Options for `DenoServer`. */
export interface DenoServerOptions {
  /**
   * URLs to listen on: an array, or one string separated by `;`. These are
   * the server's own endpoints; the host's `urls` replace them only when
   * `preferHostingUrls` is set.
   * @default {undefined}
   */
  urls?: string | string[];
  /**
   * Endpoints with options of their own (a certificate per endpoint).
   * @default {undefined}
   */
  endpoints?: EndpointOptions[];
  /**
   * The certificate for `https` endpoints that name none.
   * @default {undefined}
   */
  certificate?: CertificateOptions;
  /**
   * Limits the server enforces; see {@linkcode ServerLimits}.
   * @default {{}}
   */
  limits?: ServerLimits;
  /**
   * Receives errors the application let through, and server warnings.
   * @default {console.error}
   */
  onError?: ErrorReporter;
  /**
   * Receives connection events: accepted and closed (`"debug"`), and every
   * limit that closes a connection (`"information"`), each with the
   * connection's id. A host logs them as `Roost.Server.Connections`.
   * @default {undefined}
   */
  onConnectionEvent?: ConnectionEvent;
  /**
   * Serve WebSocket upgrades. Deno 2.9's engine for one connection cannot
   * hand a connection over to a WebSocket, so with `webSockets: true` the
   * server runs on `Deno.serve` instead, and the connection limits
   * (`keepAliveTimeout`, `requestHeadersTimeout`, `maxConcurrentConnections`)
   * are not enforced: a start names them in a warning. Without it,
   * `ctx.webSockets.accept()` throws an error that says so.
   * @default {false}
   */
  webSockets?: boolean;
  /**
   * Binds every TCP endpoint with `reusePort` (see
   * {@linkcode EndpointOptions.reusePort}), so that several processes can
   * serve the same port: what a host does in a worker its supervisor
   * started. An endpoint's own `reusePort` wins.
   * @default {false}
   */
  reusePort?: boolean;
}
