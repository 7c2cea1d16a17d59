/**
 * The response side of `HttpContext`.
 *
 * @module
 */

import { forDecodedBody } from "./_decoded_body.ts";
import { rebuildWithBody } from "./_taken_body.ts";
import type { FeatureCollection } from "./feature_collection.ts";
import {
  HttpResponseBodyFeature,
  HttpResponseFeature,
  type ResponseCallback,
  type SendFileOptions,
} from "./response_features.ts";
import { HttpRequestFeature } from "./request_features.ts";
import { contentTypeFor } from "./_media_types.ts";
import { fileETag, planFileResponse } from "./_file_conditions.ts";
import { PLANNED_FROM, plannedFile } from "./_file_errors.ts";
import { readHeader } from "./_request_header.ts";
import {
  handledWhenReported,
  isComplete,
  isWritten,
  notWritable,
  rejectedWith,
} from "./_done.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const WebResponse = globalThis.Response;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// One header of a send() or json() init over the response's own: the init
// wins, but a Set-Cookie is one more cookie, never in place of one (a
// Headers hands each Set-Cookie over separately, and the app or a
// middleware may have set one already), sent after those, so a browser
// applies it last; the very same cookie is sent once, in the init's place.
function applyHeader(headers: Headers, name: string, value: string): void {
  if (name.toLowerCase() !== "set-cookie") {
    headers.set(name, value);
    return;
  }
  const cookies = headers.getSetCookie();
  if (cookies.includes(value)) {
    // Sent once, and last, where the init puts it.
    headers.delete("set-cookie");
    for (const cookie of cookies) {
      if (cookie !== value) headers.append("set-cookie", cookie);
    }
  }
  headers.append("set-cookie", value);
}

// A Response with init's status and headers applied over its own, init
// winning: what send(response, init) asks for.
function withInit(response: Response, init: SendInit): Response {
  if (init.status === undefined && init.headers === undefined) return response;
  if (response.bodyUsed) {
    throw new TypeError(
      "send() was given a Response whose body was already read or sent: a Response goes out once, so make a new one for each request",
    );
  }
  const headers = forDecodedBody(response, new Headers(response.headers));
  if (init.headers !== undefined) {
    new Headers(init.headers).forEach((value, name) =>
      applyHeader(headers, name, value)
    );
  }
  return rebuildWithBody(response, (body) =>
    new WebResponse(body, {
      status: init.status ?? response.status,
      statusText: init.status === undefined ? response.statusText : undefined,
      headers,
    }));
}

// A plain object or array, which a body would turn into "[object Object]".
function isPlainObject(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null ||
    Array.isArray(value);
}

function notABody(method: string, value: unknown): TypeError {
  return new TypeError(
    `${method}() was given ${
      Array.isArray(value) ? "an array" : "a plain object"
    }, which a body would turn into text such as "[object Object]": send JSON with ctx.response.json(value), or give text, bytes or a stream`,
  );
}

/** Status and headers to send with a body. */
export interface SendInit {
  /**
   * The status code.
   * @default {200}
   */
  status?: number;
  /**
   * Headers to set, replacing any of the same name, except `Set-Cookie`:
   * each is one more cookie, sent after those set before (the very same
   * cookie is not sent twice).
   * @default {undefined}
   */
  headers?: HeadersInit;
}

/**
 * A friendly view of the response features, made by `HttpContext.response`.
 * Small bodies are buffered and sent with the headers in one piece when the
 * pipeline finishes; `start()`, large writes, streams and files stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) => ctx.response.json({ ok: true }, { status: 201 }))
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/");
 * assert.equal(response.status, 201);
 * assert.deepEqual(await response.json(), { ok: true });
 * ```
 */
export class HttpResponse {
  #features: FeatureCollection;
  #revision = -1;
  #response: HttpResponseFeature | undefined;
  #body: HttpResponseBodyFeature | undefined;

  /**
   * Wraps a feature collection that holds the response features.
   *
   * @param features The request's features.
   */
  constructor(features: FeatureCollection) {
    this.#features = features;
  }

