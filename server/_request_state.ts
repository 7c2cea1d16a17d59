// One object per request carries every request-side feature, as Kestrel's
// HttpProtocol does.

import {
  type FeatureKey,
  HttpConnectionFeature,
  HttpMaxRequestBodySizeFeature,
  HttpMinRequestBodyDataRateFeature,
  HttpRequestFeature,
  HttpRequestIdentifierFeature,
  HttpRequestLifetimeFeature,
  HttpResponseBodyFeature,
  HttpResponseFeature,
  HttpWebSocketFeature,
  ItemsFeature,
  type MinDataRate,
  TlsHandshakeFeature,
  type WebSocketAcceptOptions,
} from "../features/mod.ts";
import { type BridgeOwner, ResponseBridge } from "./_response_bridge.ts";
import { guardedBody, tooLarge } from "./_request_body.ts";
import { timeRead } from "./_body_rate.ts";
import { upgradeWebSocket } from "./_websocket.ts";
import { TAKE_BODY_TEXT, TIME_BODY_READ } from "../features/_body_timing.ts";
import { resolveServerLimits } from "./limits.ts";
import { requestHeader, takeBodyText } from "./_deno_request.ts";
import { RequestLine } from "./_request_line.ts";
import type {
  ConnectionInfo,
  EndpointInfo,
  PeerInfo,
} from "./_connection_features.ts";

export type {
  ConnectionInfo,
  EndpointInfo,
  PeerInfo,
} from "./_connection_features.ts";
import type { ErrorReporter } from "./_report.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const { ReadableStream, AbortController, DOMException } = globalThis;

const BUILTIN_KEYS: readonly FeatureKey<unknown>[] = [
  HttpRequestFeature,
  HttpConnectionFeature,
  HttpRequestLifetimeFeature,
  HttpRequestIdentifierFeature,
  HttpMaxRequestBodySizeFeature,
  HttpMinRequestBodyDataRateFeature,
  ItemsFeature,
  HttpWebSocketFeature,
  HttpResponseFeature,
  HttpResponseBodyFeature,
  TlsHandshakeFeature,
];

/**
 * The request side of one request, and the collection of all its features.
 * The response side lives in `response` (a `ResponseBridge`), because
 * `HttpRequestFeature` and `HttpResponseFeature` both have `headers`.
 */
