// Renders the developer exception page: HTML for browsers, plain text for
// terminals. Everything that came from the error or the request goes through
// escapeHtml: an error message is attacker-influenced text (it often quotes
// the input that broke the app).

import { escapeHtml } from "./_html.ts";
import { reasonPhrase } from "../../features/problem_details.ts";
import type {
  ErrorEntry,
  ErrorReport,
  RequestReport,
  StackFrame,
} from "./_error_report.ts";

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
h1{color:#b00020;font-size:1.5em}h2{font-size:1.15em;margin-top:2em}
.message{font-size:1.1em;white-space:pre-wrap}
ol.frames{list-style:none;padding:0}
ol.frames li{margin:.4em 0}
.framework,.runtime{color:#888}
.tag{font-size:.75em;border:1px solid #aaa;border-radius:3px;padding:0 .3em;margin-left:.5em}
pre{background:#f6f6f6;padding:.5em;overflow:auto;margin:.3em 0}
pre .hit{background:#ffd7d7;display:block}
table{border-collapse:collapse}td,th{text-align:left;padding:.2em .8em;vertical-align:top;border-bottom:1px solid #eee}
code{font-family:ui-monospace,monospace}
`;

function renderSource(frame: StackFrame): string {
  const source = frame.source;
  if (source === undefined) return "";
  const width = String(source.first + source.lines.length - 1).length;
  const lines = source.lines.map((text, i) => {
    const number = source.first + i;
    const line = `${String(number).padStart(width)}  ${escapeHtml(text)}`;
    return number === source.line ? `<span class="hit">${line}</span>` : line;
  });
  // One string: newlines inside <pre> are the lines themselves.
  return `<pre><code>${lines.join("\n")}</code></pre>`;
}

function renderFrame(frame: StackFrame): string {
  const tag = frame.origin === "app"
    ? ""
    : `<span class="tag">${frame.origin}</span>`;
  return `<li class="${frame.origin}"><code>at ${
    escapeHtml(frame.text)
  }</code>${tag}${renderSource(frame)}</li>`;
}

function renderError(entry: ErrorEntry, index: number): string {
  const heading = index === 0
    ? ""
    : `<h2>Caused by: ${escapeHtml(entry.name)}</h2>`;
  const frames = entry.frames.length === 0
    ? ""
    : `<ol class="frames">${entry.frames.map(renderFrame).join("")}</ol>`;
  return `<section class="error">${heading}<p class="message"><strong>${
    escapeHtml(entry.name)
  }:</strong> ${escapeHtml(entry.message)}</p>${frames}</section>`;
}

function row(name: string, value: string): string {
  return `<tr><th>${escapeHtml(name)}</th><td><code>${
    escapeHtml(value)
  }</code></td></tr>`;
}

function table(
  title: string,
  rows: readonly (readonly [string, string])[],
): string {
  if (rows.length === 0) return "";
  return `<h2>${escapeHtml(title)}</h2><table>${
    rows.map(([name, value]) => row(name, value)).join("")
  }</table>`;
}

function routeRows(request: RequestReport): [string, string][] {
  return Object.entries(request.routeValues)
    .filter((entry): entry is [string, string] => entry[1] !== undefined);
}

/** The page for browsers: a complete HTML document. */
export function renderHtml(report: ErrorReport): string {
  const [first] = report.errors;
  const request = report.request;
  const title = `${report.status} ${reasonPhrase(report.status)}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(`${first.name}: ${first.message}`)}</title>
<style>${STYLE}</style></head><body>
<h1>An unhandled error occurred while processing the request</h1>
<p>${escapeHtml(title)} &middot; <code>${escapeHtml(request.method)} ${
    escapeHtml(request.path + request.queryString)
  }</code></p>
${report.errors.map(renderError).join("\n")}
${
    table("Request", [
      ["Method", request.method],
      ["Path", request.path],
      ["Query string", request.queryString],
    ])
  }
${table("Query", request.query)}
${table("Route values", routeRows(request))}
${table("Headers", request.headers)}
<p><small>This page is shown in Development only. Never run Production with it.</small></p>
</body></html>
`;
}

/**
 * The page for terminals: the status and the stack first (as the host's
 * detailed errors always began), then the causes and the request.
 */
export function renderText(report: ErrorReport): string {
  const out: string[] = [];
  report.errors.forEach((entry, index) => {
    const described = entry.stack ?? `${entry.name}: ${entry.message}`;
    out.push(index === 0 ? `${report.status} ${described}` : "");
    if (index > 0) out.push(`Caused by: ${described}`);
  });
  const request = report.request;
  out.push(
    "",
    "Request:",
    `  ${request.method} ${request.path}${request.queryString}`,
  );
  const routes = routeRows(request);
  if (routes.length > 0) {
    out.push("", "Route values:");
    for (const [name, value] of routes) out.push(`  ${name}: ${value}`);
  }
  out.push("", "Headers:");
  for (const [name, value] of request.headers) out.push(`  ${name}: ${value}`);
  return out.join("\n") + "\n";
}
