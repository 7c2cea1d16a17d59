/**
 * `DenoServer` options from the `Server` configuration section, as Kestrel
 * reads its `Kestrel` section.
 *
 * @module
 */

import { resolve } from "./config/_path.ts";
import {
  type CertificateOptions,
  DEFAULT_SERVER_LIMITS,
  type DenoServerOptions,
  type EndpointOptions,
  type MinDataRate,
  parseEndpointUrl,
  resolveServerLimits,
  type ServerLimits,
} from "../server/mod.ts";
import {
  ConfigurationError,
  type ConfigurationIssue,
  type ConfigurationSection,
} from "./config/mod.ts";
import { parseTime, TIME_FORM } from "./_time_span.ts";

const LIMIT_KEYS: Record<string, keyof ServerLimits> = {
  maxrequestbodysize: "maxRequestBodySize",
  maxconcurrentrequests: "maxConcurrentRequests",
  responsebuffersize: "responseBufferSize",
  maxconcurrentconnections: "maxConcurrentConnections",
  maxconcurrentupgradedconnections: "maxConcurrentUpgradedConnections",
  keepalivetimeout: "keepAliveTimeout",
  requestheaderstimeout: "requestHeadersTimeout",
  minrequestbodydatarate: "minRequestBodyDataRate",
};

const RATE_FORM =
  `"none" (or "null") to turn it off, or a section with BytesPerSecond (a number greater than 0) and GracePeriod (${TIME_FORM}; 5 seconds when left out)`;

// The valid form of each limit, for messages; resolveServerLimits decides.
const LIMIT_FORMS: Record<keyof ServerLimits, string> = {
  maxRequestBodySize:
    "a whole number of bytes of at least 0, or null for no limit",
  maxConcurrentRequests: "a whole number of at least 1, or null for no limit",
  responseBufferSize: "a whole number of bytes of at least 0",
  maxConcurrentConnections:
    "a whole number of at least 1, or null for no limit",
  maxConcurrentUpgradedConnections:
    "a whole number of at least 1, or null for no limit",
  keepAliveTimeout: `a time from 1 ms to about 24.8 days: ${TIME_FORM}`,
  requestHeadersTimeout: `a time from 1 ms to about 24.8 days: ${TIME_FORM}`,
  minRequestBodyDataRate: RATE_FORM,
};

/**
 * Options for {@linkcode denoServerOptionsFrom}.
 *
 * @example Naming where a bad value came from
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../mod.ts";
 * import { denoServerOptionsFrom } from "./server_configuration.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addCommandLine(["--Server:Limits:MaxRequestBodySize", "-5"])
 *   .build();
 * assert.throws(
 *   () =>
 *     denoServerOptionsFrom(configuration.getSection("Server"), {
 *       describeSource: (key) => configuration.describeSource(key),
 *     }),
 *   /"Server:Limits:MaxRequestBodySize" is "-5" \(from command line\): it must be a whole number of bytes of at least 0/,
 * );
 * ```
 */
export interface ServerConfigurationOptions {
  /**
   * Says where a full key's value came from (`Configuration.describeSource`),
   * so that an error can name the file, variable or command line at fault.
   *
   * @default {undefined}
   */
  describeSource?: (key: string) => string | undefined;
  /**
   * Where relative certificate paths (`Path`, `KeyPath`) resolve: the
   * content root, as Kestrel resolves them.
   *
   * @default {Deno.cwd()}
   */
  basePath?: string;
}

// Collects every problem of the section, so one start names them all.
class Problems {
  readonly #describe: (key: string) => string | undefined;
  readonly messages: string[] = [];
  readonly issues: ConfigurationIssue[] = [];

  constructor(describe: (key: string) => string | undefined) {
    this.#describe = describe;
  }

  add(
    path: string,
    value: string | undefined,
    problem: string,
    sourceKey: string = path,
  ): void {
    const source = this.#describe(sourceKey);
    const where = source === undefined ? "" : ` (from ${source})`;
    const is = value === undefined ? "" : ` is "${value}"`;
    this.messages.push(`"${path}"${is}${where}: ${problem}`);
    this.issues.push({ path, message: problem });
  }

  throwIfAny(): void {
    if (this.messages.length === 0) return;
    throw new ConfigurationError(
      this.messages.length === 1
        ? `The Server configuration is invalid: ${this.messages[0]}`
        : `The Server configuration is invalid:\n${
          this.messages.map((message) => `  ${message}`).join("\n")
        }`,
      { issues: this.issues },
    );
  }
}

function unknownKeys(
  section: ConfigurationSection,
  known: readonly string[],
  problems: Problems,
): void {
  const lower = known.map((key) => key.toLowerCase());
  for (const child of section.getChildren()) {
    if (lower.includes(child.key.toLowerCase())) continue;
    problems.add(
      child.path,
      child.value,
      `unknown key; "${section.path}" has ${
        known.map((key) => `"${key}"`).join(", ")
      } (check the spelling)`,
      // A section has no source of its own: name that of a key inside it.
      child.value === undefined ? child.asEntries()[0]?.[0] : child.path,
    );
  }
}

