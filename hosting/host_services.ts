/**
 * Tokens for what the host registers as services.
 *
 * @module
 */

import type { Server } from "../server/mod.ts";
import { type ServiceKey, serviceKey } from "./services/mod.ts";

/**
 * The host's server, as a service (`Server` is an interface, so it needs a
 * key; `Configuration`, `HostingEnvironment`, `ApplicationLifetime` and
 * `LoggerFactory` are classes and are their own tokens).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServerKey, TestServer, WebHostBuilder } from "../mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .useServer(new TestServer())
 *   .configure((app) =>
 *     app.run((ctx) => ctx.response.send(String(ctx.requestServices?.get(ServerKey) instanceof TestServer)))
 *   )
 *   .build();
 * assert.equal(await (await host.fetch("/")).text(), "true");
 * ```
 */
export const ServerKey: ServiceKey<Server> = serviceKey<Server>("Server");
