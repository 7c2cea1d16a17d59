// The HttpApplication the host hands its server: an HttpContext per request,
// the pipeline, and the last line of defence for errors the app let through.

import {
  type FeatureCollection,
  HttpContext,
  HttpError,
  HttpRequestLifetimeFeature,
  HttpResponseBodyFeature,
  HttpResponseFeature,
  problemResponse,
  ServiceProvidersFeature,
  type ServiceResolver,
} from "../features/mod.ts";
import { DONE } from "../features/_done.ts";
import { RequestBodyError } from "../features/_body_error.ts";
import type { HttpApplication } from "../server/mod.ts";
import { raceAbort } from "../server/_listen.ts";
import { HOLDS_UNTIL_SENT } from "../server/_context_lifetime.ts";
import { UpgradeLimitError } from "../server/_websocket.ts";
import type { RequestDelegate } from "./application_builder.ts";
import {
  ConsoleOutput,
  type Logger,
  type LoggerFactory,
} from "./logging/mod.ts";
import type { ServiceProvider } from "./services/mod.ts";
import { wasReported } from "../server/_report.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const { Response } = globalThis;

/**
 * Whether an error means the client went away while the app read the request
 * (Deno reports a body cut off by the peer as BadResource or a reset).
 */
export function isClientGone(error: unknown): boolean {
  if (
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.BrokenPipe
  ) {
    return true;
  }
  return error instanceof Deno.errors.BadResource &&
    /body|request closed/i.test(error.message);
}

// Deno's TypeError for reading a request's headers or URL once it closed.
function isRequestClosed(error: unknown): boolean {
  return error instanceof TypeError &&
    /^(Cannot read (headers|url): )?request closed$/i.test(error.message);
}

/**
 * Answers an error on a response that has not started, through the one
 * error-to-response mapping ({@linkcode problemResponse}); on one that has,
 * aborts the request.
 */
export function writeErrorResponse(
  features: FeatureCollection,
  error: unknown,
  detailed: boolean,
): Promise<void> {
  const response = features.get(HttpResponseFeature);
  const body = features.get(HttpResponseBodyFeature);
  if (response === undefined || body === undefined || response.hasStarted) {
    features.get(HttpRequestLifetimeFeature)?.abort(error);
    return Promise.resolve();
  }
  // Nothing the app buffered may leak into the error page.
  body.clear();
  const headers = response.headers;
  for (const name of [...headers.keys()]) headers.delete(name);
  response.reasonPhrase = undefined;
  const answer = problemResponse(features, error, { detailed });
  response.status = answer.status;
  return body.complete(answer);
}

// Past the shutdown deadline, how long request scopes get to dispose.
const SCOPE_DISPOSE_GRACE_MS = 1_000;

// A request's service scope is made the first time the app asks for
// ctx.requestServices, and disposed when the request is over: requests that
// use no services pay nothing.
class HostingContext extends HttpContext {
  readonly #root: ServiceProvider;
  scope: ServiceProvider | undefined;
  /** When the request started, if its start was logged. */
  started: number | undefined;
  /** Disposed already: at a stop's deadline, before its response was sent. */
  disposed = false;

  constructor(features: FeatureCollection, root: ServiceProvider) {
    super(features);
    this.#root = root;
  }

  override get requestServices(): ServiceResolver {
    const own = super.requestServices;
    if (own !== undefined) return own;
    const scope = this.scope = this.#root.createScope().services;
    this.features.set(ServiceProvidersFeature, { requestServices: scope });
    return scope;
  }
}

/** The trace id, method and path: a request's scope, and its error logs'. */
function requestScope(ctx: HttpContext): Record<string, unknown> {
  const request = ctx.request;
  return {
    traceId: ctx.traceIdentifier,
    method: request.method,
    path: `${request.pathBase}${request.path}`,
  };
}

/**
 * A request as the request logs' properties name it (ASP.NET's
 * HostingRequestStartingLog fields); `path` includes the path base, as the
 * request scope's does.
 */
function describeRequest(ctx: HttpContext): Record<string, unknown> {
  const request = ctx.request;
  return {
    traceId: ctx.traceIdentifier,
    protocol: request.protocol,
    method: request.method,
    scheme: request.scheme,
    host: request.host,
    path: `${request.pathBase}${request.path}`,
    queryString: request.queryString,
  };
}

// Templates, so JSON output has the values as properties too. Header values
// are passed as they came ("-" when absent), never spliced into a template.
const REQUEST_STARTING =
  "Request starting {protocol} {method} {scheme}://{host}{path}{queryString} {contentType} {contentLength}";
