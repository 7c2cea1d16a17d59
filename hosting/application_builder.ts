/**
 * The middleware pipeline: `ApplicationBuilder` and the delegate types.
 *
 * @module
 */

import {
  FeatureCollection,
  type HttpContext,
  type ServiceResolver,
} from "../features/mod.ts";
import { DONE } from "../features/_done.ts";
import { LoggerFactory } from "./logging/mod.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const WebResponse = globalThis.Response;

/** Handles a request. Returning a `Response` sends it. */
export type RequestDelegate = (
  ctx: HttpContext,
) => void | Response | Promise<void | Response>;

/** Calls the rest of the pipeline. Call it at most once. */
export type Next = () => Promise<void>;

/**
 * Middleware: does work before and after the rest of the pipeline, or answers
 * without calling `next`.
 */
export type Middleware = (ctx: HttpContext, next: Next) => void | Promise<void>;

/** A web-standard fetch handler, as `Deno.serve` and Hono take. */
export type FetchHandler = (
  request: Request,
  info: { remoteAddr: Deno.Addr },
) => Response | Promise<Response>;

/** An object with a fetch handler: a Hono app, or a `deno serve` module. */
export interface Fetchable {
  /** Handles a request. */
  fetch: FetchHandler;
}

/** A pipeline component, as ASP.NET's `Func<RequestDelegate, RequestDelegate>`. */
export type PipelineComponent = (next: RequestDelegate) => RequestDelegate;

// How a middleware learns, without a reaction of its own, whether the part of
// the pipeline its next() ran has finished: each layer built here keeps a
// frame, and the first one entered during next() is its child. A layer whose
// promise settles while its child's frame is not done forgot to await next().
interface Frame {
  done: boolean;
  child: Frame | undefined;
  /** Done when its child is: it returned next()'s own promise. */
  passThrough?: boolean;
}
let entered: Frame | undefined;

// Whether a frame's work is over; `unknown` answers for a missing frame.
// Waits for the pipeline below a layer, then marks the layer done. Only a
// layer that did not wait itself gets here, so no closure is made per request.
function waitFor(frame: Frame, pending: Promise<void>): Promise<void> {
  return pending.finally(() => {
    frame.done = true;
  });
}

function isDone(frame: Frame | undefined, unknown: boolean): boolean {
  while (frame !== undefined) {
    if (frame.done) return true;
    if (!frame.passThrough) return false;
    frame = frame.child;
  }
  return unknown;
}

function notFound(ctx: HttpContext): void {
  const response = ctx.response;
  if (!response.hasStarted) response.status = 404;
}

// Sends what a terminal handler returned, when it is a Response.
function sendReturned(
  ctx: HttpContext,
  value: void | Response,
): Promise<void> | void {
  if (value instanceof WebResponse) return ctx.response.send(value);
}

function normalizeMapPath(path: string): string {
  if (!path.startsWith("/") || path === "/") {
    throw new TypeError(
      `map() path must start with "/" and name a segment, got "${path}": try map("/api", …)`,
    );
  }
  return path.endsWith("/") ? path.slice(0, -1) : path;
}

function toFetchHandler(handler: FetchHandler | Fetchable): FetchHandler {
  if (typeof handler === "function") return handler;
  if (handler !== null && typeof handler.fetch === "function") {
    return handler.fetch.bind(handler);
  }
  throw new TypeError(
    "Expected a fetch handler: a function (request) => Response, or an object with a fetch method such as a Hono app",
  );
}

/**
 * Builds the request pipeline from middleware and handlers, in the order they
 * are added. A request that reaches the end unanswered gets 404.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => {
 *     app.use(async (ctx, next) => {
 *       await next();
 *       ctx.response.headers.set("x-powered-by", "Roost");
 *     });
 *     app.map("/api", (api) => api.run((ctx) => ctx.response.json({ path: ctx.request.path })));
 *     app.run(() => new Response("home"));
 *   })
 *   .build();
 * const response = await host.fetch("http://localhost/api/users");
 * assert.deepEqual(await response.json(), { path: "/users" });
 * assert.equal(response.headers.get("x-powered-by"), "Roost");
 * ```
 */
export class ApplicationBuilder {
  readonly #components: PipelineComponent[] = [];
  readonly #properties: Map<string, unknown>;
  readonly #serverFeatures: FeatureCollection;
  #services: ServiceResolver | undefined;

