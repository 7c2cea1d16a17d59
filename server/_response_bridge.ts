// The response bridge. ASP.NET pushes bytes into a response stream; Deno.serve
// wants a returned Response. Status, headers and small writes are buffered
// and, when the app completes, answered with one `new Response(body, init)`
// (the fast path: no streams). Once the app starts the response early, writes
// past the buffer size, or sends a stream or a file, Deno gets a Response
// whose body is our stream, fed by later writes with backpressure.

import {
  HttpRequestLifetimeFeature,
  type HttpResponseBodyFeature,
  problemResponse,
  type SendFileOptions,
} from "../features/mod.ts";
import { COMPLETE, DONE, notWritable, WRITTEN } from "../features/_done.ts";
import { brokenBody, ResponseStream } from "./_response_stream.ts";
import { alreadyComplete, replaceHeaders } from "./_response_body.ts";
import { type BridgeOwner, ResponseHead } from "./_response_head.ts";
import { sendFileTo } from "./_response_file.ts";
import { WriteBuffer } from "./_write_buffer.ts";
import { type ErrorReporter, misuse } from "./_report.ts";

export type { BridgeOwner } from "./_response_head.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const {
  Response,
  ReadableStream,
  WritableStream,
  Blob,
  FormData,
  URLSearchParams,
  DOMException,
} = globalThis;

/**
 * Where a response is in its life. Only `#enter()` changes it.
 *
 * ```text
 * buffering ──complete(body), finish()──────▶ pending ──▶ delivered
 *     │                                         ▲
 *     └─start(), a full buffer─▶ starting ──────┘ complete(body), finish()
 *                                   │             before the callbacks end
 *                                   ▼
 *                               streaming ──complete(), finish()──▶ delivered
 *                                   └─complete(stream)─▶ ending ──▶ delivered
 * any phase ──client gone, reset(), cut off at shutdown──▶ aborted
 * ```
 *
 * `starting` runs the onStarting callbacks; nothing has gone out, so a
 * whole body completed meanwhile is still sent whole. The status and
 * headers can change until a Response is handed over (`streaming`, or
 * `delivered` whole); the app can write while `buffering`, `starting` or
 * `streaming`. Writes to an `aborted` response are dropped, as Kestrel
 * drops them after a disconnect: the app
 * hears of it from `requestAborted`.
 */
type Phase =
  | "buffering"
  | "pending"
  | "starting"
  | "streaming"
  | "ending"
  | "delivered"
  | "aborted";

