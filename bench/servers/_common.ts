/**
 * What the three benchmark servers share: arguments, payloads, the TLS
 * fixture, and the start-up handshake with `bench/run.ts`. Keeping these in
 * one place is what makes the three servers answer byte-for-byte alike.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

/** The scenarios, in the order the table prints them. */
export const SCENARIOS = [
  "hello",
  "write",
  "return",
  "header",
  "async",
  "json",
  "echo",
  "text",
  "jsonpost",
  "bytes",
  "mw",
  "mwasync",
  "stream",
  "h2",
  "close",
  "routes",
  "edge",
] as const;

/** One benchmark scenario. */
export type Scenario = typeof SCENARIOS[number];

/** What a server process is asked to serve. */
export interface ServerArgs {
  /** 0 lets the OS pick a free port; the real one is announced. */
  port: number;
  scenario: Scenario;
  /**
   * `--web-sockets`: Roost's DenoServer with `webSockets: true`, which runs
   * on `Deno.serve` instead of its own connections (`bench/connections.ts`
   * compares both). The other servers ignore it.
   */
  webSockets: boolean;
}

/** The body of `GET /` and of every other hello-shaped route. */
export const HELLO = "Hello, World!";

/** How many pass-through middleware the `mw` scenario stacks. */
export const MIDDLEWARE_COUNT = 10;

/**
 * How many parameterized routes the `routes` scenario maps
 * (`/r0/{id}` … `/r99/{id}`, the id digits only); it requests the last.
 */
export const ROUTE_COUNT = 100;

/** The id the `routes` scenario asks for; each server answers with it. */
export const ROUTE_ID = "12345";

/** The body size the `echo`, `text` and `bytes` scenarios upload. */
export const ECHO_SIZE = 64 * 1024;

/**
 * The chunks `GET /stream` writes one by one; their concatenation is the
 * body.
 */
export const STREAM_CHUNKS: readonly string[] = Array.from(
  { length: 8 },
  (_, i) => `chunk ${i + 1} of 8: ${"x".repeat(100)}\n`,
);

/** The line a server prints once it listens, followed by its port. */
export const READY_PREFIX = "READY ";

/** The fixture certificate; Deno.serve offers h2 by ALPN when given one. */
export const CERT_FILE: string = fileURLToPath(
  new URL("../../tests/fixtures/localhost_cert.pem", import.meta.url),
);
/** The fixture key. */
export const KEY_FILE: string = fileURLToPath(
  new URL("../../tests/fixtures/localhost_key.pem", import.meta.url),
);

/** Only the h2 scenario needs TLS: h2load cannot do cleartext h2 upgrades. */
export function usesTls(scenario: Scenario): boolean {
  return scenario === "h2";
}

/**
 * Only the mw scenarios install middleware, globally, so others stay bare.
 */
export function usesMiddleware(scenario: Scenario): boolean {
  return scenario === "mw" || scenario === "mwasync";
}

/**
 * The path each scenario requests: `/` for the hello-shaped ones (hello, h2,
 * close, edge), the last route for `routes`, else `/<name>`.
 */
export function pathOf(scenario: Scenario): string {
  if (scenario === "routes") return `/r${ROUTE_COUNT - 1}/${ROUTE_ID}`;
  return scenario === "hello" || scenario === "h2" || scenario === "close" ||
      scenario === "edge"
    ? "/"
    : `/${scenario}`;
}

/**
 * What a request of the `edge` scenario carries, as it would behind nginx
 * from a page of another origin: the client's address and an `Origin`.
 */
export const EDGE_HEADERS: readonly string[] = [
  "X-Forwarded-For: 203.0.113.7",
  "X-Forwarded-Proto: https",
  "Origin: https://app.example",
];

/** Extra request headers a scenario sends. */
export function headersOf(scenario: Scenario): readonly string[] {
  return scenario === "edge" ? EDGE_HEADERS : [];
}

