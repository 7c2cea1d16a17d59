// Middleware that reads endpoint metadata (CORS, rate limiting, request
// timeouts) carries a mark saying so, for the builder: added before routing
// selects an endpoint, it can never see that metadata, and the start says
// so instead of ignoring it in silence.

/** A kind of endpoint metadata: its class. */
export type MetadataType = abstract new (...args: never[]) => unknown;

/** What a marked middleware reads, and how the app adds it. */
export interface MetadataReader {
  /** The method that adds it, as a message names it (`useCors()`). */
  readonly method: string;
  readonly types: readonly MetadataType[];
}

const READS: unique symbol = Symbol("roost.readsEndpointMetadata");

/**
 * Marks `middleware` as reading endpoint metadata of `types`.
 *
 * @returns The middleware.
 */
export function readsEndpointMetadata<T extends object>(
  middleware: T,
  method: string,
  types: readonly MetadataType[],
): T {
  Object.defineProperty(middleware, READS, { value: { method, types } });
  return middleware;
}

/** What `middleware` was marked as reading, if anything. */
export function metadataReaderOf(
  middleware: object,
): MetadataReader | undefined {
  return (middleware as { [READS]?: MetadataReader })[READS];
}
