/**
 * The Standard Schema v1 interface (https://standardschema.dev), declared
 * here so that {@linkcode bind} takes a schema from any library (Zod,
 * Valibot, ArkType, …) or a hand-written one, without depending on any.
 *
 * @module
 */

/** One segment of an issue's path, in its object form. */
export interface StandardPathSegment {
  /** The property name or array index. */
  readonly key: PropertyKey;
}

/** One problem a schema found. */
export interface StandardIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, from the validated value's root. */
  readonly path?: ReadonlyArray<PropertyKey | StandardPathSegment> | undefined;
}

/** A successful validation. */
export interface StandardSuccessResult<Output> {
  /** The validated (and possibly transformed) value. */
  readonly value: Output;
  /** Absent on success. */
  readonly issues?: undefined;
}

/** A failed validation. */
export interface StandardFailureResult {
  /** The problems found. */
  readonly issues: ReadonlyArray<StandardIssue>;
}

/** What a schema's `validate` returns. */
export type StandardResult<Output> =
  | StandardSuccessResult<Output>
  | StandardFailureResult;

/** The types a schema reads and produces, for inference. */
export interface StandardTypes<Input, Output> {
  /** The type the schema accepts. */
  readonly input: Input;
  /** The type the schema produces. */
  readonly output: Output;
}

/** The `~standard` property of a schema. */
export interface StandardProps<Input = unknown, Output = Input> {
  /** The version of the standard: 1. */
  readonly version: 1;
  /** The library that made the schema. */
  readonly vendor: string;
  /** Validates a value, synchronously or not. */
  readonly validate: (
    value: unknown,
  ) => StandardResult<Output> | Promise<StandardResult<Output>>;
  /** The input and output types, for inference only. */
  readonly types?: StandardTypes<Input, Output> | undefined;
}

/**
 * A Standard Schema v1 schema: anything with a `~standard` property that
 * can validate a value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bind, ConfigurationBuilder, type StandardSchemaV1 } from "./mod.ts";
 *
 * const port: StandardSchemaV1<unknown, { Port: number }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "hand-written",
 *     validate: (value) => {
 *       const port = (value as { Port?: unknown }).Port;
 *       return typeof port === "number"
 *         ? { value: { Port: port } }
 *         : { issues: [{ message: "Expected a number", path: ["Port"] }] };
 *     },
 *   },
 * };
 * const config = new ConfigurationBuilder().addInMemory({ Server: { Port: "8080" } }).build();
 * assert.deepEqual(bind(config.getSection("Server"), port), { Port: 8080 });
 * ```
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard's properties. */
  readonly "~standard": StandardProps<Input, Output>;
}
