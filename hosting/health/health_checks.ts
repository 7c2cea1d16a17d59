/**
 * Health checks (ASP.NET's `AddHealthChecks().AddCheck(...)`): a registry
 * of named checks, registered as a singleton service, and the code that runs
 * them in parallel, each with its timeout, into a {@linkcode HealthReport}.
 *
 * @module
 */

import { type ServiceKey, serviceKey } from "../services/service_key.ts";
import { scheduleDeadline, type Timer } from "../../server/_timers.ts";
import type {
  AddCheckOptions,
  HealthCheck,
  HealthCheckRegistration,
  HealthReport,
  HealthReportEntry,
  HealthStatus,
} from "./health_types.ts";

export * from "./health_types.ts";

const RANK: Readonly<Record<HealthStatus, number>> = {
  Unhealthy: 0,
  Degraded: 1,
  Healthy: 2,
};

/**
 * The registered checks: a singleton service under
 * {@linkcode HealthCheckRegistry}'s key, filled by
 * {@linkcode addHealthChecks}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HealthCheckRegistry } from "./health_checks.ts";
 *
 * const registry = new HealthCheckRegistry();
 * registry.add({
 *   name: "db",
 *   check: () => ({ status: "Degraded", description: "slow" }),
 *   tags: [],
 *   timeout: undefined,
 *   failureStatus: "Unhealthy",
 * });
 * const report = await registry.run();
 * assert.equal(report.status, "Degraded");
 * assert.equal(report.entries.db.description, "slow");
 * ```
 */
export class HealthCheckRegistry {
  readonly #checks = new Map<string, HealthCheckRegistration>();