  #refresh(): void {
    const features = this.#features;
    const response = features.get(HttpResponseFeature);
    const body = features.get(HttpResponseBodyFeature);
    if (response === undefined || body === undefined) {
      throw new TypeError(
        "The request has no HttpResponseFeature or HttpResponseBodyFeature: the server must set both before the application runs",
      );
    }
    this.#response = response;
    this.#body = body;
    this.#revision = features.revision;
  }

  #status(): HttpResponseFeature {
    if (this.#features.revision !== this.#revision) this.#refresh();
    return this.#response!;
  }

  #content(): HttpResponseBodyFeature {
    if (this.#features.revision !== this.#revision) this.#refresh();
    return this.#body!;
  }

  /** The status code, 200 unless set. Setting it after start throws. */
  get status(): number {
    return this.#status().status;
  }
  set status(value: number) {
    const response = this.#status();
    if (response.hasStarted) {
      throw new TypeError(
        `Cannot set the status to ${value}: the response has already started`,
      );
    }
    response.status = value;
  }

  /** The response headers. */
  get headers(): Headers {
    return this.#status().headers;
  }

  /** The `content-type` header, or `null`. */
  get contentType(): string | null {
    return this.#status().headers.get("content-type");
  }
  set contentType(value: string | null) {
    const headers = this.#status().headers;
    if (value === null) headers.delete("content-type");
    else headers.set("content-type", value);
  }

  /** True once status and headers were handed to the server. */
  get hasStarted(): boolean {
    return this.#status().hasStarted;
  }

  /** Starts the response now: headers go out, the body streams. */
  start(): Promise<void> {
    try {
      return this.#content().start();
    } catch (error) {
      return rejectedWith(error);
    }
  }

  /**
   * Appends to the body. Bytes are not copied (as with a web stream's
   * `enqueue`): do not change a `Uint8Array` once written, even after the
   * returned promise resolved, since it may not have gone out yet.
   *
   * @param chunk Bytes, or text sent as UTF-8 (a plain object or array is
   * refused: the promise rejects with a TypeError pointing to `json()`).
   */
  write(chunk: Uint8Array | string): Promise<void> {
    try {
      if (isPlainObject(chunk)) throw notABody("write", chunk);
      if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
        throw notWritable(chunk);
      }
      return this.#content().write(chunk);
    } catch (error) {
      return rejectedWith(error);
    }
  }

  /**
   * Resets the response before it starts: status 200, no headers, no body
   * (ASP.NET's `HttpResponse.Clear`).
   *
   * @throws {TypeError} When the response has already started.
   */
  clear(): void {
    const response = this.#status();
    this.#content().clear();
    response.status = 200;
    response.reasonPhrase = undefined;
    const headers = response.headers;
    for (const name of [...headers.keys()]) headers.delete(name);
  }

  /** Ends the response with what was written so far. */
  complete(): Promise<void> {
    try {
      return this.#content().complete();
    } catch (error) {
      return rejectedWith(error);
    }
  }

  #apply(init: SendInit | undefined): void {
    if (init === undefined) return;
    if (init.status !== undefined) this.status = init.status;
    const given = init.headers;
    if (given === undefined) return;
    const headers = this.#status().headers;
    if (given instanceof Headers || Array.isArray(given)) {
      // new Headers() checks that every pair is a pair.
      const from = given instanceof Headers ? given : new Headers(given);
      from.forEach((value, name) => applyHeader(headers, name, value));
    } else {
      // A plain record, the common case: no Headers made to copy from.
      const record = given as Record<string, string>;
      for (const name of Object.keys(record)) {
        applyHeader(headers, name, record[name]);
      }
    }
  }

  /**
   * Sends a whole body and ends the response. A `Response` brings its status
   * and headers along; any other `BodyInit` (text, bytes, a stream, a
   * `Blob`, form data) is the body.
   *
   * @param body What to send (a plain object or array is refused: the
   * promise rejects with a TypeError pointing to `json()`).
   * @param init Status and headers to set first; with a `Response`, they
   * are applied over its own (init wins).
   */
  send(body?: Response | BodyInit | null, init?: SendInit): Promise<void> {
    try {
      if (isPlainObject(body)) throw notABody("send", body);
      // Over already: the body feature reports the late call (its status
      // and headers could not apply either).
      const content = this.#content();
      if (isComplete(content)) return content.complete(body ?? null);
      if (body instanceof WebResponse && init !== undefined) {
        return this.#content().complete(withInit(body, init));
      }
      this.#apply(init);
      return this.#content().complete(body ?? null);
    } catch (error) {
      return rejectedWith(error);
    }
  }

  /**
   * Sends a value as JSON and ends the response.
   *
   * @param value Anything `JSON.stringify` accepts.
   * @param init Status and headers to set first; a `content-type` given here
   * (e.g. `application/problem+json`) wins over `application/json`.
   */
  json(value: unknown, init?: SendInit): Promise<void> {
    try {
      const content = this.#content();
      if (isComplete(content)) return content.complete(null);
      this.#apply(init);
      const type = init?.headers === undefined
        ? null
        : new Headers(init.headers).get("content-type");
      // Response.json sets the content type without a Headers object of ours,
      // and an untouched Response goes to the server as it is; a 200 with no
      // init skips Deno's option parsing.
      const status = this.#status().status;
      return this.#content().complete(
        type !== null
          ? WebResponse.json(value, {
            status,
            headers: { "content-type": type },
          })
          : status === 200
          ? WebResponse.json(value)
          : WebResponse.json(value, { status }),
      );
    } catch (error) {
      return rejectedWith(error);
    }
  }

  /**
   * Redirects the client and ends the response.
   *
   * @param location Where to: absolute, or relative to the request (one
   * that is neither rejects with a TypeError).
   * @param status 301, 302 (the default), 303, 307 or 308.
   */
  redirect(location: string | URL, status = 302): Promise<void> {
    if (!REDIRECT_STATUSES.has(status)) {
      return Promise.reject(
        new RangeError(
          `Redirect status must be one of 301, 302, 303, 307, 308, got ${status}`,
        ),
      );
    }
    const target = String(location);
    // A target no client could follow ("http://[bad") is the app's mistake,
    // said here rather than sent.
    if (!URL.canParse(target, "http://localhost/")) {
      return Promise.reject(
        new TypeError(
          `Cannot redirect to "${target}": it is not a valid URL or path`,
        ),
      );
    }
    try {
      const content = this.#content();
      if (isComplete(content)) return content.complete(null);
      this.status = status;
      this.#status().headers.set("location", target);
      return this.#content().complete(null);
    } catch (error) {
      return rejectedWith(error);
    }
  }

  /**
   * Sends a file as the body and ends the response, with a content type from
   * its extension unless one is set.
   *
   * When the response is still a fresh 200 to a GET or HEAD and `options`
   * names no `offset` or `count`, the file is answered as RFC 9110 asks:
   * `ETag` (size and modification time) and `Last-Modified` validators,
   * `If-Match` / `If-Unmodified-Since` (412), `If-None-Match` /
   * `If-Modified-Since` (304), and a single `Range` (206, or 416 when it
   * cannot be satisfied; several ranges get the whole file). With `offset`
   * or `count` the caller chose the bytes: they are sent as they are, 200.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { WebHostBuilder } from "../mod.ts";
   *
   * const file = await Deno.makeTempFile({ suffix: ".txt" });
   * await Deno.writeTextFile(file, "0123456789");
   * const host = new WebHostBuilder()
   *   .configure((app) => app.run((ctx) => ctx.response.sendFile(file)))
   *   .build();
   * const part = await host.fetch("http://localhost/", {
   *   headers: { range: "bytes=2-4" },
   * });
   * assert.equal(part.status, 206);
   * assert.equal(part.headers.get("content-range"), "bytes 2-4/10");
   * assert.equal(await part.text(), "234");
   * const again = await host.fetch("http://localhost/", {
   *   headers: { "if-none-match": part.headers.get("etag")! },
   * });
   * assert.equal(again.status, 304);
   * await again.body?.cancel();
   * await Deno.remove(file);
   * ```
   *
   * @param path The file's path.
   * @param options Which part of the file to send.
   */
  sendFile(path: string, options?: SendFileOptions): Promise<void> {
    // Once the response has started or was ended there is no head left to
    // set: the body feature streams the file on, or reports the misuse of a
    // response already complete (its rejection handled, as for send()).
    const body = this.#content();
    const late = this.#sendLate(body, path, options);
    if (late !== undefined) return late;
    // Two calls at once (a forgotten return) meet the end inside.
    return handledWhenReported(this.#sendWholeFile(path, options));
  }

  // A response already ended or started takes the file as a late call:
  // the body feature reports a response already complete (its rejection
  // handled, as for send()), or streams the file on and ends.
  #sendLate(
    body: HttpResponseBodyFeature,
    path: string,
    options: SendFileOptions | undefined,
  ): Promise<void> | undefined {
    if (isComplete(body)) return body.sendFile(path, options);
    if (this.#status().hasStarted) {
      // Into the stream, then the end, as for a response not started.
      return handledWhenReported(
        body.sendFile(path, options).then(() => body.complete()),
      );
    }
    return undefined;
  }

  // After a wait: the call again from the top when the body feature was
  // replaced meanwhile (a request timeout answered for the handler), or as
  // a late call when the response was ended or started.
  #resend(
    body: HttpResponseBodyFeature,
    path: string,
    options: SendFileOptions | undefined,
  ): Promise<void> | undefined {
    if (this.#content() !== body) return this.sendFile(path, options);
    return this.#sendLate(body, path, options);
  }

  async #sendWholeFile(
    path: string,
    options: SendFileOptions | undefined,
  ): Promise<void> {
    const response = this.#status();
    const headers = response.headers;
    const body = this.#content();
    // After each wait the response is looked at again: a handler that did
    // not await this call may have ended it (its request closed) or started
    // another answer in the meantime.
    if (!headers.has("content-type")) {
      const type = await contentTypeFor(path) ?? "application/octet-stream";
      const late = this.#resend(body, path, options);
      if (late !== undefined) return late;
      headers.set("content-type", type);
    }
    let slice = options;
    if (
      options?.offset === undefined && options?.count === undefined &&
      response.status === 200 && !response.hasStarted && !isWritten(body)
    ) {
      const request = this.#features.get(HttpRequestFeature);
      const method = request?.method;
      if (request !== undefined && (method === "GET" || method === "HEAD")) {
        // A file that cannot be statted goes on to body.sendFile, which
        // reports it (or a response already complete) as it always did.
        const stat = await Deno.stat(path).catch(() => undefined);
        const late = this.#resend(body, path, options);
        if (late !== undefined) return late;
        if (stat !== undefined && !stat.isDirectory) {
          const plan = planFileResponse(
            { method, header: (name) => readHeader(request, name) },
            stat,
            fileETag(stat),
          );
          for (const [name, value] of plan.headers) headers.set(name, value);
          if (plan.status !== 200 && plan.status !== 206) {
            response.status = plan.status;
            headers.delete("content-type");
            await body.complete(null);
            return;
          }
          response.status = plan.status;
          slice = {
            offset: plan.offset,
            count: plan.count,
            [PLANNED_FROM]: plannedFile(stat),
          } as SendFileOptions;
        }
      }
    }
    await body.sendFile(path, slice);
    await body.complete();
  }

  /**
   * Runs `callback` just before the response starts.
   *
   * @param callback The last chance to change status and headers.
   */
  onStarting(callback: ResponseCallback): void {
    this.#status().onStarting(callback);
  }

  /**
   * Runs `callback` once the response was delivered.
   *
   * @param callback Work to do after the client has the response.
   */
  onCompleted(callback: ResponseCallback): void {
    this.#status().onCompleted(callback);
  }
}
