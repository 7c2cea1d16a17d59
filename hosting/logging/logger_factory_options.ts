/**
 * {@linkcode LoggerFactoryOptions}: what a {@linkcode LoggerFactory} is
 * made with.
 *
 * @module
 */

import type { ConfigurationSection } from "../config/configuration_section.ts";
import type { LogOutput } from "./log_record.ts";

/** What a {@linkcode LoggerFactory} starts with. */
export interface LoggerFactoryOptions {
  /**
   * The configuration root; the factory reads its `Logging` section
   * (`Logging:LogLevel:{category}`, `Logging:{Output}:LogLevel:{category}`,
   * `Logging:{Output}:…` for each output), and follows its changes when it
   * has `onChange`, as a `Configuration` does.
   *
   * @default {undefined} (no configured rules: Information and above)
   */
  configuration?: ConfigurationSection;
  /**
   * The outputs. A factory without outputs writes nothing.
   *
   * @default {[]}
   */
  outputs?: readonly LogOutput[];
  /**
   * Called when an output's `write` throws. Logging never throws for it.
   *
   * @default {a `console.error` line naming the output}
   */
  onOutputError?: (error: unknown, output: LogOutput) => void;
}

/** A configuration that tells of changes, as `Configuration` does. */
export interface Changing {
  onChange(callback: () => void): () => void;
}

/** Whether `value` tells of changes. */
export function changes(value: object): value is Changing {
  return typeof (value as Partial<Changing>).onChange === "function";
}

/** The default `onOutputError`: one `console.error` line. */
export function reportOutputError(error: unknown, output: LogOutput): void {
  console.error(`Log output "${output.name}" failed to write a record:`, error);
}
