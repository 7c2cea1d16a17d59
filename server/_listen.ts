// Small pieces of binding and stopping that DenoServer needs.

import type {
  CertificateOptions,
  Endpoint,
  EndpointOptions,
} from "./endpoint.ts";
import type { ListenOptions } from "./_owned_listener.ts";

/** Listens on one address; returns the port bound and how to rename it. */
export type ListenOne = (
  options: ListenOptions,
  tls: { cert: string; key: string } | undefined,
  hostname: string,
  port: number,
  address: string,
) => { port: number; rename(address: string): void };

/**
 * Binds every address of an endpoint: its Unix socket, or each of its host
 * names (localhost is 127.0.0.1 and ::1; an address the machine lacks is
 * skipped), on one port.
 */
export async function bindEndpoint(
  endpoint: Endpoint,
  options: EndpointOptions,
  defaultCertificate: CertificateOptions | undefined,
  listen: ListenOne,
): Promise<void> {
  let tls: { cert: string; key: string } | undefined;
  if (endpoint.scheme === "https") {
    const certificate = options.certificate ?? defaultCertificate;
    if (certificate === undefined) {
      throw new TypeError(
        `The HTTPS endpoint "${endpoint.url}" has no certificate: pass certificate: { certFile, keyFile } to DenoServer, or one on the endpoint`,
      );
    }
    tls = await loadCertificate(certificate);
  }
  if (endpoint.scheme === "unix") {
    const path = endpoint.path!;
    await removeStaleSocket(path);
    listen({ path }, undefined, "", 0, `unix:${path}`);
    return;
  }
  if (options.reusePort === true && !("listenDatagram" in Deno)) {
    // Deno.listenDatagram is there exactly when --unstable-net is.
    throw new TypeError(
      `The endpoint "${endpoint.url}" asks for reusePort, which Deno offers only with --unstable-net: run deno with --unstable-net, or drop reusePort`,
    );
  }
  let port = endpoint.port;
  for (const [index, hostname] of endpoint.hostnames.entries()) {
    try {
      const bound = listen(
        { hostname, port, ...tls, reusePort: options.reusePort },
        tls,
        hostname,
        port,
        "",
      );
      port = bound.port;
      if (endpoint.hostnames.length > 1) {
        // localhost and * report one address whatever they bound.
        bound.rename(`${endpoint.scheme}://${endpoint.displayHost}:${port}`);
      }
      if (endpoint.displayHost === "[::]") return; // dual-stack bound
    } catch (error) {
      if (index > 0 && isMissingAddress(error)) continue;
      if (
        index === 0 && endpoint.hostnames.length > 1 &&
        isMissingAddress(error)
      ) continue;
      if (error instanceof Deno.errors.AddrInUse) {
        throw portInUse(endpoint.url, hostname, port);
      }
      throw error;
    }
  }
}

/** The error for a port another process holds, with the fix. */
export function portInUse(
  url: string,
  hostname: string,
  port: number,
): Deno.errors.AddrInUse {
  return new Deno.errors.AddrInUse(
    `Cannot listen on ${url}: ${hostname} port ${port} is already in use. Stop the other process or choose another port (--urls http://localhost:8080).`,
  );
}

/** Whether a bind failed because the machine lacks the address (no IPv6). */
export function isMissingAddress(error: unknown): boolean {
  return error instanceof Deno.errors.AddrNotAvailable ||
    (error instanceof Error &&
      /not available|not supported|EADDRNOTAVAIL|EAFNOSUPPORT/i.test(
        error.message,
      ));
}

/** Reads a certificate given as files, or passes PEM text through. */
export async function loadCertificate(
  certificate: CertificateOptions,
): Promise<{ cert: string; key: string }> {
  if ("cert" in certificate) return certificate;
  const read = async (path: string, what: string) => {
    try {
      return await Deno.readTextFile(path);
    } catch (error) {
      throw new TypeError(
        `Cannot read the TLS ${what} file "${path}": ${
          (error as Error).message
        }. Check the certificate's certFile and keyFile paths.`,
        { cause: error },
      );
    }
  };
  return {
    cert: await read(certificate.certFile, "certificate"),
    key: await read(certificate.keyFile, "key"),
  };
}

/** Resolves true when `promise` settles first, false when `signal` aborts. */
export function raceAbort(
  promise: Promise<unknown>,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = () => resolve(false);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    });
  });
}

export async function removeStaleSocket(path: string): Promise<void> {
  try {
    const info = await Deno.lstat(path);
    if (!info.isSocket) {
      throw new TypeError(
        `Cannot listen on unix:${path}: a file that is not a socket is in the way. Remove it or choose another path.`,
      );
    }
    if (await isListening(path)) {
      throw new Deno.errors.AddrInUse(
        `Cannot listen on unix:${path}: another server is listening on it. Stop that server, or choose another path.`,
      );
    }
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

// A socket file left by a server that is gone refuses connections; a live
// one accepts them, and must not be taken over (Deno.serve and Kestrel
// fail with "address in use" there too).
async function isListening(path: string): Promise<boolean> {
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return false;
    throw error;
  }
}
