// Shared test helpers: hosts on TestServer and on a real DenoServer (port 0),
// so suites that matter run against both.

import {
  type ConfigureApp,
  DenoServer,
  type DenoServerOptions,
  type ErrorReporter,
  type HttpApplication,
  type LogOutput,
  type LogRecord,
  type Server,
  ServerAddressesFeature,
  type ServerLimits,
  TestServer,
  type WebHost,
  WebHostBuilder,
} from "../mod.ts";

export const CERT_FILE: string = new URL(
  "./fixtures/localhost_cert.pem",
  import.meta.url,
).pathname;
export const CA_FILE: string = new URL(
  "./fixtures/ca_cert.pem",
  import.meta.url,
).pathname;
export const KEY_FILE: string = new URL(
  "./fixtures/localhost_key.pem",
  import.meta.url,
).pathname;

/** A started host and a fetch that reaches it. */
export interface Running extends AsyncDisposable {
  host: WebHost;
  server: Server;
  base: string;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export type ServerKind = "TestServer" | "DenoServer";
export const SERVER_KINDS: readonly ServerKind[] = ["TestServer", "DenoServer"];

/** Starts a host with `configure` on the given kind of server. */
export async function startHost(
  kind: ServerKind,
  configure: ConfigureApp,
  options: DenoServerOptions & { setup?: (builder: WebHostBuilder) => void } =
    {},
): Promise<Running> {
  const { setup, ...serverOptions } = options;
  const server: Server = kind === "TestServer"
    ? new TestServer({ limits: serverOptions.limits })
    : new DenoServer({ urls: "http://127.0.0.1:0", ...serverOptions });
  const builder = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configure(configure);
  setup?.(builder);
  const host = builder.build();
  await host.start();
  const base = kind === "TestServer" ? "http://localhost" : host.addresses[0];
  return {
    host,
    server,
    base,
    fetch(path, init) {
      return kind === "TestServer"
        ? (server as TestServer).fetch(path, init)
        : fetch(new URL(path, base), init);
    },
    async [Symbol.asyncDispose]() {
      await host.stop();
    },
  };
}

/** A started server running a bare application, and a fetch that reaches it. */
export interface RunningServer extends AsyncDisposable {
  server: Server;
  /** Where relative URLs go: `http://localhost` in memory, else the socket. */
  base: string;
  /**
   * Sends a request: a relative URL resolves against `base`; a `Request`'s
   * path and query are sent to `base` on a real server.
   */
  fetch(input: string | Request, init?: RequestInit): Promise<Response>;
}

/**
 * Starts `app` with no host on the given kind of server (a DenoServer on
 * 127.0.0.1 port 0).
 */
export async function startServer<C>(
  kind: ServerKind,
  app: HttpApplication<C>,
  options: { limits?: ServerLimits; onError?: ErrorReporter } = {},
): Promise<RunningServer> {
  const server: Server = kind === "TestServer"
    ? new TestServer(options)
    : new DenoServer({ urls: "http://127.0.0.1:0", ...options });
  await server.start(app);
  const base = kind === "TestServer"
    ? "http://localhost"
    : server.features.get(ServerAddressesFeature)!.addresses[0];
  return {
    server,
    base,
    fetch(input, init) {
      if (kind === "TestServer") {
        return (server as TestServer).fetch(input, init);
      }
      if (typeof input === "string") return fetch(new URL(input, base), init);
      const url = new URL(input.url);
      return fetch(
        new Request(new URL(url.pathname + url.search, base), input),
        init,
      );
    },
    async [Symbol.asyncDispose]() {
      await server.stop();
    },
  };
}

/** Settles as `promise` does, or rejects naming `what` after `ms`. */
export async function within<T>(
  promise: Promise<T>,
  what: string,
  ms = 5000,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `condition` every 10 ms until it holds, failing after `ms`: for a
 * state no event announces (what another process printed).
 */
export async function until(
  condition: () => boolean,
  what: string,
  ms = 5000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    }
    await delay(10);
  }
}

