/**
 * The builder `mapGet()` and friends return: names an endpoint and adds
 * metadata to it.
 *
 * @module
 */

import type { EndpointRouter, Registration } from "./_endpoint_router.ts";

/**
 * Configures one mapped endpoint (ASP.NET's convention builder): its name,
 * for links, and metadata that middleware reads from it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer, WebHostBuilder } from "../../mod.ts";
 *
 * class Audited {}
 * const server = new TestServer();
 * const host = new WebHostBuilder()
 *   .useServer(server)
 *   .useSetting("suppressStatusMessages", "true")
 *   .configure((app) => {
 *     app.useRouting();
 *     app.use(async (ctx, next) => {
 *       if (ctx.getEndpoint()?.metadata.get(Audited)) ctx.response.headers.set("x-audited", "yes");
 *       await next();
 *     });
 *     app.mapPost("/orders", (ctx) => ctx.response.send("ordered", { status: 201 }))
 *       .withName("createOrder")
 *       .withMetadata(new Audited());
 *   })
 *   .build();
 * await host.start();
 * const response = await server.fetch(new Request("http://localhost/orders", { method: "POST" }));
 * assert.equal(response.status, 201);
 * assert.equal(response.headers.get("x-audited"), "yes");
 * await response.body?.cancel();
 * await host.stop();
 * ```
 */
export class EndpointBuilder {
  readonly #router: EndpointRouter;
  readonly #registration: Registration;

  /**
   * Wraps a mapped endpoint; made by `mapGet()` and friends.
   *
   * @param router The router that holds it.
   * @param registration The endpoint.
   */
  constructor(router: EndpointRouter, registration: Registration) {
    this.#router = router;
    this.#registration = registration;
  }

  /**
   * Names the endpoint, so `ctx.linkTo(name, values)` can make paths to it.
   *
   * @param name A name no other endpoint of the app has.
   * @returns This builder.
   * @throws {TypeError} When another endpoint has the name, or this one
   * already has one.
   */
  withName(name: string): this {
    this.#router.name(this.#registration, name);
    return this;
  }

  /**
   * Sets how logs and `getEndpoint().displayName` call the endpoint.
   *
   * @param displayName The name to show (default: methods and template).
   * @returns This builder.
   */
  withDisplayName(displayName: string): this {
    this.#registration.displayName = String(displayName);
    return this;
  }

  /**
   * Adds metadata that middleware reads from the matched endpoint with
   * `ctx.getEndpoint()?.metadata.get(Type)` (a CORS or rate-limit policy, a
   * timeout). The endpoint's own items come after its groups', so they win.
   *
   * @param items The metadata items, usually class instances.
   * @returns This builder.
   */
  withMetadata(...items: unknown[]): this {
    this.#registration.metadata.push(...items);
    return this;
  }
}