function certificate(
  section: ConfigurationSection,
  problems: Problems,
  basePath: string,
): CertificateOptions | undefined {
  unknownKeys(section, ["Path", "KeyPath"], problems);
  const path = section.get("Path");
  const keyPath = section.get("KeyPath");
  if (path === undefined && keyPath === undefined) return undefined;
  if (path === undefined || keyPath === undefined) {
    const [given, value, missing] = path === undefined
      ? ["KeyPath", keyPath, "Path"]
      : ["Path", path, "KeyPath"];
    problems.add(
      `${section.path}:${given}`,
      value,
      `"${section.path}" needs both Path (the certificate, PEM) and KeyPath (its private key, PEM); add ${missing}`,
    );
    return undefined;
  }
  return {
    certFile: resolve(basePath, path),
    keyFile: resolve(basePath, keyPath),
  };
}

function limit(
  entry: ConfigurationSection,
  name: keyof ServerLimits,
  problems: Problems,
): number | null | MinDataRate | undefined {
  if (name === "minRequestBodyDataRate") return rate(entry, problems);
  const value = entry.value;
  if (value === undefined) {
    problems.add(
      entry.path,
      undefined,
      `a limit is a value, not a section: it must be ${LIMIT_FORMS[name]}`,
    );
    return undefined;
  }
  const text = value.trim();
  const parsed = name === "keepAliveTimeout" || name === "requestHeadersTimeout"
    ? parseTime(text)
    : text === "" || text.toLowerCase() === "null"
    ? null
    : /^-?\d+$/.test(text)
    ? Number(text)
    : Number.NaN;
  try {
    resolveServerLimits({ [name]: parsed });
    return parsed;
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    problems.add(entry.path, value, `it must be ${LIMIT_FORMS[name]}`);
    return undefined;
  }
}

