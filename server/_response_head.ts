// The head of a response: status, reason, headers, the onStarting and
// onCompleted callbacks, and the hand-over of the Response to Deno. The body
// and the response's phases are the bridge's (ResponseBridge extends this).

import { forDecodedBody } from "../features/_decoded_body.ts";
import type {
  FeatureCollection,
  HttpResponseFeature,
  ResponseCallback,
} from "../features/mod.ts";
import { addMissing, adoptHeaders, mergeHeaders } from "./_response_body.ts";
import {
  rebuildWithBody,
  releaseBody,
  takeLazyText,
} from "../features/_taken_body.ts";
import { clearHeaders, copyHeaders, removeField } from "./_header_list.ts";
import { headForGet, measure, NULL_BODY_STATUSES } from "./_head_body.ts";

const { Response, Headers } = globalThis;

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
  /**
   * `completed`, where the server waits for it before it counts its
   * connection idle (a connection of its own), else undefined. Asked for as
   * the response is handed over: Deno's promise never settles when asked
   * for after the response went.
   */
  readonly delivery: Promise<void> | undefined;
  /** Fires `requestAborted` without touching the response. */
  signalAborted(reason: unknown): void;
  /** Whether `requestAborted` fired (a timeout, a stop, the client). */
  readonly wasAborted: boolean;
  /** Reports an error nobody else will see (the server's `onError`). */
  report(message: string, error: unknown): void;
}

/** The error for changing the head of a response that has started. */
export function started(what: string): TypeError {
  return new TypeError(
    `Cannot ${what}: the response has already started, and its status and headers are read-only (set them before the first write, start() or send)`,
  );
}

// What ctx.response.headers is before the response starts. Once it has
// started, changes would be lost, so they throw, as Kestrel's "Headers are
// read-only" does: also through a reference kept from before (a middleware
// holding the headers across next()).
class ResponseHeaders extends Headers {
  readonly #head: { readonly hasStarted: boolean };

  constructor(head: { readonly hasStarted: boolean }) {
    super();
    this.#head = head;
  }

  override set(name: string, value: string): void {
    if (this.#head.hasStarted) throw started(`set the header "${name}"`);
    super.set(name, value);
  }
  override append(name: string, value: string): void {
    if (this.#head.hasStarted) throw started(`append the header "${name}"`);
    super.append(name, value);
  }
  override delete(name: string): void {
    if (this.#head.hasStarted) throw started(`delete the header "${name}"`);
    super.delete(name);
  }
}

// What ctx.response.headers is once the response has started: changes would
// be lost, so they throw, as Kestrel's "Headers are read-only" does.
class SentHeaders extends Headers {
  override set(name: string): void {
    throw started(`set the header "${name}"`);
  }
  override append(name: string): void {
    throw started(`append the header "${name}"`);
  }
  override delete(name: string): void {
    throw started(`delete the header "${name}"`);
  }
}

/**
 * Builds the Response for a status, headers and a whole body. `written`
 * marks text that came from write(): bytes on the wire, with no content type
 * of its own (a string body is handed to Deno as it is, which skips an
 * encode and a copy, and would otherwise be labelled text/plain).
 */
export function makeResponse(
  body: BodyInit | null,
  status: number,
  reasonPhrase: string | undefined,
  headers: Headers | undefined,
  isHead: boolean,
  written: boolean,
): Response {
  if (body !== null && isHead) {
    // Deno would send DATA frames for a HEAD response's body over HTTP/2.
    headers = headForGet(body, status, headers ?? new Headers(), written);
    // A GET would send a body of unknown length chunked. Without a body,
    // HTTP/1.1 would say content-length: 0; an empty stream says nothing.
    body = headers.has("content-length") ? null : emptyBody();
  }
  const response = buildResponse(
    NULL_BODY_STATUSES.has(status) ? null : body,
    status,
    reasonPhrase,
    headers,
  );
  if (written && typeof body === "string" && !headers?.has("content-type")) {
    removeField(response.headers, "content-type");
  }
  return response;
}

/**
 * `new Response(body, { status, statusText, headers })`, made the cheaper
 * way. Given a Headers, Deno's Response sorts its fields and makes its
 * native response at once: 2 µs in process for two fields, against 0.6 µs
 * for setting them on the Response it made without, and 0.1 µs for copying
 * them over unchecked (`copyHeaders`). End to end, a raw Deno.serve
 * answering two such headers spent 10% less CPU per request the second way.
 * Without an init object at all, Response skips its option parsing too: the
 * common 200 with no headers of ours.
 */
export function buildResponse(
  body: BodyInit | null,
  status: number,
  statusText: string | undefined,
  headers: Headers | undefined,
): Response {
  const response = status === 200 && statusText === undefined
    ? new Response(body)
    : new Response(body, { status, statusText });
  // Ours replace the body's default content type.
  if (headers !== undefined) copyHeaders(headers, response.headers);
  return response;
}

// What a socket's send buffer takes at once (Linux starts TCP sockets at
// 16 KiB to 4 MiB): 64 KiB of bytes, or of UTF-8 from a string.
const SMALL_BYTES = 65_536;

// A body that leaves in one write: none, or a few bytes in memory.
function isSmall(body: unknown): boolean {
  if (body === null) return true;
  if (typeof body === "string") return body.length <= SMALL_BYTES / 3;
  return body instanceof Uint8Array && body.byteLength <= SMALL_BYTES;
}

// Where Deno keeps the body of a Response made from a string or bytes, for
// its fast path ("serve fast body"): found once, on a Response of our own.
let fastBody: symbol | null | undefined;

// Whether a Response the app made has a small body in memory, without
// asking for its body, which would make a stream of it (and would take a
// Response Deno serves from memory off its fast path).
function isSmallResponse(response: Response): boolean {
  fastBody ??=
    Object.getOwnPropertySymbols(new Response("")).find((key) =>
      key.description === "serve fast body"
    ) ?? null;
  if (fastBody === null) return false;
  const body = (response as unknown as Record<symbol, unknown>)[fastBody];
  return body !== null && body !== undefined && isSmall(body);
}

function emptyBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.close();
    },
  });
}

