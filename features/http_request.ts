/**
 * The request side of `HttpContext`.
 *
 * @module
 */

import type { FeatureCollection } from "./feature_collection.ts";
import { HttpError } from "./http_error.ts";
import { bodyReadFailure } from "./_body_error.ts";
import {
  HttpConnectionFeature,
  HttpRequestFeature,
} from "./request_features.ts";
import { EndpointFeature, type RouteValues } from "./endpoint_features.ts";
import {
  type BodyReadTimer,
  type BodyTextTaker,
  TAKE_BODY_TEXT,
  TIME_BODY_READ,
} from "./_body_timing.ts";
import { readHeader } from "./_request_header.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const WebResponse = globalThis.Response;

const NO_ROUTE_VALUES: RouteValues = Object.freeze({});

// The one buffered read of a body, and the feature it was made from.
interface BodyRead {
  feature: HttpRequestFeature;
  first: string;
  text?: Promise<string>;
  bytes?: Promise<ArrayBuffer>;
  /** The text came whole from the server and began with a byte order mark. */
  bom?: boolean;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
function decodeText(bytes: ArrayBuffer): string {
  return decoder.decode(bytes);
}
function encodeText(text: string): ArrayBuffer {
  return encoder.encode(text).buffer as ArrayBuffer;
}

// A stream of the bytes of a body already read into memory (or being
// read): a copy, so that whoever reads it cannot change what others read.
function bufferedBody(
  read: BodyRead,
): ReadableStream<Uint8Array> | undefined {
  const bom = read.bom === true;
  const bytes = read.bytes !== undefined
    ? read.bytes.then((buffer) => new Uint8Array(buffer.slice(0)))
    : read.text?.then((text) =>
      new Uint8Array(bytesOfText(text, bom, "a mounted app's request"))
    );
  if (bytes === undefined) return undefined;
  return new ReadableStream({
    async pull(controller) {
      controller.enqueue(await bytes);
      controller.close();
    },
  });
}

// Whether a body stream was read from: locked by a reader, or disturbed
// (Response refuses a stream that was, without reading a byte).
function streamUsed(stream: ReadableStream<Uint8Array> | null): boolean {
  if (stream === null) return false;
  if (stream.locked) return true;
  try {
    new WebResponse(stream);
    return false;
  } catch {
    return true;
  }
}

// The whole body as text straight from the server, when it holds it all.
function takeText(f: HttpRequestFeature): string | null {
  return TAKE_BODY_TEXT in f ? (f as BodyTextTaker)[TAKE_BODY_TEXT]() : null;
}

const BOM = "\ufeff";

// A body whose type says it is text (JSON, a form, XML, text/*): read as text
// straight from the server when asked for text. Any other (a multipart
// upload, bytes) is read as bytes and decoded, so that a later bytes() or
// formData() gets the bytes exactly as they came.
const TEXTUAL =
  /^(?:text\/|application\/(?:json|x-www-form-urlencoded|xml|javascript)\b|[^;]*\+(?:json|xml)\b)/i;

// The last content type asked about, and the answer: requests to one
// endpoint come with the same one.
let lastType = "";
let lastTextual = false;

function textual(f: HttpRequestFeature): boolean {
  const type = readHeader(f, "content-type");
  if (type === null) return false;
  if (type !== lastType) {
    lastTextual = TEXTUAL.test(type.trimStart());
    lastType = type;
  }
  return lastTextual;
}

// The bytes of a body read first as text straight from the server: its
// UTF-8, exactly the bytes that came when the text has no replacement
// character (a byte that was not UTF-8 would have become one). Else the
// bytes are lost, and a read that needs them is refused rather than given
// others (a signature check, a binary upload).
function bytesOfText(text: string, bom: boolean, reader: string): ArrayBuffer {
  if (text.includes("\ufffd")) {
    throw new TypeError(
      `Cannot read the request body with ${reader} after text() or json(): it was read as UTF-8 text, and it holds bytes that are not UTF-8 (or U+FFFD), so its bytes cannot be had again. Read it with bytes() or arrayBuffer() first, and decode it from those`,
    );
  }
  return encodeText(bom ? BOM + text : text);
}

function rethrowBodyFailure(error: unknown): never {
  throw bodyReadFailure(error);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-f]*:[0-9a-f:.]*$/i;

const FORM_TYPES = ["multipart/form-data", "application/x-www-form-urlencoded"];

/**
 * A friendly view of the request features, made by `HttpContext.request`.
 * Every property reads and writes the `HttpRequestFeature` underneath, so
 * middleware that rewrites the feature is seen here at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run(async (ctx) => {
 *       const { name } = await ctx.request.json<{ name: string }>();
 *       ctx.response.send(`${ctx.request.method} ${ctx.request.path}: ${name}`);
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/greet", {
 *   method: "POST",
 *   body: JSON.stringify({ name: "Ada" }),
 * });
 * assert.equal(await response.text(), "POST /greet: Ada");
 * ```
 */
export class HttpRequest {
  #features: FeatureCollection;
  #revision = -1;
  #feature: HttpRequestFeature | undefined;
  #queryString: string | undefined;
  #query: URLSearchParams | undefined;
  // The one buffered read of the body, and the feature it was made from.
  #read: BodyRead | undefined;
  #streamTaken: HttpRequestFeature | undefined;

