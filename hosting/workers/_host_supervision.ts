// A host's run() with the workers setting: the host's settings, logging and
// status lines, applied to superviseWorkers().

import {
  DEFAULT_URL,
  type Endpoint,
  parseEndpointUrls,
} from "../../server/mod.ts";
import { portInUse } from "../../server/_listen.ts";
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
  const endpoints = parseEndpointUrls(
    host.getSetting(HostSettings.urls) ?? DEFAULT_URL,
  );
  for (const endpoint of endpoints) {
    if (endpoint.scheme === "unix") {
      if (workers > 1) {
        throw new RangeError(
          `workers is ${workers}, but ${endpoint.url} is a Unix socket, which one process binds alone: listen on a TCP port, or run one worker`,
        );
      }
      continue;
    }
    if (endpoint.port === 0) {
      throw new RangeError(
        `workers is set, but ${endpoint.url} asks for port 0, which gives every worker, and every restarted one, a port of its own: choose a port (--urls http://localhost:8080)`,
      );
    }
    probePort(endpoint);
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

// Workers share their port (SO_REUSEPORT), and so would any other process
// that asks for it the same way: a port already in use must fail the start
// here, as it does without workers, rather than split its traffic with
// whoever holds it.
function probePort(endpoint: Endpoint): void {
  const hostname = endpoint.hostnames[0];
  let listener: Deno.Listener;
  try {
    listener = Deno.listen({ hostname, port: endpoint.port });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw portInUse(endpoint.url, hostname, endpoint.port);
    }
    // Anything else (an address this machine lacks) is the workers' to say.
    return;
  }
  listener.close();
}
