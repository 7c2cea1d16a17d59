/**
 * Options bound from configuration that follow its reloads.
 *
 * @module
 */

import { getDefaultLoggerFactory } from "../logging/logger_factory.ts";
import { bind } from "../config/bind.ts";
import type { ConfigurationSection } from "../config/configuration_section.ts";
import type { StandardSchemaV1 } from "../config/standard_schema.ts";
import { type ServiceKey, serviceKey } from "./service_key.ts";

/**
 * Typed options that stay current with the configuration
 * (`IOptionsMonitor<T>`), registered by {@linkcode ServiceCollection.configure}.
 *
 * @typeParam T The options' type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OptionsMonitor } from "./mod.ts";
 *
 * function describe(limits: OptionsMonitor<{ MaxBody: number }>): string {
 *   return `up to ${limits.current.MaxBody} bytes`;
 * }
 * const fixed: OptionsMonitor<{ MaxBody: number }> = {
 *   current: { MaxBody: 1024 },
 *   onChange: () => () => {},
 * };
 * assert.equal(describe(fixed), "up to 1024 bytes");
 * ```
 */
export interface OptionsMonitor<T> {
  /** The last valid options. */
  readonly current: T;
  /**
   * Calls `listener` with the new options after each reload that changed the
   * section's values and produced valid options.
   *
   * @param listener The function to call.
   * @returns A function that stops calling it.
   */
  onChange(listener: (value: T) => void): () => void;
}

/**
 * Makes the token of an {@linkcode OptionsMonitor}, for
 * {@linkcode ServiceCollection.configure} and for resolving it.
 *
 * @typeParam T The options' type.
 * @param name A name for error messages, like `"ServerOptions"`.
 * @returns The key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { optionsKey, ServiceCollection } from "./mod.ts";
 *
 * const Greeting = optionsKey<{ Text: string }>("Greeting");
 * const config = new ConfigurationBuilder().addInMemory({ Greeting: { Text: "hi" } }).build();
 * const services = new ServiceCollection().configure(Greeting, config.getSection("Greeting")).build();
 * assert.equal(services.getRequired(Greeting).current.Text, "hi");
 * ```
 */
export function optionsKey<T>(name: string): ServiceKey<OptionsMonitor<T>> {
  return serviceKey<OptionsMonitor<T>>(name);
}

/**
 * Something that says when configuration changed: a `Configuration` is one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import type { ChangeSource } from "./mod.ts";
 *
 * const config = new ConfigurationBuilder().addInMemory({}).build();
 * const source: ChangeSource = config;
 * let changes = 0;
 * const stop = source.onChange(() => changes++);
 * config.reload();
 * stop();
 * config.reload(); // no longer counted
 * assert.equal(changes, 1);
 * ```
 */
export interface ChangeSource {
  /**
   * Calls `callback` after each change.
   *
   * @param callback The function to call.
   * @returns A function that stops calling it.
   */
  onChange(callback: () => void): () => void;
}

/** How {@linkcode ServiceCollection.configure} binds and follows a section. */
export interface ConfigureOptions<T> {
  /**
   * Validates (and may transform) the bound object.
   *
   * @default {undefined} (the plain bound object)
   */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * The configuration whose reloads the options follow (a `Configuration`).
   * Without it: the section itself when it is the root `Configuration`,
   * else the `Configuration` registered as a service (class token); with
   * none, the options never change.
   *
   * @default {undefined}
   */
  configuration?: ChangeSource;
  /**
   * Called when a reload makes invalid options; `current` keeps the last
   * valid value.
   *
   * @default {undefined} (logged at Error in `Roost.Hosting.Configuration`)
   */
  onError?: (error: unknown) => void;
}