/**
 * Whether the load generator asks for a new connection per request
 * (`Connection: close`): what the close scenario measures is the server's
 * cost to accept, serve and close a connection.
 */
export function closesConnections(scenario: Scenario): boolean {
  return scenario === "close";
}

/** What wrk uploads in a body-reading scenario. */
export interface Upload {
  contentType: string;
  /** A body, or a size for that many `x` bytes (too long for argv). */
  body: string | number;
}

/** The request body wrk sends, for the scenarios that read one. */
export function uploadOf(scenario: Scenario): Upload | undefined {
  switch (scenario) {
    case "echo":
    case "bytes":
      return { contentType: "application/octet-stream", body: ECHO_SIZE };
    case "text":
      return { contentType: "text/plain;charset=UTF-8", body: ECHO_SIZE };
    case "jsonpost":
      return {
        contentType: "application/json",
        body: JSON.stringify(JSON_PAYLOAD),
      };
    default:
      return undefined;
  }
}

function isScenario(value: string): value is Scenario {
  return (SCENARIOS as readonly string[]).includes(value);
}

/**
 * Parses `--port N --scenario S`.
 *
 * @throws {TypeError} On an unknown scenario or a bad port.
 */
export function parseServerArgs(args: string[]): ServerArgs {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "0" },
      scenario: { type: "string", default: "hello" },
      "web-sockets": { type: "boolean", default: false },
    },
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`--port must be 0..65535, got "${values.port}"`);
  }
  if (!isScenario(values.scenario)) {
    throw new TypeError(
      `--scenario must be one of ${
        SCENARIOS.join(", ")
      }, got "${values.scenario}"`,
    );
  }
  return {
    port,
    scenario: values.scenario,
    webSockets: values["web-sockets"],
  };
}

// Built once and stringified per request by every server, so the cost of
// JSON.stringify is part of each framework's measured path, equally.
function makeJsonPayload(): Record<string, unknown> {
  const items = Array.from({ length: 11 }, (_, i) => ({
    id: i + 1,
    name: `item-${i + 1}`,
    price: Math.round((i + 1) * 9.99 * 100) / 100,
    inStock: i % 3 !== 0,
    tags: ["alpha", "beta", "gamma"].slice(0, (i % 3) + 1),
  }));
  return {
    id: 12345,
    user: { name: "Ada Lovelace", email: "ada@example.com", active: true },
    createdAt: "2024-01-01T00:00:00.000Z",
    message: "The quick brown fox jumps over the lazy dog.",
    items,
  };
}

/** The `GET /json` object, about 1 KB once stringified. */
export const JSON_PAYLOAD: Record<string, unknown> = makeJsonPayload();

/** The line a server prints once a `GC_SIGNAL` collection has finished. */
export const GC_DONE = "GC";

/**
 * Asks a server run with `--v8-flags=--expose-gc` to collect garbage, so a
 * runner reading its RSS measures what is alive, not what awaits collection.
 */
export const GC_SIGNAL: Deno.Signal = "SIGUSR2";

// Only under --expose-gc, so the throughput benchmark's servers stay as
// they were. Two passes with a turn between, so what the first pass's
// finalizers released is collected by the second.
function collectOnSignal(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== "function") return;
  Deno.addSignalListener(GC_SIGNAL, () => {
    gc();
    setTimeout(() => {
      gc();
      console.log(GC_DONE);
    }, 10);
  });
}

/**
 * Tells the runner the server listens, and exits when the runner's end of
 * stdin closes: a runner killed with SIGKILL must not leave servers behind.
 */
export function announceReady(port: number): void {
  collectOnSignal();
  console.log(`${READY_PREFIX}${port}`);
  (async () => {
    try {
      for await (const _ of Deno.stdin.readable) {
        // The runner never writes; only EOF matters.
      }
    } finally {
      Deno.exit(0);
    }
  })();
}
