// Runs an HttpApplication on one request and turns the result into the
// Response a transport hands back. Shared by DenoServer and TestServer, so
// in-memory tests exercise the same bridge as real sockets.

import { HttpError } from "../features/mod.ts";
import { DONE } from "../features/_done.ts";
import type { HttpApplication } from "./server.ts";
import {
  type ConnectionInfo,
  type EndpointInfo,
  type PeerInfo,
  RequestState,
} from "./_request_state.ts";
import { defaultReporter, type ErrorReporter, wasReported } from "./_report.ts";
import { HOLDS_UNTIL_SENT, type HoldsUntilSent } from "./_context_lifetime.ts";

export type { ErrorReporter } from "./_report.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const { Response, Headers } = globalThis;

// A request Roost refuses before the application sees it. On a connection
// Roost owns, HTTP/1.1, it says Connection: close and the connection ends
// after it, as Kestrel does after a bad request.
function badRequest(reason: string, connection: string | undefined): Response {
  const headers: Record<string, string> = {
    "content-type": "text/plain; charset=utf-8",
  };
  if (connection !== undefined) headers.connection = connection;
  return new Response(`${reason}\n`, { status: 400, headers });
}

// On a connection a stop is closing, an HTTP/1.1 response says so: the
// client then sends no further request into the close.
function lastOnConnection(response: Response): Response {
  try {
    response.headers.set("connection", "close");
    return response;
  } catch {
    // Immutable headers (a fetch() or Response.redirect() response).
    const headers = new Headers(response.headers);
    headers.set("connection", "close");
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/** Dispatches requests to one application and tracks those in flight. */
export class Dispatcher<C> {
  readonly #app: HttpApplication<C>;
  readonly #holds: ((context: C) => boolean) | undefined;
  readonly #report: ErrorReporter;
  readonly #maxConcurrent: number | null;
  // Requests in flight, in an intrusive list: a Set's add and delete cost
  // more than the rest of the per-request bookkeeping together.
  #first: RequestState | undefined;
  #count = 0;
  #draining = false;
  #drained: PromiseWithResolvers<void> | undefined;
  #settled: PromiseWithResolvers<void> | undefined;

  constructor(
    app: HttpApplication<C>,
    maxConcurrent: number | null,
    report: ErrorReporter = defaultReporter,
  ) {
    this.#app = app;
    this.#holds = HOLDS_UNTIL_SENT in app
      ? (context) => (app as HoldsUntilSent<C>)[HOLDS_UNTIL_SENT](context)
      : undefined;
    this.#maxConcurrent = maxConcurrent;
    this.#report = report;
  }

  /** Requests whose pipeline is running or whose response is still going out. */
  get active(): number {
    return this.#count;
  }

  dispatch(
    request: Request,
    peer: PeerInfo,
    endpoint: EndpointInfo,
    protocol?: string,
    connection?: ConnectionInfo,
  ): Promise<Response> | Response {
    const state = new RequestState(
      request,
      peer,
      endpoint,
      this.#report,
      connection,
    );
    if (protocol !== undefined) state.protocol = protocol;
    const rejection = state.rejection();
    let refusal: Response | undefined;
    // Connection-specific headers are an error over HTTP/2 (RFC 9113 §8.2.2).
    const close = () => state.protocol === "HTTP/2" ? undefined : "close";
    if (connection?.ending && state.protocol !== "HTTP/2") {
      // A response on this connection said Connection: close, so no further
      // request on it is processed (RFC 9112 §9.6); it closes shortly.
      refusal = badRequest(
        "Bad Request: this connection is closing (an earlier response on it said Connection: close); send the request on a new connection",
        "close",
      );
    } else if (rejection !== undefined) {
      // Only a connection Roost owns can keep the promise to close.
      const closing = connection === undefined ? undefined : close();
      if (closing !== undefined) connection!.endAfterResponse("badRequest");
      refusal = badRequest(rejection, closing);
    } else if (this.#draining) {
      refusal = new Response(
        "Service Unavailable: the server is shutting down",
        {
          status: 503,
          headers: close() === undefined
            ? { "retry-after": "1" }
            : { connection: "close", "retry-after": "1" },
        },
      );
    } else if (
      this.#maxConcurrent !== null && this.#count >= this.#maxConcurrent
    ) {
      refusal = new Response(
        "Service Unavailable: too many concurrent requests",
        { status: 503, headers: { "retry-after": "1" } },
      );
    }
    if (refusal !== undefined) {
      connection?.requestEnded(state.protocol !== "HTTP/2");
      return refusal;
    }
    this.#link(state);
    const app = this.#app;
    let context: C | undefined;
    let pending: Promise<void>;
    try {
      context = app.createContext(state);
      pending = app.processRequest(context);
    } catch (error) {
      pending = Promise.reject(error);
    }
    // A pipeline that finished synchronously gets its Response back at once:
    // no promise, no microtask.
    let finishing: Promise<void> | undefined;
    if (pending === DONE) {
      try {
        finishing = state.response.finish();
      } catch (error) {
        // A Response that cannot go out (its body used): 500, as below.
        finishing = Promise.reject(error);
      }
      if (finishing === undefined) {
        this.#done(state, context, undefined, false);
        const handed = state.response.handed;
        if (handed !== undefined) {
          return connection?.closing && state.protocol !== "HTTP/2"
            ? lastOnConnection(handed)
            : handed;
        }
      }
    }
    return new Promise<Response>((respond) => {
      state.response.respondTo(
        connection === undefined ? respond : (response) =>
          respond(
            connection.closing && state.protocol !== "HTTP/2"
              ? lastOnConnection(response)
              : response,
          ),
      );
      if (state.running) this.#await(state, context, pending, finishing);
    });
  }

  #link(state: RequestState): void {
    const first = this.#first;
    state.nextInFlight = first;
    if (first !== undefined) first.previousInFlight = state;
    this.#first = state;
    this.#count++;
  }

  #unlink(state: RequestState): void {
    const { previousInFlight: previous, nextInFlight: next } = state;
    if (previous !== undefined) previous.nextInFlight = next;
    else if (this.#first === state) this.#first = next;
    else return; // not linked
    if (next !== undefined) next.previousInFlight = previous;
    state.previousInFlight = state.nextInFlight = undefined;
    this.#count--;
    const connection = state.connection;
    if (connection === undefined) return;
    // A body still on its way keeps the connection busy: its keep-alive
    // clock (and a stop's wait) starts once Deno sent it, not when the app
    // finished, or a long download or stream would be cut at the timeout.
    const sending = state.response.sending;
    const graceful = sending !== undefined || state.protocol !== "HTTP/2";
    if (sending === undefined) return connection.requestEnded(graceful);
    const ended = () => connection.requestEnded(graceful);
    sending.then(ended, ended);
  }

  // Promise reactions rather than an async function: one fewer promise and
  // no generator per request on the async path.
  #await(
    state: RequestState,
    context: C | undefined,
    pending: Promise<void>,
    finishing: Promise<void> | undefined,
  ): void {
    const succeeded = () => this.#done(state, context, undefined, false);
    const failed = (error: unknown) => this.#done(state, context, error, true);
    if (finishing !== undefined) {
      finishing.then(succeeded, failed);
      return;
    }
    pending.then(() => {
      let next: Promise<void> | undefined;
      try {
        next = state.response.finish();
      } catch (error) {
        return failed(error);
      }
      if (next === undefined) succeeded();
      else next.then(succeeded, failed);
    }, failed);
  }

  #done(
    state: RequestState,
    context: C | undefined,
    failure: unknown,
    failed: boolean,
  ): void {
    if (
      failed && !wasReported(failure) &&
      !(failure instanceof HttpError && failure.status < 500)
    ) {
      this.#report(
        "An unhandled error was thrown by the application:",
        failure,
      );
    }
    if (failed) state.response.fail(failure);
    state.running = false;
    if (this.#drained !== undefined && !this.#receiving()) {
      this.#drained.resolve();
    }
    if (this.#settled !== undefined && !this.#running()) {
      this.#settled.resolve();
      this.#settled = undefined;
    }
    const response = state.response;
    if (response.delivered) this.#unlink(state);
    else response.whenFinished = () => this.#unlink(state);
    if (context === undefined) return;
    // A Response the app returned is still being sent: its body (a stream
    // fed by the request's services, say) is read after the app finished.
    // The context lives until the server sent it, as in ASP.NET.
    const error = failed ? failure : undefined;
    const completed = response.handedAppResponse && this.#holds?.(context)
      ? state.completed
      : undefined;
    if (completed === undefined) {
      this.#dispose(context, error);
    } else {
      const dispose = () => this.#dispose(context, error);
      completed.then(dispose, dispose);
    }
  }

  #dispose(context: C, error: unknown): void {
    try {
      this.#app.disposeContext(context, error);
    } catch (thrown) {
      this.#report("disposeContext threw:", thrown);
    }
  }

  // Deno's shutdown() breaks request bodies still arriving ("BadResource:
  // Cannot read request body"), so a graceful stop waits for those first.
  #receiving(): boolean {
    for (
      let state = this.#first;
      state !== undefined;
      state = state.nextInFlight
    ) {
      try {
        if (state.running && state.source.body !== null) return true;
      } catch {
        // "Request closed": the client is gone, nothing more will arrive.
      }
    }
    return false;
  }

  #running(): boolean {
    for (
      let state = this.#first;
      state !== undefined;
      state = state.nextInFlight
    ) {
      if (state.running) return true;
    }
    return false;
  }

  /** Resolves once no request's app is still running. */
  settled(): Promise<void> {
    if (!this.#running()) return Promise.resolve();
    return (this.#settled ??= Promise.withResolvers()).promise;
  }

  /**
   * Answers new requests 503 (`Connection: close`) and resolves once no
   * running request is still receiving its body.
   */
  drain(): Promise<void> {
    this.#draining = true;
    if (!this.#receiving()) return Promise.resolve();
    return (this.#drained ??= Promise.withResolvers()).promise;
  }

  /**
   * Cancels every request in flight: requestAborted fires; a response not
   * started yet is 503, one streaming is broken off.
   */
  abortAll(reason: unknown): number {
    const states: RequestState[] = [];
    for (
      let state = this.#first;
      state !== undefined;
      state = state.nextInFlight
    ) {
      states.push(state);
    }
    for (const state of states) {
      state.signalAborted(reason);
      state.response.cutOff(reason, state.protocol !== "HTTP/2");
    }
    return states.length;
  }
}
