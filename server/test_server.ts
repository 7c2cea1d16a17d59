/**
 * `TestServer`: the server contract with no socket.
 *
 * @module
 */

import { serverReporter } from "./_report.ts";
import { FeatureCollection, ServerAddressesFeature } from "../features/mod.ts";
import {
  type ResolvedServerLimits,
  resolveServerLimits,
  type ServerLimits,
} from "./limits.ts";
import type {
  HttpApplication,
  Server,
  ServerStartOptions,
  ServerStopOptions,
} from "./server.ts";
import { Dispatcher, type ErrorReporter } from "./_dispatcher.ts";
import { raceAbort } from "./_listen.ts";
import { bodyDecoded, forDecodedBody } from "../features/_decoded_body.ts";
import type { EndpointInfo } from "./_request_state.ts";

/** Options for {@linkcode TestServer}. */
export interface TestServerOptions {
  /**
   * The base that relative URLs given to `fetch` resolve against.
   * @default {"http://localhost"}
   */
  baseUrl?: string;
  /**
   * Limits, as on a real server.
   * @default {{}}
   */
  limits?: ServerLimits;
  /**
   * Receives errors the application let through.
   * @default {console.error}
   */
  onError?: ErrorReporter;
}

const PEER: { remoteAddr: Deno.NetAddr } = Object.freeze({
  remoteAddr: Object.freeze({
    transport: "tcp" as const,
    hostname: "127.0.0.1",
    port: 0,
  }),
});

// The response, or the signal's reason once it aborts first.
function untilAborted(
  responding: Promise<Response> | Response,
  signal: AbortSignal,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    Promise.resolve(responding).then((response) => {
      signal.removeEventListener("abort", onAbort);
      resolve(response);
    }, (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
  });
}

/**
 * Runs an application in memory: `fetch()` goes through the same request
 * features and response bridge as {@linkcode DenoServer}, without a socket.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .useServer(new TestServer())
 *   .configure((app) => app.run((ctx) => ctx.response.send(ctx.request.path)))
 *   .build();
 * await host.start();
 * const server = host.server as TestServer;
 * assert.equal(await (await server.fetch("/hello")).text(), "/hello");
 * await host.stop();
 * ```
 */
export class TestServer implements Server {
  readonly #features = new FeatureCollection();
  readonly #limits: ResolvedServerLimits;
  readonly #options: TestServerOptions;
  // The server's own option, else what the host set, else stderr.
  readonly #report: (message: string, error?: unknown) => void;
  readonly #endpoints = new Map<string, EndpointInfo>();
  #dispatcher: Dispatcher<unknown> | undefined;

