// Checks every host setting Roost reads before the host builds or binds
// anything: a value that would only fail later (a shutdown timeout read at
// SIGTERM, a flag read after "Now listening") fails the start instead, with
// the key, the value, where it came from and the valid form.

import { parseEndpointUrls } from "../server/mod.ts";
import { ConfigurationError, type ConfigurationIssue } from "./config/mod.ts";
import { HostSettings, parseBooleanSetting } from "./host_settings.ts";

/** A host setting's value and where it came from (see `HostSetting`). */
interface SettingWithSource {
  readonly value: string;
  readonly source: string;
}

/**
 * The longest shutdown timeout, in milliseconds: `setTimeout` fires at once
 * for anything above 2^31 - 1 ms (about 24.8 days).
 */
export const MAX_SHUTDOWN_TIMEOUT_MS = 2_147_483_647;

const BOOLEAN_FORM = "true or false (also 1/0, yes/no, any case)";

const BOOLEAN_KEYS: readonly string[] = [
  HostSettings.captureStartupErrors,
  HostSettings.detailedErrors,
  HostSettings.suppressStatusMessages,
  HostSettings.preferHostingUrls,
];

/** `shutdownTimeoutSeconds` as seconds, or undefined when it is not one. */
function shutdownSeconds(text: string): number | undefined {
  const trimmed = text.trim();
  // Number("") and Number(" ") are 0, and Number("0x10") is 16: neither is
  // what someone writing seconds means.
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  return seconds * 1000 <= MAX_SHUTDOWN_TIMEOUT_MS ? seconds : undefined;
}

// The content root is where configuration files and the web root are
// looked for: one that does not exist would serve without them, silently
// (ASP.NET fails the start with DirectoryNotFoundException).
function directoryProblem(path: string): string | undefined {
  if (path.trim() === "") return undefined;
  try {
    if (Deno.statSync(path).isDirectory) return undefined;
    return "an existing directory (this is a file)";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return "an existing directory (there is none at that path)";
    }
    return undefined; // not readable here: the host says so when it reads
  }
}

function check(key: string, value: string): string | undefined {
  const lower = key.toLowerCase();
  if (BOOLEAN_KEYS.some((name) => name.toLowerCase() === lower)) {
    try {
      parseBooleanSetting(key, value); // the reader the host uses later
      return undefined;
    } catch {
      return BOOLEAN_FORM;
    }
  }
  if (
    lower === HostSettings.shutdownTimeoutSeconds.toLowerCase() ||
    lower === HostSettings.shutdownDelaySeconds.toLowerCase()
  ) {
    if (value.trim() === "") return undefined;
    return shutdownSeconds(value) === undefined
      ? "a number of seconds from 0 to 2147483 (about 24 days), such as 30 or 2.5"
      : undefined;
  }
  if (lower === HostSettings.backgroundServiceExceptionBehavior.toLowerCase()) {
    if (value.trim() === "") return undefined;
    return /^(stophost|ignore)$/i.test(value.trim())
      ? undefined
      : "StopHost or Ignore";
  }
  if (lower === HostSettings.workers.toLowerCase()) {
    if (value.trim() === "") return undefined;
    return /^(auto|[1-9]\d{0,3})$/i.test(value.trim())
      ? undefined
      : "a whole number from 1 to 9999, or auto (one per CPU)";
  }
  if (lower === HostSettings.workerId.toLowerCase()) {
    return /^\d{1,4}$/.test(value.trim())
      ? undefined
      : "a whole number from 0 (the supervisor sets it: do not set it yourself)";
  }
  if (lower === HostSettings.contentRoot.toLowerCase()) {
    return directoryProblem(value);
  }
  if (lower === HostSettings.urls.toLowerCase()) {
    try {
      parseEndpointUrls(value);
      return undefined;
    } catch (error) {
      if (error instanceof TypeError) return error.message;
      throw error;
    }
  }
  return undefined;
}

/**
 * Checks the host settings Roost reads.
 *
 * @param settings The settings, keys lower-cased, with their sources.
 * @throws {ConfigurationError} Naming every bad setting: its key, its
 * value, where it came from and the valid form.
 */
export function checkHostSettings(
  settings: ReadonlyMap<string, SettingWithSource>,
): void {
  const problems: string[] = [];
  const issues: ConfigurationIssue[] = [];
  for (const [key, { value, source }] of settings) {
    const form = check(key, value);
    if (form === undefined) continue;
    const name = Object.values(HostSettings).find((known) =>
      known.toLowerCase() === key
    ) ?? key;
    const message = key === HostSettings.urls
      ? `Host setting "${name}" is "${value}" (from ${source}): ${form}`
      : `Host setting "${name}" is "${value}" (from ${source}): it must be ${form}`;
    problems.push(message);
    issues.push({ path: name, message });
  }
  if (problems.length === 0) return;
  throw new ConfigurationError(
    problems.length === 1
      ? problems[0]
      : `${problems.length} host settings are invalid:\n${
        problems.map((problem) => `  ${problem}`).join("\n")
      }`,
    { issues },
  );
}

/**
 * Reads the `shutdownTimeoutSeconds` setting (or another setting in the same
 * form, `key`) as milliseconds.
 *
 * @param setting The setting, if set.
 * @param fallback The default, in milliseconds.
 * @param key The setting's key, for the error message.
 * @throws {ConfigurationError} As {@linkcode checkHostSettings} does, when
 * the value is not a number of seconds.
 */
export function shutdownTimeoutMilliseconds(
  setting: SettingWithSource | undefined,
  fallback: number,
  key: string = HostSettings.shutdownTimeoutSeconds,
): number {
  if (setting === undefined || setting.value.trim() === "") return fallback;
  const seconds = shutdownSeconds(setting.value);
  if (seconds === undefined) {
    checkHostSettings(new Map([[key.toLowerCase(), setting]]));
  }
  return Math.round((seconds ?? 0) * 1000);
}
