// Filter rules, as Microsoft.Extensions.Logging's LoggerRuleSelector picks
// them, and reading them from the `Logging` configuration section.

import type { ConfigurationSection } from "../config/configuration_section.ts";
import {
  ConfigurationError,
  type ConfigurationIssue,
} from "../config/configuration_error.ts";
import { type LogLevel, parseLogLevel, thresholdOf } from "./log_level.ts";

/** One filter: records of `category` at or above `threshold` pass. */
export interface FilterRule {
  /** The output it is for, lower-cased; `undefined` for every output. */
  readonly output: string | undefined;
  /** The category prefix, lower-cased; `""` for every category (Default). */
  readonly prefix: string;
  /** The rank records need to pass; 6 (`none`) lets nothing through. */
  readonly threshold: number;
}

/** What no rule matching means: ASP.NET's default minimum, Information. */
export const FALLBACK_THRESHOLD: number = thresholdOf("information");

/** A rule for `prefix` (`""` or `Default`, any case, for all categories). */
export function makeRule(
  prefix: string,
  level: LogLevel,
  output: string | undefined,
): FilterRule {
  const lower = prefix.toLowerCase();
  return {
    output: output?.toLowerCase(),
    prefix: lower === "default" ? "" : lower,
    threshold: thresholdOf(parseLogLevel(level)),
  };
}

function matches(prefix: string, category: string): boolean {
  // On dotted boundaries: "Roost.Host" must not match "Roost.Hosting".
  return prefix === "" || category === prefix ||
    (category.startsWith(prefix) && category[prefix.length] === ".");
}

/**
 * The threshold for records of `category` going to `output` (both
 * lower-cased): among the rules that apply, one for this output beats one
 * for every output, then the longest prefix wins, then the later rule.
 */
export function selectThreshold(
  rules: readonly FilterRule[],
  output: string,
  category: string,
): number {
  let best: FilterRule | undefined;
  for (const rule of rules) {
    if (rule.output !== undefined && rule.output !== output) continue;
    if (!matches(rule.prefix, category)) continue;
    if (best !== undefined) {
      if (best.output !== undefined && rule.output === undefined) continue;
      if (
        (best.output === undefined) === (rule.output === undefined) &&
        best.prefix.length > rule.prefix.length
      ) continue;
    }
    best = rule;
  }
  return best?.threshold ?? FALLBACK_THRESHOLD;
}

interface DescribesSources {
  describeSource(key: string): string | undefined;
}

function describesSources(value: object): value is DescribesSources {
  return typeof (value as Partial<DescribesSources>).describeSource ===
    "function";
}

/**
 * The rules in a `Logging` section: `LogLevel:{prefix}` for every output
 * and `{Output}:LogLevel:{prefix}` for one, in that order.
 *
 * @param logging The `Logging` section.
 * @param root The configuration it came from, to name the source of a bad
 * value when it can.
 * @throws {ConfigurationError} Listing every value that is not a level.
 */
export function readRules(
  logging: ConfigurationSection,
  root: ConfigurationSection,
): FilterRule[] {
  const rules: FilterRule[] = [];
  const issues: ConfigurationIssue[] = [];
  const read = (levels: ConfigurationSection, output?: string): void => {
    for (const entry of levels.getChildren()) {
      const value = entry.value;
      // A key with children only (`LogLevel:A:B`) is no category.
      if (value === undefined) continue;
      try {
        rules.push(makeRule(entry.key, parseLogLevel(value), output));
      } catch {
        const source = describesSources(root)
          ? root.describeSource(entry.path)
          : undefined;
        issues.push({
          path: entry.path,
          message: `"${value}" is not a log level${
            source === undefined ? "" : ` (from ${source})`
          }`,
        });
      }
    }
  };
  const outputs: ConfigurationSection[] = [];
  for (const child of logging.getChildren()) {
    if (child.key.toLowerCase() === "loglevel") read(child);
    else outputs.push(child);
  }
  for (const output of outputs) {
    read(output.getSection("LogLevel"), output.key);
  }
  if (issues.length > 0) {
    throw new ConfigurationError(
      `Invalid logging configuration: ${
        issues.map((issue) => `${issue.path}: ${issue.message}`).join("; ")
      }. Use Trace, Debug, Information, Warning, Error, Critical or None.`,
      { issues },
    );
  }
  return rules;
}
