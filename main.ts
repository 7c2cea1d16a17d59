/**
 * The `roost` command: runs a default host with a welcome page.
 *
 * ```sh
 * deno run -A main.ts --urls "http://localhost:8000;https://localhost:8443" --environment Development
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  type HttpContext,
  HttpError,
  type WebHost,
  WebHostBuilder,
} from "./mod.ts";

const USAGE = `Usage: roost [options]

Runs a Roost host with a welcome page that shows the environment, the
addresses and the protocol of each request.

Options:
  --urls <urls>            URLs to listen on, separated by ";"
                           (default http://localhost:8000, or $PORT)
  --environment <name>     Development, Staging, Production (default)
  --contentRoot <path>     The content root (default: current directory)
  --webRoot <path>         The web root (default: wwwroot)
  --certFile <path>        Certificate (PEM) for https:// URLs
  --keyFile <path>         Private key (PEM) for https:// URLs
  -h, --help               Show this help

Every option can also be set as an environment variable: ROOST_URLS,
ROOST_ENVIRONMENT, ROOST_CONTENTROOT, ROOST_WEBROOT.`;

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
    ["Trace id", ctx.traceIdentifier],
    ["Content root", environment.contentRootPath],
  ];
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
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        urls: { type: "string" },
        environment: { type: "string" },
        contentRoot: { type: "string" },
        webRoot: { type: "string" },
        certFile: { type: "string" },
        keyFile: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`roost: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if ((values.certFile === undefined) !== (values.keyFile === undefined)) {
    console.error("roost: --certFile and --keyFile go together: give both");
    return 2;
  }
  const builder = new WebHostBuilder();
  if (values.certFile !== undefined && values.keyFile !== undefined) {
    builder.useDenoServer({
      certificate: { certFile: values.certFile, keyFile: values.keyFile },
    });
  }
  if (values.urls !== undefined) builder.useUrls(values.urls);
  if (values.environment !== undefined) {
    builder.useEnvironment(values.environment);
  }
  if (values.contentRoot !== undefined) {
    builder.useContentRoot(values.contentRoot);
  }
  if (values.webRoot !== undefined) builder.useWebRoot(values.webRoot);
  const host: WebHost = builder
    .configure((app) => {
      app.use(async (ctx, next) => {
        if (
          ctx.request.method === "GET" || ctx.request.method === "HEAD" ||
          ctx.request.method === "POST" || ctx.request.method === "PUT"
        ) {
          return await next();
        }
        throw new HttpError(405, `Method ${ctx.request.method} is not allowed`);
      });
      app.run((ctx) => welcome(ctx, () => host));
    })
    .build();
  try {
    await host.run();
  } catch (error) {
    console.error(
      `roost: the host failed to start: ${(error as Error).message ?? error}`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  Deno.exitCode = await main(Deno.args);
}
