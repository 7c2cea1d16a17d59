// Shared by the logging tests: an output that keeps records, a console
// output that keeps lines, and configuration that tests can change.

import {
  Configuration,
  type ConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import {
  type ConsoleFormatterName,
  ConsoleOutput,
  type LogOutput,
  type LogRecord,
} from "../../../hosting/logging/mod.ts";

/** An output that keeps every record it is given. */
export class MemoryOutput implements LogOutput {
  readonly name: string;
  readonly records: LogRecord[] = [];
  disposed = 0;

  constructor(name = "Memory") {
    this.name = name;
  }

  write(record: LogRecord): void {
    this.records.push(record);
  }

  /** The messages written, in order. */
  get messages(): string[] {
    return this.records.map((record) => record.message);
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.disposed++;
    return Promise.resolve();
  }
}

/** A console output whose lines land in `lines`. */
export function consoleLines(
  formatter?: ConsoleFormatterName,
): { output: ConsoleOutput; lines: string[] } {
  const lines: string[] = [];
  const output = new ConsoleOutput({
    formatter,
    write: (line) => lines.push(line),
  });
  return { output, lines };
}

/** A provider of flat `key → value` pairs that a test changes and reloads. */
export class MutableProvider implements ConfigurationProvider {
  readonly description = "test values";
  readonly #next = new Map<string, [string, string]>();
  #loaded = new Map<string, [string, string]>();

  constructor(values: Record<string, string> = {}) {
    for (const [key, value] of Object.entries(values)) this.set(key, value);
  }

  /** Sets a value for the next load. */
  set(key: string, value: string): this {
    this.#next.set(key.toLowerCase(), [key, value]);
    return this;
  }

  /** Removes a value for the next load. */
  delete(key: string): this {
    this.#next.delete(key.toLowerCase());
    return this;
  }

  load(): void {
    this.#loaded = new Map(this.#next);
  }

  get(key: string): string | undefined {
    return this.#loaded.get(key.toLowerCase())?.[1];
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [key, value] of this.#loaded.values()) yield [key, value];
  }
}

/** A configuration over one {@linkcode MutableProvider}. */
export function mutableConfiguration(
  values: Record<string, string> = {},
): { configuration: Configuration; provider: MutableProvider } {
  const provider = new MutableProvider(values);
  return { configuration: new Configuration([provider]), provider };
}

/** Waits `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