/** Status, headers and callbacks of one response, and its hand-over. */
export class ResponseHead implements HttpResponseFeature {
  reasonPhrase: string | undefined = undefined;
  /** Called once when the response is over; set by the dispatcher. */
  whenFinished: (() => void) | undefined = undefined;
  /**
   * Whether what was handed over is a Response the app made: its body may
   * still be read (a stream) after the app finished.
   */
  handedAppResponse = false;
  /**
   * Settles once a body that may still be on its way after the app finished
   * (a stream, a file, a Response the app made, or more bytes than a socket
   * takes at once) was sent, where the server needs to know: its
   * connection is idle only then. Undefined for a small body.
   */
  sending: Promise<void> | undefined = undefined;
  // Shared with the body side: TypeScript's protected, because #private
  // fields do not reach a subclass.
  protected readonly owner: BridgeOwner;
  protected code = 200;
  protected ownHeaders: Headers | undefined;
  /** A whole Response the app completed with before the response started. */
  protected pendingResponse: Response | undefined;
  // Whether a pending Response's headers were merged into ours: the
  // Response then goes out rebuilt with them.
  #adopted = false;
  #onStarting: ResponseCallback[] | undefined;
  #onCompleted: ResponseCallback[] | undefined;
  // The Response given to Deno, and who takes it (the dispatcher's promise).
  #out: Response | undefined;
  #respond: ((response: Response) => void) | undefined;
  #sent: Headers | undefined;

  constructor(owner: BridgeOwner) {
    this.owner = owner;
  }

  /**
   * The Response handed over before anyone asked for it (the synchronous
   * fast path), or `undefined`.
   */
  get handed(): Response | undefined {
    return this.#respond === undefined ? this.#out : undefined;
  }

