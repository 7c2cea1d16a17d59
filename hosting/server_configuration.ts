/**
 * `DenoServer` options from the `Server` configuration section, as Kestrel
 * reads its `Kestrel` section.
 *
 * @module
 */

import {
  type CertificateOptions,
  type DenoServerOptions,
  type EndpointOptions,
  parseEndpointUrl,
  resolveServerLimits,
  type ServerLimits,
} from "../server/mod.ts";
import {
  ConfigurationError,
  type ConfigurationIssue,
  type ConfigurationSection,
} from "./config/mod.ts";

const LIMIT_KEYS: Record<string, keyof ServerLimits> = {
  maxrequestbodysize: "maxRequestBodySize",
  maxconcurrentrequests: "maxConcurrentRequests",
  responsebuffersize: "responseBufferSize",
};

// The valid form of each limit, for messages; resolveServerLimits decides.
const LIMIT_FORMS: Record<keyof ServerLimits, string> = {
  maxRequestBodySize:
    "a whole number of bytes of at least 0, or null for no limit",
  maxConcurrentRequests: "a whole number of at least 1, or null for no limit",
  responseBufferSize: "a whole number of bytes of at least 0",
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
  return { certFile: path, keyFile: keyPath };
}

function limit(
  entry: ConfigurationSection,
  name: keyof ServerLimits,
  problems: Problems,
): number | null | undefined {
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
  const parsed = text === "" || text.toLowerCase() === "null"
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

/**
 * Reads the `Server` section:
 *
 * - `Server:Endpoints:{Name}:Url`, with `:Certificate:Path` and
 *   `:Certificate:KeyPath` for HTTPS;
 * - `Server:Certificates:Default:Path` and `:KeyPath`, the certificate of
 *   HTTPS endpoints and urls that name none;
 * - `Server:Limits:MaxRequestBodySize`, `:MaxConcurrentRequests`,
 *   `:ResponseBufferSize` (`null` for no limit).
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
 */
export function denoServerOptionsFrom(
  section: ConfigurationSection,
  options: ServerConfigurationOptions = {},
): DenoServerOptions {
  const problems = new Problems(options.describeSource ?? (() => undefined));
  unknownKeys(section, ["Endpoints", "Certificates", "Limits"], problems);
  const result: DenoServerOptions = {};
  const endpoints: EndpointOptions[] = [];
  for (const endpoint of section.getSection("Endpoints").getChildren()) {
    unknownKeys(endpoint, ["Url", "Certificate"], problems);
    const url = endpoint.get("Url");
    const cert = certificate(endpoint.getSection("Certificate"), problems);
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
  const fallback = certificate(certificates.getSection("Default"), problems);
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
