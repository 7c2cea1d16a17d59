// The response bridge. ASP.NET pushes bytes into a response stream; Deno.serve
// wants a returned Response. Status, headers and small writes are buffered
// and, when the app completes, answered with one `new Response(bytes, init)`
// (the fast path: no streams). Once the app starts the response early, writes
// past the buffer size, or sends a stream or a file, Deno gets a Response
// whose body is our stream, fed by later writes with backpressure.

import {
  type FeatureCollection,
  type HttpResponseBodyFeature,
  type HttpResponseFeature,
  problemResponse,
  type ResponseCallback,
  type SendFileOptions,
} from "../features/mod.ts";
import { DONE } from "../features/_done.ts";
import { ResponseStream } from "./_response_stream.ts";
import {
  alreadyComplete,
  concat,
  mergeHeaders,
  openRange,
  replaceHeaders,
  statRange,
  toBytes,
} from "./_response_body.ts";
import { byteLength, measure, SentHeaders, started } from "./_response_head.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const {
  Response,
  Headers,
  ReadableStream,
  WritableStream,
  Blob,
  FormData,
  URLSearchParams,
  DOMException,
} = globalThis;

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const FILE_CHUNK = 65_536;

/**
 * What the bridge needs from the request it answers: the request side
 * implements it, so the dependency points one way.
 */
export interface BridgeOwner extends FeatureCollection {
  /** Whether the client asked with HEAD. */
  readonly isHead: boolean;
  /** How many bytes of small writes to buffer before streaming. */
  readonly responseBufferSize: number;
  /** Settles when the response was delivered, when the server knows. */
  readonly completed: Promise<void> | undefined;
  /** Fires `requestAborted` without touching the response. */
  signalAborted(reason: unknown): void;
}