  /**
   * Wraps a feature collection that holds an `HttpRequestFeature`.
   *
   * @param features The request's features.
   */
  constructor(features: FeatureCollection) {
    this.#features = features;
  }

  #request(): HttpRequestFeature {
    const revision = this.#features.revision;
    if (revision !== this.#revision || this.#feature === undefined) {
      const feature = this.#features.get(HttpRequestFeature);
      if (feature === undefined) {
        throw new TypeError(
          "The request has no HttpRequestFeature: the server must set one before the application runs",
        );
      }
      this.#feature = feature;
      this.#revision = revision;
    }
    return this.#feature;
  }

  /** The method (`"GET"`). */
  get method(): string {
    return this.#request().method;
  }
  set method(value: string) {
    this.#request().method = value;
  }

  /** `"http"` or `"https"`. */
  get scheme(): string {
    return this.#request().scheme;
  }
  set scheme(value: string) {
    this.#request().scheme = value;
  }

  /** True when the scheme is `https`. */
  get isHttps(): boolean {
    return this.#request().scheme === "https";
  }

  /** `"HTTP/1.1"`, `"HTTP/2"` or `"HTTP/1.0"`. */
  get protocol(): string {
    return this.#request().protocol;
  }

  /** The host and port the client addressed: untrusted input. */
  get host(): string {
    return this.#request().host;
  }
  set host(value: string) {
    this.#request().host = value;
  }

  /** The path below `pathBase`, starting with `/`. */
  get path(): string {
    return this.#request().path;
  }
  set path(value: string) {
    this.#request().path = value;
  }

  /** The path a `map()` branch consumed, or `""`. */
  get pathBase(): string {
    return this.#request().pathBase;
  }
  set pathBase(value: string) {
    this.#request().pathBase = value;
  }

  /**
   * The values endpoint routing read from the path (ASP.NET's
   * `HttpRequest.RouteValues`), percent-decoded: `{ id: "42" }` for
   * `/books/42` matched by `/books/{id}`. Empty before routing matched.
   */
  get routeValues(): RouteValues {
    return this.#features.get(EndpointFeature)?.routeValues ??
      NO_ROUTE_VALUES;
  }

  /** The query string with its `?`, or `""`. */
  get queryString(): string {
    return this.#request().queryString;
  }
  set queryString(value: string) {
    this.#request().queryString = value;
  }

  /** The query parameters, parsed once per query string. */
  get query(): URLSearchParams {
    const queryString = this.#request().queryString;
    if (this.#query === undefined || queryString !== this.#queryString) {
      this.#query = new URLSearchParams(queryString);
      this.#queryString = queryString;
    }
    return this.#query;
  }

