/**
 * The {@linkcode ConfigurationSection} contract: a view of the keys under
 * one path.
 *
 * @module
 */

/** What {@linkcode ConfigurationSection.asEntries} lists. */
export interface AsEntriesOptions {
  /**
   * Give keys relative to the section (`Port`, not `Server:Port`), and
   * leave out the section's own value.
   *
   * @default {false}
   */
  makePathsRelative?: boolean;
}

/**
 * The configuration under one path (`IConfigurationSection`). A section is
 * a live view: after a reload it reads the new values. Keys are
 * case-insensitive; children are spelled as first seen.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConfigurationBuilder } from "./mod.ts";
 *
 * const config = new ConfigurationBuilder()
 *   .addInMemory({ Server: { Limits: { Port: 8080, MaxBody: 1024 } } })
 *   .build();
 * const limits = config.getSection("server:limits");
 * assert.equal(limits.key, "limits");
 * assert.equal(limits.get("PORT"), "8080");
 * assert.deepEqual(limits.getChildren().map((child) => child.path), [
 *   "server:limits:MaxBody",
 *   "server:limits:Port",
 * ]);
 * ```
 */
export interface ConfigurationSection {
  /** The last segment of the path (`Port`); `""` for the root. */
  readonly key: string;
  /** The full path (`Server:Limits:Port`); `""` for the root. */
  readonly path: string;
  /** The section's own value, or `undefined` (a section of children only). */
  readonly value: string | undefined;
  /**
   * The value of a key relative to this section.
   *
   * @param key A relative key, like `Limits:Port`; any case.
   * @returns The value, or `undefined`.
   */
  get(key: string): string | undefined;
  /**
   * A sub-section. Never `undefined`: check {@linkcode ConfigurationSection.exists}.
   *
   * @param key A relative key, like `Limits`; any case.
   * @returns The section.
   */
  getSection(key: string): ConfigurationSection;
  /**
   * The immediate children, each once, ordered: integer keys first and
   * numerically (`2` before `10`), then the rest by name, ignoring case.
   *
   * @returns The child sections.
   */
  getChildren(): ConfigurationSection[];
  /** Whether the section has a value or any key under it. */
  exists(): boolean;
  /**
   * Every `[key, value]` at or under this section, depth first in
   * {@linkcode ConfigurationSection.getChildren} order.
   *
   * @param options Whether to make keys relative to the section.
   * @returns The pairs.
   */
  asEntries(options?: AsEntriesOptions): [string, string][];
}
