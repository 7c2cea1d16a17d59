/**
 * How bytes become requests: the {@linkcode Server} contract,
 * {@linkcode DenoServer} on `Deno.serve`, and the in-memory
 * {@linkcode TestServer}.
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { TestServer } from "./mod.ts";
 * import { HttpResponseBodyFeature, type FeatureCollection } from "../features/mod.ts";
 *
 * await using server = new TestServer();
 * await server.start({
 *   createContext: (features: FeatureCollection) => features,
 *   processRequest: (features) => features.get(HttpResponseBodyFeature)!.complete("ok"),
 *   disposeContext() {},
 * });
 * assert.equal(await (await server.fetch("/")).text(), "ok");
 * ```
 *
 * @module
 */

export * from "./server.ts";
export * from "./limits.ts";
export * from "./endpoint.ts";
export { DenoServer } from "./deno_server.ts";
export { DEFAULT_URL, type DenoServerOptions } from "./deno_server_options.ts";
export { TestServer, type TestServerOptions } from "./test_server.ts";
export type { ErrorReporter } from "./_report.ts";
export type { ConnectionEvent } from "./_connections.ts";
