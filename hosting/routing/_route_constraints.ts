// Route constraints, ASP.NET's names and meanings: `{id:int}`, `{n:range(1,100)}`.
// Each tests the percent-decoded value of its parameter.

/** A constraint as the template wrote it, ready to test values. */
export interface RouteConstraint {
  /** Its canonical text (`"range(1,100)"`): equal texts constrain alike. */
  readonly text: string;
  /** Whether `value` satisfies it. */
  test(value: string): boolean;
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GUID =
  /^(?:\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})$/i;
const ALPHA = /^[a-z]+$/i;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function isLong(value: string): boolean {
  if (!INTEGER.test(value)) return false;
  const n = BigInt(value);
  return n >= INT64_MIN && n <= INT64_MAX;
}

function isFile(value: string): boolean {
  const last = value.slice(value.lastIndexOf("/") + 1);
  const dot = last.lastIndexOf(".");
  return dot >= 0 && dot < last.length - 1;
}

type Factory = (args: string[]) => (value: string) => boolean;

function integerArgument(name: string, args: string[], i: number): bigint {
  const text = args[i]?.trim() ?? "";
  if (!INTEGER.test(text)) {
    throw new TypeError(
      `constraint "${name}" needs an integer argument, got "${args[i] ?? ""}"`,
    );
  }
  return BigInt(text);
}

function arity(name: string, args: string[], ...counts: number[]): void {
  if (!counts.includes(args.length)) {
    const wanted = counts.map((n) => n === 0 ? "no" : String(n)).join(" or ");
    throw new TypeError(
      `constraint "${name}" takes ${wanted} argument${
        counts.at(-1) === 1 ? "" : "s"
      }, got ${args.length}`,
    );
  }
}

// Compares as ASP.NET's min/max/range do: the value must be an integer.
function compare(value: string, test: (n: bigint) => boolean): boolean {
  return INTEGER.test(value) && test(BigInt(value));
}

// The common case of {id:int} without a regex: at most ten digits after an
// optional sign, in the 32-bit range.
function isInt(value: string): boolean {
  const length = value.length;
  let i = value.charCodeAt(0) === 43 || value.charCodeAt(0) === 45 ? 1 : 0;
  if (i === length) return false;
  for (; i < length; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  if (length < 10) return true;
  const n = Number(value);
  return n >= INT32_MIN && n <= INT32_MAX;
}

const FACTORIES: Record<string, Factory> = {
  int: () => isInt,
  long: () => isLong,
  bool: () => (v) => /^(?:true|false)$/i.test(v),
  decimal: () => (v) => NUMBER.test(v),
  double: () => (v) => NUMBER.test(v),
  float: () => (v) => NUMBER.test(v),
  guid: () => (v) => GUID.test(v),
  datetime: () => (v) => v !== "" && !Number.isNaN(Date.parse(v)),
  alpha: () => (v) => ALPHA.test(v),
  required: () => (v) => v !== "",
  file: () => isFile,
  nonfile: () => (v) => !isFile(v),
  min: (args) => {
    arity("min", args, 1);
    const min = integerArgument("min", args, 0);
    return (v) => compare(v, (n) => n >= min);
  },
  max: (args) => {
    arity("max", args, 1);
    const max = integerArgument("max", args, 0);
    return (v) => compare(v, (n) => n <= max);
  },
  range: (args) => {
    arity("range", args, 2);
    const min = integerArgument("range", args, 0);
    const max = integerArgument("range", args, 1);
    if (min > max) {
      throw new TypeError(
        `constraint "range" needs its minimum first, got range(${min},${max})`,
      );
    }
    return (v) => compare(v, (n) => n >= min && n <= max);
  },
  length: (args) => {
    arity("length", args, 1, 2);
    const min = Number(integerArgument("length", args, 0));
    const max = args.length === 2
      ? Number(integerArgument("length", args, 1))
      : min;
    return (v) => v.length >= min && v.length <= max;
  },
  minlength: (args) => {
    arity("minlength", args, 1);
    const min = Number(integerArgument("minlength", args, 0));
    return (v) => v.length >= min;
  },
  maxlength: (args) => {
    arity("maxlength", args, 1);
    const max = Number(integerArgument("maxlength", args, 0));
    return (v) => v.length <= max;
  },
};

/** The constraint names a template may use. */
export const CONSTRAINT_NAMES: readonly string[] = [
  ...Object.keys(FACTORIES),
  "regex",
];

/**
 * Makes the constraint `name` with its argument text (what is between the
 * parentheses, or `undefined` without them).
 *
 * @throws {TypeError} For an unknown name or bad arguments; the message says
 * which, without the template (the caller adds it).
 */
export function makeConstraint(
  name: string,
  argument: string | undefined,
): RouteConstraint {
  const lower = name.toLowerCase();
  if (lower === "regex") {
    if (argument === undefined || argument === "") {
      throw new TypeError(
        'constraint "regex" needs a pattern: {code:regex(^[a-z]{{3}}$)}',
      );
    }
    let pattern: RegExp;
    try {
      // ASP.NET matches regex constraints ignoring case.
      pattern = new RegExp(argument, "iu");
    } catch (error) {
      throw new TypeError(
        `constraint "regex" has an invalid pattern /${argument}/: ${
          (error as Error).message
        }`,
      );
    }
    return { text: `regex(${argument})`, test: (v) => pattern.test(v) };
  }
  const factory = Object.hasOwn(FACTORIES, lower) ? FACTORIES[lower] : null;
  if (factory === null) {
    throw new TypeError(
      `unknown constraint "${name}": use one of ${CONSTRAINT_NAMES.join(", ")}`,
    );
  }
  const args = argument === undefined
    ? []
    : argument.split(",").map((part) => part.trim());
  if (argument !== undefined && factory.length === 0) {
    throw new TypeError(
      `constraint "${lower}" takes no arguments, got (${argument})`,
    );
  }
  const test = factory(args);
  return {
    text: argument === undefined ? lower : `${lower}(${args.join(",")})`,
    test,
  };
}