/** What {@linkcode ConfigurationOptionsMonitor} binds with and follows. */
export interface ConfigurationOptionsMonitorOptions<T> {
  /**
   * Validates the bound object.
   *
   * @default {undefined}
   */
  schema?: StandardSchemaV1<unknown, T> | undefined;
  /**
   * The configuration whose changes trigger a rebind.
   *
   * @default {undefined} (never rebinds)
   */
  configuration?: ChangeSource | undefined;
  /**
   * Receives the error of a reload that made invalid options.
   *
   * @default {undefined} (logged at Error in `Roost.Hosting.Configuration`)
   */
  onError?: ((error: unknown) => void) | undefined;
}

// Through the host's logging (its format: a JSON log stays JSON), where the
// configuration's own reload errors go.
function logError(message: string, error?: unknown): void {
  getDefaultLoggerFactory().createLogger("Roost.Hosting.Configuration").error(
    message,
    error === undefined ? undefined : { error },
  );
}

function logInvalidReload(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  logError(
    `Reloaded configuration makes invalid options; keeping the previous values. ${message}`,
  );
}

/**
 * The {@linkcode OptionsMonitor} that {@linkcode ServiceCollection.configure}
 * registers. Binds when made (so an invalid section throws its
 * `ConfigurationError` then), rebinds when the configuration changes and the
 * section's entries differ, and stops listening when disposed (the root
 * provider does this).
 *
 * @typeParam T The options' type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "../config/mod.ts";
 * import { ConfigurationOptionsMonitor } from "./mod.ts";
 *
 * const config = new ConfigurationBuilder().addInMemory({ Feature: { On: "true" } }).build();
 * using monitor = new ConfigurationOptionsMonitor(config.getSection("Feature"), { configuration: config });
 * assert.deepEqual(monitor.current, { On: true });
 * ```
 */
export class ConfigurationOptionsMonitor<T>
  implements OptionsMonitor<T>, Disposable {
  readonly #section: ConfigurationSection;
  readonly #schema: StandardSchemaV1<unknown, T> | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #listeners = new Set<(value: T) => void>();
  #current: T;
  #entries: string;
  #unsubscribe: (() => void) | undefined;

  /**
   * Binds the section and starts following the configuration.
   *
   * @param section The section to bind.
   * @param options The schema, the configuration to follow, and the error
   * handler.
   * @throws {ConfigurationError} When the section does not satisfy the
   * schema, listing every issue with its full path.
   */
  constructor(
    section: ConfigurationSection,
    options: ConfigurationOptionsMonitorOptions<T> = {},
  ) {
    this.#section = section;
    this.#schema = options.schema;
    this.#onError = options.onError ?? logInvalidReload;
    this.#entries = JSON.stringify(section.asEntries());
    this.#current = bind<T>(section, this.#schema);
    this.#unsubscribe = options.configuration?.onChange(() => this.#reload());
  }

  /** The last valid options. */
  get current(): T {
    return this.#current;
  }

  /**
   * Calls `listener` after each reload that changes the options.
   *
   * @param listener The function to call with the new options.
   * @returns A function that stops calling it.
   */
  onChange(listener: (value: T) => void): () => void {
    const own = (value: T): void => listener(value);
    this.#listeners.add(own);
    return () => {
      this.#listeners.delete(own);
    };
  }

  /** Stops following the configuration. */
  [Symbol.dispose](): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #reload(): void {
    // Every change anywhere in the configuration lands here: rebind (and
    // report) only when this section's entries actually changed.
    const entries = JSON.stringify(this.#section.asEntries());
    if (entries === this.#entries) return;
    this.#entries = entries;
    let value: T;
    try {
      value = bind<T>(this.#section, this.#schema);
    } catch (error) {
      try {
        this.#onError(error);
      } catch (thrown) {
        logError("The options reload error handler threw", thrown);
      }
      return;
    }
    this.#current = value;
    const report = (error: unknown) =>
      logError("An options change listener threw", error);
    for (const listener of [...this.#listeners]) {
      try {
        // An async listener's rejection must not end the process.
        const result: unknown = listener(value);
        if (result instanceof Promise) result.catch(report);
      } catch (error) {
        report(error);
      }
    }
  }
}
