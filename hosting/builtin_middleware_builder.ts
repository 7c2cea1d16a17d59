/**
 * The `ApplicationBuilder` methods that add Roost's built-in middleware,
 * ASP.NET's `Use…` extension methods in camelCase. Each is
 * `app.use(factory(options))` with what the host knows filled in (the web
 * root, the logger); the factories are exported too, for `use()` and for
 * other pipelines.
 *
 * @module
 */

import type { ServiceResolver } from "../features/mod.ts";
import { HostingEnvironment } from "./hosting_environment.ts";
import { LoggerFactory } from "./logging/mod.ts";
import type { Middleware } from "./pipeline.ts";
import { EndpointRouteBuilder } from "./routing/endpoint_route_builder.ts";
import { cors, type CorsPolicy } from "./middleware/cors.ts";
import {
  defaultFiles,
  type DefaultFilesOptions,
} from "./middleware/default_files.ts";
import {
  developerExceptionPage,
  type DeveloperExceptionPageOptions,
} from "./middleware/developer_exception_page.ts";
import {
  exceptionHandler,
  type ExceptionHandlerOptions,
} from "./middleware/exception_handler.ts";
import {
  fileServer,
  type FileServerOptions,
} from "./middleware/file_server.ts";
import {
  forwardedHeaders,
  type ForwardedHeadersOptions,
} from "./middleware/forwarded_headers.ts";
import {
  hostFiltering,
  type HostFilteringOptions,
} from "./middleware/host_filtering.ts";
import { hsts, type HstsOptions } from "./middleware/hsts.ts";
import {
  httpsRedirection,
  type HttpsRedirectionOptions,
} from "./middleware/https_redirection.ts";
import {
  type StaticFileOptions,
  staticFiles,
} from "./middleware/static_files.ts";
import {
  statusCodePages,
  type StatusCodePagesOptions,
} from "./middleware/status_code_pages.ts";
import {
  responseCompression,
  type ResponseCompressionOptions,
} from "./middleware/response_compression.ts";
import {
  rateLimiter,
  type RateLimiterOptions,
} from "./middleware/rate_limiter.ts";
import {
  requestTimeouts,
  type RequestTimeoutsOptions,
} from "./middleware/request_timeouts.ts";
import {
  type HealthCheckOptions,
  healthChecksEndpoint,
} from "./health/health_checks_endpoint.ts";
import type { EndpointBuilder } from "./routing/endpoint_route_builder.ts";