/** Runs a curl command and returns its stdout; fails the test on error. */
export async function curl(args: string[]): Promise<string> {
  const output = await new Deno.Command("curl", {
    args: ["--silent", "--show-error", "--max-time", "10", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(
      `curl ${args.join(" ")} failed: ${
        new TextDecoder().decode(output.stderr)
      }`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** A promise and its resolver, for signalling between handler and test. */
export function deferred<T = void>(): PromiseWithResolvers<T> {
  return Promise.withResolvers<T>();
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A request body stream of `count` chunks of `size` bytes. */
export function chunkedBody(
  count: number,
  size: number,
  pauseMs = 0,
): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    async pull(controller) {
      if (sent === count) return controller.close();
      if (pauseMs > 0 && sent > 0) await delay(pauseMs);
      sent++;
      controller.enqueue(new Uint8Array(size).fill(120));
    },
  });
}

/**
 * A loopback port free right now, for a process that cannot bind port 0
 * (workers sharing a port; a child told its port on the command line).
 */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether this machine can bind IPv6 loopback. */
export function hasIpv6(): boolean {
  try {
    const listener = Deno.listen({ hostname: "::1", port: 0 });
    listener.close();
    return true;
  } catch {
    return false;
  }
}

/** A Roost process started by a test, with what it printed so far. */
export interface HostProcess extends AsyncDisposable {
  child: Deno.ChildProcess;
  addresses: string[];
  stdout(): string;
  stderr(): string;
  /** Sends a signal and waits for the exit status. */
  signal(signal: Deno.Signal): Promise<Deno.CommandStatus>;
}

const ROOT = new URL("../", import.meta.url);

/**
 * Runs `deno run -A <script> ...args` from the project root and waits for its
 * last status line, "Content root path: …" (or its exit).
 */
export async function spawnHost(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<HostProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  let err = "";
  const decoder = new TextDecoder();
  const started = deferred<void>();
  const readOut = (async () => {
    for await (const chunk of child.stdout) {
      out += decoder.decode(chunk, { stream: true });
      if (out.includes("Content root path:")) started.resolve();
    }
    started.resolve();
  })();
  const readErr = (async () => {
    for await (const chunk of child.stderr) {
      err += decoder.decode(chunk, { stream: true });
    }
  })();
  const timer = setTimeout(() => started.resolve(), 15_000);
  await started.promise;
  clearTimeout(timer);
  const addresses = [...out.matchAll(/Now listening on: (\S+)/g)].map((m) =>
    m[1]
  );
  let status: Promise<Deno.CommandStatus> | undefined;
  const wait = () =>
    status ??= Promise.all([child.status, readOut, readErr]).then(([s]) => s);
  return {
    child,
    addresses,
    stdout: () => out,
    stderr: () => err,
    async signal(signal) {
      try {
        child.kill(signal);
      } catch {
        // already exited
      }
      return await wait();
    },
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGKILL");
      } catch {
        // already exited
      }
      await wait();
    },
  };
}

/** A log output that keeps every record, for tests. */
export class CollectingOutput implements LogOutput {
  readonly name = "Collect";
  readonly records: LogRecord[] = [];
  write(record: LogRecord): void {
    this.records.push(record);
  }
  /** Messages of `category` (and at `level`, when given). */
  messages(category: string, level?: string): string[] {
    return this.records
      .filter((r) => r.category === category && (!level || r.level === level))
      .map((r) => r.message);
  }
}

/** Adds a fresh collecting output to a builder; returns it. */
export function collectLogs(builder: WebHostBuilder): CollectingOutput {
  const output = new CollectingOutput();
  builder.configureLogging((logging) =>
    logging.clearOutputs().addOutput(output)
  );
  return output;
}

/** What a server answered to raw bytes: the status line and the body. */
export interface RawAnswer {
  /** The status code, or 0 when the connection closed with no answer. */
  status: number;
  headers: string;
  body: string;
}

/**
 * Sends raw bytes to 127.0.0.1:`port` (or the Unix socket at a path) and
 * reads one HTTP/1.x answer (until its Content-Length is read, the server
 * closes, or `timeoutMs` passes).
 */
export async function rawRequest(
  port: number | string,
  bytes: string | Uint8Array,
  timeoutMs = 3000,
): Promise<RawAnswer> {
  const conn = typeof port === "string"
    ? await Deno.connect({ transport: "unix", path: port })
    : await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), timeoutMs);
  let text = "";
  try {
    await conn.write(
      typeof bytes === "string"
        ? Uint8Array.from(bytes, (c) => c.charCodeAt(0))
        : bytes,
    );
    const buffer = new Uint8Array(65_536);
    while (true) {
      const read = await conn.read(buffer).catch(() => null);
      if (read === null) break;
      text += String.fromCharCode(...buffer.subarray(0, read));
      const end = text.indexOf("\r\n\r\n");
      if (end === -1) continue;
      const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
      if (length && text.length - end - 4 >= Number(length[1])) break;
      if (/^HTTP\/1\.[01] (1\d\d|204|304)/.test(text)) break;
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch {
      // closed by the timer
    }
  }
  const end = text.indexOf("\r\n\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  return {
    status: status ? Number(status[1]) : 0,
    headers: end === -1 ? text : text.slice(0, end),
    body: end === -1 ? "" : text.slice(end + 4),
  };
}

/**
 * Opens a WebSocket to `url`, sends "hi", and resolves with the first reply
 * once the socket has closed.
 */
export async function webSocketReply(url: string): Promise<string> {
  const socket = new WebSocket(url);
  const reply = Promise.withResolvers<string>();
  socket.onopen = () => socket.send("hi");
  socket.onmessage = (event) => {
    reply.resolve(String(event.data));
    socket.close();
  };
  const closed = new Promise((resolve) => socket.onclose = resolve);
  const answer = await reply.promise;
  await closed;
  return answer;
}