  /**
   * The full URL: scheme, host, `pathBase`, `path` and query string. A
   * request that named no host (HTTP/1.0 without `Host`) has the address
   * it reached (`ctx.connection.localAddress`) as its URL's host.
   */
  get url(): URL {
    const f = this.#request();
    try {
      return new URL(this.#href(f, f.pathBase, false));
    } catch {
      return new URL(this.#href(f, f.pathBase, true));
    }
  }

  // The URL as text. Its authority is the host the client named, else (or,
  // with `local`, when that host cannot be a URL's: Deno's made-up one for
  // a Unix socket) the address the client reached.
  #href(f: HttpRequestFeature, base: string, local: boolean): string {
    const authority = local || f.host === "" ? this.#authority(f) : f.host;
    return `${f.scheme}://${authority}${base}${f.path}${f.queryString}`;
  }

  // The address the client reached, as a URL's authority (a URL cannot
  // have an empty host, and "localhost" would tell the app a remote client
  // meant this machine's loopback).
  #authority(f: HttpRequestFeature): string {
    const connection = this.#features.get(HttpConnectionFeature);
    const address = connection?.localAddress ?? "";
    // A Unix socket's path, or no connection: no address to name.
    const host = IPV4.test(address)
      ? address
      : IPV6.test(address)
      ? `[${address}]`
      : undefined;
    if (host === undefined) return "localhost";
    const port = connection!.localPort;
    const standard = f.scheme === "https" ? 443 : 80;
    return port === 0 || port === standard ? host : `${host}:${port}`;
  }

  /** The request headers (immutable when read from a socket). */
  get headers(): Headers {
    return this.#request().headers;
  }

  /**
   * One request header (Hono's `c.req.header(name)`, ASP.NET's
   * `Request.Headers[name]`): the same value as `headers.get(name)`, fields
   * sent more than once joined with `", "`, or `null` when absent. Cheaper
   * than `headers` when a request is read for a few headers only: where the
   * server can, it reads the field from Deno's own record of the request,
   * with no `Headers` object and no WebIDL checks.
   *
   * @param name The header's name, in any case.
   * @throws {TypeError} When `name` is not a valid header name.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WebHostBuilder } from "../mod.ts";
   *
   * const host = new WebHostBuilder()
   *   .configure((app) =>
   *     app.run((ctx) =>
   *       ctx.response.send(ctx.request.header("Accept-Language") ?? "none")
   *     )
   *   )
   *   .build();
   * const response = await host.fetch("http://localhost/", {
   *   headers: { "accept-language": "fr" },
   * });
   * assert.equal(await response.text(), "fr");
   * ```
   */
  header(name: string): string | null {
    return readHeader(this.#request(), name);
  }

  /**
   * The body stream, or `null`. Reading it applies the body size limit.
   * Reading from it and reading the body with `text()`, `json()`,
   * `bytes()`, `arrayBuffer()` or `formData()` are two ways to read one
   * body: use one. Only looking at it (`body !== null`) uses nothing up.
   *
   * @throws {TypeError} When the body was already read with one of those.
   */
  get body(): ReadableStream<Uint8Array> | null {
    const f = this.#request();
    const read = this.#read;
    if (read !== undefined && read.feature === f) {
      throw new TypeError(
        `Cannot take the request body as a stream: it was already read with ${read.first}. Call ${read.first} again instead: text(), json(), bytes(), arrayBuffer() and formData() share one read`,
      );
    }
    this.#streamTaken = f;
    return f.body;
  }

  // Reads the body's bytes once, natively when the server allows, and lets
  // the server time a native read (its minimum data rate). `text`, for a
  // read that wants text: a textual body the server already holds whole
  // comes straight from it as text, and no bytes are read.
  #readOnce(read: BodyRead, text = false): Promise<ArrayBuffer> | string {
    const f = this.#request();
    // Taking the original request takes its body: read the property once.
    const original = f.request;
    if (original === undefined) {
      return this.#content(f).arrayBuffer().catch(rethrowBodyFailure);
    }
    if (text && textual(f)) {
      const taken = takeText(f);
      if (taken !== null) {
        read.bom = taken.startsWith(BOM);
        return read.bom ? taken.slice(1) : taken;
      }
    }
    const reading = original.arrayBuffer();
    const timed = TIME_BODY_READ in f
      ? (f as BodyReadTimer)[TIME_BODY_READ](reading)
      : reading;
    return timed.catch(rethrowBodyFailure);
  }

