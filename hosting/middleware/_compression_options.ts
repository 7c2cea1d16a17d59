// Checks responseCompression's options when it is called, so that a mistake
// is reported at start-up with what was wrong and how to fix it, not as a
// strange response later.

import {
  checkPattern,
  type CompressionEncoding,
  ENCODINGS,
} from "./_compression_negotiation.ts";
import type { Levels } from "./_compression_encoders.ts";

const DEFAULT_LEVELS = { gzip: 4, br: 4, zstd: 3 } as const;
const LEVEL_RANGES = { gzip: [1, 9], br: [0, 11], zstd: [1, 22] } as const;

/** The levels option, checked, over the defaults. */
export function checkLevels(levels: unknown): Levels {
  if (levels === undefined) return DEFAULT_LEVELS;
  if (typeof levels !== "object" || levels === null) {
    throw new TypeError(
      `responseCompression: levels must be an object such as { gzip: 4, br: 4, zstd: 3 }, got ${
        String(levels)
      }`,
    );
  }
  const given = levels as Record<string, unknown>;
  const result = { ...DEFAULT_LEVELS } as {
    -readonly [K in CompressionEncoding]: number;
  };
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(LEVEL_RANGES, name)) {
      throw new TypeError(
        `responseCompression: levels has an unknown encoding "${name}"; use gzip, br or zstd`,
      );
    }
    const value = given[name];
    if (value === undefined) continue;
    const [min, max] = LEVEL_RANGES[name as CompressionEncoding];
    if (
      !Number.isInteger(value) || (value as number) < min ||
      (value as number) > max
    ) {
      throw new RangeError(
        `responseCompression: levels.${name} must be an integer from ${min} to ${max}, got ${
          String(value)
        }`,
      );
    }
    result[name as CompressionEncoding] = value as number;
  }
  return result;
}

/** The encodings option, checked. */
export function checkEncodings(
  encodings: unknown,
): readonly CompressionEncoding[] {
  if (encodings === undefined) return ENCODINGS;
  if (!Array.isArray(encodings) || encodings.length === 0) {
    throw new TypeError(
      `responseCompression: encodings must be a non-empty array such as ["zstd", "br", "gzip"], got ${
        JSON.stringify(encodings)
      }; to turn compression off, leave the middleware out`,
    );
  }
  const seen = new Set<CompressionEncoding>();
  for (const encoding of encodings) {
    if (!(ENCODINGS as readonly unknown[]).includes(encoding)) {
      throw new TypeError(
        `responseCompression: encodings has ${
          JSON.stringify(encoding)
        }, which is not one of "zstd", "br", "gzip"`,
      );
    }
    if (seen.has(encoding)) {
      throw new TypeError(
        `responseCompression: encodings lists "${encoding}" twice; list each once, most preferred first`,
      );
    }
    seen.add(encoding);
  }
  return [...seen];
}

/** A list of media type patterns, checked and in lower case. */
export function checkPatterns(
  option: string,
  patterns: unknown,
  fallback: readonly string[],
): string[] {
  if (patterns === undefined) return [...fallback];
  if (!Array.isArray(patterns)) {
    throw new TypeError(
      `responseCompression: ${option} must be an array of media type patterns, got ${
        JSON.stringify(patterns)
      }`,
    );
  }
  return patterns.map((pattern) => checkPattern(option, pattern));
}