/** The response side of one request. */
export class ResponseBridge
  implements HttpResponseFeature, HttpResponseBodyFeature {
  reasonPhrase: string | undefined = undefined;
  #code = 200;
  /** Called once when the response is over; set by the dispatcher. */
  whenFinished: (() => void) | undefined = undefined;
  #state: BridgeOwner;
  #respond: ((response: Response) => void) | undefined;
  #handed: Response | undefined;
  #headers: Headers | undefined;
  #started = false;
  #completed = false;
  #delivered = false;
  #chunks: Uint8Array[] | undefined;
  #size = 0;
  #startPromise: Promise<void> | undefined;
  #body: ResponseStream | undefined;
  #onStarting: ResponseCallback[] | undefined;
  #onCompleted: ResponseCallback[] | undefined;
  #writable: WritableStream<Uint8Array> | undefined;
  // The whole body given to complete() before the response started: sent
  // when the pipeline finishes, so middleware after next() can still change
  // status and headers.
  #pending: BodyInit | Response | null = null;
  #merged = false;
  #rebuild = false;
  // Cut off at the shutdown deadline: writes and completes are dropped.
  #cut = false;
  // The read-only view of the headers, made once the response started, from
  // the Response that went out.
  #sent: Headers | undefined;
  #out: Response | undefined;

  constructor(state: BridgeOwner) {
    this.#state = state;
  }

  /**
   * The Response handed over before anyone asked for it (the synchronous
   * fast path), or `undefined`.
   */
  get handed(): Response | undefined {
    return this.#handed;
  }

  /** Where to hand the Response; called at once if it is already made. */
  respondTo(respond: (response: Response) => void): void {
    if (this.#handed !== undefined) respond(this.#handed);
    else this.#respond = respond;
  }

  #give(response: Response): void {
    this.#out = response;
    const respond = this.#respond;
    if (respond === undefined) this.#handed = response;
    else respond(response);
  }

  /** The status code; setting it once the response has started throws. */
  get status(): number {
    return this.#code;
  }
  set status(value: number) {
    if (this.#started) throw started(`set the status to ${value}`);
    this.#code = value;
  }

  /**
   * The response headers: once the response has started, a read-only view
   * whose `set`, `append` and `delete` throw.
   */
  get headers(): Headers {
    if (this.#started) {
      return this.#sent ??= new SentHeaders(this.#out?.headers);
    }
    const pending = this.#pending;
    if (pending instanceof Response && !this.#merged) this.#merge(pending);
    return this.#headers ??= new Headers();
  }

  get hasStarted(): boolean {
    return this.#started;
  }

  /** True once the response was handed over whole, or its stream ended. */
  get delivered(): boolean {
    return this.#delivered;
  }

  onStarting(callback: ResponseCallback): void {
    if (this.#started) {
      throw new TypeError(
        "Cannot register an onStarting callback: the response has already started",
      );
    }
    (this.#onStarting ??= []).push(callback);
  }

  onCompleted(callback: ResponseCallback): void {
    (this.#onCompleted ??= []).push(callback);
  }

  #runStarting(): Promise<void> | undefined {
    const callbacks = this.#onStarting;
    if (callbacks === undefined) return undefined;
    this.#onStarting = undefined;
    return (async () => {
      for (let i = callbacks.length - 1; i >= 0; i--) await callbacks[i]();
    })();
  }

  #hand(body: BodyInit | null): void {
    this.#started = true;
    const status = this.status;
    if (body !== null && this.#state.isHead) {
      // A HEAD response has the headers a GET would have had, no body: Deno
      // would send DATA frames for it over HTTP/2.
      const headers = this.#headers ??= new Headers();
      const length = byteLength(body);
      if (
        length !== undefined && !NULL_BODY_STATUSES.has(status) &&
        !headers.has("content-length")
      ) {
        headers.set("content-length", String(length));
      }
      // The type new Response(body) would have given it.
      const type = typeof body === "string"
        ? "text/plain;charset=UTF-8"
        : body instanceof URLSearchParams
        ? "application/x-www-form-urlencoded;charset=UTF-8"
        : body instanceof Blob && body.type !== ""
        ? body.type
        : undefined;
      if (type !== undefined && !headers.has("content-type")) {
        headers.set("content-type", type);
      }
      body = null;
    }
    const headers = this.#headers;
    let response: Response;
    try {
      // Without an init object Response skips its option parsing: the
      // common 200 with no headers of ours is measurably cheaper this way.
      response = status === 200 && headers === undefined &&
          this.reasonPhrase === undefined
        ? new Response(body)
        : new Response(NULL_BODY_STATUSES.has(status) ? null : body, {
          status,
          statusText: this.reasonPhrase,
          headers,
        });
    } catch (error) {
      console.error(
        `The response could not be built (status ${status}); answering 500:`,
        error,
      );
      response = new Response(null, { status: 500 });
    }
    this.#give(response);
  }

  #finished(): void {
    if (this.#delivered) return;
    this.#delivered = true;
    this.#completed = true;
    this.whenFinished?.();
    const callbacks = this.#onCompleted;
    if (callbacks === undefined) return;
    this.#onCompleted = undefined;
    const run = async () => {
      for (let i = callbacks.length - 1; i >= 0; i--) {
        try {
          await callbacks[i]();
        } catch (error) {
          console.error("An onCompleted callback threw:", error);
        }
      }
    };
    const completed = this.#state.completed;
    if (completed === undefined) queueMicrotask(run);
    else completed.then(run, run);
  }

  // -- the buffered path

  #deliverWhole(body: BodyInit | null): void {
    if (this.#chunks !== undefined) {
      body = concat(this.#chunks, this.#size);
      this.#chunks = undefined;
    }
    this.#hand(body);
    this.#finished();
  }

  complete(body?: BodyInit | Response | null): Promise<void> {
    if (this.#body?.gone || this.#cut) return DONE;
    if (this.#completed) {
      if (body === undefined) return DONE;
      return Promise.reject(alreadyComplete("send a body"));
    }
    if (body instanceof Response) {
      if (!this.#started && this.#chunks === undefined) {
        this.#completed = true;
        this.#pending = body;
        this.#code = body.status;
        return DONE;
      }
      try {
        body = this.#adopt(body);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    this.#completed = true;
    if (this.#started || body === undefined || body === null) {
      return this.#started ? this.#endStream(body ?? null) : DONE;
    }
    const chunks = this.#chunks;
    if (typeof body === "string" || ArrayBuffer.isView(body)) {
      if (chunks === undefined) {
        this.#pending = body;
      } else {
        const bytes = typeof body === "string"
          ? toBytes(body)
          : new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
        chunks.push(bytes);
        this.#size += bytes.byteLength;
      }
      return DONE;
    }
    if (
      chunks === undefined && (body instanceof ArrayBuffer ||
        body instanceof URLSearchParams || body instanceof Blob ||
        body instanceof FormData)
    ) {
      this.#pending = body;
      return DONE;
    }
    // A stream goes out as it comes, while the pipeline goes on.
    return this.#endStream(body);
  }

  // Takes a pending Response's headers as ours, so that changes after next()
  // land in it. Headers of fetch() and Response.redirect() responses are
  // immutable: then copy them, and build a new Response at the end.
  #merge(response: Response): void {
    this.#merged = true;
    const merged = mergeHeaders(this.#headers, response);
    this.#headers = merged.headers;
    this.#rebuild = merged.copied;
  }

  #handResponse(response: Response): void {
    if (!this.#merged && this.#headers !== undefined) this.#merge(response);
    const status = this.status;
    const head = this.#state.isHead && response.body !== null;
    if (
      head || this.#rebuild || status !== response.status ||
      this.reasonPhrase !== undefined
    ) {
      if (head) response.body!.cancel().catch(() => {});
      response = new Response(
        head || NULL_BODY_STATUSES.has(status) ? null : response.body,
        {
          status,
          statusText: this.reasonPhrase,
          headers: this.#headers ?? response.headers,
        },
      );
    }
    this.#started = true;
    this.#give(response);
    this.#finished();
  }

  #deliverPending(): Promise<void> | undefined {
    const pending = this.#pending;
    this.#pending = null;
    if (!(pending instanceof Response)) {
      this.#deliverWhole(pending);
      return undefined;
    }
    if (
      this.#state.isHead && pending.body !== null &&
      !pending.headers.has("content-length")
    ) {
      // A GET would have carried this body's length: measure it, when it is
      // made in memory and small.
      return measure(pending.clone().body!).then((length) => {
        if (length !== undefined) {
          this.headers.set("content-length", String(length));
        }
        this.#handResponse(pending);
      });
    }
    this.#handResponse(pending);
    return undefined;
  }

  #adopt(response: Response): BodyInit | null {
    if (this.#started) {
      throw new TypeError(
        `Cannot send a Response (status ${response.status}): the response has already started, so its status and headers cannot be applied; send its body instead`,
      );
    }
    this.#code = response.status;
    this.reasonPhrase = response.statusText || undefined;
    replaceHeaders(this.headers, response.headers);
    return response.body;
  }

  // -- the streaming path

  start(): Promise<void> {
    if (this.#started) return DONE;
    return this.#startPromise ??= this.#open();
  }

  async #open(): Promise<void> {
    await this.#runStarting();
    const body = this.#body = new ResponseStream(
      (reason) => this.#clientGone(reason),
      this.#state.isHead,
    );
    const chunks = this.#chunks;
    this.#chunks = undefined;
    if (chunks !== undefined) {
      for (const chunk of chunks) {
        body.enqueue(chunk);
      }
    }
    this.#hand(body.readable);
  }

  #clientGone(reason: unknown): void {
    if (this.#delivered) return;
    this.#state.signalAborted(
      reason ?? new DOMException("The client disconnected", "AbortError"),
    );
    this.#finished();
  }

  write(chunk: Uint8Array | string): Promise<void> {
    const body = this.#body;
    if (body?.gone || this.#cut) return DONE;
    if (this.#completed) return Promise.reject(alreadyComplete("write"));
    const bytes = toBytes(chunk);
    if (body === undefined) {
      (this.#chunks ??= []).push(bytes);
      this.#size += bytes.byteLength;
      if (this.#size > this.#state.responseBufferSize) {
        return this.start();
      }
      return DONE;
    }
    return body.enqueue(bytes);
  }

  async #endStream(body: BodyInit | null): Promise<void> {
    await this.start();
    try {
      if (body !== null) {
        const stream = body instanceof ReadableStream
          ? body as ReadableStream<Uint8Array>
          : new Response(body).body;
        if (stream !== null) await this.#body!.pump(stream);
      }
    } catch (error) {
      this.reset(error);
      throw error;
    }
    if (!this.#body!.gone && !this.#delivered) {
      this.#body!.close();
      this.#finished();
    }
  }

  async sendFile(path: string, options?: SendFileOptions): Promise<void> {
    if (this.#completed) throw alreadyComplete("send a file"); // async: rejects
    if (this.#state.isHead && !this.#started && this.#chunks === undefined) {
      const count = await statRange(path, options);
      this.headers.set("content-length", String(count));
      return this.complete();
    }
    const { file, count } = await openRange(path, options);
    let left = count;
    try {
      if (!this.#started && this.#chunks === undefined) {
        this.headers.set("content-length", String(left));
      }
      await this.start();
      const stream = this.#body!;
      while (left > 0 && !stream.gone) {
        const buffer = new Uint8Array(Math.min(FILE_CHUNK, left));
        const read = await file.read(buffer);
        if (read === null) break;
        left -= read;
        await stream.enqueue(
          read === buffer.byteLength ? buffer : buffer.subarray(0, read),
        );
      }
    } finally {
      file.close();
    }
  }

  get stream(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => this.complete(),
      abort: (reason) => this.reset(reason),
    });
  }

  clear(): void {
    if (this.#started) {
      throw new TypeError(
        "Cannot clear the response: it has already started",
      );
    }
    this.#chunks = undefined;
    this.#size = 0;
    this.#pending = null;
    this.#merged = this.#rebuild = false;
    this.#headers = undefined;
    this.#completed = false;
  }

  /** Delivers a WebSocket upgrade response exactly as Deno made it. */
  upgrade(response: Response): void {
    if (this.#started) {
      throw new TypeError(
        "Cannot accept a WebSocket: the response has already started",
      );
    }
    this.#completed = this.#started = true;
    this.#give(response);
    this.#finished();
  }

  // -- ends the server decides

  /**
   * The app's pipeline finished: hand over a buffered response, or end a
   * stream the app left open.
   */
  finish(): Promise<void> | undefined {
    if (this.#started) {
      if (this.#completed) return undefined;
      return this.complete().catch((error) => this.reset(error));
    }
    this.#completed = true;
    const starting = this.#runStarting();
    if (starting === undefined) return this.#deliverPending();
    return starting.then(
      () => this.#deliverPending(),
      (error) => this.fail(error),
    );
  }

  /**
   * The app's pipeline failed. Before the response started, answer with the
   * error's status; after, reset the response.
   */
  fail(error: unknown): void {
    if (this.#started) {
      if (!this.#delivered) this.reset(error);
      return;
    }
    this.clear();
    this.#onStarting = undefined;
    this.reasonPhrase = undefined;
    this.#completed = true;
    let response: Response;
    try {
      // The server knows no environment: 5xx details stay hidden.
      response = problemResponse(this.#state, error);
    } catch {
      response = new Response(null, { status: 500 });
    }
    this.#code = response.status;
    this.#handResponse(response);
  }

  /**
   * The server is stopping and this request ran out of time. A client that
   * got nothing yet gets 503 (and `Connection: close` unless on HTTP/2),
   * never a success; a response already streaming is broken off, so the
   * client sees an error, not a clean end. Later writes are dropped.
   */
  cutOff(reason: unknown, close: boolean): void {
    if (this.#delivered) return;
    this.#cut = true;
    if (this.#started) return this.reset(reason);
    this.clear();
    this.#onStarting = undefined;
    this.reasonPhrase = undefined;
    this.#completed = true;
    this.#code = 503;
    const headers = this.headers;
    headers.set("content-type", "text/plain; charset=utf-8");
    headers.set("retry-after", "1");
    if (close) headers.set("connection", "close");
    this.#deliverWhole(
      "Service Unavailable: the server stopped before the request completed\n",
    );
  }

  /** Gives up on the response: the client sees a broken connection. */
  reset(reason: unknown): void {
    if (this.#delivered) return;
    this.#completed = true;
    if (this.#body !== undefined) {
      this.#body.error(reason);
    } else if (!this.#started) {
      this.#hand(
        new ReadableStream({ start: (controller) => controller.error(reason) }),
      );
    }
    this.#finished();
  }
}
