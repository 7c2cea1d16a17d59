// The connections a DenoServer accepted and serves with Deno's own HTTP
// engine, one at a time: their ids, counts and phases, and the timeouts
// Kestrel enforces. A heartbeat checks every connection's deadline, as
// Kestrel's does once a second, so that a request costs a field write
// rather than a timer.

import type { TlsHandshakeFeature } from "../features/mod.ts";
import type { ConnectionInfo } from "./_connection_features.ts";
import { schedule, type Timer } from "./_timers.ts";

/** What Deno's engine returns for one served connection. */
export interface ServedConnection {
  readonly finished: Promise<void>;
  /** Closes gracefully: at once when idle, else after the open requests. */
  shutdown(): Promise<void>;
  /** Lets the process exit while the connection is still open. */
  unref(): void;
}

/**
 * A connection's life:
 *
 * ```text
 * new ──a request──▶ active ──its last request ends──▶ idle ──a request──▶ active
 *  │                   │                               │
 *  └─requestHeadersTimeout                              └─keepAliveTimeout─┐
 * any ──stop(), or a body too slow──▶ closing ──its last request ends──▶ closed
 * any ──a timeout, the cap, the stop deadline──▶ closed (aborted)         ◀┘
 * ```
 *
 * A closing connection's HTTP/1.1 responses say `Connection: close`. It is
 * closed gracefully once idle (one that answered within the last second
 * waits STOP_GRACE_MS for a request already on its way); after a body too
 * slow it is aborted a moment after its response, since Deno would wait
 * for the rest of that body.
 */
export type ConnectionPhase = "new" | "active" | "idle" | "closing" | "closed";

/** Why a connection was closed before its client closed it. */
export type CloseReason =
  | "handshake"
  | "requestHeadersTimeout"
  | "keepAliveTimeout"
  | "maxConcurrentConnections"
  | "minRequestBodyDataRate"
  | "badRequest"
  | "maxRequestBodySize"
  | "stopDeadline";

/** A connection event for the server's log (`Roost.Server.Connections`). */
export type ConnectionEvent = (
  level: "debug" | "information",
  message: string,
  properties: Record<string, unknown>,
) => void;

// How long a response has to reach the client before its connection is
// dropped with the rest of a request body unread.
const LINGER_MS = 1000;
// On a stop: a connection idle for less than RECENT_MS gets STOP_GRACE_MS
// for a request already on its way (measured under wrk -c64: closing at
// once reset 2-9 requests per stop; with the grace, none).
const RECENT_MS = 1000;
const STOP_GRACE_MS = 200;

const ID_PREFIX = `0HC${(Date.now() % 0xffffff).toString(36).toUpperCase()}`;
let nextId = 0;

/** One accepted connection. */
export class Connection implements ConnectionInfo {
  readonly id: string = `${ID_PREFIX}${(++nextId).toString(36).toUpperCase()}`;
  readonly conn: Deno.Conn;
  /** "h2" or "http/1.1" when TLS negotiated one by ALPN, else null. */
  alpnProtocol: string | null = null;
  /** The TLS handshake, set once it is done. */
  tls: TlsHandshakeFeature | undefined;
  /** True while a TLS handshake is under way. */
  handshaking = false;
  /** When the heartbeat closes it (its clock), or Infinity. */
  deadline: number;
  readonly #set: ConnectionSet;
  readonly #abort = new AbortController();
  #phase: ConnectionPhase = "new";
  #served: ServedConnection | undefined;
  #open = 0;
  #requests = 0;
  // shutdown() was called: aborting now would crash Deno 2.9.
  #shutDown = false;
  // Why it closes once its response had a moment to leave.
  #lingerFor: CloseReason | undefined;
  // Whether a request on it asked to close gracefully once idle.
  #graceful = false;

  constructor(conn: Deno.Conn, set: ConnectionSet) {
    this.conn = conn;
    this.#set = set;
    this.deadline = set.now + set.limits.requestHeadersTimeout;
  }

  get remoteAddr(): Deno.Addr {
    return this.conn.remoteAddr;
  }

  get localAddr(): Deno.Addr {
    return this.conn.localAddr;
  }

  get phase(): ConnectionPhase {
    return this.#phase;
  }

  /** The HTTP version, when the connection itself says (ALPN on TLS). */
  get protocol(): string | undefined {
    const alpn = this.alpnProtocol;
    return alpn === "h2" ? "HTTP/2" : alpn === null ? undefined : "HTTP/1.1";
  }

