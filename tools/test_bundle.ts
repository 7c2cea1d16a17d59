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
 * directly or through the helpers in `tests/`, is a public entry: a file
 * that also imports an internal module would load Roost twice (its
 * sources and its bundle), which is not what a user runs. Types were
 * checked on the sources, so this run does not check them again (an
 * import map would point the bundle's own types, its sources, at itself).
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { ENTRIES } from "./bundle.ts";

const ROOT = new URL("../", import.meta.url);
const TESTS = new URL("tests/", ROOT);

// The public entries but the roost command, which tests run as a process.
const PUBLIC = ENTRIES.filter((entry) => entry !== "main.ts")
  .map((entry) => new URL(entry, ROOT).href);

const IMPORT =
  /(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g;

// What a module imports from outside tests/, through tests/ helpers too.
async function reaches(
  file: URL,
  seen = new Map<string, Set<string>>(),
): Promise<Set<string>> {
  const known = seen.get(file.href);
  if (known !== undefined) return known;
  const found = new Set<string>();
  seen.set(file.href, found);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    // An import written in a string of a test, not a file.
    if (error instanceof Deno.errors.NotFound) return found;
    throw error;
  }
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2];
    if (!specifier.startsWith(".")) continue;
    const target = new URL(specifier, file);
    if (!target.href.startsWith(TESTS.href)) found.add(target.href);
    else if (target.pathname.endsWith(".ts")) {
      for (const href of await reaches(target, seen)) found.add(href);
    }
  }
  return found;
}

async function* testFiles(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) {
      if (entry.name !== "fixtures") {
        yield* testFiles(new URL(`${entry.name}/`, dir));
      }
    } else if (entry.name.endsWith("_test.ts")) yield new URL(entry.name, dir);
  }
}

/** The test files that import only public entries, sorted. */
export async function publicOnlyTests(): Promise<URL[]> {
  const files: URL[] = [];
  for await (const file of testFiles(TESTS)) {
    const imported = await reaches(file);
    if (
      imported.size > 0 && [...imported].every((href) => PUBLIC.includes(href))
    ) files.push(file);
  }
  return files.sort((a, b) => a.href.localeCompare(b.href));
}

if (import.meta.main) {
  const files = await publicOnlyTests();
  if (Deno.args.includes("--list")) {
    for (const file of files) {
      console.log(file.pathname.slice(ROOT.pathname.length));
    }
    Deno.exit(0);
  }
  const map = await Deno.makeTempFile({ suffix: ".json" });
  try {
    const imports = Object.fromEntries(
      ENTRIES.filter((entry) => entry !== "main.ts").map((entry) => [
        new URL(entry, ROOT).href,
        new URL(`bundle/${entry.replace(/\.ts$/, ".js")}`, ROOT).href,
      ]),
    );
    await Deno.writeTextFile(map, JSON.stringify({ imports }));
    console.log(
      `The ${files.length} test files that use only public entries, against bundle/:`,
    );
    const { code } = await new Deno.Command(Deno.execPath(), {
      args: [
        "test",
        "-A",
        "--no-check",
        "--parallel",
        `--import-map=${map}`,
        ...files.map((file) => fileURLToPath(file)),
      ],
      cwd: ROOT,
      stdin: "null",
    }).spawn().status;
    Deno.exitCode = code;
  } finally {
    await Deno.remove(map);
  }
}
