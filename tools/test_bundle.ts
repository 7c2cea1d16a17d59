/**
 * Runs the test files that use only Roost's public entries once more, with
 * those entries mapped to their bundles (`bundle/`), so the suites test the
 * code users run as well as its sources. `deno task test` ends with it.
 *
 * ```sh
 * deno run -A tools/test_bundle.ts          # every such test file
 * deno run -A tools/test_bundle.ts --list   # only name them
 * ```
 *
 * A test file qualifies when everything it imports from outside `tests/`,
 * directly or through the helpers in `tests/`, is a public entry, or names
 * that the public entries export too, which it then gets from the bundle:
 * a file that needs anything else of an internal module would load Roost
 * twice (its sources and its bundle), which is not what a user runs.
 * Tests that start Roost in a subprocess (the roost command, workers,
 * `deno serve`) still run its sources there. Types were
 * checked on the sources, so this run does not check them again (an
 * import map would point the bundle's own types, its sources, at itself).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ENTRIES, files } from "./bundle.ts";

const ROOT = new URL("../", import.meta.url);
const TESTS = new URL("tests/", ROOT);

// The public entries but the roost command, which tests run as a process.
const PUBLIC = ENTRIES.filter((entry) => entry !== "main.ts")
  .map((entry) => new URL(entry, ROOT).href);

// One import or re-export: `type` for a type-only one, the clause
// (`{ a, b as c }`, `X`, `* as ns`, `*`), the specifier; or a dynamic
// import; or an import for its effects alone.
const STATEMENT =
  /\b(?:import|export)\s+(type\s+)?([^;]*?)\s+from\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)|\bimport\s+"([^"]+)"/g;

/** Everything a module needs of another: named bindings, or all of it. */
type Needs = Set<string> | "all";

// The runtime names a clause imports, or "all" (a default, a namespace).
function namesOf(clause: string): Needs {
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (braces === null) return "all";
  const names = new Set<string>();
  for (const part of braces[1].split(",")) {
    const item = part.trim();
    if (item === "" || item.startsWith("type ")) continue;
    names.add(item.split(/\s+as\s+/)[0]);
  }
  return names;
}

function add(into: Map<string, Needs>, href: string, needs: Needs): void {
  const known = into.get(href);
  if (known === "all" || needs === "all") into.set(href, "all");
  else into.set(href, new Set([...(known ?? []), ...needs]));
}

// What a module needs from modules outside tests/, through tests/ helpers
// too.
async function reaches(
  file: URL,
  seen = new Map<string, Map<string, Needs>>(),
): Promise<Map<string, Needs>> {
  const known = seen.get(file.href);
  if (known !== undefined) return known;
  const found = new Map<string, Needs>();
  seen.set(file.href, found);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    // An import written in a string of a test, not a file.
    if (error instanceof Deno.errors.NotFound) return found;
    throw error;
  }
  for (const match of text.matchAll(STATEMENT)) {
    if (match[1] !== undefined) continue;
    const specifier = match[3] ?? match[4] ?? match[5];
    if (!specifier.startsWith(".")) continue;
    const target = new URL(specifier, file);
    if (target.href.startsWith(TESTS.href)) {
      if (target.pathname.endsWith(".ts")) {
        for (const [href, needs] of await reaches(target, seen)) {
          add(found, href, needs);
        }
      }
    } else {add(
        found,
        target.href,
        match[2] === undefined ? "all" : namesOf(match[2]),
      );}
  }
  return found;
}

/**
 * The test files that use only what the public entries export, sorted,
 * and the internal modules they import those names from (which the run
 * points at the bundle too).
 */
export async function publicOnlyTests(): Promise<
  { files: URL[]; internal: Set<string> }
> {
  const exported = new Set(
    Object.keys(await import(new URL("mod.ts", ROOT).href)),
  );
  const tests: URL[] = [];
  const internal = new Set<string>();
  for (const name of await files(TESTS)) {
    if (!name.endsWith("_test.ts") || name.split("/").includes("fixtures")) {
      continue;
    }
    const file = new URL(name, TESTS);
    const needs = await reaches(file);
    const publicOnly = needs.size > 0 &&
      [...needs].every(([href, names]) =>
        PUBLIC.includes(href) ||
        (names !== "all" && [...names].every((name) => exported.has(name)))
      );
    if (!publicOnly) continue;
    tests.push(file);
    for (const href of needs.keys()) {
      if (!PUBLIC.includes(href)) internal.add(href);
    }
  }
  // files() gives them sorted already.
  return { files: tests, internal };
}

if (import.meta.main) {
  const { files: tests, internal } = await publicOnlyTests();
  if (Deno.args.includes("--list")) {
    for (const file of tests) {
      console.log(file.pathname.slice(ROOT.pathname.length));
    }
    Deno.exit(0);
  }
  const dir = await Deno.makeTempDir({ prefix: "roost-test-bundle-" });
  try {
    const bundle = new URL("bundle/mod.js", ROOT).href;
    // An internal module a test imports public names from: those names,
    // from the bundle.
    const shim = `${dir}/public.js`;
    await Deno.writeTextFile(
      shim,
      `export * from ${JSON.stringify(bundle)};\n`,
    );
    const imports: Record<string, string> = Object.fromEntries(
      ENTRIES.filter((entry) => entry !== "main.ts").map((entry) => [
        new URL(entry, ROOT).href,
        new URL(`bundle/${entry.replace(/\.ts$/, ".js")}`, ROOT).href,
      ]),
    );
    for (const href of internal) imports[href] = `file://${shim}`;
    const map = `${dir}/import_map.json`;
    await Deno.writeTextFile(map, JSON.stringify({ imports }));
    console.log(
      `The ${tests.length} test files that use only what the public entries export, against bundle/:`,
    );
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "-A",
        "--no-check",
        "--parallel",
        `--import-map=${map}`,
        ...tests.map((file) => fileURLToPath(file)),
      ],
      cwd: ROOT,
      stdin: "null",
    }).spawn().status;
    Deno.exitCode = code;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
