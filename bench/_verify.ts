/**
 * Checks each server's answer before it is measured: a fast wrong answer is
 * not a result. Status and body must match exactly; header differences are
 * notes, since extra headers cost bytes on every response.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import {
  ECHO_SIZE,
  HELLO,
  JSON_PAYLOAD,
  pathOf,
  ROUTE_ID,
  type Scenario,
  STREAM_CHUNKS,
  uploadOf,
  usesTls,
} from "./servers/_common.ts";

/** What a server answered to one scenario's request. */
export interface Verdict {
  /** Why the answer is wrong; empty when right. */
  errors: string[];
  contentType: string | null;
  headerNames: string[];
}

interface Probe {
  method: string;
  path: string;
  body?: Uint8Array<ArrayBuffer>;
  expected: Uint8Array;
  /** How the content type must start; undefined when any (or none) will do. */
  contentType?: string;
  /** Other headers the answer must carry, with these values. */
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();
// The fixture certificate is issued by this CA, which is what a client trusts.
const CA_FILE = fileURLToPath(
  new URL("../tests/fixtures/ca_cert.pem", import.meta.url),
);

// Random bytes, unlike wrk's "xxx…", so a server answering a cached or
// truncated body cannot pass.
function randomBytes(size: number): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(size);
  for (let offset = 0; offset < body.length; offset += 65536) {
    crypto.getRandomValues(body.subarray(offset, offset + 65536));
  }
  return body;
}

// Random text with two-, three- and four-byte characters, so a server that
// decodes or re-encodes the body wrongly cannot pass.
function randomText(size: number): Uint8Array<ArrayBuffer> {
  const alphabet = ["a", "Z", "7", " ", "é", "ß", "€", "語", "😀", "\n"];
  const picks = randomBytes(size);
  let text = "";
  for (let i = 0; encoder.encode(text).length < size - 4; i++) {
    text += alphabet[picks[i] % alphabet.length].repeat(64);
  }
  return encoder.encode(text);
}

function post(
  scenario: Scenario,
  body: Uint8Array<ArrayBuffer>,
  expected: Uint8Array,
  contentType: string,
): Probe {
  return {
    method: "POST",
    path: pathOf(scenario),
    body,
    expected,
    contentType,
  };
}

function probeFor(scenario: Scenario): Probe {
  const path = pathOf(scenario);
  switch (scenario) {
    case "json":
      return {
        method: "GET",
        path,
        expected: encoder.encode(JSON.stringify(JSON_PAYLOAD)),
        contentType: "application/json",
      };
    case "echo":
    case "bytes": {
      const body = randomBytes(ECHO_SIZE);
      return post(scenario, body, body, "application/octet-stream");
    }
    case "text": {
      const body = randomText(ECHO_SIZE);
      return post(scenario, body, body, "text/plain");
    }
    case "jsonpost": {
      const body = encoder.encode(
        JSON.stringify({ ...JSON_PAYLOAD, nonce: crypto.randomUUID() }),
      );
      return post(scenario, body, body, "application/json");
    }
    case "stream":
      // A ReadableStream body has no content type, raw or framework.
      return {
        method: "GET",
        path,
        expected: encoder.encode(STREAM_CHUNKS.join("")),
      };
    case "routes":
      return {
        method: "GET",
        path,
        expected: encoder.encode(ROUTE_ID),
        contentType: "text/plain",
      };
    case "header":
      // What the middleware set must reach the Response the handler made.
      return {
        method: "GET",
        path,
        expected: encoder.encode(HELLO),
        contentType: "text/plain",
        headers: { vary: "Origin" },
      };
    case "write":
      // write() adds no content type of its own (ASP.NET's WriteAsync does
      // not either) where raw's new Response(string) does: a header
      // difference is a note in the report, not a wrong answer.
      return { method: "GET", path, expected: encoder.encode(HELLO) };
    default:
      return {
        method: "GET",
        path,
        expected: encoder.encode(HELLO),
        contentType: "text/plain",
      };
  }
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : length;
}

function preview(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 80));
  return JSON.stringify(text) + (bytes.length > 80 ? "…" : "");
}

// fetch's own message is just "fetch failed"; the cause says why.
function describe(error: unknown): string {
  const { message, cause } = error as Error;
  return cause instanceof Error ? `${message}: ${cause.message}` : message;
}

/** Sends the scenario's request once and compares the answer. */
export async function verify(
  scenario: Scenario,
  port: number,
): Promise<Verdict> {
  const probe = probeFor(scenario);
  const tls = usesTls(scenario);
  // h2 only, trusting the fixture: an HTTP/1.1 fallback must fail here.
  const client = tls
    ? Deno.createHttpClient({
      caCerts: [await Deno.readTextFile(CA_FILE)],
      http1: false,
      http2: true,
    })
    : undefined;
  const url = `${tls ? "https" : "http"}://127.0.0.1:${port}${probe.path}`;
  try {
    const response = await fetch(url, {
      method: probe.method,
      body: probe.body,
      headers: probe.body === undefined
        ? undefined
        : { "content-type": uploadOf(scenario)!.contentType },
      client,
      signal: AbortSignal.timeout(10_000),
    });
    const body = await response.bytes();
    const errors: string[] = [];
    if (response.status !== 200) {
      errors.push(`status ${response.status}, expected 200`);
    }
    const at = firstDifference(body, probe.expected);
    if (at !== -1) {
      errors.push(
        `body differs at byte ${at} (${body.length} bytes, expected ${probe.expected.length}): ${
          preview(body)
        }`,
      );
    }
    const contentType = response.headers.get("content-type");
    if (
      probe.contentType !== undefined &&
      !contentType?.startsWith(probe.contentType)
    ) {
      errors.push(
        `content-type ${contentType}, expected ${probe.contentType}…`,
      );
    }
    for (const [name, value] of Object.entries(probe.headers ?? {})) {
      const actual = response.headers.get(name);
      if (actual !== value) {
        errors.push(`${name} ${actual}, expected ${value}`);
      }
    }
    return {
      errors,
      contentType,
      headerNames: [...response.headers.keys()].sort(),
    };
  } catch (error) {
    return {
      errors: [`request failed: ${describe(error)}`],
      contentType: null,
      headerNames: [],
    };
  } finally {
    client?.close();
  }
}