  /**
   * Makes an empty pipeline.
   *
   * @param serverFeatures The server's features.
   * @param properties Shared with branches made by `map` and friends.
   */
  constructor(
    serverFeatures: FeatureCollection = new FeatureCollection(),
    properties: Map<string, unknown> = new Map(),
  ) {
    this.#serverFeatures = serverFeatures;
    this.#properties = properties;
  }

  /** Values shared between the builder and its branches. */
  get properties(): Map<string, unknown> {
    return this.#properties;
  }

  /** The server's features (`ServerAddressesFeature`, …). */
  get serverFeatures(): FeatureCollection {
    return this.#serverFeatures;
  }

  /** The application's root services, when the host provides them. */
  get applicationServices(): ServiceResolver | undefined {
    return this.#services;
  }
  set applicationServices(value: ServiceResolver | undefined) {
    this.#services = value;
  }

  /**
   * Adds a raw pipeline component.
   *
   * @param component Takes the rest of the pipeline, returns a delegate.
   */
  useComponent(component: PipelineComponent): this {
    this.#components.push(component);
    return this;
  }

  /**
   * Adds middleware.
   *
   * @param middleware `(ctx, next) => …`; `await next()` runs the rest.
   * @throws {Error} (per request) when `next()` is called twice.
   */
  use(middleware: Middleware): this {
    const name = middleware.name
      ? `"${middleware.name}"`
      : `#${this.#components.length + 1}`;
    let warned = false;
    const forgot = () => {
      if (warned) return;
      warned = true;
      this.#warn(
        `Middleware ${name} finished before the next() it called: the rest of the pipeline was still running. Await it (await next()) or return it (return next()); Roost waited for it this time.`,
      );
    };
    return this.useComponent((next) => (ctx) => {
      const frame: Frame = { done: false, child: undefined };
      const value = this.#layer(ctx, next, middleware, frame, forgot);
      // The parent's next() reads this once the call returns.
      entered = frame;
      return value;
    });
  }

  #layer(
    ctx: HttpContext,
    next: RequestDelegate,
    middleware: Middleware,
    frame: Frame,
    forgot: () => void,
  ): void | Promise<void> {
    let called = false;
    let handed: Promise<void> | undefined;
    const result = middleware(ctx, () => {
      if (called) {
        return Promise.reject(
          new Error(
            "next() was called more than once by the same middleware: call it once, and await it",
          ),
        );
      }
      called = true;
      entered = undefined;
      // Components built here return void or Promise<void>; a Response only
      // comes from run(), which sends it itself.
      const downstream = (next(ctx) as Promise<void> | undefined) ?? DONE;
      frame.child = entered;
      if (downstream !== DONE) handed = downstream;
      return downstream;
    });
    if (handed !== undefined && result === handed) {
      // The middleware handed next()'s promise back: done when it is.
      frame.passThrough = true;
      return result;
    }
    if (!(result instanceof Promise)) {
      if (handed === undefined || isDone(frame.child, false)) {
        frame.done = true;
        return result;
      }
      forgot();
      return waitFor(frame, handed);
    }
    // One reaction per async layer: when the middleware's promise settles,
    // the pipeline below it (which next() may have started after an await)
    // must have settled too.
    return result.then(() => {
      if (handed === undefined || isDone(frame.child, false)) {
        frame.done = true;
        return;
      }
      // A child that keeps no frame (a raw component) is not ours to judge.
      if (frame.child !== undefined) forgot();
      return waitFor(frame, handed);
    }, (error) => {
      frame.done = true;
      throw error;
    });
  }

  #warn(message: string): void {
    const loggers = this.#services?.get(LoggerFactory);
    if (loggers !== undefined) {
      loggers.createLogger("Roost.Hosting.Pipeline").warning(message);
    } else {
      console.warn(message);
    }
  }

  /**
   * Ends the pipeline with a handler; nothing added after it runs.
   *
   * @param handler `(ctx) => …` (may return a `Response`), or an object
   * with a `fetch` method (a Hono app, a `deno serve` module).
   */
  run(handler: RequestDelegate | Fetchable): this {
    if (typeof handler !== "function") return this.runFetch(handler);
    return this.useComponent(() => (ctx) => {
      const result = handler(ctx);
      // DONE comes back from send(), json() and friends on the buffered path.
      if (result === undefined || result === DONE) return result;
      if (result instanceof Promise) {
        const frame: Frame = { done: false, child: undefined };
        entered = frame;
        return result.then((value) => {
          frame.done = true;
          return sendReturned(ctx, value);
        }, (error) => {
          frame.done = true;
          throw error;
        });
      }
      return sendReturned(ctx, result);
    });
  }

  /**
   * Ends the pipeline with a web-standard fetch handler. Under `map()` the
   * handler sees the URL without the mapped prefix, as a mounted app should.
   *
   * @param handler `(request) => Response`, e.g. a Hono app's `fetch`.
   */
  runFetch(handler: FetchHandler | Fetchable): this {
    const fetch = toFetchHandler(handler);
    return this.useComponent(() => (ctx) => {
      const connection = ctx.connection;
      const request = ctx.request.toRequest({ stripPathBase: true });
      const info = {
        remoteAddr: {
          transport: "tcp" as const,
          hostname: connection.remoteAddress,
          port: connection.remotePort,
        },
      };
      const result = fetch(request, info);
      return result instanceof WebResponse
        ? ctx.response.send(result)
        : result.then((response) => ctx.response.send(response));
    });
  }

  /**
   * Branches on a path prefix. Inside the branch the matched prefix moves
   * from `path` to `pathBase`; the match is case-insensitive and by whole
   * segments (`/api` matches `/api` and `/api/x`, not `/apix`).
   *
   * @param path The prefix, e.g. `"/api"`.
   * @param configure Builds the branch's pipeline.
   */
  map(path: string, configure: (app: ApplicationBuilder) => void): this {
    const prefix = normalizeMapPath(path);
    const lower = prefix.toLowerCase();
    const branch = this.#branch(configure, undefined);
    return this.useComponent((next) => (ctx) => {
      const request = ctx.request;
      const current = request.path;
      if (
        current.length < prefix.length ||
        current.slice(0, prefix.length).toLowerCase() !== lower ||
        (current.length > prefix.length && current[prefix.length] !== "/")
      ) {
        return next(ctx);
      }
      const base = request.pathBase;
      request.pathBase = base + current.slice(0, prefix.length);
      request.path = current.slice(prefix.length);
      let restored = false;
      const restore = () => {
        if (restored) return;
        restored = true;
        request.pathBase = base;
        request.path = current;
      };
      let result;
      try {
        result = branch(ctx);
      } catch (error) {
        restore();
        throw error;
      }
      if (result instanceof Promise) return result.finally(restore);
      restore();
      return result;
    });
  }

  /**
   * Branches when `predicate` is true; the branch does not rejoin.
   *
   * @param predicate Decides per request.
   * @param configure Builds the branch's pipeline.
   */
  mapWhen(
    predicate: (ctx: HttpContext) => boolean,
    configure: (app: ApplicationBuilder) => void,
  ): this {
    const branch = this.#branch(configure, undefined);
    return this.useComponent((next) => (ctx) =>
      predicate(ctx) ? branch(ctx) : next(ctx)
    );
  }

  /**
   * Runs a branch when `predicate` is true, then rejoins the main pipeline
   * (unless the branch answered without calling on).
   *
   * @param predicate Decides per request.
   * @param configure Builds the branch's middleware.
   */
  useWhen(
    predicate: (ctx: HttpContext) => boolean,
    configure: (app: ApplicationBuilder) => void,
  ): this {
    return this.useComponent((next) => {
      const branch = this.#branch(configure, next);
      return (ctx) => predicate(ctx) ? branch(ctx) : next(ctx);
    });
  }

  #branch(
    configure: (app: ApplicationBuilder) => void,
    terminal: RequestDelegate | undefined,
  ): RequestDelegate {
    const builder = new ApplicationBuilder(
      this.#serverFeatures,
      this.#properties,
    );
    builder.applicationServices = this.#services;
    configure(builder);
    return builder.build(terminal);
  }

  /**
   * Builds the pipeline.
   *
   * @param terminal What runs after the last component; by default 404.
   * @returns The request delegate.
   */
  build(terminal: RequestDelegate = notFound): RequestDelegate {
    let app = terminal;
    for (let i = this.#components.length - 1; i >= 0; i--) {
      app = this.#components[i](app);
    }
    return app;
  }
}
