/**
 * What endpoint routing leaves on a request: the endpoint it selected, the
 * route values it read from the path, and the link generator that turns a
 * named endpoint back into a path.
 *
 * @module
 */

import {
  type FeatureCollection,
  type FeatureKey,
  featureKey,
} from "./feature_collection.ts";

/**
 * Route values read from the path by the matched template, percent-decoded
 * (`{id}` in `/books/{id}` gives `{ id: "42" }` for `/books/42`).
 */
export type RouteValues = Readonly<Record<string, string | undefined>>;

/**
 * The values a link is made from (`linkTo`): route parameters fill the
 * template, the rest the query string (a list repeats its parameter);
 * `null` and `undefined` are no value.
 */
export type LinkValues = Readonly<
  Record<
    string,
    | string
    | number
    | boolean
    | readonly (string | number | boolean)[]
    | null
    | undefined
  >
>;

/** A class, or any constructor, that metadata items are instances of. */
// deno-lint-ignore no-explicit-any
export type MetadataType<T> = abstract new (...args: any[]) => T;

/**
 * The metadata of an endpoint, in the order it was added: what middleware
 * reads from the matched endpoint (a CORS policy, a rate-limit policy, a
 * timeout). Looked up by class, as ASP.NET's `GetMetadata<T>()`; the last
 * item of a class wins, so an endpoint overrides its group.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EndpointMetadata } from "../mod.ts";
 *
 * class Timeout {
 *   constructor(readonly ms: number) {}
 * }
 * const metadata = new EndpointMetadata([new Timeout(5000), new Timeout(100)]);
 * assert.equal(metadata.get(Timeout)?.ms, 100);
 * assert.equal(metadata.getAll(Timeout).length, 2);
 * ```
 */
export class EndpointMetadata implements Iterable<unknown> {
  readonly #items: readonly unknown[];

  /**
   * Holds `items`, in order.
   *
   * @param items The metadata items, groups' first.
   */
  constructor(items: Iterable<unknown> = []) {
    this.#items = Object.freeze([...items]);
  }

  /** How many items there are. */
  get size(): number {
    return this.#items.length;
  }

  /**
   * The last item that is an instance of `type`.
   *
   * @param type The class to look for.
   * @returns The item, or `undefined` when there is none.
   */
  get<T>(type: MetadataType<T>): T | undefined {
    for (let i = this.#items.length - 1; i >= 0; i--) {
      const item = this.#items[i];
      if (item instanceof type) return item as T;
    }
    return undefined;
  }

  /**
   * Every item that is an instance of `type`, in order.
   *
   * @param type The class to look for.
   * @returns The items, possibly none.
   */
  getAll<T>(type: MetadataType<T>): T[] {
    return this.#items.filter((item): item is T => item instanceof type);
  }

  /** The items, in order. */
  [Symbol.iterator](): Iterator<unknown> {
    return this.#items[Symbol.iterator]();
  }
}

/**
 * A mapped endpoint (ASP.NET's `RouteEndpoint`), as middleware sees it once
 * routing selected it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer, WebHostBuilder } from "../mod.ts";
 *
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(async (ctx, next) => {
 *       ctx.response.headers.set("x-endpoint", ctx.getEndpoint()?.displayName ?? "none");
 *       await next();
 *     });
 *     app.mapGet("/books/{id:int}", (ctx) => ctx.response.send("a book"));
 *   })
 *   .build();
 * await host.start();
 * const response = await server.fetch(new Request("http://localhost/books/7"));
 * assert.equal(response.headers.get("x-endpoint"), "GET /books/{id:int}");
 * await response.body?.cancel();
 * await host.stop();
 * ```
 */
export interface RouteEndpoint {
  /** How logs and errors name it: methods and template (`"GET /books/{id}"`). */
  readonly displayName: string;
  /** The name given with `withName()`, used to generate links to it. */
  readonly name: string | undefined;
  /** The whole route template, groups' and branches' prefixes included. */
  readonly routePattern: string;
  /** The methods it answers, upper case; `undefined` for any method. */
  readonly methods: readonly string[] | undefined;
  /** Its metadata, groups' first. */
  readonly metadata: EndpointMetadata;
}

/**
 * The endpoint routing selected for a request and the route values it read
 * (ASP.NET's `IEndpointFeature` and `IRouteValuesFeature` in one object, so
 * a match costs one feature write).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EndpointFeature, FeatureCollection, HttpContext } from "../mod.ts";
 *
 * const features = new FeatureCollection();
 * features.set(EndpointFeature, { endpoint: undefined, routeValues: { id: "7" } });
 * assert.equal(new HttpContext(features).request.routeValues.id, "7");
 * ```
 */
export interface EndpointFeature {
  /** The selected endpoint, or `undefined` when none matched. */
  readonly endpoint: RouteEndpoint | undefined;
  /** The route values read from the path. */
  readonly routeValues: RouteValues;
}
/** The key of {@linkcode EndpointFeature}. */
export const EndpointFeature: FeatureKey<EndpointFeature> = featureKey<
  EndpointFeature
>("EndpointFeature");

/**
 * Makes paths to named endpoints (ASP.NET's `LinkGenerator`). Routing sets
 * it on the server's features, so every request of an app with named
 * endpoints finds it; `ctx.linkTo()` is the short way to use it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LinkGeneratorFeature, TestServer, WebHostBuilder } from "../mod.ts";
 *
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => {
 *     app.mapGet("/books/{id}", (ctx) => ctx.response.send("a book"))
 *       .withName("book");
 *   })
 *   .build();
 * await host.start();
 * const links = server.features.get(LinkGeneratorFeature);
 * assert.equal(links?.pathByName(server.features, "book", { id: "a b" }), "/books/a%20b");
 * await host.stop();
 * ```
 */
export interface LinkGeneratorFeature {
  /**
   * The path of the endpoint called `name` with `values` filled in,
   * percent-encoded, after the path base the request entered the app with.
   *
   * @param features The request's features (the server's will do outside a
   * request).
   * @param name The endpoint's name, as given to `withName()`.
   * @param values The route values to fill in; values its template does not
   * name become the query string.
   * @returns The path, starting with `/`.
   * @throws {RangeError} When no endpoint has that name, or a required
   * value is missing or fails its constraint.
   */
  pathByName(
    features: FeatureCollection,
    name: string,
    values?: LinkValues,
  ): string;
}
/** The key of {@linkcode LinkGeneratorFeature}. */
export const LinkGeneratorFeature: FeatureKey<LinkGeneratorFeature> =
  featureKey<LinkGeneratorFeature>("LinkGeneratorFeature");
