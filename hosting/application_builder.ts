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
import { LoggerFactory } from "./logging/mod.ts";
import {
  describe,
  handlerComponent,
  middlewareComponent,
  notAResponse,
} from "./_middleware_layer.ts";
import type {
  Fetchable,
  FetchHandler,
  Middleware,
  PipelineComponent,
  RequestDelegate,
} from "./pipeline.ts";
import { AppRouting } from "./routing/_app_routing.ts";
import { rememberRootPathBase } from "./routing/_link_generator.ts";
import {
  EndpointBuilder,
  RouteGroupBuilder,
} from "./routing/endpoint_route_builder.ts";
import { BuiltinMiddlewareBuilder } from "./builtin_middleware_builder.ts";

export type {
  Fetchable,
  FetchHandler,
  Middleware,
  Next,
  PipelineComponent,
  RequestDelegate,
} from "./pipeline.ts";
import {
  type MetadataReader,
  metadataReaderOf,
} from "./_endpoint_metadata_readers.ts";

// Deno's web globals are accessors on globalThis: bind them once, off the
// per-request path.
const WebResponse = globalThis.Response;

function notFound(ctx: HttpContext): void {
  const response = ctx.response;
  if (!response.hasStarted) response.status = 404;
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
  if (
    typeof handler === "object" && handler !== null &&
    typeof handler.fetch === "function"
  ) {
    return handler.fetch.bind(handler);
  }
  throw new TypeError(
    `Expected a fetch handler: a function (request) => Response, or an object with a fetch method such as a Hono app; got ${
      describe(handler)
    }`,
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
export class ApplicationBuilder extends BuiltinMiddlewareBuilder {
  readonly #components: PipelineComponent[] = [];
  readonly #properties: Map<string, unknown>;
  readonly #serverFeatures: FeatureCollection;
  #services: ServiceResolver | undefined;
  readonly #routing: AppRouting;
  // Middleware added ahead of routing that reads endpoint metadata.
  readonly #beforeRouting: MetadataReader[] = [];

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
    super();
    this.#serverFeatures = serverFeatures;
    this.#properties = properties;
    this.#routing = new AppRouting(
      serverFeatures,
      (component) => this.useComponent(component),
      (middleware, handler) => this.#compose(middleware, handler),
    );
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
    if (typeof component !== "function") {
      throw new TypeError(
        `app.useComponent() takes a function (next) => (ctx) => …; got ${
          describe(component)
        }`,
      );
    }
    this.#components.push(component);
    return this;
  }

  /**
   * Adds middleware.
   *
   * @param middleware `(ctx, next) => …`; `await next()` runs the rest.
   * @throws {TypeError} When `middleware` is not a function.
   * @throws {Error} (per request) when `next()` is called twice.
   */
  use(middleware: Middleware): this {
    // Said now, not by every request as "middleware is not a function".
    if (typeof middleware !== "function") {
      throw new TypeError(
        `app.use() takes middleware, a function (ctx, next) => …; got ${
          describe(middleware)
        }${
          typeof middleware === "object" && middleware !== null
            ? " (an app with a fetch method goes to app.run(), or under a path to app.map(path, (branch) => branch.run(app)))"
            : ""
        }`,
      );
    }
    const reader = metadataReaderOf(middleware);
    if (reader !== undefined && !this.#routing.selecting) {
      this.#beforeRouting.push(reader);
    }
    const name = middleware.name
      ? `"${middleware.name}"`
      : `#${this.#components.length + 1}`;
    // Each misuse is said once per middleware, naming it and the fix.
    const once = (message: string) => {
      let said = false;
      return () => {
        if (said) return;
        said = true;
        this.#warn(`Middleware ${name} ${message}`);
      };
    };
    return this.useComponent(middlewareComponent(middleware, {
      forgot: once(
        "finished before the next() it called: the rest of the pipeline was still running. Await it (await next()) or return it (return next()); Roost waited for it this time.",
      ),
      late: once(
        "called next() after it had finished (from a timer or a callback?): the request was over, so the rest of the pipeline did not run. Call next() before the middleware returns, and await it.",
      ),
      twice: once(
        "called next() more than once: the rest of the pipeline ran only the first time, and the next call was refused. Call next() once, and await it.",
      ),
      ignored: once(
        "returned a Response after the response was already complete (answered below it): that Response was not sent. Return a Response only instead of calling next(), or change the response below through ctx.response.",
      ),
    }));
  }

  #warn(message: string): void {
    let loggers: LoggerFactory | undefined;
    try {
      loggers = this.#services?.get(LoggerFactory);
    } catch {
      // The host has stopped (a late call from a timer): stderr it is.
    }
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
   * @throws {TypeError} When `handler` is neither.
   */
  run(handler: RequestDelegate | Fetchable): this {
    if (typeof handler !== "function") return this.runFetch(handler);
    return this.useComponent(handlerComponent(handler));
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
      const send = (response: Response) => {
        if (!(response instanceof WebResponse)) {
          throw notAResponse("fetch handler", response);
        }
        return ctx.response.send(response);
      };
      return result instanceof WebResponse || typeof result?.then !== "function"
        ? send(result as Response)
        : result.then(send);
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
    const branch = this.#branch(configure, undefined, prefix);
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
      rememberRootPathBase(ctx.features, base);
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
    prefix = "",
  ): RequestDelegate {
    const builder = new ApplicationBuilder(
      this.#serverFeatures,
      this.#properties,
    );
    builder.applicationServices = this.#services;
    builder.#routing.inherit(this.#routing, prefix);
    configure(builder);
    return builder.build(terminal);
  }

  // An endpoint's handler behind its groups' middleware: a small pipeline of
  // its own, so a forgotten await next() there is caught as anywhere else.
  #compose(
    middleware: readonly Middleware[],
    handler: RequestDelegate,
  ): RequestDelegate {
    const builder = new ApplicationBuilder(
      this.#serverFeatures,
      this.#properties,
    );
    builder.applicationServices = this.#services;
    for (const item of middleware) builder.use(item);
    builder.run(handler);
    return builder.build();
  }

  /**
   * Selects the endpoint here, ahead of where the endpoints are mapped, so
   * middleware in between can read it with `ctx.getEndpoint()` (a CORS or
   * rate-limit policy in its metadata) before it runs. Without it, the
   * endpoint is selected and run where the first one is mapped.
   *
   * @returns This builder.
   * @throws {TypeError} When endpoints were already mapped: call it first.
   */
  useRouting(): this {
    this.#routing.useRouting();
    return this;
  }

  /**
   * Maps the endpoint for requests no other endpoint matches (ASP.NET's
   * `MapFallback`), any method: by default paths whose last segment is not
   * a file name (`{*path:nonfile}`), as a single-page app's client routes
   * are. A path some endpoint matches with another method still gets 405.
   *
   * @param templateOrHandler The template (default `"{*path:nonfile}"`),
   * or the handler.
   * @param handler The handler, when a template is given.
   * @returns The endpoint's builder.
   * @throws {TypeError} When the template is malformed.
   */
  mapFallback(
    templateOrHandler: string | RequestDelegate,
    handler?: RequestDelegate,
  ): EndpointBuilder {
    const template = typeof templateOrHandler === "string"
      ? templateOrHandler
      : "{*path:nonfile}";
    const run = typeof templateOrHandler === "string"
      ? handler
      : templateOrHandler;
    const router = this.#routing.endpoints();
    const registration = router.add(
      undefined,
      template,
      run as RequestDelegate,
      undefined,
    );
    return new EndpointBuilder(router, registration);
  }

  /**
   * Maps `handler` to `template` for `methods`.
   *
   * @param methods Upper-case methods.
   * @param template The template, relative to this builder.
   * @param handler The handler.
   * @returns The endpoint's builder.
   */
  protected mapEndpoint(
    methods: readonly string[],
    template: string,
    handler: RequestDelegate,
  ): EndpointBuilder {
    const router = this.#routing.endpoints();
    const registration = router.add(methods, template, handler, undefined);
    return new EndpointBuilder(router, registration);
  }

  /**
   * Makes the group for `prefix`.
   *
   * @param prefix The group's template prefix.
   * @returns The group.
   */
  protected group(prefix: string): RouteGroupBuilder<string> {
    return new RouteGroupBuilder(this.#routing.endpoints(), prefix);
  }

  // ASP.NET's WebApplication puts UseRouting first by itself; here the
  // endpoint is selected where it is asked for, so metadata that middleware
  // ahead of that point would read is silently ignored: say so at start.
  #warnMetadataBeforeRouting(): void {
    for (const { method, types } of this.#beforeRouting) {
      const endpoints = this.#routing.endpointsWith(types);
      if (endpoints.length === 0) continue;
      this.#warn(
        `${method} runs before routing selects an endpoint, so the metadata it reads on ${
          endpoints.join(", ")
        } is ignored: call app.useRouting() before ${method}.`,
      );
    }
  }

  /**
   * Builds the pipeline.
   *
   * @param terminal What runs after the last component; by default 404.
   * @returns The request delegate.
   */
  build(terminal: RequestDelegate = notFound): RequestDelegate {
    this.#warnMetadataBeforeRouting();
    let app = terminal;
    for (let i = this.#components.length - 1; i >= 0; i--) {
      app = this.#components[i](app);
    }
    return app;
  }
}
