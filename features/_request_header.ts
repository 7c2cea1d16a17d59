// How a server lets Roost read one request header without a Headers: the
// request feature may carry [READ_HEADER]. A served request's Headers costs
// Deno a Headers object and a WebIDL check of every name asked for (four
// reads: 1.2 µs of CPU a request, against 0.45 µs from Deno's own record);
// a server that can read one field from its record says so here. Internal
// to Roost.

import type { HttpRequestFeature } from "./request_features.ts";

/** The key of a request feature's one-header reader. */
export const READ_HEADER: unique symbol = Symbol("roost.readHeader");

/** A request feature that reads one header the cheapest way it can. */
export interface HeaderReader {
  /**
   * The value of the header `name` (any case), its fields joined as
   * `Headers.get` joins them, or `null`; from the feature's `headers` when
   * they were replaced or already made.
   */
  [READ_HEADER](name: string): string | null;
}

// RFC 9110 §5.1: a header name is a token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/i;

// Names found valid, so that each absent header's read (the same few names,
// request after request) does not test its name again. Bounded, as names
// may come from clients.
const validNames = new Set<string>();
const VALID_NAMES_LIMIT = 256;

function isHeaderName(name: string): boolean {
  if (validNames.has(name)) return true;
  if (!HEADER_NAME.test(name)) return false;
  if (validNames.size >= VALID_NAMES_LIMIT) validNames.clear();
  validNames.add(name);
  return true;
}

/**
 * One header of a request feature, as `headers.get(name)` reads it, and as
 * cheaply as the feature allows.
 *
 * @throws {TypeError} When `name` is not a valid header name.
 */
export function readHeader(
  feature: HttpRequestFeature,
  name: string,
): string | null {
  if (!(READ_HEADER in feature)) return feature.headers.get(name);
  const value = (feature as HeaderReader)[READ_HEADER](name);
  // Absent, or a name Headers.get would refuse: tell which.
  if (value === null && !isHeaderName(name)) {
    throw new TypeError(
      `Cannot read the request header ${
        JSON.stringify(name)
      }: it is not a valid header name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
    );
  }
  return value;
}
