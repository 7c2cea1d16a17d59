/**
 * Health checks: {@linkcode addHealthChecks} registers checks as a service,
 * {@linkcode healthChecksEndpoint} answers a probe with their worst status
 * (and 503 from the moment the host starts stopping).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { WebHostBuilder } from "../../mod.ts";
 * import { addHealthChecks, healthChecksEndpoint } from "./mod.ts";
 *
 * const host = new WebHostBuilder()
 *   .configureServices((services) => {
 *     addHealthChecks(services).addCheck("self", () => ({ status: "Healthy" }));
 *   })
 *   .configure((app) => app.mapGet("/healthz", healthChecksEndpoint()))
 *   .build();
 * const response = await host.fetch("/healthz");
 * assert.equal(await response.text(), "Healthy");
 * await host.stop();
 * ```
 *
 * @module
 */

export {
  type AddCheckOptions,
  addHealthChecks,
  type HealthCheck,
  type HealthCheckRegistration,
  HealthCheckRegistry,
  type HealthCheckResult,
  HealthChecks,
  type HealthChecksBuilder,
  type HealthCheckServices,
  type HealthReport,
  type HealthReportEntry,
  HealthStatus,
} from "./health_checks.ts";
export {
  type HealthCheckOptions,
  healthChecksEndpoint,
  HOST_LIFETIME_ENTRY,
  writeHealthReport,
} from "./health_checks_endpoint.ts";
