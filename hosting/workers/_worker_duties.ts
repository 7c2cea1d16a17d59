// What a host does when a supervisor started it (the workerId setting is
// set): tell the supervisor once it listens and its health checks pass,
// and stop by itself when the supervisor is gone, even killed with
// SIGKILL, so that no worker outlives it.

import type { ServiceProvider } from "../services/mod.ts";
import type { Logger } from "../logging/mod.ts";
import type { ApplicationLifetime } from "../application_lifetime.ts";
import { HealthChecks } from "../health/health_checks.ts";
import { schedule } from "../../server/_timers.ts";
import {
  CONTROL_PREFIX,
  type WorkerMessage,
  writeAll,
} from "./_worker_output.ts";

const HEALTH_RETRY_MS = 250;
const SUPERVISOR_POLL_MS = 500;

/** What the worker's host gives its duties. */
export interface WorkerHost {
  readonly addresses: readonly string[];
  readonly services: ServiceProvider;
  readonly logger: Logger;
  readonly lifetime: ApplicationLifetime;
}

/**
 * Waits until the app's health checks (if it has any) are not Unhealthy,
 * tells the supervisor the worker is ready, and watches for the
 * supervisor's end.
 */
export async function beginWorkerDuties(host: WorkerHost): Promise<void> {
  const pid = Number(Deno.env.get("ROOST_SUPERVISORPID") ?? NaN);
  watchSupervisor(host, Number.isInteger(pid) ? pid : undefined);
  const stopping = host.lifetime.stopping;
  const registry = host.services.get(HealthChecks);
  if (registry !== undefined && registry.registrations.length > 0) {
    let said = false;
    while (!stopping.aborted) {
      const report = await registry.run();
      if (report.status !== "Unhealthy") break;
      if (!said) {
        said = true;
        host.logger.information(
          "Waiting for the health checks to pass before taking traffic",
        );
      }
      await new Promise<void>((resolve) => schedule(resolve, HEALTH_RETRY_MS));
    }
    if (stopping.aborted) return;
  }
  const message: WorkerMessage = {
    event: "ready",
    addresses: host.addresses,
  };
  writeAll(Deno.stdout, `${CONTROL_PREFIX}${JSON.stringify(message)}\n`);
}

// A process whose parent died is adopted by another: its ppid changes.
function watchSupervisor(host: WorkerHost, pid: number | undefined): void {
  if (pid === undefined || Deno.build.os === "windows") return;
  // The listeners keep a worker alive, not this check.
  const timer = schedule(
    () => {
      if (Deno.ppid === pid) return;
      timer.cancel();
      host.logger.warning(
        "The supervisor (pid {pid}) is gone: this worker stops",
        { pid },
      );
      host.lifetime.stopApplication();
    },
    SUPERVISOR_POLL_MS,
    { repeat: true, ref: false },
  );
  host.lifetime.stopping.addEventListener("abort", () => timer.cancel(), {
    once: true,
  });
}