/**
 * The built-in middleware methods of `ApplicationBuilder`. Order matters as
 * in ASP.NET: forwarded headers and host filtering first, then the
 * exception handler, HSTS and HTTPS redirection, static files, routing,
 * CORS, then the endpoints.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../mod.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${root}/hello.txt`, "hello from a file");
 * const host = new WebHostBuilder()
 *   .useEnvironment("Production")
 *   .configure((app) => {
 *     app.useExceptionHandler({ handler: (ctx) => ctx.response.send("sorry", { status: 500 }) });
 *     app.useStaticFiles({ root });
 *     app.mapGet("/boom", () => {
 *       throw new Error("a secret");
 *     });
 *   })
 *   .build();
 * assert.equal(await (await host.fetch("/hello.txt")).text(), "hello from a file");
 * const boom = await host.fetch("/boom");
 * assert.equal(boom.status, 500);
 * assert.equal(await boom.text(), "sorry");
 * await host.stop();
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export abstract class BuiltinMiddlewareBuilder extends EndpointRouteBuilder {
  /**
   * Adds middleware; what every method here calls.
   *
   * @param middleware The middleware.
   * @returns This builder.
   */
  abstract use(middleware: Middleware): this;

  /** The application's services, when a host built this builder. */
  abstract get applicationServices(): ServiceResolver | undefined;

  // The web root when options name no root: the host's webRoot setting
  // (wwwroot under the content root by default). A missing web root is
  // worth a Warning, not a failed start: ASP.NET warns too.
  #root(method: string, root: string | undefined): string | undefined {
    if (root !== undefined) return root;
    const environment = this.applicationServices?.get(HostingEnvironment);
    if (environment === undefined) {
      throw new TypeError(
        `${method}() outside a host needs a root: ${method}({ root: "./public" })`,
      );
    }
    const webRoot = environment.webRootPath;
    try {
      if (Deno.statSync(webRoot).isDirectory) return webRoot;
    } catch {
      // Missing or unreadable: warned below.
    }
    this.applicationServices?.get(LoggerFactory)
      ?.createLogger("Roost.Hosting.StaticFiles")
      .warning(
        `The web root {webRoot} does not exist: ${method}() serves nothing. Create it, or set webRoot (--webRoot, ROOST_WEBROOT) or the root option.`,
        { webRoot },
      );
    return undefined;
  }

  /**
   * Serves the files of the web root (the `webRoot` host setting, `wwwroot`
   * under the content root by default) or of `options.root`, with
   * validators, conditional requests, ranges and precompressed siblings.
   *
   * @param options Where and how to serve (see `staticFiles`).
   * @returns This builder.
   */
  useStaticFiles(options: StaticFileOptions = {}): this {
    const root = this.#root("useStaticFiles", options.root);
    return root === undefined
      ? this
      : this.use(staticFiles({ ...options, root }));
  }

  /**
   * Rewrites a request for a directory to its default file (`index.html`…),
   * for `useStaticFiles()` after it to serve.
   *
   * @param options The root (the web root by default) and default names.
   * @returns This builder.
   */
  useDefaultFiles(options: DefaultFilesOptions = {}): this {
    const root = this.#root("useDefaultFiles", options.root);
    return root === undefined
      ? this
      : this.use(defaultFiles({ ...options, root }));
  }

  /**
   * Default files and static files together, and a directory listing with
   * `enableDirectoryBrowsing`.
   *
   * @param options As `useStaticFiles()` and `useDefaultFiles()` take.
   * @returns This builder.
   */
  useFileServer(options: FileServerOptions = {}): this {
    const root = this.#root("useFileServer", options.root);
    return root === undefined
      ? this
      : this.use(fileServer({ ...options, root }));
  }

  /**
   * Answers an unhandled error with a page for developers: the error, its
   * causes, the stack with source lines and the request (secrets masked).
   * The host shows it by itself in Development; never use it in
   * Production.
   *
   * @param options How many source lines around each frame.
   * @returns This builder.
   */
  useDeveloperExceptionPage(options?: DeveloperExceptionPageOptions): this {
    return this.use(developerExceptionPage(options));
  }

  /**
   * Answers an unhandled error by re-running the pipeline at an error path
   * (`"/error"`) or by calling a handler, with the error on
   * `ExceptionHandlerFeature`; the client never sees its message.
   *
   * @param pathOrOptions The error path, or `{ path }` / `{ handler }`.
   * @returns This builder.
   */
  useExceptionHandler(pathOrOptions: string | ExceptionHandlerOptions): this {
    return this.use(exceptionHandler(pathOrOptions));
  }

  /**
   * Gives a body to 4xx and 5xx responses that have none: text, problem
   * details for JSON clients, or a re-executed or redirected error page.
   *
   * @param options The body's form, or where to re-execute or redirect.
   * @returns This builder.
   */
  useStatusCodePages(options?: StatusCodePagesOptions): this {
    return this.use(statusCodePages(options));
  }

  /**
   * Takes the client's address, scheme, host (and path base) from a known
   * proxy's `X-Forwarded-*` or `Forwarded` headers. Add it first.
   *
   * @param options Which proxies to believe, how far, and which headers.
   * @returns This builder.
   */
  useForwardedHeaders(options?: ForwardedHeadersOptions): this {
    return this.use(forwardedHeaders(options));
  }

  /**
   * Answers 400 to a request whose `Host` is not one of `allowedHosts`.
   *
   * @param options The hosts allowed (`example.com`, `*.example.com`).
   * @returns This builder.
   */
  useHostFiltering(options: HostFilteringOptions): this {
    return this.use(hostFiltering(options));
  }

  /**
   * Redirects plain HTTP requests to HTTPS (307 by default), on the
   * server's HTTPS port unless `httpsPort` names one.
   *
   * @param options The status and the port.
   * @returns This builder.
   */
  useHttpsRedirection(options?: HttpsRedirectionOptions): this {
    return this.use(httpsRedirection(options));
  }

  /**
   * Adds `Strict-Transport-Security` to HTTPS responses, except for
   * localhost.
   *
   * @param options `maxAge` (seconds), `includeSubDomains`, `preload`,
   * `excludedHosts`.
   * @returns This builder.
   */
  useHsts(options?: HstsOptions): this {
    return this.use(hsts(options));
  }

  /**
   * Applies a CORS policy: answers preflights and adds the
   * `Access-Control-*` headers for allowed origins. After `useRouting()`,
   * an endpoint's `EnableCors`/`DisableCors` metadata wins.
   *
   * @param policy The global policy; none means endpoint policies only.
   * @returns This builder.
   */
  useCors(policy?: CorsPolicy): this {
    return this.use(cors(policy));
  }

  /**
   * Compresses responses (zstd, br, gzip by `Accept-Encoding`) of
   * compressible types over a minimum size; off for HTTPS unless
   * `enableForHttps` (the BREACH caution).
   *
   * @param options Encodings, levels, types and limits.
   * @returns This builder.
   */
  useResponseCompression(options?: ResponseCompressionOptions): this {
    return this.use(responseCompression(options));
  }

  /**
   * Limits request rates: a global limiter and named policies endpoints opt
   * into with `EnableRateLimiting`; 429 with `Retry-After` when rejected.
   * Place it after `useRouting()` for endpoint policies.
   *
   * @param options The global limiter (`{ permitLimit, window }` is a fixed
   * window), named policies, partitioning and queueing.
   * @returns This builder.
   */
  useRateLimiter(options?: RateLimiterOptions): this {
    return this.use(rateLimiter(options));
  }

  /**
   * Gives requests a deadline: `ctx.requestAborted` fires, and a response
   * not started yet becomes 504. Endpoints set their own with
   * `RequestTimeout`; place it after `useRouting()` for those.
   *
   * @param options The default timeout, in milliseconds.
   * @returns This builder.
   */
  useRequestTimeouts(options?: RequestTimeoutsOptions): this {
    return this.use(requestTimeouts(options));
  }

  /**
   * Maps a health endpoint (`GET` and `HEAD`) that runs the checks
   * registered with `services.addHealthChecks()`: 200 when Healthy or
   * Degraded, 503 when Unhealthy, and 503 from the moment the host starts
   * stopping.
   *
   * @param path The endpoint's path, as `"/healthz"`.
   * @param options Which checks, and how to write the report.
   * @returns The endpoint's builder.
   */
  mapHealthChecks(path: string, options?: HealthCheckOptions): EndpointBuilder {
    return this.mapGet(path, healthChecksEndpoint(options));
  }
}
