// The routing state of one ApplicationBuilder: its router, placed in the
// pipeline where the first endpoint is mapped; the app's registry of named
// endpoints, shared with its branches; and the map() prefixes above it, for
// links.

import {
  type FeatureCollection,
  LinkGeneratorFeature,
} from "../../features/mod.ts";
import type { PipelineComponent } from "../pipeline.ts";
import { type Compose, EndpointRouter } from "./_endpoint_router.ts";
import { escapeTemplate, LinkRegistry } from "./_link_generator.ts";
import type { MetadataType } from "../_endpoint_metadata_readers.ts";

/** One builder's routing. */
export class AppRouting {
  readonly #features: FeatureCollection;
  readonly #place: (component: PipelineComponent) => void;
  readonly #compose: Compose;
  #links: { registry: LinkRegistry | undefined } = { registry: undefined };
  #prefix = "";
  #router: EndpointRouter | undefined;

  /**
   * @param features The server's features, where the link registry goes.
   * @param place Adds a component to the builder's pipeline.
   * @param compose Builds an endpoint's handler behind its groups'
   * middleware.
   */
  constructor(
    features: FeatureCollection,
    place: (component: PipelineComponent) => void,
    compose: Compose,
  ) {
    this.#features = features;
    this.#place = place;
    this.#compose = compose;
  }

  /** Makes this a branch's routing, `prefix` below `parent`'s. */
  inherit(parent: AppRouting, prefix: string): void {
    this.#links = parent.#links;
    this.#prefix = parent.#prefix + prefix;
  }

  // One registry of named endpoints per app, on the server's features so
  // every request finds it; a new build replaces the last one's.
  #registry(): LinkRegistry {
    if (this.#links.registry === undefined) {
      this.#links.registry = new LinkRegistry();
      this.#features.set(LinkGeneratorFeature, this.#links.registry);
    }
    return this.#links.registry;
  }

  #routerOf(): EndpointRouter {
    return this.#router ??= new EndpointRouter(
      this.#registry(),
      escapeTemplate(this.#prefix),
    );
  }

  /** Whether the pipeline selects endpoints yet, at its current end. */
  get selecting(): boolean {
    return this.#router !== undefined &&
      (this.#router.placed || this.#router.routing);
  }

  /** See {@linkcode EndpointRouter.endpointsWith}. */
  endpointsWith(types: readonly MetadataType[]): string[] {
    return this.#router?.endpointsWith(types) ?? [];
  }

  /**
   * The router, with its executor placed in the pipeline if no endpoint was
   * mapped yet: routing runs where the endpoints are mapped.
   */
  endpoints(): EndpointRouter {
    const router = this.#routerOf();
    if (!router.placed) {
      router.placed = true;
      this.#place(router.executor(this.#compose));
    }
    return router;
  }

  /**
   * Places the matcher: the endpoint is selected here, run later.
   *
   * @throws {TypeError} When called twice, or after endpoints were mapped.
   */
  useRouting(): void {
    const router = this.#routerOf();
    if (router.placed || router.routing) {
      throw new TypeError(
        router.routing
          ? "useRouting() was already called on this builder: call it once"
          : "useRouting() must come before the endpoints it selects: call it before mapGet() and friends",
      );
    }
    router.routing = true;
    this.#place(router.matcher(this.#compose));
  }
}
