// How a host that failed to start says why: the message, then the first
// frame that is the app's.

import assert from "node:assert/strict";
import { describeStartFailure } from "../../hosting/_host_run.ts";

Deno.test("a start failure is described with the first frame after its message, once", () => {
  // Deno's syntax errors carry an "at file:…" line in the message itself.
  const error = new SyntaxError(
    "Expected ',', got '}'\n    at file:///app/main.ts:1:75",
  );
  error.stack =
    "SyntaxError: Expected ',', got '}'\n    at file:///app/main.ts:1:75\n    at file:///app/loader.ts:9:3";
  assert.equal(
    describeStartFailure(error),
    "Expected ',', got '}'\n    at file:///app/main.ts:1:75\n    at file:///app/loader.ts:9:3",
  );
});
