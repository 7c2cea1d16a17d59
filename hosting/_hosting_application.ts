// The HttpApplication the host hands its server: an HttpContext per request,
// the pipeline, and the last line of defence for errors the app let through.

import {
  type FeatureCollection,
  HttpContext,
  HttpError,
  HttpRequestLifetimeFeature,
  HttpResponseBodyFeature,
  HttpResponseFeature,
  ServiceProvidersFeature,
  type ServiceResolver,
} from "../features/mod.ts";
import { DONE } from "../features/_done.ts";
import type { HttpApplication } from "../server/mod.ts";
import type { RequestDelegate } from "./application_builder.ts";
import type { ServiceProvider } from "./services/mod.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const { Response } = globalThis;

/** Where the host reports a request's unhandled error. */
export type RequestErrorLogger = (ctx: HttpContext, error: unknown) => void;

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? String(error))
    : String(error);
}

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

/** Answers an error on a response that has not started. */
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
  const status = error instanceof HttpError ? error.status : 500;
  response.status = status;
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.set("cache-control", "no-store");
  let text: string;
  if (detailed) text = `${status} ${describe(error)}\n`;
  else if (error instanceof HttpError && status < 500) text = error.message;
  else text = status === 500 ? "Internal Server Error" : `HTTP ${status}`;
  return body.complete(text);
}

// A request's service scope is made the first time the app asks for
// ctx.requestServices, and disposed when the request is over: requests that
// use no services pay nothing.
class HostingContext extends HttpContext {
  readonly #root: ServiceProvider;
  scope: ServiceProvider | undefined;

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

/** Runs a pipeline for each request the server hands over. */
export class HostingApplication implements HttpApplication<HttpContext> {
  readonly #pipeline: RequestDelegate;
  readonly #detailed: boolean;
  readonly #log: RequestErrorLogger;
  readonly #services: ServiceProvider;

  constructor(
    pipeline: RequestDelegate,
    detailedErrors: boolean,
    log: RequestErrorLogger,
    services: ServiceProvider,
  ) {
    this.#pipeline = pipeline;
    this.#detailed = detailedErrors;
    this.#log = log;
    this.#services = services;
  }

  createContext(features: FeatureCollection): HttpContext {
    return new HostingContext(features, this.#services);
  }

  processRequest(ctx: HttpContext): Promise<void> {
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
    // A body over the limit, or a client gone mid-upload, is the client's
    // doing, not the app's: not worth an error log.
    if (
      !(error instanceof HttpError && error.status < 500) &&
      !isClientGone(error)
    ) {
      this.#log(ctx, error);
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

  disposeContext(ctx: HttpContext, _error?: unknown): void {
    const scope = (ctx as HostingContext).scope;
    if (scope === undefined) return;
    scope[Symbol.asyncDispose]().catch((error) =>
      console.error(
        `fail: Roost.Hosting: disposing the services of request ${ctx.traceIdentifier} failed:`,
        error,
      )
    );
  }
}
