// What the developer exception page shows, gathered once per error: the
// error and its causes with parsed stack frames (and source lines around the
// app's own frames), and the request with its secrets masked. Rendering is
// _error_page_html.ts's, answering is _error_developer_page.ts's.

import type { HttpContext } from "../../features/mod.ts";
import { ROOST_FOLDERS } from "../_roost_files.ts";

/** One line of a stack, parsed where it has a location. */
export interface StackFrame {
  /** The line as V8 wrote it, without its leading `at `. */
  readonly text: string;
  /** The function, when the line names one. */
  readonly functionName: string | undefined;
  /** The file URL or specifier, when the line has a location. */
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** Where it runs: the app's code, Roost's own, or Deno's runtime. */
  readonly origin: "app" | "framework" | "runtime";
  /** Source lines around the frame's line, for the app's `file:` frames. */
  source?: SourceExcerpt;
}

/** Lines of a source file around one line. */
export interface SourceExcerpt {
  /** The number of `lines[0]`, from 1. */
  readonly first: number;
  /** The frame's own line number. */
  readonly line: number;
  readonly lines: readonly string[];
}

/** An error of the chain: the thrown one first, then each `cause`. */
export interface ErrorEntry {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly frames: readonly StackFrame[];
}

/** The request, as the page shows it. */
export interface RequestReport {
  readonly method: string;
  readonly path: string;
  readonly queryString: string;
  readonly query: readonly (readonly [string, string])[];
  readonly headers: readonly (readonly [string, string])[];
  readonly routeValues: Readonly<Record<string, string | undefined>>;
}

/** Everything the page shows. */
export interface ErrorReport {
  readonly status: number;
  readonly errors: readonly ErrorEntry[];
  readonly request: RequestReport;
}

/** Headers whose values are credentials: shown as {@linkcode MASK}. */
export const MASKED_HEADERS: ReadonlySet<string> = new Set([
  "authorization",
  "cookie",
  "proxy-authorization",
  "set-cookie",
]);
/** What a masked header's value reads as. */
export const MASK = "[masked]";

// "at fn (file:///a.ts:1:2)", "at async fn (…)", "at file:///a.ts:1:2".
const FRAME = /^at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;

/** Parses the `at …` lines of a V8 stack. */
export function parseStack(stack: string | undefined): StackFrame[] {
  if (stack === undefined) return [];
  const frames: StackFrame[] = [];
  for (const raw of stack.split("\n")) {
    const text = raw.trim();
    if (!text.startsWith("at ")) continue;
    const match = FRAME.exec(text);
    const file = match?.[2];
    frames.push({
      text: text.slice(3),
      functionName: match?.[1],
      file,
      line: match ? Number(match[3]) : undefined,
      column: match ? Number(match[4]) : undefined,
      origin: originOf(file),
    });
  }
  return frames;
}

function originOf(file: string | undefined): StackFrame["origin"] {
  if (file === undefined) return "runtime";
  // Roost's own folders: frames there are the framework's, not the app's.
  if (ROOST_FOLDERS.some((dir) => file.startsWith(dir))) return "framework";
  if (file.startsWith("file:")) return "app";
  // ext:, node:, native and eval frames are Deno's; https: is a dependency.
  return file.startsWith("http") ? "framework" : "runtime";
}

// Causes are followed this deep: a cycle (a.cause = a) must end somewhere.
const MAX_CAUSES = 10;

/** The error and its `cause` chain. */
export function errorChain(error: unknown): ErrorEntry[] {
  const entries: ErrorEntry[] = [];
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (entries.length <= MAX_CAUSES && !seen.has(current)) {
    seen.add(current);
    if (current instanceof Error) {
      entries.push({
        name: current.name,
        message: current.message,
        stack: current.stack,
        frames: parseStack(current.stack),
      });
      if (current.cause === undefined) break;
      current = current.cause;
    } else {
      entries.push({
        name: typeof current,
        message: String(current),
        stack: undefined,
        frames: [],
      });
      break;
    }
  }
  return entries;
}

/** Reads the lines around each app frame of `entries` (each file once). */
export async function readSources(
  entries: readonly ErrorEntry[],
  around: number,
): Promise<void> {
  const files = new Map<string, Promise<string[] | undefined>>();
  for (const entry of entries) {
    for (const frame of entry.frames) {
      if (frame.origin !== "app" || frame.line === undefined) continue;
      const file = frame.file!;
      let lines = files.get(file);
      if (lines === undefined) {
        // No read permission or a file gone: the frame shows no source.
        lines = Deno.readTextFile(new URL(file)).then(
          (text) => text.split(/\r?\n/),
          () => undefined,
        );
        files.set(file, lines);
      }
      const all = await lines;
      if (all === undefined || frame.line > all.length) continue;
      const first = Math.max(1, frame.line - around);
      const last = Math.min(all.length, frame.line + around);
      frame.source = {
        first,
        line: frame.line,
        lines: all.slice(first - 1, last),
      };
    }
  }
}

/** The request as the page shows it, credentials masked. */
export function describeRequest(ctx: HttpContext): RequestReport {
  const request = ctx.request;
  const headers: [string, string][] = [];
  for (const [name, value] of request.headers) {
    headers.push([name, MASKED_HEADERS.has(name) ? MASK : value]);
  }
  return {
    method: request.method,
    path: `${request.pathBase}${request.path}`,
    queryString: request.queryString,
    query: [...request.query],
    headers,
    routeValues: { ...request.routeValues },
  };
}
