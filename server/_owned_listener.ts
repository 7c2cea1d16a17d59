// DenoServer's own listeners: it accepts each connection itself and serves
// it with Deno's HTTP engine (the one Deno.serve and node:http use), one
// connection at a time, so it can count, time and close connections as
// Kestrel does. The engine's entry point is internal to Deno: found at
// start, and where it is missing the server falls back to Deno.serve.

import type { ConnectionSet, ServedConnection } from "./_connections.ts";
import type { Connection } from "./_connections.ts";

/** The protocols a TLS listener offers by ALPN, HTTP/2 first. */
export const ALPN: readonly string[] = Object.freeze(["h2", "http/1.1"]);

/** Deno's `serveHttpOnConnection`: serves one accepted connection. */
export type ConnectionEngine = (
  conn: Deno.Conn,
  signal: AbortSignal,
  handler: (
    request: Request,
    info: Deno.ServeHandlerInfo<Deno.Addr>,
  ) => Response | Promise<Response>,
  onError: (error: unknown) => Response | Promise<Response>,
  onListen: (scheme: string) => void,
) => ServedConnection;

/** Deno's engine for one connection, or `undefined` where it is missing. */
export function connectionEngine(): ConnectionEngine | undefined {
  const key = (Deno as unknown as { internal?: symbol }).internal;
  if (key === undefined) return undefined;
  const internal = (Deno as unknown as Record<symbol, unknown>)[key] as
    | { serveHttpOnConnection?: unknown }
    | undefined;
  const engine = internal?.serveHttpOnConnection;
  return typeof engine === "function" ? engine as ConnectionEngine : undefined;
}

/** Serves requests arriving on a connection. */
export type ConnectionHandler = (
  request: Request,
  info: Deno.ServeHandlerInfo<Deno.Addr>,
  connection: Connection,
) => Response | Promise<Response>;

/** A listener whose connections a ConnectionSet holds. */
export class OwnedListener {
  readonly listener: Deno.Listener;
  readonly #accepting: Promise<void>;
  readonly #serve: (conn: Deno.Conn) => void;
  readonly #report: (message: string, error: unknown) => void;
  #closed = false;

  /**
   * Starts accepting at once.
   *
   * @param listener What Deno.listen or Deno.listenTls returned.
   * @param serve Takes each accepted connection.
   * @param report Where accept errors go.
   */
  constructor(
    listener: Deno.Listener,
    serve: (conn: Deno.Conn) => void,
    report: (message: string, error: unknown) => void,
  ) {
    this.listener = listener;
    this.#serve = serve;
    this.#report = report;
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.Conn;
      try {
        conn = await this.listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        // Out of file descriptors, say: report, breathe, and go on.
        this.#report("Accepting a connection failed:", error);
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      this.#serve(conn);
    }
  }

  /** Stops accepting; resolves when the accept loop has ended. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.listener.close();
      } catch {
        // already closed
      }
    }
    return this.#accepting;
  }
}

/**
 * Serves one accepted connection: counts it in (or closes it over the cap),
 * learns its ALPN protocol on TLS, and hands it to Deno's engine.
 */
export async function serveConnection(
  engine: ConnectionEngine,
  conn: Deno.Conn,
  connections: ConnectionSet,
  handler: ConnectionHandler,
  onError: (error: unknown) => Response,
  tls: boolean,
): Promise<void> {
  const connection = connections.add(conn);
  if (connection === undefined) return;
  if (tls) {
    try {
      connection.handshaking = true;
      const handshake = await (conn as Deno.TlsConn).handshake();
      connection.handshaking = false;
      connection.alpnProtocol = handshake.alpnProtocol;
      connection.tls = Object.freeze({
        alpnProtocols: ALPN,
        alpnProtocol: handshake.alpnProtocol,
      });
    } catch (error) {
      connection.handshaking = false;
      // A client that is not speaking TLS, or left: nothing to answer.
      connections.event(
        "debug",
        "Connection {connectionId} failed its TLS handshake: {error}",
        {
          connectionId: connection.id,
          error: String(error),
        },
      );
      connection.close("handshake");
      return;
    }
    // The headers timeout may have closed it during the handshake.
    if (connection.phase === "closed") return;
  }
  const served = engine(
    conn,
    connection.signal,
    (request, info) => handler(request, info, connection),
    onError,
    () => {},
  );
  connection.serving(served);
}

/** Where a DenoServer listens: a host and port (with TLS), or a Unix path. */
export type ListenOptions =
  | { path: string }
  | {
    hostname: string;
    port: number;
    cert?: string;
    key?: string;
    reusePort?: boolean;
  };

/** One bound address of a DenoServer. */
export interface Listening {
  /** The URL reported in ServerAddressesFeature ("" until known). */
  address: string;
  readonly addr: Deno.Addr;
  /** Set when Deno.serve serves it (the fallback). */
  readonly server?: Deno.HttpServer<Deno.NetAddr | Deno.UnixAddr>;
  /** Stops accepting (Deno.serve: its graceful shutdown). */
  close(): Promise<void>;
}

/** Listens on `options` and serves each connection with Deno's engine. */
export function listenOwned(
  engine: ConnectionEngine,
  options: ListenOptions,
  tls: boolean,
  connections: ConnectionSet,
  handler: ConnectionHandler,
  onError: (error: unknown) => Response,
  report: (message: string, error: unknown) => void,
): Listening {
  const listener = "path" in options
    ? Deno.listen({ transport: "unix", path: options.path })
    : tls
    ? Deno.listenTls({
      ...options as Deno.ListenTlsOptions & Deno.TlsCertifiedKeyPem,
      alpnProtocols: [...ALPN],
    })
    : Deno.listen({ ...options, transport: "tcp" });
  const owned = new OwnedListener(
    listener,
    (conn) =>
      serveConnection(engine, conn, connections, handler, onError, tls)
        .catch((error) => report("Serving a connection failed:", error)),
    report,
  );
  return { address: "", addr: listener.addr, close: () => owned.close() };
}
