/**
 * `DenoServer` options from the `Server` configuration section, as Kestrel
 * reads its `Kestrel` section.
 *
 * @module
 */

import type {
  CertificateOptions,
  DenoServerOptions,
  EndpointOptions,
  ServerLimits,
} from "../server/mod.ts";
import { ConfigurationError, type ConfigurationSection } from "./config/mod.ts";

const LIMIT_KEYS: Record<string, keyof ServerLimits> = {
  maxrequestbodysize: "maxRequestBodySize",
  maxconcurrentrequests: "maxConcurrentRequests",
  responsebuffersize: "responseBufferSize",
};

function certificate(
  section: ConfigurationSection,
): CertificateOptions | undefined {
  const path = section.get("Path");
  const keyPath = section.get("KeyPath");
  if (path === undefined && keyPath === undefined) return undefined;
  if (path === undefined || keyPath === undefined) {
    throw new ConfigurationError(
      `"${section.path}" needs both Path (the certificate, PEM) and KeyPath (its private key, PEM)`,
      {
        issues: [{
          path: section.path,
          message: "Path and KeyPath go together",
        }],
      },
    );
  }
  return { certFile: path, keyFile: keyPath };
}

function limit(value: string, path: string): number | null {
  if (value.trim() === "" || value.trim().toLowerCase() === "null") return null;
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new ConfigurationError(
      `"${path}" must be a whole number or null, got "${value}"`,
      {
        issues: [{ path, message: `expected a whole number, got "${value}"` }],
      },
    );
  }
  return number;
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
 * @param section The `Server` section.
 * @returns Options for `DenoServer`; an absent section gives `{}`.
 * @throws {ConfigurationError} When a value is malformed; it names the key.
 *
 * @example
 * ```ts
 * import { ConfigurationBuilder, denoServerOptionsFrom } from "../mod.ts";
 *
 * const configuration = new ConfigurationBuilder()
 *   .addInMemory({ Server: { Endpoints: { Web: { Url: "http://127.0.0.1:0" } }, Limits: { MaxRequestBodySize: "1000" } } })
 *   .build();
 * const options = denoServerOptionsFrom(configuration.getSection("Server"));
 * console.log(options.endpoints?.[0].url, options.limits?.maxRequestBodySize); // "http://127.0.0.1:0" 1000
 * ```
 */
export function denoServerOptionsFrom(
  section: ConfigurationSection,
): DenoServerOptions {
  const options: DenoServerOptions = {};
  const endpoints: EndpointOptions[] = [];
  for (const endpoint of section.getSection("Endpoints").getChildren()) {
    const url = endpoint.get("Url");
    if (url === undefined || url.trim() === "") {
      throw new ConfigurationError(
        `"${endpoint.path}:Url" is missing: every endpoint needs a URL such as "http://localhost:8000"`,
        { issues: [{ path: `${endpoint.path}:Url`, message: "required" }] },
      );
    }
    const cert = certificate(endpoint.getSection("Certificate"));
    endpoints.push(cert === undefined ? { url } : { url, certificate: cert });
  }
  if (endpoints.length > 0) options.endpoints = endpoints;
  const fallback = certificate(
    section.getSection("Certificates").getSection("Default"),
  );
  if (fallback !== undefined) options.certificate = fallback;
  const limits: ServerLimits = {};
  for (const entry of section.getSection("Limits").getChildren()) {
    const name = LIMIT_KEYS[entry.key.toLowerCase()];
    if (name === undefined) {
      throw new ConfigurationError(
        `Unknown server limit "${entry.path}": the limits are ${
          Object.values(LIMIT_KEYS).join(", ")
        }`,
        { issues: [{ path: entry.path, message: "unknown limit" }] },
      );
    }
    if (entry.value !== undefined) {
      limits[name] = limit(entry.value, entry.path) as never;
    }
  }
  if (Object.keys(limits).length > 0) options.limits = limits;
  return options;
}