const REQUEST_FINISHED =
  "Request finished {protocol} {method} {scheme}://{host}{path}{queryString} - {status} {contentLength} {contentType} {elapsedMs}ms";

/**
 * Whether an output of `loggers` shows scopes. A scope costs an
 * AsyncLocalStorage run per request (~0.35 µs here), so requests get one
 * only then: the simple and systemd console formats do not show them; JSON
 * and outputs of the app's own may.
 */
export function showsScopes(loggers: LoggerFactory): boolean {
  for (const output of loggers.outputs) {
    if (!(output instanceof ConsoleOutput) || output.formatter === "json") {
      return true;
    }
  }
  return false;
}

/** Runs a pipeline for each request the server hands over. */
export class HostingApplication implements HttpApplication<HttpContext> {
  readonly #pipeline: RequestDelegate;
  readonly #detailed: boolean;
  readonly #developerPage: boolean;
  readonly #services: ServiceProvider;
  readonly #loggers: LoggerFactory;
  readonly #diagnostics: Logger;
  readonly #server: Logger;
  readonly #disposing = new Set<Promise<void>>();
  // Contexts kept until their returned Response has been sent.
  readonly #held = new Set<HostingContext>();
  #change: PromiseWithResolvers<void> | undefined;

  constructor(
    pipeline: RequestDelegate,
    detailedErrors: boolean,
    loggers: LoggerFactory,
    services: ServiceProvider,
    developerPage = false,
  ) {
    this.#pipeline = pipeline;
    this.#detailed = detailedErrors;
    this.#developerPage = developerPage;
    this.#loggers = loggers;
    this.#diagnostics = loggers.createLogger("Roost.Hosting.Diagnostics");
    this.#server = loggers.createLogger("Roost.Server");
    this.#services = services;
  }

  createContext(features: FeatureCollection): HttpContext {
    const ctx = new HostingContext(features, this.#services);
    if (this.#diagnostics.isEnabled("information")) {
      ctx.started = performance.now();
      const properties = describeRequest(ctx);
      const request = ctx.request;
      properties.contentType = request.header("content-type") ?? "-";
      properties.contentLength = request.header("content-length") ?? "-";
      this.#diagnostics.information(REQUEST_STARTING, properties);
    }
    return ctx;
  }

  processRequest(ctx: HttpContext): Promise<void> {
    if (!showsScopes(this.#loggers)) return this.#process(ctx);
    return this.#loggers.runInScope(
      requestScope(ctx),
      () => this.#process(ctx),
    );
  }

  #process(ctx: HttpContext): Promise<void> {
    let result: void | Response | Promise<void | Response>;
    try {
      result = this.#pipeline(ctx);
    } catch (error) {
      return this.#fail(ctx, error);
    }
    // A synchronous pipeline hands DONE (or nothing) back: the server can
    // answer at once.
    if (result === undefined || result === DONE) return DONE;
    return this.#settle(ctx, result);
  }

  async #settle(
    ctx: HttpContext,
    result: Response | Promise<void | Response>,
  ): Promise<void> {
    try {
      const value = await result;
      // A bare component may hand back a Response; run() sends its own.
      if (value instanceof Response) await ctx.response.send(value);
    } catch (error) {
      await this.#fail(ctx, error);
    }
  }

