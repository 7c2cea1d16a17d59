// How error responses read a request's Accept header (RFC 9110 §12.5.1):
// whether it prefers problem details to plain text, and whether it names
// HTML. Kept apart from problem_details.ts, which only picks by them.

// Whether Accept names text/html (or text/*) with a quality above 0.
export function namesHtml(accept: string | null): boolean {
  if (accept === null || !accept.includes("text/")) return false;
  for (const range of accept.split(",")) {
    const parts = range.split(";");
    const type = parts[0].trim().toLowerCase();
    if (type !== "text/html" && type !== "text/*") continue;
    const q = parts.slice(1).map((part) => part.split("=", 2)).find((
      [name],
    ) => name.trim().toLowerCase() === "q");
    if (q === undefined) return true;
    const value = (q[1] ?? "").trim();
    if (QVALUE.test(value) && Number(value) > 0) return true;
  }
  return false;
}

// RFC 9110 §12.4.2's qvalue: 0 to 1 with at most three decimals.
export const QVALUE: RegExp = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Whether an Accept header prefers problem details to plain text: it names
 * `application/json` or `application/problem+json`, and by RFC 9110's rules
 * (the most specific matching range gives each type its quality) JSON ranks
 * above 0 and at least as high as `text/plain`. A browser's
 * `text/html,…;q=0.8` and curl's bare wildcard name no JSON: they get text.
 */
export function prefersJson(accept: string | null): boolean {
  if (accept === null || !accept.includes("json")) return false;
  // Quality and specificity (3 exact, 2 "type/*", 1 the bare wildcard) of
  // the best match so far, for problem+json, json and text/plain.
  const quality = [0, 0, 0];
  const specificity = [0, 0, 0];
  for (const range of accept.split(",")) {
    const parts = range.split(";");
    const type = parts[0].trim().toLowerCase();
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const [name, value = ""] = parts[i].split("=", 2);
      if (name.trim().toLowerCase() !== "q") continue;
      // A malformed quality makes the range unusable: ignore it.
      q = QVALUE.test(value.trim()) ? Number(value.trim()) : -1;
      break;
    }
    if (q < 0) continue;
    const matches = [
      rank(type, "application/problem+json"),
      rank(type, "application/json"),
      rank(type, "text/plain"),
    ];
    for (let i = 0; i < 3; i++) {
      const how = matches[i];
      if (how === 0 || how < specificity[i]) continue;
      quality[i] = how > specificity[i] ? q : Math.max(quality[i], q);
      specificity[i] = how;
    }
  }
  const json = Math.max(quality[0], quality[1]);
  return json > 0 && json >= quality[2];
}

/** How specifically a media range matches a type: 3, 2, 1, or 0 for not. */
function rank(range: string, type: string): number {
  if (range === type) return 3;
  if (range === "*/*") return 1;
  const slash = type.indexOf("/");
  return range.length === slash + 2 && range.endsWith("/*") &&
      range.startsWith(type.slice(0, slash + 1))
    ? 2
    : 0;
}
