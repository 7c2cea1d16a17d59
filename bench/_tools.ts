/**
 * The load generators: wrk for HTTP/1.1, h2load for HTTP/2 over TLS. Each
 * runs as its own process (one core for it, one for the server) and its
 * text report is parsed into requests/s plus anything that went wrong.
 *
 * @module
 */

import { LOAD_CORE, pinned } from "./_pin.ts";
import { fileURLToPath } from "node:url";
import { track } from "./_process.ts";
import type { Upload } from "./servers/_common.ts";

/** One load-generator run. */
export interface Measurement {
  requestsPerSecond: number;
  requests: number;
  /** Non-2xx answers, socket errors, failed streams: empty when clean. */
  problems: string[];
}

/** How hard to drive a server. */
export interface LoadOptions {
  seconds: number;
  /** wrk connections. */
  connections: number;
  /** h2load clients, each with `streams` concurrent streams. */
  h2Clients: number;
  streams: number;
}

const POST_SCRIPT = fileURLToPath(new URL("./post.lua", import.meta.url));
const TOOLS = [
  { command: "wrk", args: ["--version"], package: "wrk" },
  { command: "h2load", args: ["--version"], package: "nghttp2-client" },
] as const;

/** Names the missing tools with the install hint; empty when all exist. */
export async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of TOOLS) {
    try {
      await new Deno.Command(tool.command, {
        args: [...tool.args],
        stdout: "null",
        stderr: "null",
      }).output();
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      missing.push(`${tool.command} (apt-get install ${tool.package})`);
    }
  }
  return missing;
}

async function run(tool: string, toolArgs: string[]): Promise<string> {
  const [command, args] = pinned(LOAD_CORE, tool, toolArgs);
  const child = new Deno.Command(command, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  track(child);
  const { code, stdout, stderr } = await child.output();
  const decoder = new TextDecoder();
  const out = decoder.decode(stdout);
  if (code !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} exited with code ${code}:\n${out}${
        decoder.decode(stderr)
      }`,
    );
  }
  return out;
}

function number(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match === null ? undefined : Number(match[1]);
}

/** Reads wrk's report; exported for a look at odd output. */
export function parseWrk(output: string): Measurement {
  const rps = number(output, /Requests\/sec:\s+([\d.]+)/);
  const requests = number(output, /(\d+) requests in /);
  if (rps === undefined || requests === undefined) {
    throw new Error(`Cannot read wrk's report:\n${output}`);
  }
  const problems: string[] = [];
  const non2xx = number(output, /Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) problems.push(`${non2xx} non-2xx/3xx responses`);
  const socket = /Socket errors: (.*)/.exec(output);
  if (socket !== null) problems.push(`socket errors: ${socket[1].trim()}`);
  return { requestsPerSecond: rps, requests, problems };
}

/** Reads h2load's report; exported for a look at odd output. */
export function parseH2load(output: string): Measurement {
  const rps = number(output, /finished in [\d.]+\w*, ([\d.]+) req\/s/);
  const counts =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/
      .exec(output);
  if (rps === undefined || counts === null) {
    throw new Error(`Cannot read h2load's report:\n${output}`);
  }
  const [, , , done, succeeded, failed, errored, timeout] = counts.map(Number);
  const problems: string[] = [];
  const protocol = /Application protocol: (\S+)/.exec(output)?.[1];
  if (protocol !== "h2") {
    problems.push(`negotiated ${protocol ?? "no protocol"}, not h2`);
  }
  if (failed || errored || timeout) {
    problems.push(
      `${failed} failed, ${errored} errored, ${timeout} timed out streams`,
    );
  }
  const status = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/
    .exec(output);
  const bad = status === null ? 0 : Number(status[3]) + Number(status[4]);
  if (bad) problems.push(`${bad} 4xx/5xx responses`);
  return { requestsPerSecond: rps, requests: done || succeeded, problems };
}

/** How wrk sends its requests. */
export interface WrkRequest {
  /** A POST of this body; a GET when undefined. */
  upload?: Upload;
  /**
   * Sends `Connection: close`, so each request opens a new connection
   * (wrk reconnects as soon as the server closes).
   */
  close?: boolean;
  /** Extra request headers, as `name: value`. */
  headers?: readonly string[];
}

/**
 * Drives an HTTP/1.1 endpoint with wrk: one thread, keep-alive unless
 * `request.close`; a POST of `request.upload` when given, else a GET.
 */
export async function wrk(
  url: string,
  options: LoadOptions,
  request: WrkRequest = {},
): Promise<Measurement> {
  const { upload, close, headers = [] } = request;
  const args = [
    "-t1",
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    ...(close ? ["-H", "Connection: close"] : []),
    ...headers.flatMap((header) => ["-H", header]),
    ...(upload === undefined ? [] : ["-s", POST_SCRIPT]),
    url,
    ...(upload === undefined
      ? []
      : ["--", upload.contentType, String(upload.body)]),
  ];
  return parseWrk(await run("wrk", args));
}

/** Drives an HTTPS endpoint with h2load: one thread, h2 only. */
export async function h2load(
  url: string,
  options: LoadOptions,
): Promise<Measurement> {
  const args = [
    "-t1",
    `-c${options.h2Clients}`,
    `-m${options.streams}`,
    `-D${options.seconds}`,
    url,
  ];
  return parseH2load(await run("h2load", args));
}