  /** Aborting it makes Deno drop the connection at once. */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Whether the connection's responses should end it (HTTP/1.1 only). */
  get closing(): boolean {
    return this.#phase === "closing";
  }

  serving(served: ServedConnection): void {
    this.#served = served;
    served.finished.then(() => this.#closed(), () => this.#closed());
  }

  requestStarted(): number {
    this.#open++;
    if (this.#phase === "new" || this.#phase === "idle") {
      this.#phase = "active";
      this.deadline = Infinity;
    }
    return ++this.#requests;
  }

  requestEnded(graceful = false): void {
    // Once any answer asked for it: over HTTP/2 a small answer ending after
    // a large one still on its way must not make the close an abort.
    if (graceful) this.#graceful = true;
    if (--this.#open > 0) return;
    if (this.#phase === "active") {
      this.#phase = "idle";
      this.deadline = this.#set.now + this.#set.limits.keepAliveTimeout;
    } else if (this.#phase === "closing") {
      if (this.#lingerFor === undefined) this.#shutdown();
      else this.deadline = this.#set.now + LINGER_MS;
    }
  }

  /**
   * Ends the connection gracefully: an idle one at once; an active one once
   * its last request ended (Deno's graceful close cuts a body still
   * arriving), its HTTP/1.1 responses meanwhile saying `Connection: close`.
   */
  stop(): void {
    if (this.#phase === "closed" || this.#phase === "closing") return;
    const phase = this.#phase;
    this.#phase = "closing";
    if (this.#lingerFor !== undefined) return;
    const idleFor = this.#set.now -
      (this.deadline - this.#set.limits.keepAliveTimeout);
    this.deadline = Infinity;
    if (phase === "active") return;
    // A connection that just answered may have the client's next request
    // on the wire: closing it now would reset that request. It gets a
    // moment, and a request arriving in it is answered with Connection:
    // close. Long idle (or never used) ones close at once.
    if (phase === "new" || idleFor > RECENT_MS) return this.#shutdown();
    schedule(() => {
      if (this.#phase === "closing" && this.#open === 0) this.#shutdown();
    }, STOP_GRACE_MS);
  }

  /**
   * Whether a response on this connection promised the client that it ends
   * (`Connection: close`, or a body cut off as too slow).
   */
  get ending(): boolean {
    return this.#lingerFor !== undefined;
  }

  /**
   * Ends the connection a moment after the response now being made: for a
   * request refused with `Connection: close` (400, 413) or a body found too
   * slow, whose unread rest Deno would wait for. The moment lets the
   * response reach the client before the close.
   */
  endAfterResponse(reason: CloseReason): void {
    if (this.#phase === "closed") return;
    this.#lingerFor = reason;
    this.#phase = "closing";
    this.deadline = this.#open > 0 ? Infinity : this.#set.now + LINGER_MS;
  }

  /** The heartbeat found the deadline passed. */
  expire(): void {
    if (
      this.#phase === "idle" && this.#graceful && this.#lingerFor === undefined
    ) {
      // Deno may still be writing the last response (a body larger than the
      // socket takes at once is handed over whole, and Deno says it was
      // sent before it went): the connection closes as Deno's graceful
      // close does, at once when idle, else after that response. Over
      // HTTP/2 that close also waits for the client to answer a PING, which
      // a client could withhold: idle HTTP/2 connections whose last answer
      // was small are dropped instead (one with a large answer could be
      // held by a client that stops reading anyway).
      this.#closing("keepAliveTimeout");
      this.#phase = "closing";
      this.deadline = Infinity;
      return this.#shutdown();
    }
    this.close(
      this.#lingerFor ??
        (this.#phase === "new" ? "requestHeadersTimeout" : "keepAliveTimeout"),
    );
  }

  #shutdown(): void {
    if (this.#shutDown) return;
    const served = this.#served;
    if (served === undefined) return this.close("stopDeadline");
    this.#shutDown = true;
    served.shutdown().catch(() => {});
  }

  /** Drops the connection at once, saying why in the log. */
  close(reason: CloseReason): void {
    if (this.#phase === "closed") return;
    this.#closing(reason);
    if (this.#shutDown) {
      // Deno 2.9 throws an uncaught BadResource when a connection it closes
      // gracefully is then aborted: let it finish, without holding the
      // process.
      this.#served!.unref();
      return;
    }
    this.#abort.abort(reason);
    if (this.#served === undefined) {
      try {
        this.conn.close();
      } catch {
        // already closed
      }
      this.#closed();
    }
  }

  // Says in the log that it closes, and why.
  #closing(reason: CloseReason): void {
    // A failed TLS handshake is the client's business, not the server's news.
    const level = reason === "handshake" ? "debug" : "information";
    this.#set.event(
      level,
      this.handshaking
        ? "Connection {connectionId} closed: {reason}, in its TLS handshake (Deno 2.9 cannot close a socket mid-handshake: it stays open until the client leaves, though no longer counted)"
        : this.#shutDown
        ? "Connection {connectionId} left to end by itself at {reason}: Deno 2.9 cannot abort a connection it is already closing gracefully, so it stays open until its last response ends (a Response body the app returned that never ends holds it, and the process, until the client leaves)"
        : "Connection {connectionId} closed: {reason}",
      {
        connectionId: this.id,
        reason,
        remoteAddress: remoteAddress(this.conn.remoteAddr),
      },
    );
  }

  #closed(): void {
    if (this.#phase === "closed") return;
    this.#phase = "closed";
    this.deadline = Infinity;
    this.#set.remove(this);
  }
}

function remoteAddress(addr: Deno.Addr): string {
  return addr.transport === "tcp" || addr.transport === "udp"
    ? `${addr.hostname}:${addr.port}`
    : "unix";
}

/** The limits a connection set enforces, in milliseconds. */
export interface ConnectionLimits {
  readonly maxConcurrentConnections: number | null;
  readonly keepAliveTimeout: number;
  readonly requestHeadersTimeout: number;
}

/** Every open connection of one server, and the heartbeat over them. */
export class ConnectionSet {
  readonly limits: ConnectionLimits;
  readonly event: ConnectionEvent;
  /** The heartbeat's clock (performance.now() at the last beat). */
  now: number = performance.now();
  readonly #all = new Set<Connection>();
  readonly #interval: number;
  #timer: Timer | undefined;
  #emptied: PromiseWithResolvers<void> | undefined;

  constructor(limits: ConnectionLimits, event: ConnectionEvent) {
    this.limits = limits;
    this.event = event;
    // Often enough to keep every timeout within a quarter of itself.
    this.#interval = Math.max(
      10,
      Math.min(
        1000,
        Math.floor(
          Math.min(limits.keepAliveTimeout, limits.requestHeadersTimeout) / 4,
        ),
      ),
    );
  }

  /** Open connections. */
  get size(): number {
    return this.#all.size;
  }

  /** Open connections by protocol: "HTTP/2", "HTTP/1.1", or "unknown". */
  byProtocol(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const connection of this.#all) {
      const protocol = connection.protocol ?? "unknown";
      counts[protocol] = (counts[protocol] ?? 0) + 1;
    }
    return counts;
  }

  /**
   * Takes an accepted connection in, or closes it at once when the cap is
   * reached (answering 503 would mean reading its request first: what the
   * cap protects against).
   */
  add(conn: Deno.Conn): Connection | undefined {
    this.now = performance.now();
    const connection = new Connection(conn, this);
    const max = this.limits.maxConcurrentConnections;
    if (max !== null && this.#all.size >= max) {
      connection.close("maxConcurrentConnections");
      return undefined;
    }
    this.#all.add(connection);
    if (this.#timer === undefined) this.#beat();
    this.event(
      "debug",
      "Connection {connectionId} accepted from {remoteAddress}",
      {
        connectionId: connection.id,
        remoteAddress: remoteAddress(conn.remoteAddr),
      },
    );
    return connection;
  }

  remove(connection: Connection): void {
    if (!this.#all.delete(connection)) return;
    this.event("debug", "Connection {connectionId} closed", {
      connectionId: connection.id,
    });
    if (this.#all.size === 0) {
      this.#stopBeating();
      this.#emptied?.resolve();
      this.#emptied = undefined;
    }
  }

  #beat(): void {
    // The listeners keep the process alive, not the heartbeat.
    this.#timer = schedule(
      () => {
        const now = this.now = performance.now();
        for (const connection of this.#all) {
          if (connection.deadline <= now) connection.expire();
        }
      },
      this.#interval,
      { repeat: true, ref: false },
    );
  }

  #stopBeating(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** Ends every connection gracefully (see `Connection.stop`). */
  stopAll(): void {
    for (const connection of [...this.#all]) connection.stop();
  }

  /** Drops every connection at once. */
  closeAll(reason: CloseReason): void {
    for (const connection of [...this.#all]) connection.close(reason);
  }

  /** Resolves once no connection is open. */
  emptied(): Promise<void> {
    if (this.#all.size === 0) return Promise.resolve();
    return (this.#emptied ??= Promise.withResolvers()).promise;
  }
}