export class RequestState extends RequestLine
  implements
    HttpRequestLifetimeFeature,
    HttpMaxRequestBodySizeFeature,
    HttpMinRequestBodyDataRateFeature,
    HttpWebSocketFeature,
    BridgeOwner {
  readonly response: ResponseBridge;
  /** Reports what no application code can catch (the server's onError). */
  readonly report: ErrorReporter;
  /** The dispatcher's list of requests in flight. */
  previousInFlight: RequestState | undefined = undefined;
  nextInFlight: RequestState | undefined = undefined;
  /** True until the application's pipeline has finished. */
  running = true;
  #bodyTaken = false;
  // undefined once taken: the source's own body, read by who took it.
  #body: ReadableStream<Uint8Array> | null | undefined = null;
  #maxBody: number | null;
  #minRate: MinDataRate | null;
  // The declared length of a body handed out to be read natively and timed.
  #timedLength: number | undefined;
  #abort: AbortController | undefined;
  // null until the peer's completion was asked for.
  #completed: Promise<void> | undefined | null = null;

  constructor(
    source: Request,
    peer: PeerInfo,
    endpoint: EndpointInfo,
    report: ErrorReporter,
    connection?: ConnectionInfo,
  ) {
    super(source, peer, endpoint, connection);
    this.report = report;
    this.#maxBody = endpoint.limits.maxRequestBodySize;
    this.#minRate = endpoint.limits.minRequestBodyDataRate;
    this.response = new ResponseBridge(this);
  }

  protected readonly builtinKeys: readonly FeatureKey<unknown>[] = BUILTIN_KEYS;

  protected builtin(key: FeatureKey<unknown>): unknown {
    switch (key) {
      case HttpRequestFeature:
      case HttpConnectionFeature:
      case HttpRequestLifetimeFeature:
      case HttpRequestIdentifierFeature:
      case HttpMaxRequestBodySizeFeature:
      case HttpMinRequestBodyDataRateFeature:
      case ItemsFeature:
        return this;
      case HttpWebSocketFeature:
        return this.endpoint.webSockets ? this : undefined;
      case HttpResponseFeature:
      case HttpResponseBodyFeature:
        return this.response;
      case TlsHandshakeFeature:
        return this.connection?.tls ?? this.endpoint.tls;
      default:
        return undefined;
    }
  }

  /** How many bytes of small writes the response buffers (for the bridge). */
  get responseBufferSize(): number {
    return this.endpoint.limits.responseBufferSize;
  }

  /**
   * Settles when the response was delivered, when the server knows. Deno's
   * `info.completed` rejects when an HTTP/2 client resets the stream: that
   * is handled here, once, since an unhandled rejection would end the
   * process (a client could stop the server by cancelling a download).
   */
  get completed(): Promise<void> | undefined {
    if (this.#completed === null) {
      const completed = this.peer.completed;
      completed?.catch(() => {});
      this.#completed = completed;
    }
    return this.#completed;
  }

  get delivery(): Promise<void> | undefined {
    return this.connection === undefined ? undefined : this.completed;
  }

  /** Whether the client asked with HEAD: the response carries no body. */
  get isHead(): boolean {
    return this.source.method === "HEAD";
  }

  /** The declared Content-Length, or -1. */
  #contentLength(): number {
    const header = requestHeader(this.source, "content-length");
    if (header === null) return -1;
    const length = Number(header);
    return Number.isSafeInteger(length) && length >= 0 ? length : -1;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#bodyTaken) return this.#body ?? this.source.body;
    this.#bodyTaken = true;
    const source = this.source.body;
    if (source === null) return this.#body = null;
    const limit = this.#maxBody;
    const declared = limit === null ? -1 : this.#contentLength();
    if (limit !== null && declared > limit) {
      // Fail the first read without reading a byte; the unread body is left to
      // the server to discard or close.
      const error = tooLarge(limit, this.#closeOnTooLarge());
      return this.#body = new ReadableStream({
        start: (controller) => controller.error(error),
      });
    }
    // A declared length is enforced by the protocol's own framing.
    const rate = this.#minRate;
    const watches = this.endpoint.bodyWatches;
    return this.#body = guardedBody(
      source,
      declared !== -1 ? null : limit,
      this.protocol !== "HTTP/2",
      rate === null || watches === undefined ? undefined : {
        rate,
        watches,
        onSlow: () => this.#tooSlow(),
      },
      () => this.#closeOnTooLarge(),
    );
  }

  set body(value: ReadableStream<Uint8Array> | null) {
    this.#bodyTaken = true;
    this.#body = value;
    this.changed = true;
  }

  // A 413 on HTTP/1.1 says Connection: close when the server owns the
  // connection and can keep that promise: it ends once the answer is out,
  // so a client still sending learns to stop, and no request after it on
  // the connection is processed.
  #closeOnTooLarge(): boolean {
    const connection = this.connection;
    if (connection === undefined || this.protocol === "HTTP/2") return false;
    connection.endAfterResponse("maxRequestBodySize");
    return true;
  }

  get request(): Request | undefined {
    if (this.changed || this.#bodyTaken) return undefined;
    const limit = this.#maxBody;
    // Deno gives every request but GET and HEAD a body. Asking source.body
    // would tell for sure, but it makes Deno's own body readers take a
    // slower path: 9 µs more for a 1 KB JSON read, measured on raw
    // Deno.serve. A bodiless POST without a length just takes the guarded
    // path.
    const method = this.source.method;
    // In memory (no watches) nothing arrives slowly.
    const watches = this.endpoint.bodyWatches;
    const rate = watches === undefined ? null : this.#minRate;
    if (
      (limit !== null || rate !== null) && method !== "GET" &&
      method !== "HEAD"
    ) {
      const declared = this.#contentLength();
      if (declared === -1 || (limit !== null && declared > limit)) {
        return undefined;
      }
      // HttpRequest hands its native read to [TIME_BODY_READ].
      if (rate !== null && declared > 0) this.#timedLength = declared;
    }
    this.#bodyTaken = true;
    this.#body = undefined;
    return this.source;
  }

  // -- HttpMinRequestBodyDataRateFeature

  /** Times a native read of the body handed out by `request`. */
  [TIME_BODY_READ]<T>(read: Promise<T>): Promise<T> {
    const length = this.#timedLength;
    const rate = this.#minRate;
    const watches = this.endpoint.bodyWatches;
    if (length === undefined || rate === null || watches === undefined) {
      return read;
    }
    this.#timedLength = undefined;
    return timeRead(
      read,
      length,
      rate,
      watches,
      this.protocol !== "HTTP/2",
      () => this.#tooSlow(),
    );
  }

  /**
   * The body handed out by `request` as text, when Deno already holds all
   * of it: nothing left to time, no stream to make. Else `null`. A byte
   * order mark is kept (the reader drops it, as text() does).
   */
  [TAKE_BODY_TEXT](): string | null {
    const text = takeBodyText(this.source);
    if (text === null) return null;
    this.#timedLength = undefined;
    return text;
  }

  // The body was too slow: its read failed with 408, and the connection ends
  // once that answer is out, as Deno would wait for the rest of the body.
  #tooSlow(): void {
    // Over HTTP/2 other requests share the connection: only this stream
    // ends, with its answer.
    if (this.protocol === "HTTP/2") return;
    this.connection?.endAfterResponse("minRequestBodyDataRate");
  }

  get minDataRate(): MinDataRate | null {
    return this.#minRate;
  }
  set minDataRate(value: MinDataRate | null) {
    if (this.#bodyTaken) {
      throw new TypeError(
        "Cannot change minDataRate: the request body has already been read",
      );
    }
    this.#minRate = resolveServerLimits({ minRequestBodyDataRate: value })
      .minRequestBodyDataRate;
  }

  // -- HttpMaxRequestBodySizeFeature

  get isReadOnly(): boolean {
    return this.#bodyTaken;
  }

  get maxRequestBodySize(): number | null {
    return this.#maxBody;
  }
  set maxRequestBodySize(value: number | null) {
    if (this.#bodyTaken) {
      throw new TypeError(
        "Cannot change maxRequestBodySize: the request body has already been read",
      );
    }
    if (value !== null && (!Number.isSafeInteger(value) || value < 0)) {
      throw new RangeError(
        `maxRequestBodySize must be null or a whole number of bytes, got ${value}`,
      );
    }
    this.#maxBody = value;
  }

  // -- HttpRequestLifetimeFeature

  get requestAborted(): AbortSignal {
    if (this.#abort === undefined) {
      const controller = this.#abort = new AbortController();
      // Deno also aborts req.signal after every successful response (legacy
      // behaviour): only a disconnect before the response is over counts.
      const signal = this.source.signal;
      const onAbort = () => {
        if (!this.response.delivered) controller.abort(signal.reason);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    return this.#abort.signal;
  }

  abort(reason?: unknown): void {
    const error = reason ??
      new DOMException("The request was aborted", "AbortError");
    this.signalAborted(error);
    this.response.reset(error);
  }

  get wasAborted(): boolean {
    return this.#abort?.signal.aborted === true;
  }

  /** Fires `requestAborted` without touching the response. */
  signalAborted(reason: unknown): void {
    (this.#abort ??= new AbortController()).abort(reason);
  }

  // -- HttpWebSocketFeature

  get isWebSocketRequest(): boolean {
    return this.source.headers.get("upgrade")?.toLowerCase() === "websocket";
  }

  accept(options?: WebSocketAcceptOptions): WebSocket {
    const { socket, response } = upgradeWebSocket(
      this.source,
      this.endpoint,
      this.isWebSocketRequest,
      options,
      this.protocol,
    );
    this.response.upgrade(response);
    return socket;
  }
}
