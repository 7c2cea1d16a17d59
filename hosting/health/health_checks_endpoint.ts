/**
 * `healthChecksEndpoint()`: the handler behind `app.mapHealthChecks(path)`
 * (ASP.NET's `MapHealthChecks` with `HealthCheckOptions`).
 *
 * @module
 */

import { type HttpContext, negotiateErrorFormat } from "../../features/mod.ts";
import { ApplicationLifetime } from "../application_lifetime.ts";
import { HostingEnvironment } from "../hosting_environment.ts";
import type { RequestDelegate } from "../pipeline.ts";
import {
  failureOf,
  type HealthCheckRegistration,
  HealthChecks,
  type HealthReport,
  type HealthReportEntry,
  type HealthStatus,
} from "./health_checks.ts";
import type { Logger } from "../logging/logger.ts";
import { errorLogger } from "../middleware/_error_shared.ts";

/** Options for {@linkcode healthChecksEndpoint}. */
export interface HealthCheckOptions {
  /**
   * Which registered checks this endpoint runs (`(check) =>
   * check.tags.includes("ready")`). The host's own lifetime check always
   * applies.
   * @default {undefined} every check
   */
  predicate?: (registration: HealthCheckRegistration) => boolean;
  /**
   * Writes the response from the report; the status code is already set.
   * By default clients asking for JSON (`Accept: application/json`) get the
   * whole report, everyone else the overall status as plain text.
   * @default {undefined}
   */
  responseWriter?: (
    ctx: HttpContext,
    report: HealthReport,
  ) => void | Promise<void>;
  /**
   * The status code for each overall status; the ones given replace the
   * defaults.
   * @default {{ Healthy: 200, Degraded: 200, Unhealthy: 503 }}
   */
  resultStatusCodes?: Partial<Record<HealthStatus, number>>;
  /**
   * Let caches keep the answer; by default it says `Cache-Control: no-store`.
   * @default {false}
   */
  allowCachingResponses?: boolean;
}

const DEFAULT_CODES: Readonly<Record<HealthStatus, number>> = {
  Healthy: 200,
  Degraded: 200,
  Unhealthy: 503,
};

/**
 * The name of the entry the host's lifetime adds to every report once it is
 * stopping (the checks themselves are not run then).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { healthChecksEndpoint, HOST_LIFETIME_ENTRY } from "./health_checks_endpoint.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) => app.mapGet("/healthz", healthChecksEndpoint()))
 *   .build();
 * await host.fetch("/healthz").then((response) => response.body?.cancel());
 * host.lifetime.notifyStopping(); // what SIGTERM does first
 * const response = await host.fetch("/healthz", { headers: { accept: "application/json" } });
 * assert.equal(response.status, 503);
 * assert.equal((await response.json()).entries[HOST_LIFETIME_ENTRY].status, "Unhealthy");
 * await host.stop();
 * ```
 */
export const HOST_LIFETIME_ENTRY = "host";

function checkHealthEndpointOptions(options: HealthCheckOptions): void {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `healthChecksEndpoint() options must be an object, got ${
        String(options)
      }: try healthChecksEndpoint({})`,
    );
  }
  for (const name of ["predicate", "responseWriter"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "function") {
      throw new TypeError(
        `healthChecksEndpoint() option "${name}" must be a function, got ${typeof value}`,
      );
    }
  }
  const codes = options.resultStatusCodes;
  if (codes === undefined) return;
  if (typeof codes !== "object" || codes === null) {
    throw new TypeError(
      `healthChecksEndpoint() option "resultStatusCodes" must be an object such as { Degraded: 503 }, got ${
        String(codes)
      }`,
    );
  }
  for (const [status, code] of Object.entries(codes)) {
    if (!Object.hasOwn(DEFAULT_CODES, status)) {
      throw new TypeError(
        `healthChecksEndpoint() option "resultStatusCodes" has an unknown status "${status}": use Healthy, Degraded or Unhealthy`,
      );
    }
    if (!Number.isInteger(code) || code < 200 || code > 599) {
      throw new RangeError(
        `healthChecksEndpoint() option "resultStatusCodes.${status}" must be an HTTP status from 200 to 599, got ${
          String(code)
        }`,
      );
    }
  }
}

// A report without the messages of checks that threw.
function withoutErrors(report: HealthReport): HealthReport {
  const entries: Record<string, HealthReportEntry> = {};
  for (const [name, entry] of Object.entries(report.entries)) {
    if (entry.error === undefined) {
      entries[name] = entry;
      continue;
    }
    const { error: _error, description: _description, ...rest } = entry;
    entries[name] = rest;
  }
  return { ...report, entries };
}

// A check's `data` that JSON cannot hold (a BigInt, a cycle) is the app's
// mistake: it must not turn the probe into a 500. That entry's data says so
// instead; the rest of the report stands.
function serializable(report: HealthReport): HealthReport {
  try {
    JSON.stringify(report);
    return report;
  } catch {
    const entries: Record<string, HealthReportEntry> = {};
    for (const [name, entry] of Object.entries(report.entries)) {
      try {
        JSON.stringify(entry);
        entries[name] = entry;
      } catch {
        entries[name] = writableEntry(entry);
      }
    }
    return { ...report, entries };
  }
}

function writableEntry(entry: HealthReportEntry): HealthReportEntry {
  let data = entry.data;
  try {
    JSON.stringify(data);
  } catch (error) {
    data = {
      error: `This check's data cannot be written as JSON: ${
        (error as Error).message
      }`,
    };
  }
  const description = entry.description;
  return {
    ...entry,
    data,
    ...(description === undefined ? {} : { description: String(description) }),
  };
}

