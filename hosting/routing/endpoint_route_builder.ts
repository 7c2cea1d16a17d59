/**
 * Mapping endpoints: `mapGet` and friends, shared by `ApplicationBuilder`
 * and route groups, and the builders they return.
 *
 * @module
 */

import type { Middleware, RequestDelegate } from "../pipeline.ts";
import {
  type EndpointRouter,
  type GroupState,
  joinTemplates,
} from "./_endpoint_router.ts";
import type { RouteHandler } from "./route_types.ts";
import { EndpointBuilder } from "./endpoint_builder.ts";

export { EndpointBuilder } from "./endpoint_builder.ts";

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function upperMethods(methods: readonly string[]): string[] {
  if (!Array.isArray(methods) || methods.length === 0) {
    throw new TypeError(
      `mapMethods() needs at least one method, as in mapMethods(["GET", "POST"], …), got ${
        JSON.stringify(methods)
      }`,
    );
  }
  return [
    ...new Set(methods.map((method) => {
      if (typeof method !== "string" || !TOKEN.test(method)) {
        throw new TypeError(
          `"${method}" is not an HTTP method: use a token such as "GET" or "PURGE"`,
        );
      }
      return method.toUpperCase();
    })),
  ];
}

/**
 * The `map*` methods of `ApplicationBuilder` and of route groups. Templates
 * use ASP.NET's syntax: literals, `{id}`, `{id:int}`, `{id?}`, `{page=1}`,
 * `{*path}`, `{name}.{ext}`. The most specific template wins whatever the
 * order endpoints are mapped in (literal, then constrained, then plain
 * parameters, then catch-alls); a path that matches with another method is
 * answered 405 with `Allow`, and `HEAD` is served by `GET` endpoints.
 *
 * @typeParam P The template prefix of the group (`""` for an app).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer, WebHostBuilder } from "../../mod.ts";
 *
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => {
 *     app.mapGet("/books/{id:int}", (ctx) => ctx.response.json({ id: Number(ctx.request.routeValues.id) }));
 *     app.mapGet("/books/new", (ctx) => ctx.response.send("a form"));
 *   })
 *   .build();
 * await host.start();
 * const book = await server.fetch(new Request("http://localhost/books/42"));
 * assert.deepEqual(await book.json(), { id: 42 });
 * const form = await server.fetch(new Request("http://localhost/books/new"));
 * assert.equal(await form.text(), "a form");
 * const wrong = await server.fetch(new Request("http://localhost/books/42", { method: "DELETE" }));
 * assert.equal(wrong.status, 405);
 * assert.equal(wrong.headers.get("allow"), "GET, HEAD");
 * await wrong.body?.cancel();
 * await host.stop();
 * ```
 */
export abstract class EndpointRouteBuilder<P extends string = ""> {
  /**
   * Maps `handler` to `template` for `methods`; what every `map*` method
   * calls.
   *
   * @param methods Upper-case methods.
   * @param template The template, relative to this builder.
   * @param handler The handler.
   * @returns The endpoint's builder.
   */
  protected abstract mapEndpoint(
    methods: readonly string[],
    template: string,
    handler: RequestDelegate,
  ): EndpointBuilder;

  /**
   * Makes the group for `prefix` below this builder.
   *
   * @param prefix The group's template prefix, relative to this builder.
   * @returns The group.
   */
  protected abstract group(prefix: string): RouteGroupBuilder<string>;

  /**
   * Maps a `GET` endpoint (which also answers `HEAD`).
   *
   * @param template The route template, as `"/books/{id:int}"`.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder, for `withName()` and `withMetadata()`.
   * @throws {TypeError} When the template is malformed or an endpoint
   * already matches the same requests.
   */
  mapGet<T extends string>(
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(["GET"], template, handler as RequestDelegate);
  }

  /**
   * Maps a `POST` endpoint.
   *
   * @param template The route template.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder.
   * @throws {TypeError} As {@linkcode EndpointRouteBuilder.mapGet}.
   */
  mapPost<T extends string>(
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(["POST"], template, handler as RequestDelegate);
  }

  /**
   * Maps a `PUT` endpoint.
   *
   * @param template The route template.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder.
   * @throws {TypeError} As {@linkcode EndpointRouteBuilder.mapGet}.
   */
  mapPut<T extends string>(
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(["PUT"], template, handler as RequestDelegate);
  }

  /**
   * Maps a `DELETE` endpoint.
   *
   * @param template The route template.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder.
   * @throws {TypeError} As {@linkcode EndpointRouteBuilder.mapGet}.
   */
  mapDelete<T extends string>(
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(["DELETE"], template, handler as RequestDelegate);
  }

