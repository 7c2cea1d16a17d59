/**
 * The `roost` command: runs a default host that serves the web root's files,
 * answers `/healthz`, and shows a welcome page for the rest.
 *
 * ```sh
 * deno run -A main.ts --urls "http://localhost:8000;https://localhost:8443" --environment Development
 * ```
 *
 * @module
 */

import {
  createDefaultBuilder,
  HostSettings,
  type HttpContext,
  HttpError,
  LoggerFactory,
  type WebHost,
  type WebHostBuilder,
} from "./mod.ts";

const USAGE = `Usage: roost [options]

Runs a Roost host that serves the web root's files when the directory
exists (index.html for a directory; 404 for a path that names no file),
answers /healthz, and shows a welcome page at / (when the web root has no
index.html) or for every path (without a web root) with the environment,
the addresses and the protocol of each request (in Development also its
trace id and the content root).

Options:
  --urls <urls>            URLs to listen on, separated by ";"
                           (default http://localhost:8000, or $PORT)
  --environment <name>     Development, Staging, Production (default)
  --contentRoot <path>     The content root (default: current directory)
  --webRoot <path>         The web root (default: wwwroot)
  --startupModule <path>   Host this module instead of the welcome page: it
                           exports configure(app, context), or a
                           deno serve-style default { fetch }
  --certFile <path>        Certificate (PEM) for https:// URLs
  --keyFile <path>         Private key (PEM) for https:// URLs
  --workers <n|auto>       Run n worker processes (auto: one per CPU) on
                           the same port under a supervisor that restarts
                           them (Linux); SIGHUP replaces them one by one
  --<Key> <value>          Any configuration key, e.g. --Server:Limits:MaxRequestBodySize 1000
  -h, --help               Show this help

Host settings can also come from ROOST_ environment variables (ROOST_URLS,
ROOST_ENVIRONMENT, ...); configuration from appsettings.json/.yaml,
appsettings.{Environment}.json/.yaml, and environment variables (Server__Limits__MaxRequestBodySize).`;

function isDirectory(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function welcome(ctx: HttpContext, host: () => WebHost): Promise<void> {
  const request = ctx.request;
  let received = "";
  if (request.method === "POST" || request.method === "PUT") {
    // Count the body as it streams, so a slow upload is a request in flight.
    let bytes = 0;
    const body = request.body;
    if (body !== null) {
      for await (const chunk of body) bytes += chunk.byteLength;
    }
    received = `${bytes}`;
  }
  const { environment, addresses } = host();
  const facts: [string, string][] = [
    ["Environment", environment.name],
    ["Listening on", addresses.join(", ")],
    ["Protocol", request.protocol],
    ["Request", `${request.method} ${request.pathBase}${request.path}`],
  ];
  const workerId = host().getSetting(HostSettings.workerId);
  if (workerId !== undefined) facts.push(["Worker", workerId]);
  // Where the app lives on disk and how to find a request in the logs is for
  // its developers, not for strangers.
  if (environment.isDevelopment()) {
    facts.push(
      ["Trace id", ctx.traceIdentifier],
      ["Content root", environment.contentRootPath],
    );
  }
  if (received !== "") facts.push(["Body bytes received", received]);
  if (request.headers.get("accept")?.includes("text/html")) {
    const rows = facts.map(([name, value]) =>
      `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`
    ).join("");
    ctx.response.contentType = "text/html; charset=utf-8";
    await ctx.response.send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Roost</title>` +
        `<style>body{font:16px system-ui;margin:3rem auto;max-width:46rem}th{text-align:left;padding-right:1rem}</style>` +
        `</head><body><h1>Roost is running</h1><table>${rows}</table></body></html>`,
    );
    return;
  }
  await ctx.response.send(
    `Roost is running\n${
      facts.map(([name, value]) => `${name}: ${value}`).join("\n")
    }\n`,
  );
}

/**
 * Runs the `roost` command.
 *
 * @param args The command-line arguments.
 * @returns The process exit code.
 */
export async function main(args: string[]): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  let builder: WebHostBuilder;
  try {
    builder = createDefaultBuilder(args);
  } catch (error) {
    console.error(`roost: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { certFile, keyFile } = certificateArgs(args);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    console.error("roost: --certFile and --keyFile go together: give both");
    return 2;
  }
  if (certFile !== undefined && keyFile !== undefined) {
    builder.useDenoServer({ certificate: { certFile, keyFile } });
  }
  if (builder.getSetting(HostSettings.startupModule) === undefined) {
    builder.configure((app, context) => {
      // A load balancer's probe: 503 from the moment the host stops.
      app.mapHealthChecks("/healthz");
      // A web root that exists is served, index.html for directories; then
      // a path that names no file is a 404, and the welcome page is only /.
      const webRoot = context.environment.webRootPath;
      const serving = isDirectory(webRoot);
      if (serving) app.useFileServer();
      else if (builder.getSetting(HostSettings.webRoot) !== undefined) {
        app.applicationServices?.get(LoggerFactory)?.createLogger("Roost")
          .warning(
            "The web root {webRoot} is not a directory: no files are served",
            {
              webRoot,
            },
          );
      }
      app.use((ctx, next) => {
        if (serving && ctx.request.path !== "/") {
          throw new HttpError(404, "Not Found");
        }
        return next();
      });
      app.use(async (ctx, next) => {
        if (
          ctx.request.method === "GET" || ctx.request.method === "HEAD" ||
          ctx.request.method === "POST" || ctx.request.method === "PUT"
        ) {
          return await next();
        }
        throw new HttpError(
          405,
          `Method ${ctx.request.method} is not allowed: use GET, HEAD, POST or PUT`,
          { headers: { allow: "GET, HEAD, POST, PUT" } },
        );
      });
      app.run((ctx) => welcome(ctx, () => host));
    });
  }
  const host: WebHost = builder.build();
  // A failed start is logged through the host's logging, one line with no
  // stack of Roost's own frames, and run() resolves to 1.
  return await host.run();
}

// --certFile/--keyFile, in any of the command line's forms.
function certificateArgs(
  args: string[],
): { certFile?: string; keyFile?: string } {
  const found: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const match = /^--(certFile|keyFile)(?:=(.*))?$/i.exec(args[i]);
    if (match === null) continue;
    const value = match[2] ?? args[++i];
    if (value !== undefined) found[match[1].toLowerCase()] = value;
  }
  return { certFile: found.certfile, keyFile: found.keyfile };
}

if (import.meta.main) {
  // Once the host has stopped, the process ends: a timer the app left
  // pending (an interval, a sleep in a handler the deadline cut off) must
  // not keep it alive past the shutdown timeout.
  Deno.exit(await main(Deno.args));
}