/**
 * The default writer: the report as JSON for clients that ask for JSON, the
 * overall status as plain text for the others.
 *
 * @param ctx The request.
 * @param report The report.
 * @returns When the response is sent.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { writeHealthReport } from "./health_checks_endpoint.ts";
 *
 * const host = new WebHostBuilder()
 *   .configure((app) =>
 *     app.run((ctx) =>
 *       writeHealthReport(ctx, { status: "Healthy", totalDuration: 1, entries: {} })
 *     )
 *   )
 *   .build();
 * const response = await host.fetch("/", { headers: { accept: "application/json" } });
 * assert.deepEqual(await response.json(), { status: "Healthy", totalDuration: 1, entries: {} });
 * await host.stop();
 * ```
 */

export function writeHealthReport(
  ctx: HttpContext,
  report: HealthReport,
): Promise<void> {
  if (negotiateErrorFormat(ctx.request.header("accept")) === "json") {
    // A check that threw says why only in Development: its message may name
    // what the outside has no business knowing (a host, a password).
    const development = ctx.requestServices?.get(HostingEnvironment)
      ?.isDevelopment() ?? false;
    return ctx.response.json(
      serializable(development ? report : withoutErrors(report)),
    );
  }
  return ctx.response.send(report.status, {
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

/**
 * Makes the request handler of a health endpoint (what
 * `app.mapHealthChecks(path, options)` maps as a GET and HEAD endpoint). It runs
 * the registered checks (see `addHealthChecks`) in parallel and answers
 * with the worst status: `Healthy` and `Degraded` 200, `Unhealthy` 503, as
 * plain text, or the whole report as JSON for clients that ask for it.
 * From the moment the host starts stopping (`lifetime.stopping`), every
 * health endpoint answers 503 without running the checks, so load
 * balancers stop sending traffic while the host drains.
 *
 * @param options Which checks, how to write, which status codes.
 * @returns The handler.
 * @throws {TypeError} When an option has the wrong type.
 * @throws {RangeError} When a status code is out of range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { addHealthChecks } from "./health_checks.ts";
 * import { healthChecksEndpoint } from "./health_checks_endpoint.ts";
 *
 * const host = new WebHostBuilder()
 *   .configureServices((services) => {
 *     addHealthChecks(services).addCheck("cache", () => ({
 *       status: "Degraded",
 *       description: "cold",
 *     }));
 *   })
 *   .configure((app) => app.mapGet("/healthz", healthChecksEndpoint()))
 *   .build();
 * const plain = await host.fetch("/healthz");
 * assert.equal(plain.status, 200);
 * assert.equal(await plain.text(), "Degraded");
 * assert.equal(plain.headers.get("cache-control"), "no-store");
 * const json = await host.fetch("/healthz", { headers: { accept: "application/json" } });
 * assert.equal((await json.json()).entries.cache.description, "cold");
 * await host.stop();
 * ```
 */
export function healthChecksEndpoint(
  options: HealthCheckOptions = {},
): RequestDelegate {
  checkHealthEndpointOptions(options);
  const codes = { ...DEFAULT_CODES, ...options.resultStatusCodes };
  const predicate = options.predicate;
  const write = options.responseWriter ?? writeHealthReport;
  const allowCaching = options.allowCachingResponses === true;
  return async (ctx) => {
    const services = ctx.requestServices;
    const lifetime = services?.get(ApplicationLifetime);
    let report: HealthReport;
    if (lifetime?.stopping.aborted) {
      // Running the checks would only delay the answer that matters.
      report = {
        status: "Unhealthy",
        totalDuration: 0,
        entries: {
          [HOST_LIFETIME_ENTRY]: {
            status: "Unhealthy",
            description: "The host is stopping",
            duration: 0,
            tags: [],
          },
        },
      };
    } else {
      const registry = services?.get(HealthChecks);
      report = registry === undefined
        ? { status: "Healthy", totalDuration: 0, entries: {} }
        : await registry.run(predicate, ctx.requestAborted);
      // A probe that gave up cancelled the checks: that is no failure of
      // theirs to log. A request deadline (a TimeoutError) is, still.
      const aborted = ctx.requestAborted;
      if (
        !aborted.aborted ||
        (aborted.reason as Error | undefined)?.name === "TimeoutError"
      ) {
        logChecks(ctx, report);
      }
    }
    ctx.response.status = codes[report.status];
    // A cached "Healthy" would hide a host that has since turned unhealthy.
    if (!allowCaching) ctx.response.headers.set("cache-control", "no-store");
    await write(ctx, report);
  };
}

// As ASP.NET's health check service logs each check's end: a Degraded one
// at Warning, an Unhealthy one at Error with what it threw, so a failing
// check is not known only to the load balancer.
function logChecks(ctx: HttpContext, report: HealthReport): void {
  let logger: Logger | undefined;
  for (const [name, entry] of Object.entries(report.entries)) {
    if (entry.status === "Healthy") continue;
    logger ??= errorLogger(ctx, "Roost.Hosting.HealthChecks");
    const properties = {
      name,
      status: entry.status,
      duration: entry.duration,
      description: entry.description ?? "",
      error: failureOf(entry),
    };
    const message =
      "Health check {name} completed after {duration} ms with status {status}: {description}";
    if (entry.status === "Degraded") logger.warning(message, properties);
    else logger.error(message, properties);
  }
}