  /**
   * Maps a `PATCH` endpoint.
   *
   * @param template The route template.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder.
   * @throws {TypeError} As {@linkcode EndpointRouteBuilder.mapGet}.
   */
  mapPatch<T extends string>(
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(["PATCH"], template, handler as RequestDelegate);
  }

  /**
   * Maps an endpoint for several methods, or for one without a shortcut
   * (`["OPTIONS"]`, `["PURGE"]`).
   *
   * @param methods The methods, any case.
   * @param template The route template.
   * @param handler Handles a matching request; may return a `Response`.
   * @returns The endpoint's builder.
   * @throws {TypeError} When `methods` is empty or holds a non-method, or as
   * {@linkcode EndpointRouteBuilder.mapGet}.
   */
  mapMethods<T extends string>(
    methods: readonly string[],
    template: T,
    handler: RouteHandler<`${P}${T}`>,
  ): EndpointBuilder {
    return this.mapEndpoint(
      upperMethods(methods),
      template,
      handler as RequestDelegate,
    );
  }

  /**
   * Makes a group of endpoints under `prefix` (which may hold parameters,
   * as `"/users/{userId}"`). Its endpoints share its middleware (`use()`,
   * run only for them) and metadata (`withMetadata()`).
   *
   * @param prefix The template prefix of the group's endpoints.
   * @returns The group, with the same `map*` methods.
   * @throws {TypeError} When the prefix is not a valid template.
   */
  mapGroup<Q extends string>(prefix: Q): RouteGroupBuilder<`${P}${Q}`> {
    return this.group(prefix) as RouteGroupBuilder<`${P}${Q}`>;
  }
}

/**
 * A group of endpoints under one template prefix (ASP.NET's `MapGroup`),
 * with middleware and metadata of its own.
 *
 * @typeParam P The group's whole template prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer, WebHostBuilder } from "../../mod.ts";
 *
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => {
 *     const api = app.mapGroup("/api/v1");
 *     api.use(async (ctx, next) => {
 *       await next();
 *       ctx.response.headers.set("x-api", "v1");
 *     });
 *     api.mapGet("/users/{id}", (ctx) => ctx.response.json({ id: ctx.request.routeValues.id }));
 *     app.run((ctx) => ctx.response.send("not the api"));
 *   })
 *   .build();
 * await host.start();
 * const user = await server.fetch(new Request("http://localhost/api/v1/users/7"));
 * assert.deepEqual(await user.json(), { id: "7" });
 * assert.equal(user.headers.get("x-api"), "v1");
 * const other = await server.fetch(new Request("http://localhost/about"));
 * assert.equal(other.headers.get("x-api"), null);
 * await other.body?.cancel();
 * await host.stop();
 * ```
 */
export class RouteGroupBuilder<P extends string = string>
  extends EndpointRouteBuilder<P> {
  readonly #router: EndpointRouter;
  readonly #state: GroupState;

  /**
   * Makes a group; `mapGroup()` is the way to get one.
   *
   * @param router The router its endpoints go to.
   * @param prefix The group's template prefix, below its parent's.
   * @param parent The enclosing group's state, if any.
   */
  constructor(
    router: EndpointRouter,
    prefix: string,
    parent?: RouteGroupBuilder,
  ) {
    super();
    this.#router = router;
    const outer = parent === undefined ? undefined : parent.#state;
    const whole = joinTemplates(outer?.prefix ?? "", prefix);
    // A malformed prefix fails here, where it was written.
    this.#router.check(whole);
    this.#state = {
      prefix: whole,
      parent: outer,
      middleware: [],
      metadata: [],
    };
  }

  /** The group's whole template prefix. */
  get prefix(): string {
    return this.#state.prefix;
  }

  /**
   * Adds middleware that runs only for this group's endpoints (and its
   * subgroups'), after the app's own.
   *
   * @param middleware The middleware.
   * @returns This group.
   */
  use(middleware: Middleware): this {
    if (typeof middleware !== "function") {
      throw new TypeError(
        `use() needs a middleware function (ctx, next) => …, got ${typeof middleware}`,
      );
    }
    this.#state.middleware.push(middleware);
    return this;
  }

  /**
   * Adds metadata to every endpoint of the group; an endpoint's own
   * metadata comes after it.
   *
   * @param items The metadata items.
   * @returns This group.
   */
  withMetadata(...items: unknown[]): this {
    this.#state.metadata.push(...items);
    return this;
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
    const registration = this.#router.add(
      methods,
      joinTemplates(this.#state.prefix, template),
      handler,
      this.#state,
    );
    return new EndpointBuilder(this.#router, registration);
  }

  /**
   * Makes the group for `prefix`.
   *
   * @param prefix The group's template prefix.
   * @returns The group.
   */
  protected group(prefix: string): RouteGroupBuilder<string> {
    return new RouteGroupBuilder(this.#router, prefix, this);
  }
}
