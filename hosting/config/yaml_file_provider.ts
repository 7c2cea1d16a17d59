/**
 * `YamlConfigurationProvider`: values from a YAML file.
 *
 * @module
 */

// The project pins third-party code inline, imported in this one module only.
// A type-only import costs nothing at run time; the parser itself is
// imported by prepare(), so a host that reads no YAML never loads it
// (importing it took ~25 ms of a ~50 ms start).
// deno-lint-ignore no-import-prefix
import type * as Yaml from "npm:yaml@2.9.1";
import type Process from "node:process";
import { flatten } from "./_keys.ts";
import { ConfigurationError } from "./configuration_error.ts";
import { FileConfigurationProvider } from "./file_provider.ts";

/** The parser and `process`, once prepare() has imported them. */
let loaded: { yaml: typeof Yaml; process: typeof Process } | undefined;
let loading: Promise<void> | undefined;

function loadParser(): Promise<void> {
  return loading ??= Promise.all([
    // deno-lint-ignore no-import-prefix
    import("npm:yaml@2.9.1"),
    import("node:process"),
  ]).then(([yaml, process]) => {
    loaded = { yaml, process: process.default };
  }, (error) => {
    loading = undefined; // let a later prepare() try again
    throw error;
  });
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Values from a YAML file (YAML 1.2, one document; `<<` merge keys
 * allowed). The top level is a mapping; nested mappings flatten to `a:b:c`
 * and sequences to `key:0`, `key:1`; `null` and `~` are `""`; a repeated
 * key is an error.
 *
 * The YAML parser is imported on first use, by the asynchronous
 * {@linkcode YamlConfigurationProvider.prepare}: a host does that before it
 * builds its configuration, and so does
 * {@linkcode ConfigurationBuilder.buildAsync}. Call it yourself before a
 * synchronous `load()` or `ConfigurationBuilder.build()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { YamlConfigurationProvider } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/appsettings.yaml`, "Server:\n  Port: 8080\n  Urls: [http://a, http://b]\n");
 * const provider = new YamlConfigurationProvider("appsettings.yaml", { basePath: dir });
 * await provider.prepare(); // imports the YAML parser
 * provider.load();
 * assert.equal(provider.get("server:port"), "8080");
 * assert.equal(provider.get("Server:Urls:1"), "http://b");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class YamlConfigurationProvider extends FileConfigurationProvider {
  /** Says where the values come from: `YAML file "appsettings.yaml"`. */
  get description(): string {
    return `YAML file "${this.displayPath}"`;
  }

  /**
   * Imports the YAML parser when the file exists (once per process; a
   * missing optional file needs none).
   *
   * @returns A promise that settles once `load()` can run synchronously.
   */
  prepare(): Promise<void> {
    return loaded !== undefined || !exists(this.path)
      ? Promise.resolve()
      : loadParser();
  }

  /**
   * Watches the file as every file provider does; a file that appears
   * after start-up, before the parser was imported, imports it first.
   *
   * @param changed Called after the values changed.
   * @param onError Called with the error of a failed reload.
   * @returns A function that stops watching.
   */
  override watch(
    changed: () => void,
    onError: (error: unknown) => void,
  ): () => void {
    return super.watch(changed, (error) => {
      if (!(error instanceof ParserNotLoadedError)) return onError(error);
      loadParser().then(() => {
        this.load();
        changed();
      }).catch(onError);
    });
  }

  /**
   * Reads the YAML text.
   *
   * @param text The file's contents.
   * @returns The flattened pairs.
   * @throws {ConfigurationError} Naming the file, line and column of the
   * first error, or saying the top level is not a mapping.
   */
  protected parse(text: string): Iterable<readonly [string, string]> {
    if (loaded === undefined) throw new ParserNotLoadedError(this.path);
    const { yaml, process } = loaded;
    const value = withoutEnvironmentLookups(process, () => {
      const document = yaml.parseDocument(text, {
        intAsBigInt: true, // big integers keep every digit
        merge: true,
        prettyErrors: true,
        uniqueKeys: true,
      });
      const error = document.errors[0];
      if (error !== undefined) throw this.#syntaxError(error);
      // Configuration values are text: a number or boolean keeps the text
      // it was written as ("01234", "2.10", "0x1F", "True"), as JSON's do,
      // instead of YAML's reading of it (1234, 2.1, 31, true).
      yaml.visit(document, {
        Scalar(_key, node) {
          const value = node.value;
          if (
            typeof value === "number" || typeof value === "bigint" ||
            typeof value === "boolean"
          ) {
            node.value = node.source ?? String(value);
          }
        },
      });
      return document.toJS({ maxAliasCount: 1000 });
    });
    if (value === null || value === undefined) return []; // an empty file
    if (typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigurationError(
        `Invalid YAML in "${this.path}": the top level must be a mapping of keys, got ${
          Array.isArray(value)
            ? "a sequence"
            : `the scalar ${JSON.stringify(String(value))}`
        }`,
        { file: this.path },
      );
    }
    return flatten(value);
  }

  #syntaxError(error: Yaml.YAMLParseError): ConfigurationError {
    const position = error.linePos?.[0];
    // The library appends " at line L, column C:" and a code excerpt.
    const reason = error.message.split("\n")[0].replace(
      / at line \d+, column \d+:?$/,
      "",
    );
    const where = position === undefined
      ? ""
      : ` at line ${position.line}, column ${position.col}`;
    return new ConfigurationError(
      `Invalid YAML in "${this.path}"${where}: ${reason}`,
      {
        file: this.path,
        line: position?.line,
        column: position?.col,
        cause: error,
      },
    );
  }
}

/**
 * Runs `fn` with an empty `process.env` when env access is not granted: the
 * yaml package reads `LOG_TOKENS` and `LOG_STREAM` while parsing, which
 * throws `NotCapable` without `--allow-env`. Parsing is synchronous, so no
 * other code sees the swap.
 */
function withoutEnvironmentLookups<T>(
  process: typeof Process,
  fn: () => T,
): T {
  const granted = ["LOG_TOKENS", "LOG_STREAM"].every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
  if (granted) return fn();
  const env = process.env;
  process.env = {};
  try {
    return fn();
  } finally {
    process.env = env;
  }
}

/** Thrown by a synchronous load that ran before prepare(). */
class ParserNotLoadedError extends ConfigurationError {
  constructor(path: string) {
    super(
      `Cannot read YAML file "${path}" yet: the YAML parser is imported on first use. Await provider.prepare() or build with await ConfigurationBuilder.buildAsync() (hosts do this themselves)`,
      { file: path },
    );
  }
}
