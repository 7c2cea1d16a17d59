// A host's run() with the workers setting: the host's settings, logging and
// status lines, applied to superviseWorkers().

import { parseEndpointUrls } from "../../server/mod.ts";
import { HostSettings } from "../host_settings.ts";
import type { HostingEnvironment } from "../hosting_environment.ts";
import type { Logger } from "../logging/mod.ts";
import { superviseWorkers } from "./supervise_workers.ts";
import { workerCount } from "./worker_options.ts";

/** What the host lends its supervision. */
export interface SupervisedHost {
  getSetting(key: string): string | undefined;
  readonly logger: Logger;
  /** Says a status line, unless they are suppressed. */
  status(message: string): void;
  readonly environment: HostingEnvironment;
  /** Milliseconds. */
  readonly shutdownTimeout: number;
  /** Milliseconds. */
  readonly shutdownDelay: number;
}

/** Supervises the host's workers until they stop; the exit code. */
export async function superviseHost(host: SupervisedHost): Promise<number> {
  const workers = workerCount(host.getSetting(HostSettings.workers) ?? "");
  const urls = host.getSetting(HostSettings.urls);
  if (workers > 1 && urls !== undefined) {
    const socket = parseEndpointUrls(urls).find((e) => e.scheme === "unix");
    if (socket !== undefined) {
      throw new RangeError(
        `workers is ${workers}, but ${socket.url} is a Unix socket, which one process binds alone: listen on a TCP port, or run one worker`,
      );
    }
  }
  return await superviseWorkers({
    workers,
    shutdownTimeoutSeconds: host.shutdownTimeout / 1000,
    shutdownDelaySeconds: host.shutdownDelay / 1000,
    logger: host.logger,
    onStarted(addresses, count) {
      for (const address of addresses) {
        host.status(`Now listening on: ${address}`);
      }
      host.status(
        `Application started with ${count} worker${
          count === 1 ? "" : "s"
        }. Press Ctrl+C to shut down.`,
      );
      host.status(`Hosting environment: ${host.environment.name}`);
      host.status(`Content root path: ${host.environment.contentRootPath}`);
    },
    onStopping() {
      host.status("Application is shutting down...");
    },
  });
}
