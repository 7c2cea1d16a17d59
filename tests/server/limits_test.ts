import assert from "node:assert/strict";
import {
  DEFAULT_SERVER_LIMITS,
  resolveServerLimits,
  type ServerLimits,
} from "../../mod.ts";

/** Asserts a RangeError whose message names the limit (or key) and quotes the value. */
function assertRejected(limits: ServerLimits, name: string, value?: string) {
  assert.throws(
    () => resolveServerLimits(limits),
    (error: unknown) => {
      assert.ok(error instanceof RangeError, "expected a RangeError");
      assert.ok(
        error.message.includes(`"${name}"`),
        `message does not name "${name}": ${error.message}`,
      );
      if (value !== undefined) {
        assert.ok(
          error.message.includes(value),
          `message does not show ${value}: ${error.message}`,
        );
      }
      return true;
    },
  );
}

Deno.test("resolveServerLimits fills in the documented defaults", () => {
  const expected = {
    maxRequestBodySize: 30_000_000,
    maxConcurrentRequests: null,
    responseBufferSize: 65_536,
  };
  assert.deepEqual({ ...resolveServerLimits() }, expected);
  assert.deepEqual({ ...resolveServerLimits({}) }, expected);
  assert.deepEqual({ ...DEFAULT_SERVER_LIMITS }, expected);
});

Deno.test("resolveServerLimits keeps the values it is given", () => {
  const limits = resolveServerLimits({
    maxRequestBodySize: 1024,
    maxConcurrentRequests: 8,
    responseBufferSize: 0,
  });
  assert.equal(limits.maxRequestBodySize, 1024);
  assert.equal(limits.maxConcurrentRequests, 8);
  assert.equal(limits.responseBufferSize, 0);
});

Deno.test("resolveServerLimits keeps the default for a limit set to undefined", () => {
  const limits = resolveServerLimits({
    maxRequestBodySize: undefined,
    responseBufferSize: 10,
  });
  assert.equal(limits.maxRequestBodySize, 30_000_000);
  assert.equal(limits.responseBufferSize, 10);
});

Deno.test("resolveServerLimits allows null for maxRequestBodySize and maxConcurrentRequests", () => {
  const limits = resolveServerLimits({
    maxRequestBodySize: null,
    maxConcurrentRequests: null,
  });
  assert.equal(limits.maxRequestBodySize, null);
  assert.equal(limits.maxConcurrentRequests, null);
});

Deno.test("resolveServerLimits allows a body size limit of 0", () => {
  assert.equal(
    resolveServerLimits({ maxRequestBodySize: 0 }).maxRequestBodySize,
    0,
  );
});

Deno.test("resolveServerLimits rejects null for responseBufferSize", () => {
  assertRejected(
    { responseBufferSize: null } as unknown as ServerLimits,
    "responseBufferSize",
    "null",
  );
});

Deno.test("resolveServerLimits rejects negative limits, naming the limit", () => {
  assertRejected({ maxRequestBodySize: -1 }, "maxRequestBodySize", "-1");
  assertRejected({ maxConcurrentRequests: -5 }, "maxConcurrentRequests", "-5");
  assertRejected({ responseBufferSize: -1 }, "responseBufferSize", "-1");
});

Deno.test("resolveServerLimits rejects zero concurrent requests", () => {
  assertRejected({ maxConcurrentRequests: 0 }, "maxConcurrentRequests", "0");
});

Deno.test("resolveServerLimits rejects limits that are not whole numbers", () => {
  assertRejected({ maxRequestBodySize: 1.5 }, "maxRequestBodySize", "1.5");
  assertRejected({ maxConcurrentRequests: 2.5 }, "maxConcurrentRequests");
  assertRejected({ responseBufferSize: 0.1 }, "responseBufferSize");
  assertRejected({ maxRequestBodySize: Number.NaN }, "maxRequestBodySize");
  assertRejected(
    { maxRequestBodySize: Number.POSITIVE_INFINITY },
    "maxRequestBodySize",
  );
  assertRejected(
    { responseBufferSize: "1024" } as unknown as ServerLimits,
    "responseBufferSize",
    '"1024"',
  );
});

Deno.test("resolveServerLimits rejects an unknown limit, naming it and the known ones", () => {
  assert.throws(
    () =>
      resolveServerLimits(
        { maxBodySize: 10 } as unknown as ServerLimits,
      ),
    (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, /"maxBodySize"/);
      assert.match(error.message, /maxRequestBodySize/);
      assert.match(error.message, /responseBufferSize/);
      return true;
    },
  );
});

Deno.test("resolveServerLimits returns a frozen object and leaves the defaults alone", () => {
  const limits = resolveServerLimits({ maxRequestBodySize: 5 });
  assert.ok(Object.isFrozen(limits));
  assert.ok(Object.isFrozen(DEFAULT_SERVER_LIMITS));
  assert.equal(DEFAULT_SERVER_LIMITS.maxRequestBodySize, 30_000_000);
});