  /** The registrations, in the order they were added. */
  get registrations(): readonly HealthCheckRegistration[] {
    return [...this.#checks.values()];
  }

  /**
   * Adds a registration.
   *
   * @param registration The check and its options.
   * @throws {RangeError} When a check of that name exists already.
   */
  add(registration: HealthCheckRegistration): void {
    if (this.#checks.has(registration.name)) {
      throw new RangeError(
        `A health check named "${registration.name}" is already registered: give each check its own name`,
      );
    }
    this.#checks.set(registration.name, Object.freeze({ ...registration }));
  }

  /**
   * Runs the checks `predicate` selects, in parallel, each within its
   * timeout.
   *
   * @param predicate Which checks to run; all by default.
   * @param signal Cancels every check (the client went away).
   * @returns The report.
   */
  async run(
    predicate: (registration: HealthCheckRegistration) => boolean = () => true,
    signal?: AbortSignal,
  ): Promise<HealthReport> {
    const started = performance.now();
    const chosen = this.registrations.filter(predicate);
    const results = await Promise.all(
      chosen.map((registration) => runOne(registration, signal)),
    );
    const entries: Record<string, HealthReportEntry> = {};
    let status: HealthStatus = "Healthy";
    chosen.forEach((registration, i) => {
      entries[registration.name] = results[i];
      if (RANK[results[i].status] < RANK[status]) status = results[i].status;
    });
    return {
      status,
      totalDuration: elapsed(started),
      entries,
    };
  }
}

// What a check threw, for the log (the report itself carries its message
// only: it may be shown to a client).
const FAILURES = new WeakMap<HealthReportEntry, unknown>();

/** What the check behind a report entry threw, if it threw. */
export function failureOf(entry: HealthReportEntry): unknown {
  return FAILURES.get(entry);
}

// An error's message, without trusting a thrown value's getters.
function describeError(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return `a thrown ${typeof error}`;
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

async function runOne(
  registration: HealthCheckRegistration,
  outer: AbortSignal | undefined,
): Promise<HealthReportEntry> {
  const { check, tags, timeout, failureStatus } = registration;
  const started = performance.now();
  const controller = new AbortController();
  // The client gone, the check's signal fires, and the report is not
  // waited for any longer, even from a check that ignores its signal.
  const left = Promise.withResolvers<"aborted">();
  const forward = () => {
    controller.abort(outer?.reason);
    left.resolve("aborted");
  };
  if (outer?.aborted) forward();
  else outer?.addEventListener("abort", forward, { once: true });
  let timer: Timer | undefined;
  // A check that ignores its signal still must not hold the report up.
  const timedOut = new Promise<"timeout">((resolve) => {
    if (timeout === undefined) return;
    timer = scheduleDeadline(() => {
      controller.abort(
        new DOMException(`Timed out after ${timeout} ms`, "TimeoutError"),
      );
      resolve("timeout");
    }, timeout);
  });
  try {
    const outcome = await Promise.race([
      (async () => await check(controller.signal))(),
      timedOut,
      left.promise,
    ]);
    if (outcome === "aborted") {
      return {
        status: failureStatus,
        description: "The check was cancelled: the request was aborted",
        duration: elapsed(started),
        tags,
      };
    }
    if (outcome === "timeout") {
      return {
        status: failureStatus,
        description: `The check timed out after ${timeout} ms`,
        duration: elapsed(started),
        tags,
      };
    }
    if (
      typeof outcome !== "object" || outcome === null ||
      !Object.hasOwn(RANK, outcome.status)
    ) {
      throw new TypeError(
        `Health check "${registration.name}" returned ${
          JSON.stringify(outcome) ?? String(outcome)
        }: return { status: "Healthy" | "Degraded" | "Unhealthy" }`,
      );
    }
    return {
      status: outcome.status,
      ...(outcome.description === undefined
        ? {}
        : { description: outcome.description }),
      duration: elapsed(started),
      tags,
      ...(outcome.data === undefined ? {} : { data: outcome.data }),
    };
  } catch (error) {
    const message = describeError(error);
    const entry: HealthReportEntry = {
      status: failureStatus,
      description: message,
      duration: elapsed(started),
      tags,
      error: message,
    };
    FAILURES.set(entry, error);
    return entry;
  } finally {
    timer?.cancel();
    outer?.removeEventListener("abort", forward);
  }
}

/**
 * The service key of the {@linkcode HealthCheckRegistry}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection } from "../services/service_collection.ts";
 * import { addHealthChecks, HealthChecks } from "./health_checks.ts";
 *
 * const services = new ServiceCollection();
 * addHealthChecks(services).addCheck("self", () => ({ status: "Healthy" }));
 * const registry = services.build().get(HealthChecks);
 * assert.deepEqual(registry?.registrations.map((check) => check.name), ["self"]);
 * ```
 */
export const HealthChecks: ServiceKey<HealthCheckRegistry> = serviceKey<
  HealthCheckRegistry
>("HealthChecks");

/**
 * What health checks need of a service collection: a place for their
 * registry. A `ServiceCollection` is one (it has `addHealthChecks()`,
 * which calls {@linkcode addHealthChecks} with itself).
 */
export interface HealthCheckServices {
  /**
   * Registers the registry as a singleton.
   *
   * @param key The registry's key.
   * @param registry The registry.
   */
  addSingleton(
    key: ServiceKey<HealthCheckRegistry>,
    registry: HealthCheckRegistry,
  ): unknown;
}

/**
 * Adds checks to the registry (ASP.NET's `IHealthChecksBuilder`); every
 * method returns the builder, for chaining.
 */
export interface HealthChecksBuilder {
  /** The service collection the checks are registered in. */
  readonly services: HealthCheckServices;
  /**
   * Registers a check.
   *
   * @param name A unique name; the key of its entry in the report.
   * @param check The check.
   * @param options Tags, timeout and failure status.
   * @returns The builder.
   * @throws {TypeError} When the name is empty or the check not a function.
   * @throws {RangeError} When the name is taken or the timeout is not a
   * positive number of milliseconds.
   */
  addCheck(
    name: string,
    check: HealthCheck,
    options?: AddCheckOptions,
  ): HealthChecksBuilder;
}

// One registry per collection: addHealthChecks() may be called many times.
const registries = new WeakMap<HealthCheckServices, HealthCheckRegistry>();

function checkCheckOptions(name: string, options: AddCheckOptions): void {
  const where = `addCheck("${name}")`;
  const { tags, timeout, failureStatus } = options;
  if (
    tags !== undefined &&
    (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string"))
  ) {
    throw new TypeError(
      `${where} option "tags" must be an array of strings, got ${
        JSON.stringify(tags)
      }: try { tags: ["ready"] }`,
    );
  }
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !(timeout > 0) || timeout > 2_147_483_647)
  ) {
    throw new RangeError(
      `${where} option "timeout" must be a positive number of milliseconds, got ${
        String(timeout)
      }: try { timeout: 5000 }`,
    );
  }
  if (failureStatus !== undefined && !Object.hasOwn(RANK, failureStatus)) {
    throw new TypeError(
      `${where} option "failureStatus" must be "Unhealthy", "Degraded" or "Healthy", got ${
        JSON.stringify(failureStatus)
      }`,
    );
  }
}

/**
 * Registers the health check registry as a singleton (under
 * {@linkcode HealthChecks}) and returns a builder to add checks with
 * (ASP.NET's `services.AddHealthChecks()`). Calling it again on the same
 * collection adds to the same registry.
 *
 * @param services The service collection.
 * @returns The builder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ServiceCollection } from "../services/service_collection.ts";
 * import { addHealthChecks, HealthChecks } from "./health_checks.ts";
 *
 * const services = new ServiceCollection();
 * addHealthChecks(services)
 *   .addCheck("self", () => ({ status: "Healthy" }), { tags: ["live"] })
 *   .addCheck("db", async (signal) => {
 *     signal.throwIfAborted();
 *     return { status: "Degraded", description: "replica lag" };
 *   }, { tags: ["ready"], timeout: 2000 });
 * const registry = services.build().getRequired(HealthChecks);
 * const report = await registry.run((check) => check.tags.includes("ready"));
 * assert.equal(report.status, "Degraded");
 * assert.deepEqual(Object.keys(report.entries), ["db"]);
 * ```
 */
export function addHealthChecks(
  services: HealthCheckServices,
): HealthChecksBuilder {
  let registry = registries.get(services);
  if (registry === undefined) {
    registry = new HealthCheckRegistry();
    registries.set(services, registry);
    services.addSingleton(HealthChecks, registry);
  }
  const target = registry;
  const builder: HealthChecksBuilder = {
    services,
    addCheck(name, check, options = {}) {
      if (typeof name !== "string" || name.trim() === "") {
        throw new TypeError(
          `addCheck() needs a non-empty name, got ${
            JSON.stringify(name) ?? String(name)
          }: try addCheck("database", check)`,
        );
      }
      if (typeof check !== "function") {
        throw new TypeError(
          `addCheck("${name}") needs a check function (signal) => ({ status: "Healthy" }), got ${typeof check}`,
        );
      }
      checkCheckOptions(name, options);
      target.add({
        name,
        check,
        tags: Object.freeze([...(options.tags ?? [])]),
        timeout: options.timeout,
        failureStatus: options.failureStatus ?? "Unhealthy",
      });
      return builder;
    },
  };
  return builder;
}
