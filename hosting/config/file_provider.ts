/**
 * `FileConfigurationProvider`: the base of the file providers (JSON, YAML,
 * `.env`): resolving, reading, optional files, and reload on change.
 *
 * @module
 */

import { basename, dirname, resolve } from "./_path.ts";
import { ConfigurationError } from "./configuration_error.ts";
import { schedule, type Timer } from "../../server/_timers.ts";
import { KeyValueConfigurationProvider } from "./configuration_provider.ts";

/** How a configuration file is read. */
export interface FileProviderOptions {
  /**
   * Whether a missing file is fine (no values) rather than an error.
   *
   * @default {false}
   */
  optional?: boolean;
  /**
   * Whether to watch the file and reload it when it changes.
   *
   * @default {false}
   */
  reloadOnChange?: boolean;
  /**
   * Milliseconds to wait after the last change event before reloading, so
   * an editor's save (often several writes, or a rename) reloads once.
   *
   * @default {100}
   */
  reloadDelay?: number;
}

/** How a file provider finds and reads its file. */
export interface FileConfigurationProviderOptions extends FileProviderOptions {
  /**
   * The directory a relative `path` resolves against.
   *
   * @default {Deno.cwd()}
   */
  basePath?: string;
}

// A file's text: UTF-8 (with or without a byte order mark), or UTF-16 when
// a byte order mark says so, as .NET reads it (Windows PowerShell 5 writes
// UTF-16 by default).
function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  }
  return new TextDecoder().decode(bytes); // drops a UTF-8 byte order mark
}

/**
 * A provider that reads one file. Subclasses say how to
 * {@linkcode FileConfigurationProvider.parse} its text. A missing file is an
 * error unless `optional`; a failed reload keeps the last good values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FileConfigurationProvider } from "./mod.ts";
 *
 * // One `key value` pair per line.
 * class SpaceSeparatedProvider extends FileConfigurationProvider {
 *   readonly description = `settings file "${this.displayPath}"`;
 *   protected parse(text: string): Iterable<readonly [string, string]> {
 *     return text.split("\n").filter((line) => line.trim() !== "")
 *       .map((line) => line.split(" ", 2) as [string, string]);
 *   }
 * }
 * const file = await Deno.makeTempFile();
 * await Deno.writeTextFile(file, "Port 8080\n");
 * const provider = new SpaceSeparatedProvider(file);
 * provider.load();
 * assert.equal(provider.get("port"), "8080");
 * await Deno.remove(file);
 * ```
 */
export abstract class FileConfigurationProvider
  extends KeyValueConfigurationProvider {
  /** The file's absolute path. */
  readonly path: string;
  /** The path as given, for descriptions. */
  readonly displayPath: string;
  /** Whether a missing file is fine. */
  readonly optional: boolean;
  /** Whether {@linkcode FileConfigurationProvider.watch} watches the file. */
  readonly reloadOnChange: boolean;
  /** Milliseconds between the last change event and the reload. */
  readonly reloadDelay: number;

  /**
   * Makes a provider of one file.
   *
   * @param path The file; relative paths resolve against `basePath`.
   * @param options Whether the file is optional and watched.
   * @throws {RangeError} When `reloadDelay` is not a number of milliseconds
   * from 0 to 2,147,483,647 (about 24.8 days, the longest a timer waits).
   */
  constructor(path: string, options: FileConfigurationProviderOptions = {}) {
    super();
    const delay = options.reloadDelay ?? 100;
    if (!(delay >= 0 && delay <= 2_147_483_647)) {
      throw new RangeError(
        `reloadDelay must be a number of milliseconds from 0 to 2147483647 (about 24.8 days), got ${delay}`,
      );
    }
    this.path = resolve(options.basePath ?? Deno.cwd(), path);
    this.displayPath = path;
    this.optional = options.optional ?? false;
    this.reloadOnChange = options.reloadOnChange ?? false;
    this.reloadDelay = delay;
  }

  /**
   * Turns the file's text into `[key, value]` pairs.
   *
   * @param text The file's contents, without a byte order mark.
   * @returns The pairs.
   * @throws {ConfigurationError} When the text is malformed; name
   * {@linkcode FileConfigurationProvider.path} and the line.
   */
  protected abstract parse(text: string): Iterable<readonly [string, string]>;

  /** Reads and parses the file; a missing optional file has no values. */
  protected read(): Iterable<readonly [string, string]> {
    let text: string;
    try {
      text = decodeText(Deno.readFileSync(this.path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        if (this.optional) return [];
        throw new ConfigurationError(
          `Configuration file "${this.path}" was not found; create it or pass { optional: true }`,
          { file: this.path, cause: error },
        );
      }
      throw new ConfigurationError(
        `Could not read configuration file "${this.path}": ${
          error instanceof Error ? error.message : String(error)
        }`,
        { file: this.path, cause: error },
      );
    }
    return this.parse(text);
  }

  /**
   * Watches the file when `reloadOnChange` is set (else does nothing): on a
   * change, waits `reloadDelay` ms for more, reloads, and calls `changed`
   * if the values differ. A failed reload keeps the last good values and
   * calls `onError`; nothing is thrown from the watcher.
   *
   * @param changed Called after the values changed.
   * @param onError Called with the error of a failed reload.
   * @returns A function that stops watching (closes the watcher and timer).
   */
  watch(changed: () => void, onError: (error: unknown) => void): () => void {
    if (!this.reloadOnChange) return () => {};
    const report = (error: unknown): void => {
      try {
        onError(error);
      } catch (thrown) {
        console.error("A configuration reload error handler threw:", thrown);
      }
    };
    let watcher: Deno.FsWatcher;
    try {
      // The directory, not the file: editors often save by renaming a new
      // file over the old one, which would end a watch on the file itself.
      watcher = Deno.watchFs(dirname(this.path), { recursive: false });
    } catch (error) {
      if (!(this.optional && error instanceof Deno.errors.NotFound)) {
        report(
          new ConfigurationError(
            `Cannot watch configuration file "${this.path}" for changes: ${
              error instanceof Error ? error.message : String(error)
            }`,
            { file: this.path, cause: error },
          ),
        );
      }
      return () => {};
    }
    let timer: Timer | undefined;
    let closed = false;
    const reload = (): void => {
      timer = undefined;
      if (closed) return;
      const before = JSON.stringify([...this.entries()]);
      try {
        this.load();
      } catch (error) {
        report(error);
        return;
      }
      if (JSON.stringify([...this.entries()]) === before) return;
      try {
        changed();
      } catch (error) {
        report(error);
      }
    };
    const name = basename(this.path);
    // A symlink changes when what it points to does: Kubernetes updates a
    // ConfigMap volume by swapping its `..data` link, and no event names
    // the file itself. Any change next to a symlink is worth a reload,
    // which tells nobody unless the values differ.
    const isSymlink = (): boolean => {
      try {
        return Deno.lstatSync(this.path).isSymlink;
      } catch {
        return false;
      }
    };
    (async () => {
      for await (const event of watcher) {
        // Our own reads show up as "access": reacting would loop.
        if (event.kind === "access") continue;
        if (
          !event.paths.some((path) => basename(path) === name) && !isSymlink()
        ) continue;
        timer?.cancel();
        timer = schedule(reload, this.reloadDelay);
      }
    })().catch((error) => {
      if (!closed) report(error);
    });
    return () => {
      if (closed) return;
      closed = true;
      timer?.cancel();
      timer = undefined;
      try {
        watcher.close();
      } catch {
        // Already closed.
      }
    };
  }
}
