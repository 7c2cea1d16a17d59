// The layers' arrows only point down: features <- server <- hosting.

import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);
const LAYERS = ["features", "server", "hosting"] as const;
const FORBIDDEN: Record<(typeof LAYERS)[number], string[]> = {
  features: ["server", "hosting"],
  server: ["hosting"],
  hosting: [],
};

async function* sources(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) yield* sources(url);
    else if (entry.name.endsWith(".ts")) yield url;
  }
}

function importsOf(source: string): string[] {
  const specifiers = source.matchAll(
    /(?:import|export)\s[^;]*?from\s+"([^"]+)"|import\(\s*"([^"]+)"\s*\)/g,
  );
  return [...specifiers].map((m) => m[1] ?? m[2]);
}

Deno.test("no module imports a layer above its own", async () => {
  const violations: string[] = [];
  for (const layer of LAYERS) {
    const dir = new URL(`${layer}/`, ROOT);
    for await (const file of sources(dir)) {
      for (const specifier of importsOf(await Deno.readTextFile(file))) {
        if (!specifier.startsWith(".")) continue;
        const target = new URL(specifier, file).pathname.slice(
          ROOT.pathname.length,
        );
        const top = target.split("/")[0];
        if (FORBIDDEN[layer].includes(top)) {
          violations.push(
            `${file.pathname.slice(ROOT.pathname.length)} imports ${target}`,
          );
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});

Deno.test("the layering check sees a violating import", () => {
  assert.deepEqual(importsOf('import { x } from "../hosting/mod.ts";'), [
    "../hosting/mod.ts",
  ]);
  assert.deepEqual(importsOf('export * from "./a.ts";'), ["./a.ts"]);
});

Deno.test("each third-party package is imported in exactly one module", async () => {
  const seen = new Map<string, string[]>();
  for (const layer of [...LAYERS, "main.ts", "mod.ts"]) {
    const url = new URL(layer.endsWith(".ts") ? layer : `${layer}/`, ROOT);
    const files = layer.endsWith(".ts")
      ? [url]
      : await Array.fromAsync(sources(url));
    for (const file of files) {
      for (const specifier of importsOf(await Deno.readTextFile(file))) {
        const match = /^npm:(@?[^@]+)@\d/.exec(specifier);
        if (specifier.startsWith("npm:") && match === null) {
          assert.fail(
            `${file.pathname}: "${specifier}" is not pinned to a version`,
          );
        }
        // One module may name a package twice (a type-only import and a
        // lazy `import()`, as the YAML provider does): it counts once.
        const files = seen.get(match?.[1] ?? "") ?? [];
        if (match && !files.includes(file.pathname)) {
          seen.set(match[1], [...files, file.pathname]);
        }
      }
    }
  }
  for (const [name, files] of seen) {
    assert.equal(files.length, 1, `${name} is imported in ${files.join(", ")}`);
  }
});

// Imports inside doc comments (examples) are not the module's own imports.
function codeOf(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
}

/** The import cycles among `files` (each as the modules on it), by Tarjan. */
function cyclesOf(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (module: string): void => {
    indices.set(module, index);
    low.set(module, index++);
    stack.push(module);
    onStack.add(module);
    for (const target of graph.get(module) ?? []) {
      if (!graph.has(target)) continue;
      if (!indices.has(target)) {
        visit(target);
        low.set(module, Math.min(low.get(module)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(module, Math.min(low.get(module)!, indices.get(target)!));
      }
    }
    if (low.get(module) === indices.get(module)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== module);
      if (component.length > 1 || graph.get(module)!.includes(module)) {
        cycles.push(component.sort());
      }
    }
  };
  for (const module of graph.keys()) if (!indices.has(module)) visit(module);
  return cycles;
}

Deno.test("no module of features, server or hosting is on an import cycle", async () => {
  const graph = new Map<string, string[]>();
  for (const layer of LAYERS) {
    for await (const file of sources(new URL(`${layer}/`, ROOT))) {
      const code = codeOf(await Deno.readTextFile(file));
      graph.set(
        file.pathname.slice(ROOT.pathname.length),
        importsOf(code).filter((specifier) => specifier.startsWith("."))
          .map((specifier) =>
            new URL(specifier, file).pathname.slice(ROOT.pathname.length)
          ),
      );
    }
  }
  assert.deepEqual(cyclesOf(graph), []);
});

Deno.test("the cycle check sees a cycle, including through type-only imports", () => {
  const graph = new Map([
    ["a.ts", ["b.ts"]],
    ["b.ts", ["c.ts"]],
    ["c.ts", ["a.ts"]],
    ["d.ts", ["a.ts"]],
  ]);
  assert.deepEqual(cyclesOf(graph), [["a.ts", "b.ts", "c.ts"]]);
  assert.deepEqual(
    importsOf(
      codeOf(
        '/**\n * import { x } from "./a.ts";\n */\nimport type { y } from "./b.ts";',
      ),
    ),
    ["./b.ts"],
  );
});