  #fail(ctx: HttpContext, error: unknown): Promise<void> {
    // Deno closes a request whose client left: reading its headers or URL
    // afterwards (middleware after `await next()`) throws "request closed".
    // That is the client leaving, not the app failing.
    if (isRequestClosed(error)) {
      if (ctx.requestAborted.aborted) return Promise.resolve();
      // The client did not leave: the app read the request after its
      // response had gone out, and Deno had released it.
      if (ctx.features.get(HttpResponseFeature)?.hasStarted) {
        this.#diagnostics.error(
          "Request {traceId} ({method} {path}) was read after its response had been sent, when Deno had already released it: read the headers, URL or body you need before the response completes (before a streamed body ends)",
          { ...requestScope(ctx), error },
        );
        return Promise.resolve();
      }
    }
    // A body over the limit or malformed, a missing file, a client gone
    // mid-upload: the client's doing, not the app's, so not worth an error
    // log. Debug keeps what the client is not shown (a file's path, say).
    // An upgrade over the server's cap is the limit working: Information.
    if (error instanceof UpgradeLimitError) {
      if (this.#server.isEnabled("information")) {
        this.#server.information(
          "Request {traceId} ({method} {path}) was answered {status}: {reason}",
          { ...requestScope(ctx), status: 503, reason: error.message },
        );
      }
    } else if (error instanceof HttpError && error.status < 500) {
      // A body that broke on the wire is the server's news, not the app's.
      const logger = error instanceof RequestBodyError
        ? this.#server
        : this.#diagnostics;
      if (logger.isEnabled("debug")) {
        logger.debug(
          "Request {traceId} ({method} {path}) was answered {status}: {reason}",
          {
            ...requestScope(ctx),
            status: error.status,
            reason: error.message,
            error,
          },
        );
      }
    } else if (!isClientGone(error) && !wasReported(error)) {
      this.#diagnostics.error(
        "An unhandled exception was thrown while processing request {traceId} ({method} {path})",
        { ...requestScope(ctx), error },
      );
    }
    // Development shows the app's crashes (not a 4xx HttpError, which is an
    // answer, nor a client gone) as the developer exception page.
    if (
      this.#developerPage &&
      ctx.features.get(HttpResponseFeature)?.hasStarted === false &&
      !(error instanceof HttpError && error.status < 500) &&
      !(error instanceof UpgradeLimitError) &&
      !isClientGone(error)
    ) {
      return this.#developerAnswer(ctx, error);
    }
    try {
      return writeErrorResponse(ctx.features, error, this.#detailed).catch(
        () => {},
      );
    } catch {
      // The response was over before the error: nothing left to say.
      return Promise.resolve();
    }
  }

  // Loaded on the first error: production hosts never load the page.
  async #developerAnswer(ctx: HttpContext, error: unknown): Promise<void> {
    try {
      const { writeDeveloperPage } = await import(
        "./middleware/_error_developer_page.ts"
      );
      await writeDeveloperPage(ctx, error, { sourceLines: 3 });
    } catch {
      // The page itself failed: the plain detailed answer still goes out.
      await writeErrorResponse(ctx.features, error, this.#detailed).catch(
        () => {},
      );
    }
  }

  disposeContext(ctx: HttpContext, _error?: unknown): void {
    const hosting = ctx as HostingContext;
    if (hosting.disposed) return;
    hosting.disposed = true;
    if (this.#held.delete(hosting)) this.#changed();
    if (hosting.started !== undefined) this.#logFinished(hosting);
    const scope = hosting.scope;
    if (scope === undefined) return;
    const disposing = scope[Symbol.asyncDispose]().catch((error) =>
      this.#loggers.createLogger("Roost.Hosting").error(
        "Disposing the services of request {traceId} failed",
        { error, traceId: ctx.traceIdentifier },
      )
    );
    this.#disposing.add(disposing);
    disposing.finally(() => {
      this.#disposing.delete(disposing);
      this.#changed();
    });
  }

  /** A request's services live until its response has been sent. */
  [HOLDS_UNTIL_SENT](ctx: HttpContext): boolean {
    const hosting = ctx as HostingContext;
    if (hosting.scope === undefined) return false;
    this.#held.add(hosting);
    return true;
  }

  #changed(): void {
    this.#change?.resolve();
    this.#change = undefined;
  }

  /**
   * Settles when the request scopes are disposed, those of responses still
   * being sent included (or `signal` aborts: then those are disposed at
   * once): the host disposes the root services after them, as a request's
   * services may still use the root's.
   */
  async scopesDisposed(signal: AbortSignal): Promise<void> {
    while (this.#held.size + this.#disposing.size > 0 && !signal.aborted) {
      await raceAbort(
        (this.#change ??= Promise.withResolvers()).promise,
        signal,
      );
    }
    if (this.#held.size + this.#disposing.size === 0) return;
    // Past the deadline: what is still being sent is being cut off.
    for (const ctx of [...this.#held]) this.disposeContext(ctx);
    await raceAbort(
      Promise.all(this.#disposing),
      AbortSignal.timeout(SCOPE_DISPOSE_GRACE_MS),
    );
  }

  #logFinished(ctx: HostingContext): void {
    const response = ctx.response;
    const properties = describeRequest(ctx);
    properties.status = response.status;
    properties.contentLength = response.headers.get("content-length") ?? "-";
    properties.contentType = response.contentType ?? "-";
    // A number for JSON; two decimals, as the message always showed.
    properties.elapsedMs = Number(
      (performance.now() - ctx.started!).toFixed(2),
    );
    this.#diagnostics.information(REQUEST_FINISHED, properties);
  }
}
