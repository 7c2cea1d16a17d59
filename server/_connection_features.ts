// What a request knows of its connection and endpoint, and the features
// that come from there: addresses, the trace identifier, per-request items.

import type {
  FeatureCollection,
  HttpConnectionFeature,
  HttpRequestIdentifierFeature,
  ItemsFeature,
  TlsHandshakeFeature,
} from "../features/mod.ts";
import type { ResolvedServerLimits } from "./limits.ts";
import { BuiltinFeatures } from "./_builtin_features.ts";
import type { BodyWatches } from "./_body_rate.ts";

/** What a request state needs to know about the endpoint it came in on. */
export interface EndpointInfo {
  readonly scheme: "http" | "https";
  readonly localAddress: string;
  localPort: number;
  readonly tls: TlsHandshakeFeature | undefined;
  readonly serverFeatures: FeatureCollection;
  readonly limits: ResolvedServerLimits;
  /** Whether requests here get an HttpWebSocketFeature. */
  readonly webSockets: boolean;
  /** Why accepting a WebSocket fails here, when it does. */
  readonly noUpgrade?: string;
  /** The server's count of open WebSockets, shared by its endpoints. */
  readonly upgraded?: { open: number };
  /** Where request bodies' minimum rate is checked (none in memory). */
  readonly bodyWatches?: BodyWatches;
}

/** The part of `Deno.ServeHandlerInfo` a request state reads. */
export interface PeerInfo {
  readonly remoteAddr: Deno.Addr;
  readonly completed?: Promise<void>;
}

/** The connection a request came on, when the server owns it. */
export interface ConnectionInfo {
  /** Shared by every request on the connection. */
  readonly id: string;
  /** The HTTP version, when the connection says (ALPN on TLS). */
  readonly protocol: string | undefined;
  /** "h2" or "http/1.1" when TLS negotiated one, else null. */
  readonly alpnProtocol: string | null;
  /** The connection's TLS handshake, on TLS. */
  readonly tls: TlsHandshakeFeature | undefined;
  /** The client's address. */
  readonly remoteAddr: Deno.Addr;
  /**
   * This end's address: the interface the client reached, where the
   * endpoint may listen on all of them (`0.0.0.0`).
   */
  readonly localAddr: Deno.Addr;
  /** Whether the connection ends after its open requests (a stop). */
  readonly closing: boolean;
  /** Counts a request in; returns its number on the connection, from 1. */
  requestStarted(): number;
  /**
   * Counts a request out, once its response was sent. `graceful`: an idle
   * connection after it closes as Deno's graceful close does (it came over
   * HTTP/1.x, or its body may still be on its way), rather than at once.
   */
  requestEnded(graceful?: boolean): void;
  /** Whether a response on it promised the client that it ends. */
  readonly ending: boolean;
  /** Ends the connection after the response being made, saying why. */
  endAfterResponse(
    reason: "minRequestBodyDataRate" | "badRequest" | "maxRequestBodySize",
  ): void;
}

let nextRequest = 0;
const TRACE_PREFIX = `0HR${(Date.now() % 0xffffff).toString(36)}`;

/**
 * The connection's side of a request's features. Subclasses add the
 * request's own, and say which features are built in.
 */
export abstract class ConnectionFeatures extends BuiltinFeatures
  implements HttpConnectionFeature, HttpRequestIdentifierFeature, ItemsFeature {
  readonly peer: PeerInfo;
  readonly endpoint: EndpointInfo;
  readonly connection: ConnectionInfo | undefined;
  readonly #sequence: number;
  #traceIdentifier: string | undefined;
  #items: Map<unknown, unknown> | undefined;

  constructor(
    peer: PeerInfo,
    endpoint: EndpointInfo,
    connection: ConnectionInfo | undefined,
  ) {
    super(endpoint.serverFeatures);
    this.peer = peer;
    this.endpoint = endpoint;
    this.connection = connection;
    this.#sequence = connection === undefined ? 0 : connection.requestStarted();
  }

  // -- HttpConnectionFeature

  /**
   * The client's address: the connection's own when the server owns it
   * (Deno's per-request one throws on a Unix socket there).
   */
  get remoteAddr(): Deno.Addr {
    return this.connection?.remoteAddr ?? this.peer.remoteAddr;
  }

  get connectionId(): string {
    const connection = this.connection;
    if (connection !== undefined) return connection.id;
    const addr = this.remoteAddr;
    return addr.transport === "tcp" || addr.transport === "udp"
      ? `${addr.hostname}:${addr.port}`
      : `unix:${this.endpoint.localAddress}`;
  }

  get remoteAddress(): string {
    const addr = this.remoteAddr;
    return "hostname" in addr
      ? addr.hostname
      : "path" in addr
      ? addr.path ?? ""
      : "";
  }

  get remotePort(): number {
    const addr = this.remoteAddr;
    return "port" in addr ? addr.port : 0;
  }

  // The connection's own end when the server owns it (Kestrel's
  // LocalIpAddress is the interface reached, not the wildcard listened on).
  get localAddress(): string {
    const addr = this.connection?.localAddr;
    return addr !== undefined && "hostname" in addr
      ? addr.hostname
      : this.endpoint.localAddress;
  }

  get localPort(): number {
    const addr = this.connection?.localAddr;
    return addr !== undefined && "port" in addr
      ? addr.port
      : this.endpoint.localPort;
  }

  // -- HttpRequestIdentifierFeature

  get traceIdentifier(): string {
    // Kestrel's form when the connection is known: its id, then the
    // request's number on it.
    const connection = this.connection;
    return this.#traceIdentifier ??= connection === undefined
      ? `${TRACE_PREFIX}:${(++nextRequest).toString(36).padStart(8, "0")}`
      : `${connection.id}:${
        this.#sequence.toString(16).toUpperCase().padStart(8, "0")
      }`;
  }
  set traceIdentifier(value: string) {
    this.#traceIdentifier = value;
  }

  // -- ItemsFeature

  get items(): Map<unknown, unknown> {
    return this.#items ??= new Map();
  }
}