  /** Where to hand the Response; called at once if it is already made. */
  respondTo(respond: (response: Response) => void): void {
    if (this.#out !== undefined) respond(this.#out);
    else this.#respond = respond;
  }

  /**
   * Hands `response` to Deno: from now on the response has started.
   * `small` says its body is none, or bytes a socket takes at once.
   */
  protected give(response: Response, small = false): void {
    this.sending = small ? undefined : this.owner.delivery;
    this.#out = response;
    this.#respond?.(response);
  }

  /** The status code; setting it once the response has started throws. */
  get status(): number {
    return this.code;
  }
  set status(value: number) {
    if (this.hasStarted) throw started(`set the status to ${value}`);
    // Said where the mistake is, not when the response is built: Deno
    // sends nothing else.
    if (
      !Number.isInteger(value) ||
      (value !== 101 && (value < 200 || value > 599))
    ) {
      throw new RangeError(
        `Cannot set the status to ${value}: a response's status is a whole number from 200 to 599 (or 101, for an upgrade)`,
      );
    }
    this.code = value;
  }

  /**
   * The response headers: once the response has started, a read-only view
   * whose `set`, `append` and `delete` throw.
   */
  get headers(): Headers {
    if (this.hasStarted) {
      return this.#sent ??= new SentHeaders(this.#out?.headers);
    }
    const pending = this.pendingResponse;
    if (pending !== undefined && !this.#adopted) this.#adopt(pending);
    return this.ownHeaders ??= new ResponseHeaders(this);
  }

  get hasStarted(): boolean {
    return this.#out !== undefined;
  }

  onStarting(callback: ResponseCallback): void {
    if (this.hasStarted) {
      throw new TypeError(
        "Cannot register an onStarting callback: the response has already started",
      );
    }
    (this.#onStarting ??= []).push(callback);
  }

  onCompleted(callback: ResponseCallback): void {
    (this.#onCompleted ??= []).push(callback);
  }

  /** Runs the onStarting callbacks, last registered first, once. */
  protected runStarting(): Promise<void> | undefined {
    const callbacks = this.#onStarting;
    if (callbacks === undefined) return undefined;
    this.#onStarting = undefined;
    return (async () => {
      for (let i = callbacks.length - 1; i >= 0; i--) await callbacks[i]();
    })();
  }

  /** Drops the onStarting callbacks: the app's head will not be sent. */
  protected dropStarting(): void {
    this.#onStarting = undefined;
  }

  /** Runs the onCompleted callbacks once the server delivered the response. */
  protected runCompleted(): void {
    const callbacks = this.#onCompleted;
    if (callbacks === undefined) return;
    this.#onCompleted = undefined;
    const run = async () => {
      for (let i = callbacks.length - 1; i >= 0; i--) {
        try {
          await callbacks[i]();
        } catch (error) {
          this.owner.report("An onCompleted callback threw:", error);
        }
      }
    };
    const completed = this.owner.completed;
    if (completed === undefined) queueMicrotask(run);
    else completed.then(run, run);
  }

  /** Forgets the head the app set, before answering in its place. */
  protected forgetHead(): void {
    if (this.pendingResponse !== undefined) {
      releaseBody(this.pendingResponse);
    }
    this.pendingResponse = undefined;
    // Emptied in place, as ASP.NET's Clear() does: a middleware holding the
    // headers from before next() still writes to the ones that go out.
    if (this.ownHeaders !== undefined) clearHeaders(this.ownHeaders);
    this.#adopted = false;
  }

  /** Hands over a Response for the head so far and a whole body. */
  protected hand(body: BodyInit | null, written = false): void {
    let response: Response;
    try {
      response = makeResponse(
        body,
        this.code,
        this.reasonPhrase,
        this.ownHeaders,
        this.owner.isHead,
        written,
      );
    } catch (error) {
      this.owner.report(
        `The response could not be built (status ${this.code}); answering 500:`,
        error,
      );
      response = new Response(null, { status: 500 });
    }
    this.give(response, isSmall(body));
  }

  // Merges a pending Response's headers into ours, in place: changes after
  // next() land in them (through any reference to them), and the Response
  // goes out rebuilt with them.
  #adopt(response: Response): void {
    adoptHeaders(this.ownHeaders ??= new ResponseHeaders(this), response);
    this.#adopted = true;
  }

  /**
   * Hands over a Response the app made, with the status and headers set
   * since. Settles, when it returns a promise, once a HEAD request learned
   * the length of a body it does not get.
   */
  protected handResponse(response: Response): Promise<void> | undefined {
    if (
      this.owner.isHead && response.body !== null &&
      !response.headers.has("content-length")
    ) {
      // A GET would have carried this body's length: measure it, when it is
      // made in memory and small.
      return measure(response.clone().body!).then((length) => {
        if (length !== undefined) {
          this.headers.set("content-length", String(length));
        }
        this.handResponseNow(response);
      });
    }
    this.handResponseNow(response);
    return undefined;
  }

  /** Hands over a Response the app made, as it is (its body unmeasured). */
  protected handResponseNow(response: Response): void {
    this.handedAppResponse = true;
    const status = this.code;
    const head = this.owner.isHead && response.body !== null;
    const ours = this.ownHeaders;
    // The commonest case: `return new Response(text)` behind a middleware
    // that set a header. It has only its default content type, which ours
    // replace where they name one (the app's would win): it is its text.
    if (
      !this.#adopted && !head && ours !== undefined && status === 200 &&
      this.reasonPhrase === undefined && !ours.has("content-type")
    ) {
      const text = takeLazyText(response);
      if (text !== undefined) {
        return this.give(buildResponse(text, 200, undefined, ours), true);
      }
    }
    if (
      head || ours !== undefined || status !== response.status ||
      this.reasonPhrase !== undefined
    ) {
      if (response.bodyUsed) {
        // As Deno.serve refuses it, with what to do.
        throw new TypeError(
          "The Response the app answered with has a body that was already read or sent: a Response goes out once, so make a new one for each request",
        );
      }
      if (head) response.body!.cancel().catch(() => {});
      // Once adopted, ours hold the app's headers merged in; HEAD needs
      // them merged to tell the length.
      const merged = this.#adopted
        ? ours
        : head
        ? mergeHeaders(ours, response)
        : undefined;
      const app = response;
      // The app's own reason phrase stays with its status.
      const reason = this.reasonPhrase ??
        (status === app.status ? app.statusText || undefined : undefined);
      // The app's Response is never changed (see mergeHeaders): its headers
      // are copied over to the one built, ours added where it has none.
      const make = (body: BodyInit | null) =>
        buildResponse(body, status, reason, merged ?? app.headers);
      if (NULL_BODY_STATUSES.has(status)) {
        releaseBody(app);
        response = make(null);
      } else if (head) {
        response = make(merged!.has("content-length") ? null : emptyBody());
      } else {
        // Its body goes on, one in memory as it is (as a stream, Deno would
        // serve it far more slowly).
        response = rebuildWithBody(app, make);
      }
      if (merged === undefined) {
        forDecodedBody(app, response.headers);
        if (ours !== undefined) addMissing(response.headers, ours);
      }
    }
    this.give(response, isSmallResponse(response));
  }
}
