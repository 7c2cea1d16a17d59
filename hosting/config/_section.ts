// The one implementation of ConfigurationSection, over a live list of
// providers, and the look-ups it is made of.

import { combineKey, compareKeys, KEY_DELIMITER } from "./_keys.ts";
import type { ConfigurationProvider } from "./configuration_provider.ts";
import type {
  AsEntriesOptions,
  ConfigurationSection,
} from "./configuration_section.ts";

/** The provider whose value wins for `key`: the last one that has it. */
export function winningProvider(
  providers: readonly ConfigurationProvider[],
  key: string,
): ConfigurationProvider | undefined {
  for (let i = providers.length - 1; i >= 0; i--) {
    if (providers[i].get(key) !== undefined) return providers[i];
  }
  return undefined;
}

function valueOf(
  providers: readonly ConfigurationProvider[],
  key: string,
): string | undefined {
  for (let i = providers.length - 1; i >= 0; i--) {
    const value = providers[i].get(key);
    if (value !== undefined) return value;
  }
  return undefined;
}

interface KeyNode {
  /** The segment as first seen. */
  readonly name: string;
  readonly children: Map<string, KeyNode>;
}

/** The keys under `path`, `depth` levels deep, spelled as first seen. */
function keyTree(
  providers: readonly ConfigurationProvider[],
  path: string,
  depth: number,
): KeyNode {
  const prefix = path === "" ? [] : path.toLowerCase().split(KEY_DELIMITER);
  const root: KeyNode = { name: "", children: new Map() };
  for (const provider of providers) {
    for (const [key] of provider.entries()) {
      const segments = key.split(KEY_DELIMITER);
      if (segments.length <= prefix.length) continue;
      if (prefix.some((segment, i) => segments[i].toLowerCase() !== segment)) {
        continue;
      }
      let node = root;
      const end = Math.min(segments.length, prefix.length + depth);
      for (let i = prefix.length; i < end; i++) {
        const lower = segments[i].toLowerCase();
        let child = node.children.get(lower);
        if (child === undefined) {
          child = { name: segments[i], children: new Map() };
          node.children.set(lower, child);
        }
        node = child;
      }
    }
  }
  return root;
}

function sorted(node: KeyNode): KeyNode[] {
  return [...node.children.values()].sort((a, b) =>
    compareKeys(a.name, b.name)
  );
}

/** A section at `path` of the configuration made of `providers`. */
export class SectionView implements ConfigurationSection {
  readonly #providers: readonly ConfigurationProvider[];
  readonly #path: string;

  constructor(providers: readonly ConfigurationProvider[], path: string) {
    this.#providers = providers;
    this.#path = path;
  }

  get key(): string {
    return this.#path.slice(this.#path.lastIndexOf(KEY_DELIMITER) + 1);
  }

  get path(): string {
    return this.#path;
  }

  get value(): string | undefined {
    return this.#path === "" ? undefined : valueOf(this.#providers, this.#path);
  }

  get(key: string): string | undefined {
    return valueOf(this.#providers, combineKey(this.#path, key));
  }

  getSection(key: string): ConfigurationSection {
    return new SectionView(this.#providers, combineKey(this.#path, key));
  }

  getChildren(): ConfigurationSection[] {
    return sorted(keyTree(this.#providers, this.#path, 1)).map((child) =>
      this.getSection(child.name)
    );
  }

  exists(): boolean {
    return this.value !== undefined ||
      keyTree(this.#providers, this.#path, 1).children.size > 0;
  }

  asEntries(options: AsEntriesOptions = {}): [string, string][] {
    const relative = options.makePathsRelative ?? false;
    const entries: [string, string][] = [];
    const own = this.value;
    if (!relative && own !== undefined) entries.push([this.#path, own]);
    const visit = (node: KeyNode, relativePath: string): void => {
      for (const child of sorted(node)) {
        const childPath = combineKey(relativePath, child.name);
        const fullPath = combineKey(this.#path, childPath);
        const value = valueOf(this.#providers, fullPath);
        if (value !== undefined) {
          entries.push([relative ? childPath : fullPath, value]);
        }
        visit(child, childPath);
      }
    };
    visit(keyTree(this.#providers, this.#path, Infinity), "");
    return entries;
  }
}
