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

/** What a request state needs to know about the endpoint it came in on. */
export interface EndpointInfo {
  readonly scheme: "http" | "https";
  readonly localAddress: string;
  localPort: number;
  readonly tls: TlsHandshakeFeature | undefined;
  readonly serverFeatures: FeatureCollection;
  readonly limits: ResolvedServerLimits;
  /** Whether `Deno.upgradeWebSocket` works on this endpoint's requests. */
  readonly webSockets: boolean;
}

/** The part of `Deno.ServeHandlerInfo` a request state reads. */
export interface PeerInfo {
  readonly remoteAddr: Deno.Addr;
  readonly completed?: Promise<void>;
}

/** Whether a peer is on this machine (a Unix socket counts). */
export function isLoopback(addr: Deno.Addr): boolean {
  if (addr.transport !== "tcp" && addr.transport !== "udp") return true;
  const host = addr.hostname;
  return host.startsWith("127.") || host === "::1" ||
    host.startsWith("::ffff:127.");
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
  #traceIdentifier: string | undefined;
  #items: Map<unknown, unknown> | undefined;

  constructor(peer: PeerInfo, endpoint: EndpointInfo) {
    super(endpoint.serverFeatures);
    this.peer = peer;
    this.endpoint = endpoint;
  }

  // -- HttpConnectionFeature

  get connectionId(): string {
    const addr = this.peer.remoteAddr;
    return addr.transport === "tcp" || addr.transport === "udp"
      ? `${addr.hostname}:${addr.port}`
      : `unix:${this.endpoint.localAddress}`;
  }

  get remoteAddress(): string {
    const addr = this.peer.remoteAddr;
    return "hostname" in addr ? addr.hostname : "path" in addr ? addr.path : "";
  }

  get remotePort(): number {
    const addr = this.peer.remoteAddr;
    return "port" in addr ? addr.port : 0;
  }

  get localAddress(): string {
    return this.endpoint.localAddress;
  }

  get localPort(): number {
    return this.endpoint.localPort;
  }

  // -- HttpRequestIdentifierFeature

  get traceIdentifier(): string {
    return this.#traceIdentifier ??= `${TRACE_PREFIX}:${
      (++nextRequest).toString(36).padStart(8, "0")
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
