// The request line and headers of one request: method, scheme, host, path,
// query and protocol, read from Deno's Request once and normalized (the
// request boundary's rules live in _request_target.ts).

import type { HttpRequestFeature } from "../features/mod.ts";
import {
  ConnectionFeatures,
  type ConnectionInfo,
  type EndpointInfo,
  type PeerInfo,
} from "./_connection_features.ts";
import {
  badHost,
  hostProblem,
  isValidHost,
  NO_HOST,
  parseTarget,
} from "./_request_target.ts";
import { requestHeader } from "./_deno_request.ts";
import { READ_HEADER } from "../features/_request_header.ts";

/** The request line and headers part of `HttpRequestFeature`. */
export abstract class RequestLine extends ConnectionFeatures
  implements Omit<HttpRequestFeature, "body" | "request"> {
  readonly source: Request;
  /**
   * True once the app changed the request (or the path was normalized), so
   * the source Request no longer says what the features say.
   */
  protected changed = false;
  #parsed = false;
  #method: string | undefined;
  #host = "";
  #pathBase = "";
  #path = "/";
  #queryString = "";
  #rawTarget = "";
  #headers: Headers | undefined;
  #protocol: string | undefined;
  #problem: string | undefined;
  #scheme: string | undefined;

  constructor(
    source: Request,
    peer: PeerInfo,
    endpoint: EndpointInfo,
    connection: ConnectionInfo | undefined,
  ) {
    super(peer, endpoint, connection);
    this.source = source;
  }

  #parse(): void {
    this.#parsed = true;
    const target = parseTarget(this.source.url);
    this.#host = target.host;
    this.#rawTarget = target.rawTarget;
    this.#queryString = target.queryString;
    this.#path = target.path;
    this.#problem = target.problem;
    // The source Request's URL no longer says what the path says.
    if (target.rewritten) this.changed = true;
  }

  /**
   * Why the request must be answered 400 before the application runs, or
   * `undefined`: a path that cannot be normalized, or a missing or malformed
   * Host (RFC 9112 §3.2, RFC 9110 §7.2).
   */
  rejection(): string | undefined {
    if (!this.#parsed) this.#parse();
    // The Host header itself, not only the URL built from it: "a/b" would
    // move where the path starts. Checked whether or not the connection
    // told the version (ALPN on TLS): over HTTP/2 a Host header is still
    // what Deno builds the URL from when there is one.
    const known = this.#protocol;
    const header = requestHeader(this.source, "host");
    if (header === "" && this.#madeUpHost()) {
      // What a client sends for a target without an authority (RFC 9112
      // §3.2): valid, and naming no host. Kestrel takes it as such, and raw
      // Deno.serve serves it (as localhost). An absolute-form target names
      // its own host, which the checks below see.
      this.#protocol = known ?? "HTTP/1.1";
      this.#host = "";
      this.changed = true;
      return this.#problem;
    }
    if (header !== null || known !== "HTTP/2") {
      const problem = hostProblem(
        header,
        header === null && this.#madeUpHost(),
        this,
      );
      this.#protocol = known ?? problem.protocol;
      if (problem.reason !== undefined) return problem.reason;
      if (problem.noHost) {
        // TLS said HTTP/1.1 (ALPN): that version must send Host.
        if (known === "HTTP/1.1") return NO_HOST;
        // Not Deno's made-up "localhost:<port>": the source Request's URL
        // no longer says what the host says.
        this.#host = "";
        this.changed = true;
        return this.#problem;
      }
    }
    if (
      header === null && this.#host.startsWith("%2F") &&
      this.remoteAddr.transport === "unix"
    ) {
      // Deno made the host up from the socket's path ("%2Frun%2Fapp%2Esock"):
      // the client named none, and the path is nobody's host.
      this.#host = "";
      this.changed = true;
      return this.#problem;
    }
    if (this.#problem !== undefined) return this.#problem;
    // Most often the URL's authority is the Host header just checked.
    const host = this.#host;
    return host === header || isValidHost(host) ? undefined : badHost(host);
  }

  // Whether the URL's authority is the one Deno makes up for a request
  // without one: "localhost:<port>", which the URL writes as "localhost" on
  // the scheme's own port (80, 443).
  #madeUpHost(): boolean {
    const port = this.endpoint.localPort;
    const host = this.#host;
    if (!host.startsWith("localhost")) return false;
    return host.length === 9
      ? port === (this.endpoint.scheme === "https" ? 443 : 80)
      : host === `localhost:${port}`;
  }

  /**
   * The HTTP version. Deno does not tell it (denoland/deno#10277): a
   * request with a Host header is HTTP/1.1, one with only :authority HTTP/2.
   */
  get protocol(): string {
    return this.#protocol ??= requestHeader(this.source, "host") === null
      ? "HTTP/2"
      : "HTTP/1.1";
  }
  set protocol(value: string) {
    this.#protocol = value;
  }

  get scheme(): string {
    return this.#scheme ?? this.endpoint.scheme;
  }
  set scheme(value: string) {
    this.#scheme = value;
    this.changed = true;
  }

  get method(): string {
    return this.#method ??= this.source.method;
  }
  set method(value: string) {
    this.#method = value;
    this.changed = true;
  }

  get host(): string {
    if (!this.#parsed) this.#parse();
    return this.#host;
  }
  set host(value: string) {
    if (!this.#parsed) this.#parse();
    this.#host = value;
    this.changed = true;
  }

  get pathBase(): string {
    return this.#pathBase;
  }
  set pathBase(value: string) {
    if (!this.#parsed) this.#parse();
    this.#pathBase = value;
    this.changed = true;
  }

  get path(): string {
    if (!this.#parsed) this.#parse();
    return this.#path;
  }
  set path(value: string) {
    if (!this.#parsed) this.#parse();
    this.#path = value;
    this.changed = true;
  }

  get queryString(): string {
    if (!this.#parsed) this.#parse();
    return this.#queryString;
  }
  set queryString(value: string) {
    if (!this.#parsed) this.#parse();
    this.#queryString = value;
    this.changed = true;
  }

  get rawTarget(): string {
    if (!this.#parsed) this.#parse();
    return this.#rawTarget;
  }

  get headers(): Headers {
    return this.#headers ??= this.source.headers;
  }
  set headers(value: Headers) {
    this.#headers = value;
    this.changed = true;
  }

  /** One header, from Deno's record while nobody made or replaced them all. */
  [READ_HEADER](name: string): string | null {
    // Called on a Proxy of this feature (a middleware that wraps it to
    // answer `headers` itself): read through the wrapper.
    if (!(#headers in this)) {
      return (this as HttpRequestFeature).headers.get(name);
    }
    const headers = this.#headers;
    return headers === undefined
      ? requestHeader(this.source, name)
      : headers.get(name);
  }
}
