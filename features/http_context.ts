/**
 * `HttpContext`: everything about one request, over its feature collection.
 *
 * @module
 */

import type { FeatureCollection } from "./feature_collection.ts";
import {
  EndpointFeature,
  LinkGeneratorFeature,
  type LinkValues,
  type RouteEndpoint,
} from "./endpoint_features.ts";
import { HttpRequest } from "./http_request.ts";
import { HttpResponse } from "./http_response.ts";
import {
  HttpConnectionFeature,
  HttpRequestIdentifierFeature,
  HttpRequestLifetimeFeature,
} from "./request_features.ts";
import {
  HttpWebSocketFeature,
  ItemsFeature,
  ServiceProvidersFeature,
  type ServiceResolver,
} from "./server_features.ts";

const NO_CONNECTION: HttpConnectionFeature = Object.freeze({
  connectionId: "",
  remoteAddress: "",
  remotePort: 0,
  localAddress: "",
  localPort: 0,
});

const NO_WEBSOCKETS: HttpWebSocketFeature = Object.freeze({
  isWebSocketRequest: false,
  accept(): WebSocket {
    throw new TypeError(
      "This server does not support WebSockets: it set no HttpWebSocketFeature",
    );
  },
});

let nextTraceId = 0;

/**
 * One request and its response, as the application sees them. A facade over
 * a {@linkcode FeatureCollection}: each feature is looked up once and looked
 * up again only when the collection's revision changes, so middleware can
 * replace a feature (say, wrap the body) and everyone after it sees the new
 * one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) => {
 *       ctx.items.set("seen", true);
 *       ctx.response.send(`${ctx.request.method} ${ctx.request.path} ${ctx.traceIdentifier !== ""}`);
 *     })
 *   )
 *   .build();
 * const response = await host.fetch("http://localhost/x");
 * assert.equal(await response.text(), "GET /x true");
 * ```
 */
export class HttpContext {
  #features: FeatureCollection;
  #revision = -1;
  #request: HttpRequest | undefined;
  #response: HttpResponse | undefined;
  #lifetime: HttpRequestLifetimeFeature | undefined;
  #items: ItemsFeature | undefined;

  /**
   * Makes a context over a request's features.
   *
   * @param features The features the server set for this request.
   */
  constructor(features: FeatureCollection) {
    this.#features = features;
  }

  /** The request's features. */
  get features(): FeatureCollection {
    return this.#features;
  }

  #fresh(): boolean {
    const revision = this.#features.revision;
    if (revision === this.#revision) return true;
    this.#revision = revision;
    this.#lifetime = undefined;
    this.#items = undefined;
    return false;
  }

  /** The request. */
  get request(): HttpRequest {
    return this.#request ??= new HttpRequest(this.#features);
  }

  /** The response. */
  get response(): HttpResponse {
    return this.#response ??= new HttpResponse(this.#features);
  }

  /** The connection the request came on. */
  get connection(): HttpConnectionFeature {
    return this.#features.get(HttpConnectionFeature) ?? NO_CONNECTION;
  }

  /** Values shared by the middleware of this request. */
  get items(): Map<unknown, unknown> {
    if (!this.#fresh() || this.#items === undefined) {
      let feature = this.#features.get(ItemsFeature);
      if (feature === undefined) {
        feature = { items: new Map() };
        this.#features.set(ItemsFeature, feature);
        this.#revision = this.#features.revision;
      }
      this.#items = feature;
    }
    return this.#items.items;
  }

  #lifetimeFeature(): HttpRequestLifetimeFeature {
    if (!this.#fresh() || this.#lifetime === undefined) {
      let feature = this.#features.get(HttpRequestLifetimeFeature);
      if (feature === undefined) {
        const controller = new AbortController();
        feature = {
          requestAborted: controller.signal,
          abort: (reason) => controller.abort(reason),
        };
        this.#features.set(HttpRequestLifetimeFeature, feature);
        this.#revision = this.#features.revision;
      }
      this.#lifetime = feature;
    }
    return this.#lifetime;
  }

  /**
   * Aborted when the client goes away or the request is aborted; never after
   * a response was delivered normally.
   */
  get requestAborted(): AbortSignal {
    return this.#lifetimeFeature().requestAborted;
  }

  /**
   * Gives up on the request: the client's connection is reset.
   *
   * @param reason Why, for `requestAborted.reason`.
   */
  abort(reason?: unknown): void {
    this.#lifetimeFeature().abort(reason);
  }

  /** A name for this request in logs, unique within the process. */
  get traceIdentifier(): string {
    let feature = this.#features.get(HttpRequestIdentifierFeature);
    if (feature === undefined) {
      feature = { traceIdentifier: `0HR${(++nextTraceId).toString(36)}` };
      this.#features.set(HttpRequestIdentifierFeature, feature);
    }
    return feature.traceIdentifier;
  }
  set traceIdentifier(value: string) {
    const feature = this.#features.get(HttpRequestIdentifierFeature);
    if (feature === undefined) {
      this.#features.set(HttpRequestIdentifierFeature, {
        traceIdentifier: value,
      });
    } else {
      feature.traceIdentifier = value;
    }
  }

  /** The request's service scope, when the host provides services. */
  get requestServices(): ServiceResolver | undefined {
    return this.#features.get(ServiceProvidersFeature)?.requestServices;
  }

  /** WebSocket upgrades for this request. */
  get webSockets(): HttpWebSocketFeature {
    return this.#features.get(HttpWebSocketFeature) ?? NO_WEBSOCKETS;
  }

  /**
   * The endpoint routing selected for this request (ASP.NET's
   * `GetEndpoint()`): its name, template and metadata. Middleware after
   * `useRouting()` sees it before the endpoint runs.
   *
   * @returns The endpoint, or `undefined` before routing or when none
   * matched.
   */
  getEndpoint(): RouteEndpoint | undefined {
    return this.#features.get(EndpointFeature)?.endpoint;
  }

  /**
   * The path of the endpoint called `name` (see `withName()`), with
   * `values` filled in and percent-encoded; values its template does not
   * name become the query string (a list repeats its parameter). `null`
   * and `undefined` are no value.
   *
   * @param name The endpoint's name.
   * @param values The route values to fill in.
   * @returns The path, from the app's root.
   * @throws {RangeError} When no endpoint has that name, or a value it needs
   * is missing or fails its constraint.
   * @throws {TypeError} When the app maps no endpoints.
   */
  linkTo(
    name: string,
    values?: LinkValues,
  ): string {
    const links = this.#features.get(LinkGeneratorFeature);
    if (links === undefined) {
      throw new TypeError(
        `linkTo("${name}") needs endpoint routing: map an endpoint with app.mapGet(…).withName("${name}")`,
      );
    }
    return links.pathByName(this.#features, name, values);
  }
}
