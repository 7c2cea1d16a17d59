// Whether the app wrote a response body: the response features do not say
// (a body given to complete() waits in the server's bridge until the
// pipeline ends), so status code pages put this watcher in front of the
// body feature while the rest of the pipeline runs. Everything is passed
// through unchanged.

import type {
  HttpResponseBodyFeature,
  SendFileOptions,
} from "../../features/mod.ts";
import {
  COMPLETE,
  isComplete,
  isWritten,
  WRITTEN,
} from "../../features/_done.ts";

// Whether what was given to complete() is a body; an empty string or
// buffer, or a Response without one, is not.
function isBody(body: BodyInit | Response | null | undefined): boolean {
  if (body === undefined || body === null) return false;
  if (body instanceof Response) return body.body !== null;
  if (typeof body === "string") return body.length > 0;
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) {
    return body.byteLength > 0;
  }
  return true;
}

/** A body feature that notes whether anything was written through it. */
export class BodyWatch implements HttpResponseBodyFeature {
  readonly #inner: HttpResponseBodyFeature;
  /** True once a non-empty body was written, sent, or its stream taken. */
  wrote = false;

  constructor(inner: HttpResponseBodyFeature) {
    this.#inner = inner;
  }

  get stream(): WritableStream<Uint8Array> {
    // Whatever goes through the stream is not seen here: assume a body.
    this.wrote = true;
    return this.#inner.stream;
  }

  start(): Promise<void> {
    return this.#inner.start();
  }

  write(chunk: Uint8Array | string): Promise<void> {
    if (chunk.length > 0) this.wrote = true;
    return this.#inner.write(chunk);
  }

  complete(body?: BodyInit | Response | null): Promise<void> {
    if (isBody(body)) this.wrote = true;
    return this.#inner.complete(body);
  }

  clear(): void {
    this.#inner.clear();
    this.wrote = false;
  }

  [COMPLETE](): boolean {
    return isComplete(this.#inner);
  }

  [WRITTEN](): boolean {
    return isWritten(this.#inner);
  }

  sendFile(path: string, options?: SendFileOptions): Promise<void> {
    this.wrote = true;
    return this.#inner.sendFile(path, options);
  }
}
