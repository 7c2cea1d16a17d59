/**
 * `DenoServer`: the default server, on `Deno.serve` (Roost's Kestrel).
 *
 * @module
 */

import { serverReporter } from "./_report.ts";
import {
  FeatureCollection,
  ServerAddressesFeature,
  ServerReportingFeature,
  type TlsHandshakeFeature,
} from "../features/mod.ts";
import {
  type Endpoint,
  type EndpointOptions,
  parseEndpointUrl,
  parseEndpointUrls,
} from "./endpoint.ts";
import { type ResolvedServerLimits, resolveServerLimits } from "./limits.ts";
import type {
  HttpApplication,
  Server,
  ServerStartOptions,
  ServerStopOptions,
} from "./server.ts";
import { Dispatcher } from "./_dispatcher.ts";
import { isDeliberateReset } from "./_response_stream.ts";
import { BodyWatches } from "./_body_rate.ts";
import { type ConnectionEvent, ConnectionSet } from "./_connections.ts";
import { DEFAULT_URL, type DenoServerOptions } from "./deno_server_options.ts";
import {
  ALPN,
  type ConnectionEngine,
  connectionEngine,
  type Listening,
  type ListenOptions,
  listenOwned,
} from "./_owned_listener.ts";
import { fallbackWarning, listenServe } from "./_serve_listener.ts";
import type { EndpointInfo } from "./_request_state.ts";
import { bindEndpoint, raceAbort } from "./_listen.ts";

const TLS: TlsHandshakeFeature = Object.freeze({ alpnProtocols: ALPN });
// After the stop deadline, how long to let Deno close what was reset.
const RESET_GRACE_MS = 1000;

/**
 * The default server: one `Deno.serve` per endpoint. HTTPS endpoints speak
 * HTTP/2 and HTTP/1.1 on one port (ALPN); port 0 binds a free port and
 * `ServerAddressesFeature` reports the real one. On top of `Deno.serve` it
 * enforces the request body limit, a concurrency limit, a graceful stop with
 * a deadline, and a `requestAborted` that fires only on a real disconnect.
 *
 * @example Serving an application on a free port
 * ```ts
 * import assert from "node:assert/strict";
 * import { DenoServer, ServerAddressesFeature, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .useServer(new DenoServer({ urls: "http://127.0.0.1:0" }))
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => app.run((ctx) => ctx.response.send("hello")))
 *   .build();
 * await host.start();
 * const response = await fetch(host.addresses[0]);
 * assert.equal(await response.text(), "hello");
 * await host.stop();
 * ```
 */
export class DenoServer implements Server {
  readonly #features = new FeatureCollection();
  readonly #addresses: ServerAddressesFeature;
  readonly #options: DenoServerOptions;
  // The server's own option, else what the host set, else stderr.
  readonly #report: (message: string, error?: unknown) => void;
  readonly #ownEndpoints: readonly EndpointOptions[];
  readonly #limits: ResolvedServerLimits;
  #listening: Listening[] = [];
  #dispatcher: Dispatcher<unknown> | undefined;
  #stopping: Promise<void> | undefined;
  readonly #upgraded = { open: 0 };
  readonly #bodyWatches: BodyWatches;
  #engine: ConnectionEngine | undefined;
  #connections: ConnectionSet | undefined;
  // Deno.serve only: the servers a stop shut down, and their shutdown.
  #stopped: Listening[] = [];
  #served: Promise<unknown> = Promise.resolve();

