/**
 * `ConfigurationError`: what went wrong reading or binding configuration.
 *
 * @module
 */

/** One problem found while binding or validating a section. */
export interface ConfigurationIssue {
  /** The full configuration path (`Server:Limits:Port`); `""` for the root. */
  readonly path: string;
  /** What is wrong there. */
  readonly message: string;
}

/** Where a {@linkcode ConfigurationError} happened, and what it lists. */
export interface ConfigurationErrorOptions extends ErrorOptions {
  /**
   * The problems found, for validation errors.
   *
   * @default {[]}
   */
  issues?: readonly ConfigurationIssue[];
  /**
   * The absolute path of the file at fault.
   *
   * @default {undefined}
   */
  file?: string;
  /**
   * The 1-based line in `file`.
   *
   * @default {undefined}
   */
  line?: number;
  /**
   * The 1-based column in `file`.
   *
   * @default {undefined}
   */
  column?: number;
}

/**
 * An error in configuration: a malformed or missing file, a bad command
 * line, or values that failed validation. The message says what is wrong,
 * where, and how to fix it; the properties carry the same facts for code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationError } from "./mod.ts";
 *
 * const error = new ConfigurationError('Invalid JSON in "/srv/app/appsettings.json" at line 3, column 5: Unexpected "}"', {
 *   file: "/srv/app/appsettings.json",
 *   line: 3,
 *   column: 5,
 * });
 * assert.equal(error.name, "ConfigurationError");
 * assert.equal(error.line, 3);
 * assert.equal(error.column, 5);
 * ```
 */
export class ConfigurationError extends Error {
  /** The problems found by validation; empty for other errors. */
  readonly issues: readonly ConfigurationIssue[];
  /** The absolute path of the file at fault, when a file is. */
  readonly file?: string;
  /** The 1-based line in {@linkcode ConfigurationError.file}. */
  readonly line?: number;
  /** The 1-based column in {@linkcode ConfigurationError.file}. */
  readonly column?: number;

  /**
   * Makes a configuration error.
   *
   * @param message What is wrong, where, and how to fix it.
   * @param options Issues, file position and cause.
   */
  constructor(message: string, options: ConfigurationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : options);
    this.name = "ConfigurationError";
    this.issues = Object.freeze([...(options.issues ?? [])]);
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.column !== undefined) this.column = options.column;
  }
}
