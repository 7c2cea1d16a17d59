/**
 * The host settings' keys, in one place.
 *
 * @module
 */

/** The names of the host settings; see {@linkcode HostSettings}. */
export interface HostSettingKeys {
  /** The application's name. Default: the main module's file name. */
  readonly applicationName: "applicationName";
  /** `Production` (the default), `Development`, `Staging`, or any name. */
  readonly environment: "environment";
  /** URLs to listen on, separated by `;`. Default `http://localhost:8000`. */
  readonly urls: "urls";
  /** The content root. Default: the current directory. */
  readonly contentRoot: "contentRoot";
  /** The web root. Default: `wwwroot` under the content root. */
  readonly webRoot: "webRoot";
  /** Keep serving with an error page when startup fails. Default false. */
  readonly captureStartupErrors: "captureStartupErrors";
  /** Show error details in error pages. Default: true in Development. */
  readonly detailedErrors: "detailedErrors";
  /**
   * How long a graceful stop may take, in **seconds** (`30`, `2.5`; from 0
   * to about 24 days). Default 30. `WebHostBuilder.useShutdownTimeout` sets
   * it from milliseconds.
   */
  readonly shutdownTimeoutSeconds: "shutdownTimeoutSeconds";
  /**
   * How long, in **seconds**, a stopping host keeps serving after it turned
   * unhealthy (`lifetime.stopping` fired, health endpoints answer 503) and
   * before it stops listening, so a load balancer can take it out of
   * rotation first (Kubernetes' `preStop` delay). The shutdown timeout runs
   * after it. Default 0.
   */
  readonly shutdownDelaySeconds: "shutdownDelaySeconds";
  /** Do not print the status lines on start and stop. Default false. */
  readonly suppressStatusMessages: "suppressStatusMessages";
  /** Let `urls` win over endpoints configured on the server. Default false. */
  readonly preferHostingUrls: "preferHostingUrls";
  /** A module to load the app from. Default: none. */
  readonly startupModule: "startupModule";
  /**
   * What a `BackgroundService` that throws does: `StopHost` (the default)
   * or `Ignore` (log it and go on).
   */
  readonly backgroundServiceExceptionBehavior:
    "backgroundServiceExceptionBehavior";
  /**
   * Run the app in this many worker processes under a supervisor (`2`, or
   * `auto` for one per CPU), each serving the same endpoints with
   * `reusePort` (Linux): `run()` then supervises them instead of serving.
   * Default: none, one process.
   */
  readonly workers: "workers";
  /**
   * This process's worker id (0…N−1), set by the supervisor that started
   * it (`ROOST_WORKERID`); unset in a process no supervisor started.
   */
  readonly workerId: "workerId";
}

/**
 * Keys of the host settings (`useSetting`/`getSetting`). Keys are
 * case-insensitive; the environment form is `ROOST_` and the key upper-cased
 * (`ROOST_URLS`, `ROOST_ENVIRONMENT`, `ROOST_SHUTDOWNTIMEOUTSECONDS`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { HostSettings, WebHostBuilder } from "../mod.ts";
 *
 * const builder = new WebHostBuilder().useSetting(HostSettings.environment, "Staging");
 * assert.equal(builder.getSetting("ENVIRONMENT"), "Staging");
 * ```
 */
export const HostSettings: HostSettingKeys = Object.freeze({
  applicationName: "applicationName",
  environment: "environment",
  urls: "urls",
  contentRoot: "contentRoot",
  webRoot: "webRoot",
  captureStartupErrors: "captureStartupErrors",
  detailedErrors: "detailedErrors",
  shutdownTimeoutSeconds: "shutdownTimeoutSeconds",
  shutdownDelaySeconds: "shutdownDelaySeconds",
  suppressStatusMessages: "suppressStatusMessages",
  preferHostingUrls: "preferHostingUrls",
  startupModule: "startupModule",
  backgroundServiceExceptionBehavior: "backgroundServiceExceptionBehavior",
  workers: "workers",
  workerId: "workerId",
});

/** The prefix of host settings in environment variables. */
export const HOST_ENVIRONMENT_PREFIX = "ROOST_";

/**
 * Reads a boolean setting: `true`/`1`/`yes` and `false`/`0`/`no`, any case.
 *
 * @param key The setting's key, for the error message.
 * @param value The setting's value.
 * @returns The boolean, or `undefined` when the value is `undefined`.
 * @throws {TypeError} When the value is not a boolean word.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseBooleanSetting } from "./host_settings.ts";
 *
 * assert.equal(parseBooleanSetting("detailedErrors", "True"), true);
 * ```
 */
export function parseBooleanSetting(
  key: string,
  value: string | undefined,
): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === "true" || lower === "1" || lower === "yes") return true;
  if (lower === "false" || lower === "0" || lower === "no") return false;
  throw new TypeError(
    `Host setting "${key}" must be true or false, got "${value}"`,
  );
}
