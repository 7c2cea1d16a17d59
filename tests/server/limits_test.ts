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
    maxConcurrentConnections: null,
    maxConcurrentUpgradedConnections: null,
    keepAliveTimeout: 130_000,
    requestHeadersTimeout: 30_000,
    minRequestBodyDataRate: { bytesPerSecond: 240, gracePeriod: 5_000 },
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

Deno.test("resolveServerLimits keeps the connection limits it is given", () => {
  const limits = resolveServerLimits({
    maxConcurrentConnections: 1,
    maxConcurrentUpgradedConnections: 500,
    keepAliveTimeout: 1,
    requestHeadersTimeout: 2_147_483_647,
    minRequestBodyDataRate: { bytesPerSecond: 0.5, gracePeriod: 0 },
  });
  assert.equal(limits.maxConcurrentConnections, 1);
  assert.equal(limits.maxConcurrentUpgradedConnections, 500);
  assert.equal(limits.keepAliveTimeout, 1);
  assert.equal(limits.requestHeadersTimeout, 2_147_483_647);
  assert.deepEqual(limits.minRequestBodyDataRate, {
    bytesPerSecond: 0.5,
    gracePeriod: 0,
  });
});

Deno.test("resolveServerLimits allows null for the connection caps and the data rate", () => {
  const limits = resolveServerLimits({
    maxConcurrentConnections: null,
    maxConcurrentUpgradedConnections: null,
    minRequestBodyDataRate: null,
  });
  assert.equal(limits.maxConcurrentConnections, null);
  assert.equal(limits.maxConcurrentUpgradedConnections, null);
  assert.equal(limits.minRequestBodyDataRate, null);
});

Deno.test("resolveServerLimits rejects connection caps below 1 or not whole, naming the limit", () => {
  for (
    const name of [
      "maxConcurrentConnections",
      "maxConcurrentUpgradedConnections",
    ]
  ) {
    for (
      const [value, shown] of [[0, "0"], [-1, "-1"], [1.5, "1.5"], [
        Number.NaN,
        "NaN",
      ], ["10", '"10"']]
    ) {
      assertRejected({ [name]: value } as ServerLimits, name, `got ${shown}`);
    }
    assert.throws(
      () => resolveServerLimits({ [name]: 0 }),
      /must be null or a whole number of at least 1/,
    );
  }
});

Deno.test("resolveServerLimits rejects timeouts that are not whole milliseconds from 1 to 2^31 - 1", () => {
  for (const name of ["keepAliveTimeout", "requestHeadersTimeout"]) {
    for (
      const [value, shown] of [
        [0, "0"],
        [-1, "-1"],
        [1.5, "1.5"],
        [2_147_483_648, "2147483648"],
        [Number.POSITIVE_INFINITY, "Infinity"],
        [null, "null"],
        ["130", '"130"'],
      ]
    ) {
      assertRejected({ [name]: value } as ServerLimits, name, `got ${shown}`);
    }
    assert.throws(
      () => resolveServerLimits({ [name]: 0 }),
      /must be a whole number of milliseconds from 1 to 2147483647/,
    );
  }
});

Deno.test("resolveServerLimits rejects a minimum data rate that is not null or a valid rate", () => {
  const name = "minRequestBodyDataRate";
  const reject = (value: unknown, shown: RegExp) =>
    assert.throws(
      () => resolveServerLimits({ [name]: value } as ServerLimits),
      (error: unknown) => {
        assert.ok(error instanceof RangeError, "expected a RangeError");
        assert.match(error.message, /"minRequestBodyDataRate"/);
        assert.match(error.message, shown);
        return true;
      },
    );
  reject(240, /must be null or \{ bytesPerSecond, gracePeriod \}, got 240/);
  reject([], /must be null or \{ bytesPerSecond, gracePeriod \}, got \[\]/);
  reject(
    { bytesPerSecond: 0, gracePeriod: 0 },
    /bytesPerSecond .*greater than 0.*got 0$/,
  );
  reject({ bytesPerSecond: -1, gracePeriod: 0 }, /bytesPerSecond .*got -1$/);
  reject(
    { bytesPerSecond: Number.NaN, gracePeriod: 0 },
    /bytesPerSecond .*got NaN$/,
  );
  reject(
    { bytesPerSecond: Number.POSITIVE_INFINITY, gracePeriod: 0 },
    /got Infinity$/,
  );
  reject({ gracePeriod: 0 }, /bytesPerSecond .*got undefined$/);
  reject(
    { bytesPerSecond: 1, gracePeriod: -1 },
    /gracePeriod .*whole number of milliseconds from 0.*got -1$/,
  );
  reject({ bytesPerSecond: 1, gracePeriod: 0.5 }, /gracePeriod .*got 0\.5$/);
  reject({ bytesPerSecond: 1 }, /gracePeriod .*got undefined$/);
  reject(
    { bytesPerSecond: 1, gracePeriod: 0, gracePeriodMs: 5 },
    /unknown field "gracePeriodMs"/,
  );
});

Deno.test("resolveServerLimits copies and freezes the data rate it is given", () => {
  const rate = { bytesPerSecond: 100, gracePeriod: 1_000 };
  const limits = resolveServerLimits({ minRequestBodyDataRate: rate });
  rate.bytesPerSecond = 1;
  assert.deepEqual(limits.minRequestBodyDataRate, {
    bytesPerSecond: 100,
    gracePeriod: 1_000,
  });
  assert.ok(Object.isFrozen(limits.minRequestBodyDataRate));
  assert.ok(Object.isFrozen(DEFAULT_SERVER_LIMITS.minRequestBodyDataRate));
});

Deno.test("MinDataRate is exported from the features, server and root modules as one type", async () => {
  const features: import("../../features/mod.ts").MinDataRate = {
    bytesPerSecond: 1,
    gracePeriod: 0,
  };
  const server: import("../../server/mod.ts").MinDataRate = features;
  const root: import("../../mod.ts").MinDataRate = server;
  assert.equal(root.bytesPerSecond, 1);
  const { HttpMinRequestBodyDataRateFeature } = await import("../../mod.ts");
  assert.equal(
    HttpMinRequestBodyDataRateFeature.name,
    "HttpMinRequestBodyDataRateFeature",
  );
});
