/**
 * The shapes of health checks: statuses, results, registrations and the
 * report a health endpoint writes.
 *
 * @module
 */

/** How healthy something is, worst first (ASP.NET's `HealthStatus`). */
export type HealthStatus = "Unhealthy" | "Degraded" | "Healthy";

/**
 * The values of {@linkcode HealthStatus}, for code that prefers names over
 * string literals.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HealthStatus } from "./health_checks.ts";
 *
 * assert.equal(HealthStatus.Degraded, "Degraded");
 * ```
 */
export const HealthStatus: {
  readonly Healthy: "Healthy";
  readonly Degraded: "Degraded";
  readonly Unhealthy: "Unhealthy";
} = Object.freeze({
  Healthy: "Healthy",
  Degraded: "Degraded",
  Unhealthy: "Unhealthy",
});

/** What one check found (ASP.NET's `HealthCheckResult`). */
export interface HealthCheckResult {
  /** The check's verdict. */
  status: HealthStatus;
  /** A short human-readable explanation. */
  description?: string;
  /** Extra values for the JSON report (queue length, last success…). */
  data?: Readonly<Record<string, unknown>>;
}

/**
 * A check: looks at something and says how healthy it is. The signal fires
 * when the check's timeout passes or the client goes away; a check that
 * throws counts as its `failureStatus` (Unhealthy by default).
 */
export type HealthCheck = (
  signal: AbortSignal,
) => HealthCheckResult | Promise<HealthCheckResult>;

/** Options of {@linkcode HealthChecksBuilder.addCheck}. */
export interface AddCheckOptions {
  /**
   * Tags, for endpoints that run only some checks (`predicate`).
   * @default {[]}
   */
  tags?: readonly string[];
  /**
   * Milliseconds the check may take; after that its signal fires and it
   * counts as `failureStatus`, "timed out". `undefined` means no limit.
   * @default {undefined}
   */
  timeout?: number;
  /**
   * The status of a check that throws or times out.
   * @default {"Unhealthy"}
   */
  failureStatus?: HealthStatus;
}

/** A check as registered: its name, function and options. */
export interface HealthCheckRegistration {
  /** The check's unique name. */
  readonly name: string;
  /** The check. */
  readonly check: HealthCheck;
  /** Its tags. */
  readonly tags: readonly string[];
  /** Its timeout in milliseconds, or `undefined` for none. */
  readonly timeout: number | undefined;
  /** The status when it throws or times out. */
  readonly failureStatus: HealthStatus;
}

/** One check's line in a {@linkcode HealthReport}. */
export interface HealthReportEntry {
  /** Its verdict. */
  readonly status: HealthStatus;
  /** The check's description, or the error's message when it threw. */
  readonly description?: string;
  /** How long it ran, in milliseconds. */
  readonly duration: number;
  /** The registration's tags. */
  readonly tags: readonly string[];
  /** The check's data. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** The message of what the check threw (never its stack). */
  readonly error?: string;
}

/** The result of running the checks (ASP.NET's `HealthReport`). */
export interface HealthReport {
  /** The worst status of all entries; Healthy when there are none. */
  readonly status: HealthStatus;
  /** How long the run took, in milliseconds. */
  readonly totalDuration: number;
  /** One entry per check that ran, by name. */
  readonly entries: Readonly<Record<string, HealthReportEntry>>;
}