  #content(f: HttpRequestFeature): Body {
    const type = f.headers.get("content-type");
    return new WebResponse(
      f.body,
      type === null ? undefined : { headers: { "content-type": type } },
    );
  }

  // The one buffered read every reader shares (as Hono does). The first
  // reader reads natively, as text or as bytes, the cheaper way for it; a
  // later reader of the other kind converts (bytes from text are its UTF-8).
  #first(reader: string): BodyRead | Promise<never> {
    const f = this.#request();
    const read = this.#read;
    if (read !== undefined && read.feature === f) return read;
    // Taking the stream is not reading it: `body !== null` only looks, as
    // with a Deno.serve request. A stream read from, even in part, is used.
    if (this.#streamTaken === f && streamUsed(f.body)) {
      return Promise.reject(
        new TypeError(
          `Cannot read the request body with ${reader}: it was already read as a stream (ctx.request.body). Read a body one way only`,
        ),
      );
    }
    return this.#read = { feature: f, first: reader };
  }

  #text(reader: string): Promise<string> {
    const read = this.#first(reader);
    if (read instanceof Promise) return read;
    if (read.text !== undefined) return read.text;
    if (read.bytes === undefined) {
      // Whole from the server when it can, the cheapest way; else the
      // bytes, kept, so that a later bytes() gets them as they came.
      const first = this.#readOnce(read, true);
      if (typeof first === "string") {
        return read.text = Promise.resolve(first);
      }
      read.bytes = first;
    }
    return read.text = read.bytes.then(decodeText);
  }

  #bytes(reader: string): Promise<ArrayBuffer> {
    const read = this.#first(reader);
    if (read instanceof Promise) return read;
    if (read.bytes !== undefined) {
      // The first caller got the buffer itself; later ones get a copy.
      return read.bytes.then((bytes) => bytes.slice(0));
    }
    if (read.text !== undefined) {
      const bom = read.bom === true;
      read.bytes = read.text.then((text) => bytesOfText(text, bom, reader));
      return read.bytes.then((bytes) => bytes.slice(0));
    }
    return read.bytes = this.#readOnce(read) as Promise<ArrayBuffer>;
  }

  /** Reads the body as UTF-8 text. */
  text(): Promise<string> {
    try {
      return this.#text("text()");
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Reads the body as JSON. The type parameter is a claim, not a check:
   * validate input you do not trust.
   *
   * @returns The parsed value. Rejects with an {@linkcode HttpError} 400 when
   * the body is not valid JSON (the client's mistake: answered 400, not
   * logged as an error), and 413 when it is over the size limit.
   */
  async json<T = unknown>(): Promise<T> {
    const text = await this.#text("json()");
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new HttpError(
        400,
        `The request body is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /** Reads the body as bytes. */
  arrayBuffer(): Promise<ArrayBuffer> {
    try {
      return this.#bytes("arrayBuffer()");
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Reads the body as bytes. */
  async bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return new Uint8Array(await this.#bytes("bytes()"));
  }

  /**
   * Reads a `multipart/form-data` or `application/x-www-form-urlencoded` body.
   *
   * @returns The form. Rejects with an {@linkcode HttpError} 400 when the
   * request has another content type, none, or a malformed form, and 413
   * when the body is over the size limit.
   */
  async formData(): Promise<FormData> {
    const type = this.#request().headers.get("content-type");
    const essence = type?.split(";", 1)[0].trim().toLowerCase();
    if (!FORM_TYPES.includes(essence ?? "")) {
      throw new HttpError(
        400,
        `The request body is not a form: expected content type ${
          FORM_TYPES.join(" or ")
        }, got ${type === null ? "none" : JSON.stringify(type)}`,
      );
    }
    const bytes = await this.#bytes("formData()");
    try {
      return await new WebResponse(bytes, {
        headers: { "content-type": type! },
      }).formData();
    } catch (error) {
      throw new HttpError(
        400,
        `The request body is not a valid ${essence} form: ${
          (error as Error).message
        }`,
        { cause: error },
      );
    }
  }

  /**
   * The request as a web-standard `Request`: the original one while nothing
   * was changed, otherwise a new one built from the current fields.
   *
   * @param options `stripPathBase` leaves `pathBase` out of the URL, as a
   * handler mounted under `map()` expects.
   */
  toRequest(options?: { stripPathBase?: boolean }): Request {
    const f = this.#request();
    // Taking the original request takes its body: read the property once.
    const original = f.request;
    if (original !== undefined) return original;
    const base = options?.stripPathBase ? "" : f.pathBase;
    // A body read with text(), bytes() and the rest is read again from
    // that one read, as any later reader here would.
    const read = this.#read;
    const buffered = read?.feature === f ? bufferedBody(read) : undefined;
    const body = buffered === undefined
      ? f.body
      : f.method === "GET" || f.method === "HEAD"
      ? null
      : buffered;
    const href = this.#href(f, base, false);
    return new Request(
      URL.canParse(href) ? href : this.#href(f, base, true),
      { method: f.method, headers: f.headers, body },
    );
  }
}
