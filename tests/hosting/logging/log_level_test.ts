// Level names as configuration spells them.

import assert from "node:assert/strict";
import { parseLogLevel } from "../../../hosting/logging/mod.ts";

Deno.test("level names are read in any case, by their ASP.NET names", () => {
  assert.deepEqual(
    ["Trace", "DEBUG", "information", "Warning", "eRRor", "Critical", "None"]
      .map(parseLogLevel),
    ["trace", "debug", "information", "warning", "error", "critical", "none"],
  );
});

Deno.test("info, warn and fatal are read as information, warning and critical", () => {
  assert.deepEqual(["Info", "WARN", "fatal"].map(parseLogLevel), [
    "information",
    "warning",
    "critical",
  ]);
});

Deno.test("ASP.NET's level numbers and surrounding spaces are accepted", () => {
  assert.equal(parseLogLevel("2"), "information");
  assert.equal(parseLogLevel("6"), "none");
  assert.equal(parseLogLevel("  Debug "), "debug");
});

Deno.test("an unknown level is a RangeError that quotes it and lists the names", () => {
  for (const value of ["Verbose", "7", "", "toString"]) {
    assert.throws(
      () => parseLogLevel(value),
      (error: unknown) =>
        error instanceof RangeError &&
        error.message.includes(`"${value}"`) &&
        error.message.includes("Trace, Debug, Information"),
    );
  }
});
