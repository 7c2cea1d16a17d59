// The pure part of answering with a file (RFC 9110): validators, the
// conditional request headers in the order §13.2.2 sets, and one byte
// range. Both ctx.response.sendFile and the static files middleware plan
// their response here, so the two can never disagree.

/**
 * What a file response is decided by: the request's method and headers
 * (`HttpRequest` is one).
 */
export interface FileRequest {
  /** The request method, upper case. */
  readonly method: string;
  /** One request header's value, or `null`. */
  header(name: string): string | null;
}

/** What the response is about: the file's size, age and entity tag. */
export interface FileFacts {
  /** The size in bytes. */
  readonly size: number;
  /** The modification time, or `null` where the file system has none. */
  readonly mtime: Date | null;
}

/** The status a file response gets, and what part of the file it carries. */
export interface FilePlan {
  /** 200, 206 (one range), 304, 412 or 416. */
  readonly status: 200 | 206 | 304 | 412 | 416;
  /** The first byte to send (200 and 206). */
  readonly offset: number;
  /** How many bytes to send (0 for 304, 412 and 416). */
  readonly count: number;
  /** Headers to set: validators, Accept-Ranges, Content-Range. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/**
 * A strong entity tag made of the size and the modification time, in hex
 * (`"1f4-18c2e1a5b10"`): it changes whenever either does, and costs a stat,
 * not a read of the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileETag } from "./_file_conditions.ts";
 *
 * assert.equal(fileETag({ size: 500, mtime: new Date(4096) }), '"1f4-1000"');
 * ```
 *
 * @param facts The file's size and modification time.
 * @returns The entity tag, quotes included.
 */
export function fileETag(facts: FileFacts): string {
  const time = facts.mtime === null ? 0 : Math.floor(facts.mtime.getTime());
  return `"${facts.size.toString(16)}-${time.toString(16)}"`;
}

// HTTP dates have whole seconds: comparisons use the time rounded down.
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

// RFC 9110 §5.6.7: IMF-fixdate, and the two obsolete forms a recipient must
// still accept (RFC 850 and asctime). Anything else is no HTTP-date, and
// §13.1.3/§13.1.4 say to ignore the field: Date.parse would read "2024" or
// "1" as a date and answer 412 or 304 to a client's typo.
const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d{2}:\\d{2}:\\d{2}";
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT` +
    `|${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT` +
    `|${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4})$`,
);

function parseDate(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime has no zone: it is GMT.
  const time = Date.parse(text.endsWith("GMT") ? text : `${text} GMT`);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

interface EntityTag {
  weak: boolean;
  opaque: string;
}

// RFC 9110 §8.8.3: `"opaque"` or `W/"opaque"`, comma-separated. Anything
// that is not a tag is skipped: a malformed member matches nothing.
function parseTags(value: string): EntityTag[] | "*" {
  if (value.trim() === "*") return "*";
  const tags: EntityTag[] = [];
  let i = 0;
  while (i < value.length) {
    const start = value.indexOf('"', i);
    if (start < 0) break;
    const end = value.indexOf('"', start + 1);
    if (end < 0) break;
    const before = value.slice(i, start).replace(/[\s,]/g, "");
    tags.push({
      weak: before === "W/",
      opaque: value.slice(start, end + 1),
    });
    i = end + 1;
  }
  return tags;
}

// §13.1.1: If-Match uses the strong comparison.
function ifMatch(value: string, etag: string): boolean {
  const tags = parseTags(value);
  if (tags === "*") return true;
  return tags.some((tag) => !tag.weak && tag.opaque === etag);
}

// §13.1.2: If-None-Match uses the weak comparison; true means "no match".
function ifNoneMatch(value: string, etag: string): boolean {
  const tags = parseTags(value);
  if (tags === "*") return false;
  return !tags.some((tag) => tag.opaque === etag);
}

// §13.1.5: an entity tag must match strongly, a date exactly.
function ifRange(value: string, etag: string, mtime: Date | null): boolean {
  const trimmed = value.trim();
  if (trimmed.startsWith('"') || trimmed.startsWith("W/")) {
    const tags = parseTags(trimmed);
    return tags !== "*" && tags.length === 1 && !tags[0].weak &&
      tags[0].opaque === etag;
  }
  const date = parseDate(trimmed);
  return date !== undefined && mtime !== null && date === seconds(mtime);
}

/** One byte range, both ends included, or why there is none. */
export type ByteRange =
  | { readonly start: number; readonly end: number }
  | "none"
  | "unsatisfiable";

const RANGE_SPEC = /^(\d*)-(\d*)$/;

/**
 * Reads a `Range` header for a file of `size` bytes (RFC 9110 §14.1.2).
 * `"none"` means send the whole file: no header, another unit, a malformed
 * header (ignored, as §14.2 allows), an empty file, or more than one range
 * (Roost answers those with the whole file rather than
 * `multipart/byteranges`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRange } from "./_file_conditions.ts";
 *
 * assert.deepEqual(parseRange("bytes=0-9", 100), { start: 0, end: 9 });
 * assert.deepEqual(parseRange("bytes=-10", 100), { start: 90, end: 99 });
 * assert.deepEqual(parseRange("bytes=90-", 100), { start: 90, end: 99 });
 * assert.equal(parseRange("bytes=100-", 100), "unsatisfiable");
 * assert.equal(parseRange("bytes=9-0", 100), "none");
 * ```
 *
 * @param value The header's value, or `null`.
 * @param size The file's size.
 * @returns The range, `"none"` or `"unsatisfiable"`.
 */
export function parseRange(value: string | null, size: number): ByteRange {
  if (value === null) return "none";
  const equals = value.indexOf("=");
  if (equals < 0 || value.slice(0, equals).trim().toLowerCase() !== "bytes") {
    return "none";
  }
  const specs = value.slice(equals + 1).split(",").map((s) => s.trim())
    .filter((s) => s !== "");
  if (specs.length === 0) return "none";
  const parsed: { first?: number; last?: number; suffix?: number }[] = [];
  for (const spec of specs) {
    const match = RANGE_SPEC.exec(spec);
    if (match === null || (match[1] === "" && match[2] === "")) return "none";
    if (match[1] === "") {
      parsed.push({ suffix: Number(match[2]) });
    } else {
      const first = Number(match[1]);
      const last = match[2] === "" ? undefined : Number(match[2]);
      if (last !== undefined && last < first) return "none";
      parsed.push({ first, last });
    }
  }
  if (parsed.length > 1 || size === 0) return "none";
  const { first, last, suffix } = parsed[0];
  if (suffix !== undefined) {
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  if (first! >= size) return "unsatisfiable";
  return { start: first!, end: Math.min(last ?? size - 1, size - 1) };
}

/**
 * Decides a file response: evaluates the preconditions in RFC 9110
 * §13.2.2's order (If-Match, else If-Unmodified-Since; If-None-Match, else
 * If-Modified-Since for GET and HEAD; then If-Range) and a `Range` for GET.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileETag, planFileResponse } from "./_file_conditions.ts";
 *
 * function fileRequest(method: string, headers: Record<string, string>) {
 *   const all = new Headers(headers);
 *   return { method, header: (name: string) => all.get(name) };
 * }
 * const facts = { size: 100, mtime: new Date("2024-01-01T00:00:00Z") };
 * const etag = fileETag(facts);
 * const cached = planFileResponse(
 *   fileRequest("GET", { "if-none-match": etag }),
 *   facts,
 *   etag,
 * );
 * assert.equal(cached.status, 304);
 * const part = planFileResponse(
 *   fileRequest("GET", { range: "bytes=0-9" }),
 *   facts,
 *   etag,
 * );
 * assert.equal(part.status, 206);
 * assert.equal(part.count, 10);
 * ```
 *
 * @param request The request's method and headers.
 * @param facts The file's size and modification time.
 * @param etag The file's entity tag (see {@linkcode fileETag}).
 * @returns The status, the bytes to send and the headers to set.
 */
export function planFileResponse(
  request: FileRequest,
  facts: FileFacts,
  etag: string,
): FilePlan {
  const method = request.method;
  const { size, mtime } = facts;
  const validators: [string, string][] = [["etag", etag]];
  if (mtime !== null) validators.push(["last-modified", mtime.toUTCString()]);
  const modified = mtime === null ? undefined : seconds(mtime);
  const isRead = method === "GET" || method === "HEAD";
  const end = (status: 304 | 412): FilePlan => ({
    status,
    offset: 0,
    count: 0,
    headers: validators,
  });

  const match = request.header("if-match");
  if (match !== null) {
    if (!ifMatch(match, etag)) return end(412);
  } else {
    const since = parseDate(request.header("if-unmodified-since"));
    if (since !== undefined && modified !== undefined && modified > since) {
      return end(412);
    }
  }
  const noneMatch = request.header("if-none-match");
  if (noneMatch !== null) {
    if (!ifNoneMatch(noneMatch, etag)) return end(isRead ? 304 : 412);
  } else if (isRead) {
    const since = parseDate(request.header("if-modified-since"));
    // A date later than now is no valid answer to "since when" (RFC 7232
    // §3.3): a client that sent one would get 304 until that date.
    if (
      since !== undefined && modified !== undefined && modified <= since &&
      since <= Math.floor(Date.now() / 1000)
    ) {
      return end(304);
    }
  }

  validators.push(["accept-ranges", "bytes"]);
  const whole: FilePlan = {
    status: 200,
    offset: 0,
    count: size,
    headers: validators,
  };
  // §14.2: Range is defined for GET only; a HEAD learns the whole length.
  const rangeHeader = method === "GET" ? request.header("range") : null;
  if (rangeHeader === null) return whole;
  const condition = request.header("if-range");
  if (condition !== null && !ifRange(condition, etag, mtime)) return whole;
  const range = parseRange(rangeHeader, size);
  if (range === "none") return whole;
  if (range === "unsatisfiable") {
    return {
      status: 416,
      offset: 0,
      count: 0,
      headers: [...validators, ["content-range", `bytes */${size}`]],
    };
  }
  return {
    status: 206,
    offset: range.start,
    count: range.end - range.start + 1,
    headers: [
      ...validators,
      ["content-range", `bytes ${range.start}-${range.end}/${size}`],
    ],
  };
}