  /**
   * Makes a server; nothing listens until `start()`.
   *
   * @param options Endpoints, certificate and limits.
   * @throws {TypeError} When a URL is malformed.
   * @throws {RangeError} When a limit is out of range.
   */
  constructor(options: DenoServerOptions = {}) {
    this.#options = options;
    this.#report = serverReporter(options.onError, this.#features);
    this.#limits = resolveServerLimits(options.limits);
    this.#bodyWatches = new BodyWatches(
      this.#limits.minRequestBodyDataRate?.gracePeriod ?? 1000,
    );
    const own: EndpointOptions[] = [
      ...parseEndpointUrls(options.urls ?? []).map((e) => ({ url: e.url })),
      ...(options.endpoints ?? []),
    ];
    for (const endpoint of own) parseEndpointUrl(endpoint.url);
    this.#ownEndpoints = own;
    this.#addresses = {
      addresses: own.map((endpoint) => endpoint.url),
      preferHostingUrls: false,
    };
    this.#features.set(ServerAddressesFeature, this.#addresses);
  }

  /** Server-wide features: `ServerAddressesFeature`. */
  get features(): FeatureCollection {
    return this.#features;
  }

  /** The limits in force, defaults filled in. */
  get limits(): ResolvedServerLimits {
    return this.#limits;
  }

  /** Requests being processed right now. */
  get activeRequests(): number {
    return this.#dispatcher?.active ?? 0;
  }

  /**
   * Open connections, by protocol: `"HTTP/2"` and `"HTTP/1.1"` where TLS
   * negotiated one, `"unknown"` on cleartext (HTTP/1.1 or h2c). Empty when
   * the server runs on `Deno.serve`, which does not show its connections.
   */
  get connections(): {
    readonly open: number;
    readonly byProtocol: Record<string, number>;
  } {
    const set = this.#connections;
    return { open: set?.size ?? 0, byProtocol: set?.byProtocol() ?? {} };
  }

  #event: ConnectionEvent = (level, message, properties) => {
    const log = this.#options.onConnectionEvent ??
      this.#features.get(ServerReportingFeature)?.onConnectionEvent;
    if (log !== undefined) log(level, message, properties);
  };

  // Kestrel's rule: the server's own endpoints win over the host's urls
  // unless preferHostingUrls says otherwise.
  #chooseEndpoints(): EndpointOptions[] {
    const own = this.#ownEndpoints;
    const ownUrls = new Set(own.map((endpoint) => endpoint.url));
    const hosting = this.#addresses.addresses.filter((url) =>
      !ownUrls.has(url)
    );
    if (own.length > 0 && hosting.length > 0) {
      if (this.#addresses.preferHostingUrls) {
        this.#report(
          `Overriding the server's endpoints (${
            [...ownUrls].join(", ")
          }) with the host's urls (${
            hosting.join(", ")
          }) because preferHostingUrls is true.`,
        );
        return hosting.map((url) => ({ url }));
      }
      this.#report(
        `Overriding the host's urls (${
          hosting.join(", ")
        }): binding to the endpoints given to the server (${
          [...ownUrls].join(", ")
        }) instead. Set preferHostingUrls to use the urls.`,
      );
      return [...own];
    }
    if (own.length > 0) return [...own];
    if (hosting.length > 0) return hosting.map((url) => ({ url }));
    return [{ url: DEFAULT_URL }];
  }

  /**
   * Binds every endpoint and starts serving `app`. A URL that names a host
   * other than `localhost` (`http://example.com:8080`) binds every
   * interface, as Kestrel does, and is reported as a warning through
   * `onError` first.
   *
   * @param app The application.
   * @param options A signal that cancels a start still binding.
   * @throws {TypeError} On a malformed URL or a missing certificate.
   * @throws {Deno.errors.AddrInUse} When a port is taken; the message names
   * the address.
   */
  async start<C>(
    app: HttpApplication<C>,
    options: ServerStartOptions = {},
  ): Promise<void> {
    if (this.#dispatcher !== undefined) {
      throw new TypeError("The server is already started: stop() it first");
    }
    const chosen = this.#chooseEndpoints();
    const parsed = chosen.map((options) => ({
      options,
      endpoint: parseEndpointUrl(options.url),
    }));
    for (const { endpoint } of parsed) {
      if (endpoint.hostName === undefined) continue;
      this.#report(
        `Binding ${endpoint.url} to every interface: "${endpoint.hostName}" is a host name, not an address, so it cannot choose one (Kestrel does the same). To bind one interface use an IP address or localhost (${endpoint.scheme}://127.0.0.1:${endpoint.port}); for every interface without this warning use ${endpoint.scheme}://*:${endpoint.port}; to answer only some host names use useHostFiltering.`,
      );
    }
    const dispatcher = new Dispatcher(
      app,
      this.#limits.maxConcurrentRequests,
      (message, error) => this.#report(message, error),
    );
    this.#dispatcher = dispatcher as Dispatcher<unknown>;
    this.#stopping = undefined;
    this.#engine = this.#options.webSockets ? undefined : connectionEngine();
    // The engine is internal to Deno: without it, Deno.serve serves.
    if (this.#engine === undefined) {
      this.#report(
        fallbackWarning(this.#limits, this.#options.webSockets === true),
      );
    } else {
      this.#connections = new ConnectionSet(this.#limits, this.#event);
    }
    try {
      for (const { options: endpointOptions, endpoint } of parsed) {
        options.signal?.throwIfAborted();
        await this.#bind(endpoint, endpointOptions);
      }
      options.signal?.throwIfAborted();
    } catch (error) {
      await this.#closeAll();
      this.#dispatcher = undefined;
      throw error;
    }
    this.#addresses.addresses.splice(
      0,
      Infinity,
      ...new Set(this.#listening.map((listening) => listening.address)),
    );
  }

  #bind(endpoint: Endpoint, options: EndpointOptions): Promise<void> {
    return bindEndpoint(
      endpoint,
      options.reusePort === undefined && this.#options.reusePort === true
        ? { ...options, reusePort: true }
        : options,
      this.#options.certificate,
      (listenOptions, tls, hostname, port, address) => {
        const bound = this.#listen(
          listenOptions,
          endpoint,
          tls,
          hostname,
          port,
          address,
        );
        return {
          port: bound,
          rename: (name) => {
            this.#listening[this.#listening.length - 1].address = name;
          },
        };
      },
    );
  }

  // Binds one address; returns the port it got.
  #listen(
    listenOptions: ListenOptions,
    endpoint: Endpoint,
    tls: unknown,
    localAddress: string,
    port: number,
    address: string,
  ): number {
    const info: EndpointInfo = {
      scheme: tls === undefined ? "http" : "https",
      localAddress: localAddress || (endpoint.path ?? ""),
      localPort: port,
      tls: tls === undefined ? undefined : TLS,
      serverFeatures: this.#features,
      limits: this.#limits,
      webSockets: true,
      upgraded: this.#upgraded,
      bodyWatches: this.#bodyWatches,
      noUpgrade: this.#engine === undefined
        ? undefined
        : "Cannot accept a WebSocket: DenoServer serves this connection with Deno's engine for one connection, which Deno 2.9 cannot upgrade. Pass webSockets: true to DenoServer (it then runs on Deno.serve, without the connection limits)",
    };
    const onError = (error: unknown) => {
      if (!isDeliberateReset(error)) {
        this.#report("Deno's HTTP engine reported an error:", error);
      }
      return new Response(null, { status: 500 });
    };
    const dispatcher = this.#dispatcher!;
    const engine = this.#engine;
    const listening = engine === undefined
      ? listenServe(
        listenOptions,
        (request, peer) => dispatcher.dispatch(request, peer, info),
        onError,
      )
      : listenOwned(
        engine,
        listenOptions,
        tls !== undefined,
        this.#connections!,
        (request, peer, connection) =>
          dispatcher.dispatch(
            request,
            peer,
            info,
            connection.protocol,
            connection,
          ),
        onError,
        (message, error) => this.#report(message, error),
      );
    listening.address = address;
    this.#listening.push(listening);
    const addr = listening.addr;
    if (addr.transport !== "tcp") return port;
    info.localPort = addr.port;
    listening.address ||= `${endpoint.scheme}://${
      addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname
    }:${addr.port}`;
    return addr.port;
  }

  async #closeAll(): Promise<void> {
    const listening = this.#listening;
    this.#listening = [];
    await Promise.all(listening.map((entry) => entry.close()));
    this.#connections?.closeAll("stopDeadline");
  }

  /**
   * Stops gracefully: new connections are refused and idle ones closed at
   * once; requests in flight run to their end. When `options.signal` aborts
   * first, every request still running sees `requestAborted` and its
   * response is reset, then the server closes.
   *
   * @param options The deadline of the graceful stop.
   */
  stop(options: ServerStopOptions = {}): Promise<void> {
    return this.#stopping ??= this.#stop(options.signal);
  }

  async #stop(signal: AbortSignal | undefined): Promise<void> {
    const dispatcher = this.#dispatcher;
    if (dispatcher === undefined) return;
    const deadline = signal ?? new AbortController().signal;
    const connections = this.#connections;
    const finished = connections === undefined
      ? await this.#stopServing(dispatcher, deadline)
      : await this.#stopConnections(connections, deadline);
    if (!finished) {
      const count = dispatcher.abortAll(
        new DOMException("The server is stopping", "AbortError"),
      );
      if (count > 0) {
        this.#report(
          `The shutdown deadline passed with ${count} request(s) still running; they were cancelled.`,
        );
      }
      const grace = AbortSignal.timeout(RESET_GRACE_MS);
      const closed = connections === undefined
        ? await raceAbort(this.#served, grace)
        : await raceAbort(connections.emptied(), grace);
      if (!closed) {
        if (connections !== undefined) {
          connections.closeAll("stopDeadline");
        } else {
          this.#report(
            "Some connections are still open after the deadline; they will close when the process exits.",
          );
          for (const { server } of this.#stopped) server?.unref();
        }
      }
    }
    this.#stopped = [];
    this.#connections = undefined;
    this.#dispatcher = undefined;
  }

  // Owned connections: stop accepting, close idle connections at once and
  // busy ones after their last response, which says Connection: close.
  async #stopConnections(
    connections: ConnectionSet,
    deadline: AbortSignal,
  ): Promise<boolean> {
    const listening = this.#listening;
    this.#listening = [];
    await Promise.all(listening.map((entry) => entry.close()));
    connections.stopAll();
    return await raceAbort(connections.emptied(), deadline);
  }

  // Deno.serve: new requests are answered 503 until the uploads in flight
  // have arrived, since Deno's shutdown() would cut them off.
  async #stopServing(
    dispatcher: Dispatcher<unknown>,
    deadline: AbortSignal,
  ): Promise<boolean> {
    const listening = this.#stopped = this.#listening;
    this.#listening = [];
    let finished = await raceAbort(dispatcher.drain(), deadline);
    // Never abort Deno.serve's own signal after shutdown(): Deno 2.9 crashes.
    this.#served = Promise.all(listening.map((entry) => entry.close()));
    if (finished) finished = await raceAbort(this.#served, deadline);
    return finished;
  }

  /** Stops the server, waiting for in-flight requests. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