// MinRequestBodyDataRate: "none", or a section of BytesPerSecond and
// GracePeriod.
function rate(
  entry: ConfigurationSection,
  problems: Problems,
): MinDataRate | null | undefined {
  const value = entry.value;
  const children = entry.getChildren();
  if (children.length === 0) {
    const text = value?.trim().toLowerCase();
    if (text === "" || text === "null" || text === "none") return null;
    problems.add(entry.path, value, `it must be ${RATE_FORM}`);
    return undefined;
  }
  // An empty value beside keys is a JSON null another source overrode.
  if (value !== undefined && value.trim() !== "") {
    problems.add(
      entry.path,
      value,
      `it is both a value and a section: give either "none" or BytesPerSecond and GracePeriod, not both`,
    );
    return undefined;
  }
  const problemsBefore = problems.messages.length;
  unknownKeys(entry, ["BytesPerSecond", "GracePeriod"], problems);
  const bytesText = entry.get("BytesPerSecond");
  const bytesPerSecond =
    /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(bytesText?.trim() ?? "")
      ? Number(bytesText?.trim())
      : Number.NaN;
  if (bytesText === undefined) {
    problems.add(
      `${entry.path}:BytesPerSecond`,
      undefined,
      `it is missing: "${entry.path}" needs BytesPerSecond, a number greater than 0 such as "240", or the value "none" to turn the check off`,
      // The missing key has no source: name that of a key beside it.
      children[0].path,
    );
  } else if (!(bytesPerSecond > 0 && Number.isFinite(bytesPerSecond))) {
    problems.add(
      `${entry.path}:BytesPerSecond`,
      bytesText,
      `it must be a number of bytes per second greater than 0, such as "240" or "0.5"`,
    );
  }
  const graceText = entry.get("GracePeriod");
  const gracePeriod = graceText === undefined
    ? DEFAULT_SERVER_LIMITS.minRequestBodyDataRate?.gracePeriod ?? 5_000
    : parseTime(graceText.trim());
  const minDataRate = { bytesPerSecond, gracePeriod };
  try {
    resolveServerLimits({
      minRequestBodyDataRate: { ...minDataRate, bytesPerSecond: 1 },
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    problems.add(
      `${entry.path}:GracePeriod`,
      graceText,
      `it must be a time from 0 to about 24.8 days: ${TIME_FORM}`,
    );
  }
  return problems.messages.length === problemsBefore ? minDataRate : undefined;
}

/**
 * Reads the `Server` section:
 *
 * - `Server:Endpoints:{Name}:Url`, with `:Certificate:Path` and
 *   `:Certificate:KeyPath` for HTTPS;
 * - `Server:Certificates:Default:Path` and `:KeyPath`, the certificate of
 *   HTTPS endpoints and urls that name none;
 * - `Server:Limits:MaxRequestBodySize`, `:MaxConcurrentRequests`,
 *   `:ResponseBufferSize`, `:MaxConcurrentConnections`,
 *   `:MaxConcurrentUpgradedConnections`: whole numbers (`null` or empty for
 *   no limit, where the limit allows it);
 * - `Server:Limits:KeepAliveTimeout` and `:RequestHeadersTimeout`: times, in
 *   seconds (`"130"`, `"2.5"`) or as ASP.NET writes a `TimeSpan`
 *   (`"00:02:10"`, `"00:00:02.500"`, `"1.00:00:00"`), read as milliseconds.
 *   A bare number is seconds, not days as in .NET's `TimeSpan.Parse`;
 * - `Server:Limits:MinRequestBodyDataRate`: `"none"` (or `null`) to turn
 *   the check off, or a section with `BytesPerSecond` (may be fractional)
 *   and `GracePeriod` (a time as above; 5 seconds when left out).
 *
 * Every value is checked here, before anything binds: an unknown key, a
 * malformed URL, a half-given certificate or a limit out of range fails with
 * one error naming every bad key, its value, where it came from (with
 * `options.describeSource`) and the valid form.
 *
 * @param section The `Server` section.
 * @param options Where values came from, for error messages.
 * @returns Options for `DenoServer`; an absent section gives `{}`.
 * @throws {ConfigurationError} When a value is malformed or a key unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../mod.ts";
 * import { denoServerOptionsFrom } from "./server_configuration.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addInMemory({ Server: { Endpoints: { Web: { Url: "http://127.0.0.1:0" } }, Limits: { MaxRequestBodySize: "1000" } } })
 *   .build();
 * const options = denoServerOptionsFrom(configuration.getSection("Server"));
 * assert.equal(options.endpoints?.[0].url, "http://127.0.0.1:0");
 * assert.equal(options.limits?.maxRequestBodySize, 1000);
 * ```
 *
 * @example Times in seconds or hh:mm:ss, and the upload rate
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../mod.ts";
 * import { denoServerOptionsFrom } from "./server_configuration.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addInMemory({
 *     Server: {
 *       Limits: {
 *         MaxConcurrentConnections: "10000",
 *         KeepAliveTimeout: "00:01:00",
 *         RequestHeadersTimeout: "2.5",
 *         MinRequestBodyDataRate: { BytesPerSecond: "100", GracePeriod: "10" },
 *       },
 *     },
 *   })
 *   .build();
 * const { limits } = denoServerOptionsFrom(configuration.getSection("Server"));
 * assert.equal(limits?.maxConcurrentConnections, 10_000);
 * assert.equal(limits?.keepAliveTimeout, 60_000);
 * assert.equal(limits?.requestHeadersTimeout, 2_500);
 * assert.deepEqual(limits?.minRequestBodyDataRate, {
 *   bytesPerSecond: 100,
 *   gracePeriod: 10_000,
 * });
 * ```
 */
export function denoServerOptionsFrom(
  section: ConfigurationSection,
  options: ServerConfigurationOptions = {},
): DenoServerOptions {
  const problems = new Problems(options.describeSource ?? (() => undefined));
  const basePath = options.basePath ?? Deno.cwd();
  unknownKeys(section, ["Endpoints", "Certificates", "Limits"], problems);
  const result: DenoServerOptions = {};
  const endpoints: EndpointOptions[] = [];
  for (const endpoint of section.getSection("Endpoints").getChildren()) {
    unknownKeys(endpoint, ["Url", "Certificate"], problems);
    const url = endpoint.get("Url");
    const cert = certificate(
      endpoint.getSection("Certificate"),
      problems,
      basePath,
    );
    if (url === undefined || url.trim() === "") {
      problems.add(
        `${endpoint.path}:Url`,
        url,
        `the URL is missing: every endpoint needs one, such as "http://localhost:8000"`,
      );
      continue;
    }
    try {
      parseEndpointUrl(url);
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      problems.add(`${endpoint.path}:Url`, url, error.message);
      continue;
    }
    endpoints.push(cert === undefined ? { url } : { url, certificate: cert });
  }
  if (endpoints.length > 0) result.endpoints = endpoints;
  const certificates = section.getSection("Certificates");
  unknownKeys(certificates, ["Default"], problems);
  const fallback = certificate(
    certificates.getSection("Default"),
    problems,
    basePath,
  );
  if (fallback !== undefined) result.certificate = fallback;
  const limits: ServerLimits = {};
  for (const entry of section.getSection("Limits").getChildren()) {
    const name = LIMIT_KEYS[entry.key.toLowerCase()];
    if (name === undefined) {
      problems.add(
        entry.path,
        entry.value,
        `unknown server limit; the limits are ${
          Object.values(LIMIT_KEYS).map((key) =>
            key[0].toUpperCase() + key.slice(1)
          )
            .join(", ")
        }`,
      );
      continue;
    }
    const value = limit(entry, name, problems);
    if (value !== undefined) limits[name] = value as never;
  }
  problems.throwIfAny();
  if (Object.keys(limits).length > 0) result.limits = limits;
  return result;
}