/** The response side of one request. */
export class ResponseBridge extends ResponseHead
  implements HttpResponseBodyFeature {
  #phase: Phase = "buffering";
  #writes: WriteBuffer | undefined;
  #clears = 0;
  // The whole body the app completed with before the response started: sent
  // when the pipeline finishes, so middleware after next() can still change
  // status and headers. A Response is the head's pendingResponse.
  #pending: BodyInit | null = null;
  #starting: Promise<void> | undefined;
  #body: ResponseStream | undefined;
  #writable: WritableStream<Uint8Array> | undefined;

  constructor(owner: BridgeOwner) {
    super(owner);
  }

  #enter(phase: Phase): void {
    this.#phase = phase;
  }

  /** True once the response was handed over whole, its stream ended, or it was broken off. */
  get delivered(): boolean {
    return this.#phase === "delivered" || this.#phase === "aborted";
  }

  // The response is over: delivered whole, its stream ended, or broken off.
  #end(phase: "delivered" | "aborted"): void {
    if (this.delivered) return;
    this.#enter(phase);
    this.whenFinished?.();
    this.runCompleted();
  }

  // Where a misuse goes: nowhere once the request was aborted, when the
  // server or a middleware (a timeout's 504) answered in the app's place
  // and the app's late answer is no mistake of its own.
  get #misuseReport(): ErrorReporter | undefined {
    const owner = this.owner;
    if (owner.wasAborted) return undefined;
    const lifetime = owner.get(HttpRequestLifetimeFeature);
    if (
      lifetime !== undefined && lifetime !== (owner as unknown) &&
      lifetime.requestAborted.aborted
    ) {
      return undefined;
    }
    return owner.report;
  }

  get #buffered(): boolean {
    return this.#writes !== undefined && !this.#writes.isEmpty;
  }

  #buffer(chunk: Uint8Array | string): WriteBuffer {
    const writes = this.#writes ??= new WriteBuffer(
      this.owner.responseBufferSize,
    );
    writes.add(chunk);
    return writes;
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
      return Promise.reject(notWritable(chunk));
    }
    switch (this.#phase) {
      case "streaming":
        return this.#body!.enqueue(chunk);
      case "buffering":
      case "starting":
        return this.#buffer(chunk).isFull ? this.start() : DONE;
      case "aborted":
        return DONE;
      default:
        return misuse(this.#misuseReport, alreadyComplete("write"));
    }
  }

  complete(body?: BodyInit | Response | null): Promise<void> {
    switch (this.#phase) {
      case "buffering":
      case "starting":
        // Nothing went out yet: a whole body is sent whole (once onStarting
        // callbacks a start() left running are done).
        return this.#completeBuffered(body);
      case "streaming":
        if (body instanceof Response) {
          return misuse(
            this.owner.report,
            new TypeError(
              `Cannot send a Response (status ${body.status}): the response has already started, so its status and headers cannot be applied; send its body instead`,
            ),
          );
        }
        return this.#endStream(body ?? null);
      case "aborted":
        return DONE;
      default:
        if (body === undefined) return DONE;
        return misuse(this.#misuseReport, alreadyComplete("send a body"));
    }
  }

  #completeBuffered(
    body: BodyInit | Response | null | undefined,
  ): Promise<void> {
    const buffered = this.#buffered;
    if (body instanceof Response) {
      this.code = body.status;
      if (!buffered) {
        this.pendingResponse = body;
        this.#enter("pending");
        return DONE;
      }
      // Written bytes come first: the Response gives the head and the rest.
      this.reasonPhrase = body.statusText || undefined;
      replaceHeaders(this.headers, body.headers);
      body = body.body;
    }
    if (body === undefined || body === null) {
      this.#enter("pending");
      return DONE;
    }
    if (typeof body === "string" || ArrayBuffer.isView(body)) {
      if (!buffered) this.#pending = body;
      else if (typeof body === "string") this.#buffer(body);
      else {
        this.#buffer(
          new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
        );
      }
      this.#enter("pending");
      return DONE;
    }
    if (
      !buffered && (body instanceof ArrayBuffer ||
        body instanceof URLSearchParams || body instanceof Blob ||
        body instanceof FormData)
    ) {
      this.#pending = body;
      this.#enter("pending");
      return DONE;
    }
    // A stream goes out as it comes, while the pipeline goes on.
    return this.#endStream(body);
  }

  #deliverPending(): Promise<void> | undefined {
    const response = this.pendingResponse;
    if (response === undefined) {
      const written = this.#writes?.take();
      if (written === undefined) this.hand(this.#pending);
      else this.hand(written, typeof written === "string");
      this.#pending = null;
      this.#end("delivered");
      return undefined;
    }
    const measuring = this.handResponse(response);
    if (measuring === undefined) {
      this.#end("delivered");
      return undefined;
    }
    return measuring.then(() => this.#end("delivered"));
  }

  // -- the streaming path

  start(): Promise<void> {
    if (this.#phase === "starting") return this.#starting!;
    if (this.#phase !== "buffering") return DONE;
    this.#enter("starting");
    const callbacks = this.runStarting();
    if (callbacks === undefined) {
      // Nothing to wait for: stream at once, without a promise turn.
      this.#openStream();
      return this.#starting = DONE;
    }
    return this.#starting = callbacks.then(
      () => this.#openStream(),
      (error) => {
        // Nothing went out: the app's error can still become a 500.
        if (this.#phase === "starting") this.#enter("buffering");
        throw error;
      },
    );
  }

  #openStream(): void {
    // An answer in the app's place (fail, cut-off, reset) may have ended
    // the response while the onStarting callbacks ran.
    if (this.#phase !== "starting") return;
    const body = this.#body = new ResponseStream(
      (reason) => this.#clientGone(reason),
      this.owner.isHead,
    );
    // Half a surrogate pair the next write completes stays with the stream.
    const held = this.#writes?.takeHeld() ?? "";
    const written = this.#writes?.take();
    if (written !== undefined) body.enqueue(written);
    if (held !== "") body.enqueue(held);
    this.#enter("streaming");
    this.hand(body.readable);
  }

  #clientGone(reason: unknown): void {
    if (this.delivered) return;
    this.owner.signalAborted(
      reason ?? new DOMException("The client disconnected", "AbortError"),
    );
    this.#end("aborted");
  }

  #endStream(body: BodyInit | null): Promise<void> {
    if (this.#phase !== "streaming") {
      return this.start().then(() =>
        this.#phase === "streaming" ? this.#endStream(body) : undefined
      );
    }
    const stream = this.#body!;
    const source = body === null || body instanceof ReadableStream
      ? body as ReadableStream<Uint8Array> | null
      : new Response(body).body;
    if (source === null) {
      stream.close();
      this.#end("delivered");
      return DONE;
    }
    this.#enter("ending");
    return stream.pump(source).then(() => {
      if (!stream.gone && !this.delivered) {
        stream.close();
        this.#end("delivered");
      }
    }, (error) => {
      this.reset(error);
      throw error;
    });
  }

  /**
   * Ends a response not started yet with a file's own stream as its whole
   * body, handed to Deno with the head when the pipeline finishes: Deno
   * reads a file stream without a JavaScript step per chunk. Anything else
   * completes as `complete(stream)` does.
   */
  completeWithFile(stream: ReadableStream<Uint8Array>): Promise<void> {
    if (this.#phase !== "buffering" || this.#buffered) {
      return this.complete(stream);
    }
    this.#pending = stream;
    this.#enter("pending");
    return DONE;
  }

  /** Whether anything was written: a file then is not the whole body. */
  [WRITTEN](): boolean {
    return this.#buffered;
  }

  /** Whether the response was ended: a late sendFile() is a misuse. */
  [COMPLETE](): boolean {
    const phase = this.#phase;
    return phase !== "buffering" && phase !== "starting" &&
      phase !== "streaming";
  }

  sendFile(path: string, options?: SendFileOptions): Promise<void> {
    return this.tooLate() ??
      sendFileTo(this, path, options, this.owner.isHead);
  }

  /** Nothing written or sent yet: a file may set the length. */
  get fresh(): boolean {
    return this.#phase === "buffering" && !this.#buffered;
  }

  /**
   * The reported rejection of a file for a response already ended, or one
   * cleared since the call (`clears` then): a request timeout or an error
   * page took it over while the file was opened, which is no mistake to
   * report.
   */
  tooLate(clears = this.#clears): Promise<void> | undefined {
    if (this[COMPLETE]()) {
      return misuse(this.#misuseReport, alreadyComplete("send a file"));
    }
    if (clears !== this.#clears) {
      return misuse(
        undefined,
        new TypeError(
          "Cannot send a file: the response was cleared while the file was opened (a request timeout or an error page answers instead)",
        ),
      );
    }
    return undefined;
  }

  /** The stream a file's bytes go to, while streaming and still wanted. */
  get streamBody(): ResponseStream | undefined {
    return this.#phase === "streaming" ? this.#body : undefined;
  }

  get stream(): WritableStream<Uint8Array> {
    return this.#writable ??= new WritableStream<Uint8Array>({
      write: (chunk) => this.write(chunk),
      close: () => this.complete(),
      abort: (reason) => this.reset(reason),
    });
  }

  clear(): void {
    if (this.hasStarted) {
      throw new TypeError(
        "Cannot clear the response: it has already started",
      );
    }
    this.#writes?.clear();
    this.#pending = null;
    this.forgetHead();
    if (this.#phase === "pending") this.#enter("buffering");
    this.#clears++;
  }

  /** How many times the response was cleared: a file opened before is void. */
  get clears(): number {
    return this.#clears;
  }

  /** Delivers a WebSocket upgrade response exactly as Deno made it. */
  upgrade(response: Response): void {
    if (this.hasStarted) {
      throw new TypeError(
        "Cannot accept a WebSocket: the response has already started",
      );
    }
    // What went out is a 101: the status the app and the request log read.
    this.code = response.status;
    this.give(response, true);
    this.#end("delivered");
  }

  // -- ends the server decides

  /**
   * The app's pipeline finished: hand over a buffered response, or end a
   * stream the app left open.
   */
  finish(): Promise<void> | undefined {
    switch (this.#phase) {
      case "buffering":
      case "starting":
      case "pending": {
        this.#enter("pending");
        // Callbacks a start() left running finish before anything is sent.
        const starting = this.runStarting() ?? this.#starting;
        if (starting === undefined) return this.#deliverPending();
        return starting.then(
          () => this.#deliverPending(),
          (error) => {
            // After the pipeline: nobody else will log it.
            this.owner.report(
              "An onStarting callback threw; answering 500:",
              error,
            );
            this.fail(error);
          },
        );
      }
      case "streaming":
        return this.complete().catch((error) => this.fail(error));
      default:
        return undefined;
    }
  }

  // Drops what the app had set, to answer in its place.
  #answerInstead(status: number): void {
    this.clear();
    this.dropStarting();
    this.reasonPhrase = undefined;
    this.code = status;
  }

  /**
   * The app's pipeline failed. Before the response started, answer with the
   * error's status; after, reset the response.
   */
  fail(error: unknown): void {
    if (this.delivered) return;
    if (this.hasStarted) return this.reset(error);
    let response: Response;
    try {
      // The server knows no environment: 5xx details stay hidden.
      response = problemResponse(this.owner, error);
    } catch {
      response = new Response(null, { status: 500 });
    }
    this.#answerInstead(response.status);
    this.handResponseNow(response);
    this.#end("delivered");
  }

  /**
   * The server is stopping and this request ran out of time. A client that
   * got nothing yet gets 503 (and `Connection: close` unless on HTTP/2),
   * never a success; a response already streaming is broken off, so the
   * client sees an error, not a clean end. Later writes are dropped.
   */
  cutOff(reason: unknown, close: boolean): void {
    if (this.delivered) return;
    if (this.hasStarted) return this.reset(reason);
    this.#answerInstead(503);
    const headers = this.headers;
    headers.set("content-type", "text/plain; charset=utf-8");
    headers.set("retry-after", "1");
    if (close) headers.set("connection", "close");
    this.hand(
      "Service Unavailable: the server stopped before the request completed\n",
    );
    this.#end("aborted");
  }

  /** Gives up on the response: the client sees a broken connection. */
  reset(reason: unknown): void {
    if (this.delivered) return;
    if (this.#body !== undefined) {
      this.#body.error(reason);
    } else if (!this.hasStarted) {
      this.hand(brokenBody(reason));
    }
    this.#end("aborted");
  }
}
