// Runs an HttpApplication on one request and turns the result into the
// Response a transport hands back. Shared by DenoServer and TestServer, so
// in-memory tests exercise the same bridge as real sockets.

import type { HttpApplication } from "./server.ts";
import {
  type EndpointInfo,
  type PeerInfo,
  RequestState,
} from "./_request_state.ts";

/** Reports an error the application did not handle. */
export type ErrorReporter = (message: string, error: unknown) => void;

const defaultReporter: ErrorReporter = (message, error) =>
  console.error(message, error);

/** Dispatches requests to one application and tracks those in flight. */
export class Dispatcher<C> {
  readonly #app: HttpApplication<C>;
  readonly #active = new Set<RequestState>();
  readonly #report: ErrorReporter;
  readonly #maxConcurrent: number | null;
  #draining = false;
  #drained: PromiseWithResolvers<void> | undefined;
  #running = new Set<RequestState>();

  constructor(
    app: HttpApplication<C>,
    maxConcurrent: number | null,
    report: ErrorReporter = defaultReporter,
  ) {
    this.#app = app;
    this.#maxConcurrent = maxConcurrent;
    this.#report = report;
  }

  /** Requests whose pipeline is running or whose response is still going out. */
  get active(): number {
    return this.#active.size;
  }

  dispatch(
    request: Request,
    peer: PeerInfo,
    endpoint: EndpointInfo,
    protocol?: string,
  ): Promise<Response> | Response {
    if (this.#draining) {
      return new Response("Service Unavailable: the server is shutting down", {
        status: 503,
        headers: { connection: "close", "retry-after": "1" },
      });
    }
    const max = this.#maxConcurrent;
    if (max !== null && this.#active.size >= max) {
      return new Response("Service Unavailable: too many concurrent requests", {
        status: 503,
        headers: { "retry-after": "1" },
      });
    }
    return new Promise<Response>((respond) => {
      const state = new RequestState(request, peer, endpoint, respond);
      if (protocol !== undefined) state.protocol = protocol;
      this.#active.add(state);
      this.#running.add(state);
      this.#run(state);
    });
  }

  async #run(state: RequestState): Promise<void> {
    const app = this.#app;
    let context: C | undefined;
    let failure: unknown;
    try {
      context = app.createContext(state);
      await app.processRequest(context);
      const finishing = state.response.finish();
      if (finishing !== undefined) await finishing;
    } catch (error) {
      failure = error;
      this.#report("An unhandled error was thrown by the application:", error);
      state.response.fail(error);
    }
    this.#running.delete(state);
    if (this.#drained !== undefined && !this.#receiving()) {
      this.#drained.resolve();
    }
    const response = state.response;
    if (response.delivered) this.#active.delete(state);
    else response.whenFinished = () => this.#active.delete(state);
    if (context !== undefined) {
      try {
        app.disposeContext(context, failure);
      } catch (error) {
        this.#report("disposeContext threw:", error);
      }
    }
  }

  // Deno's shutdown() breaks request bodies still arriving ("BadResource:
  // Cannot read request body"), so a graceful stop waits for those first.
  #receiving(): boolean {
    for (const state of this.#running) {
      try {
        if (state.source.body !== null) return true;
      } catch {
        // "Request closed": the client is gone, nothing more will arrive.
      }
    }
    return false;
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

  /** Cancels every request in flight: requestAborted fires, responses reset. */
  abortAll(reason: unknown): number {
    const count = this.#active.size;
    for (const state of [...this.#active]) state.abort(reason);
    return count;
  }
}