  /**
   * Makes an in-memory server.
   *
   * @param options The base URL and limits.
   */
  constructor(options: TestServerOptions = {}) {
    this.#options = options;
    this.#report = serverReporter(options.onError, this.#features);
    this.#limits = resolveServerLimits(options.limits);
    this.#features.set(ServerAddressesFeature, {
      addresses: [options.baseUrl ?? "http://localhost"],
      preferHostingUrls: false,
    });
  }

  /** Server-wide features: `ServerAddressesFeature`. */
  get features(): FeatureCollection {
    return this.#features;
  }

  /** The limits in force. */
  get limits(): ResolvedServerLimits {
    return this.#limits;
  }

  /**
   * Starts running `app`.
   *
   * @param app The application.
   * @param _options Unused: nothing to bind.
   */
  start<C>(
    app: HttpApplication<C>,
    _options?: ServerStartOptions,
  ): Promise<void> {
    this.#dispatcher = new Dispatcher(
      app,
      this.#limits.maxConcurrentRequests,
      (message, error) => this.#report(message, error),
    ) as Dispatcher<unknown>;
    return Promise.resolve();
  }

  /**
   * Stops: new fetches are refused, and requests still running finish, as
   * on DenoServer; when `options.signal` aborts first (the host's shutdown
   * deadline), they are cancelled: `requestAborted` fires, and a response
   * not started yet is 503.
   *
   * @param options The deadline of the graceful stop.
   */
  async stop(options: ServerStopOptions = {}): Promise<void> {
    const dispatcher = this.#dispatcher;
    if (dispatcher === undefined) return;
    this.#dispatcher = undefined;
    const deadline = options.signal ?? new AbortController().signal;
    if (await raceAbort(dispatcher.settled(), deadline)) return;
    const count = dispatcher.abortAll(
      new DOMException("The server is stopping", "AbortError"),
    );
    if (count > 0) {
      this.#report(
        `The shutdown deadline passed with ${count} request(s) still running; they were cancelled.`,
      );
    }
  }

  // A request Deno.serve handed over (deno serve, or a handler that
  // forwards) can be upgraded to a WebSocket: Deno holds its connection.
  #endpoint(scheme: string, served: boolean): EndpointInfo {
    const key = served ? `${scheme} served` : scheme;
    let endpoint = this.#endpoints.get(key);
    if (endpoint === undefined) {
      endpoint = {
        scheme: scheme === "https" ? "https" : "http",
        localAddress: "127.0.0.1",
        localPort: 0,
        tls: scheme === "https"
          ? { alpnProtocols: ["h2", "http/1.1"] }
          : undefined,
        serverFeatures: this.#features,
        limits: this.#limits,
        webSockets: served,
      };
      this.#endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  /**
   * Sends a request to the application, as `fetch` would to a real server.
   * Given the `info` that `Deno.serve` hands its handler instead of
   * `init`, the request comes from that peer: so
   * `Deno.serve((request, info) => server.fetch(request, info))` serves
   * the app over the network.
   *
   * @param input A URL (relative to `baseUrl`) or a `Request`.
   * @param init Request options, as for `fetch`; or `Deno.serve`'s
   * handler info.
   * @returns The application's response. As with fetch, a `signal` that
   * aborts first rejects it with the signal's reason, and one aborted
   * already sends nothing.
   * @throws {TypeError} When the server is not started.
   */
  async fetch(
    input: string | URL | Request,
    init?: RequestInit | Deno.ServeHandlerInfo<Deno.Addr>,
  ): Promise<Response> {
    const dispatcher = this.#dispatcher;
    if (dispatcher === undefined) {
      throw new TypeError(
        "The TestServer is not started: call start(app) first",
      );
    }
    const peer = init !== undefined && "remoteAddr" in init ? init : PEER;
    const requestInit = peer === PEER ? init as RequestInit : undefined;
    const request = input instanceof Request && requestInit === undefined
      ? input
      : new Request(
        input instanceof Request
          ? input
          : new URL(input, this.#options.baseUrl ?? "http://localhost"),
        requestInit,
      );
    const scheme = request.url.startsWith("https:") ? "https" : "http";
    // As fetch does, an aborted signal sends nothing.
    if (peer === PEER) request.signal.throwIfAborted();
    const responding = dispatcher.dispatch(
      request,
      peer,
      this.#endpoint(scheme, peer !== PEER),
      "HTTP/1.1",
    );
    // Called as a client would call fetch, an abort before the response
    // rejects, as fetch does. (Deno.serve's own requests, with their info,
    // abort when their client leaves: that is the app's news, not this.)
    if (peer !== PEER) return await responding;
    const response = await untilAborted(responding, request.signal);
    if (response.bodyUsed || response.body?.locked) {
      // A Response the app returned with a body it had read (or holds a
      // reader of): Deno.serve refuses to send it and answers 500, and so
      // does the in-memory server, rather than handing the caller a
      // Response that throws "Body already consumed".
      this.#report(
        "The application answered with a Response whose body was already read or is being read: a Response goes out once, so make a new one for each request",
      );
      return new Response("Internal Server Error", { status: 500 });
    }
    if (response.type === "error") {
      // Deno.serve refuses Response.error() too.
      this.#report(
        "The application answered with Response.error(), which is no answer to send: answer with a status, such as new Response(null, { status: 502 })",
      );
      return new Response("Internal Server Error", { status: 500 });
    }
    // A fetch() Response passed on whose body fetch decoded: Deno.serve drops
    // the encoding and length that no longer describe it, and so does this.
    if (bodyDecoded(response)) {
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers: forDecodedBody(response, new Headers(response.headers)),
      });
    }
    return response;
  }

  /** Stops the server. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
