// A small JSON reader for configuration files. It accepts what ASP.NET Core
// accepts in appsettings.json (comments and trailing commas), keeps numbers'
// text as written ("1.0", big integers), reports errors by offset so the
// caller can name a line and column (V8's messages often have no position),
// and flattens into ":"-separated keys as it goes.

import { combineKey } from "./_keys.ts";

/** A syntax error at `offset` (0-based) in the text. */
export class JsonSyntaxError extends SyntaxError {
  /** Where in the text the problem is. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.name = "JsonSyntaxError";
    this.offset = offset;
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// null becomes "": the key exists, and overrides earlier providers.
const LITERALS = [["true", "true"], ["false", "false"], ["null", ""]] as const;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class Reader {
  readonly #text: string;
  readonly #out: [string, string][] = [];
  #pos = 0;

  constructor(text: string) {
    this.#text = text;
  }

  read(): [string, string][] {
    this.#skip();
    if (this.#pos >= this.#text.length) return this.#out; // empty: no values
    if (this.#text[this.#pos] !== "{") {
      throw this.#error(
        `Expected an object at the top level, got ${this.#found()}`,
      );
    }
    this.#object("");
    this.#skip();
    if (this.#pos < this.#text.length) {
      throw this.#error(
        `Unexpected ${this.#found()} after the top-level object`,
      );
    }
    return this.#out;
  }

  #error(message: string, offset = this.#pos): JsonSyntaxError {
    return new JsonSyntaxError(message, offset);
  }

  #found(): string {
    if (this.#pos >= this.#text.length) return "end of input";
    const char = String.fromCodePoint(this.#text.codePointAt(this.#pos)!);
    return JSON.stringify(char);
  }

  #skip(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const char = text[this.#pos];
      if (char === " " || char === "\t" || char === "\n" || char === "\r") {
        this.#pos++;
      } else if (text.startsWith("//", this.#pos)) {
        const end = text.indexOf("\n", this.#pos);
        this.#pos = end === -1 ? text.length : end + 1;
      } else if (text.startsWith("/*", this.#pos)) {
        const end = text.indexOf("*/", this.#pos + 2);
        if (end === -1) throw this.#error("Unterminated /* comment");
        this.#pos = end + 2;
      } else {
        return;
      }
    }
  }

  #value(path: string): void {
    const char = this.#text[this.#pos];
    if (char === "{") return this.#object(path);
    if (char === "[") return this.#array(path);
    if (char === '"') {
      this.#out.push([path, this.#string()]);
      return;
    }
    for (const [word, value] of LITERALS) {
      if (this.#text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        this.#out.push([path, value]);
        return;
      }
    }
    NUMBER.lastIndex = this.#pos;
    const number = NUMBER.exec(this.#text);
    if (number === null) {
      throw this.#error(`Unexpected ${this.#found()}; expected a value`);
    }
    this.#pos += number[0].length;
    this.#out.push([path, number[0]]);
  }

  #object(path: string): void {
    this.#pos++; // {
    const keys = new Set<string>();
    this.#skip();
    while (this.#text[this.#pos] !== "}") {
      if (this.#text[this.#pos] !== '"') {
        throw this.#error(
          `Expected a property name in double quotes or "}", got ${this.#found()}`,
        );
      }
      const start = this.#pos;
      const key = this.#string();
      if (keys.has(key.toLowerCase())) {
        throw this.#error(
          `Duplicate key "${key}" (keys are case-insensitive); remove one`,
          start,
        );
      }
      keys.add(key.toLowerCase());
      this.#skip();
      if (this.#text[this.#pos] !== ":") {
        throw this.#error(`Expected ":" after "${key}", got ${this.#found()}`);
      }
      this.#pos++;
      this.#skip();
      this.#value(combineKey(path, key));
      this.#skip();
      if (this.#text[this.#pos] === ",") {
        this.#pos++;
        this.#skip();
      } else if (this.#text[this.#pos] !== "}") {
        throw this.#error(
          `Expected "," or "}" after the value of "${key}", got ${this.#found()}`,
        );
      }
    }
    this.#pos++; // }
  }

  #array(path: string): void {
    this.#pos++; // [
    this.#skip();
    for (let index = 0; this.#text[this.#pos] !== "]"; index++) {
      if (this.#pos >= this.#text.length) {
        throw this.#error(`Expected a value or "]", got end of input`);
      }
      this.#value(combineKey(path, String(index)));
      this.#skip();
      if (this.#text[this.#pos] === ",") {
        this.#pos++;
        this.#skip();
      } else if (this.#text[this.#pos] !== "]") {
        throw this.#error(
          `Expected "," or "]" after an array item, got ${this.#found()}`,
        );
      }
    }
    this.#pos++; // ]
  }

  #string(): string {
    const text = this.#text;
    const start = this.#pos++;
    let result = "";
    for (;;) {
      const char = text[this.#pos];
      if (char === undefined) throw this.#error("Unterminated string", start);
      if (char === '"') break;
      if (char < " ") {
        throw this.#error(
          `Unescaped control character ${JSON.stringify(char)} in a string`,
        );
      }
      if (char !== "\\") {
        result += char;
        this.#pos++;
        continue;
      }
      const escape = text[this.#pos + 1];
      const hex = text.slice(this.#pos + 2, this.#pos + 6);
      if (escape === "u" && /^[0-9a-fA-F]{4}$/.test(hex)) {
        result += String.fromCharCode(parseInt(hex, 16));
        this.#pos += 6;
      } else if (escape !== undefined && Object.hasOwn(ESCAPES, escape)) {
        result += ESCAPES[escape];
        this.#pos += 2;
      } else {
        throw this.#error(`Invalid escape "\\${escape ?? ""}" in a string`);
      }
    }
    this.#pos++; // closing quote
    return result;
  }
}

/**
 * Reads a JSON object (comments and trailing commas allowed) into
 * flattened `[key, value]` pairs; whitespace-only text has no pairs.
 *
 * @throws {JsonSyntaxError} With the offset of the first problem.
 */
export function readJson(text: string): [string, string][] {
  return new Reader(text).read();
}

/** The 1-based line and column (in UTF-16 code units) of an offset. */
export function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === "\n") {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
