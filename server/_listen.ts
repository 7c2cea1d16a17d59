// Small pieces of binding and stopping that DenoServer needs.

import type { CertificateOptions } from "./endpoint.ts";

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
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
