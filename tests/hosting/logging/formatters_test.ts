// The exact shape of each console format.

import assert from "node:assert/strict";
import {
  formatJson,
  formatSimple,
  formatSystemd,
  type LogRecord,
} from "../../../hosting/logging/mod.ts";

function record(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timestamp: Date.UTC(2025, 0, 2, 3, 4, 5, 6),
    level: "information",
    category: "Roost.Hosting.Lifetime",
    message: "Now listening on: http://localhost:8000",
    properties: {},
    scope: {},
    ...overrides,
  };
}

function failure(): Error {
  const error = new Error("disk full", { cause: new RangeError("quota") });
  error.stack = "Error: disk full\n    at write (file:///app/a.ts:1:1)";
  (error.cause as Error).stack =
    "RangeError: quota\n    at check (file:///app/b.ts:2:2)";
  return error;
}

Deno.test("simple puts the tag and category on one line and the message indented below", () => {
  assert.equal(
    formatSimple(record()),
    "info: Roost.Hosting.Lifetime[0]\n      Now listening on: http://localhost:8000",
  );
});

Deno.test("simple uses ASP.NET's four-letter tags", () => {
  const tags =
    (["trace", "debug", "information", "warning", "error", "critical"] as const)
      .map((level) => formatSimple(record({ level })).slice(0, 4));
  assert.deepEqual(tags, ["trce", "dbug", "info", "warn", "fail", "crit"]);
});

Deno.test("simple indents every line of a multi-line message", () => {
  assert.equal(
    formatSimple(record({ message: "one\ntwo\r\nthree" })),
    "info: Roost.Hosting.Lifetime[0]\n      one\n      two\n      three",
  );
});

Deno.test("simple writes properties as key=value pairs on their own line", () => {
  assert.equal(
    formatSimple(record({
      message: "Request finished",
      properties: {
        status: 200,
        path: "/a b",
        ok: true,
        tags: ["x"],
        eventId: 7,
      },
    })),
    'info: Roost.Hosting.Lifetime[7]\n      Request finished\n      status=200 path="/a b" ok=true tags=["x"]',
  );
});

Deno.test("simple keeps an eventId that is not an integer among the properties", () => {
  assert.equal(
    formatSimple(record({ message: "m", properties: { eventId: "x" } })),
    "info: Roost.Hosting.Lifetime[0]\n      m\n      eventId=x",
  );
});

Deno.test("simple writes the error with its stack and cause, indented", () => {
  assert.equal(
    formatSimple(
      record({ level: "error", message: "Write failed", error: failure() }),
    ),
    [
      "fail: Roost.Hosting.Lifetime[0]",
      "      Write failed",
      "      Error: disk full",
      "          at write (file:///app/a.ts:1:1)",
      "      Caused by: RangeError: quota",
      "          at check (file:///app/b.ts:2:2)",
    ].join("\n"),
  );
});

Deno.test("simple colours the tag only when asked", () => {
  assert.equal(formatSimple(record()).includes("\x1b"), false);
  assert.equal(
    formatSimple(record({ level: "warning" }), { colors: true }).split("\n")[0],
    "\x1b[33mwarn\x1b[0m: Roost.Hosting.Lifetime[0]",
  );
  assert.ok(
    formatSimple(record({ level: "critical" }), { colors: true })
      .startsWith("\x1b[97;41mcrit\x1b[0m: "),
  );
});

Deno.test("json keeps a message's template when it differs from the message", () => {
  const templated = JSON.parse(formatJson(record({
    message: "shelf has 3 books",
    messageTemplate: "shelf has {count} books",
    properties: { count: 3 },
  })));
  assert.equal(templated.messageTemplate, "shelf has {count} books");
  assert.deepEqual(Object.keys(templated).slice(3, 6), [
    "message",
    "messageTemplate",
    "properties",
  ]);
  // A message with no placeholders is its own template: not repeated.
  const plain = JSON.parse(formatJson(record({
    message: "Application started",
    messageTemplate: "Application started",
  })));
  assert.equal("messageTemplate" in plain, false);
});

Deno.test("json is one line that parses back to the documented shape and key order", () => {
  const line = formatJson(record({
    message: "Request finished\nsecond line",
    properties: { status: 200 },
    scope: { traceId: "4bf92f35", method: "GET", path: "/" },
  }));
  assert.equal(line.includes("\n"), false);
  const parsed = JSON.parse(line);
  assert.deepEqual(parsed, {
    timestamp: "2025-01-02T03:04:05.006Z",
    level: "Information",
    category: "Roost.Hosting.Lifetime",
    message: "Request finished\nsecond line",
    properties: { status: 200 },
    traceId: "4bf92f35",
    scope: { method: "GET", path: "/" },
  });
  assert.deepEqual(Object.keys(parsed), [
    "timestamp",
    "level",
    "category",
    "message",
    "properties",
    "traceId",
    "scope",
  ]);
});

Deno.test("json writes the trace id once, at the top, from the scope or else the properties", () => {
  const fromScope = JSON.parse(formatJson(record({
    properties: { status: 200 },
    scope: { traceId: "s1", path: "/" },
  })));
  assert.equal(fromScope.traceId, "s1");
  assert.deepEqual(fromScope.scope, { path: "/" });
  assert.deepEqual(fromScope.properties, { status: 200 });
  const fromProperties = JSON.parse(formatJson(record({
    properties: { traceId: "p1", status: 200 },
  })));
  assert.equal(fromProperties.traceId, "p1");
  assert.deepEqual(fromProperties.properties, { status: 200 });
  // Both: the scope's wins, and neither is repeated.
  const line = formatJson(record({
    properties: { traceId: "p1" },
    scope: { traceId: "s1" },
  }));
  assert.equal(line.split('"traceId"').length - 1, 1);
  assert.equal(JSON.parse(line).traceId, "s1");
});

Deno.test("json writes the filled-in message and every property", () => {
  const parsed = JSON.parse(formatJson(record({
    message: "shelf has 3 books",
    messageTemplate: "shelf has {count} books",
    properties: { count: 3 },
  })));
  assert.equal(parsed.message, "shelf has 3 books");
  assert.deepEqual(parsed.properties, { count: 3 });
});

Deno.test("json leaves out traceId and exception when there are none", () => {
  const parsed = JSON.parse(formatJson(record({ level: "critical" })));
  assert.deepEqual(Object.keys(parsed), [
    "timestamp",
    "level",
    "category",
    "message",
    "properties",
    "scope",
  ]);
  assert.equal(parsed.level, "Critical");
});

Deno.test("json writes the error's stack and cause as exception", () => {
  const parsed = JSON.parse(
    formatJson(record({ level: "error", error: failure() })),
  );
  assert.equal(
    parsed.exception,
    "Error: disk full\n    at write (file:///app/a.ts:1:1)\nCaused by: RangeError: quota\n    at check (file:///app/b.ts:2:2)",
  );
});

Deno.test("json survives bigints, maps, sets, errors and cycles in properties", () => {
  const cycle: Record<string, unknown> = { name: "loop" };
  cycle.self = cycle;
  const shared = { id: 1 };
  const parsed = JSON.parse(formatJson(record({
    properties: {
      big: 10n,
      map: new Map([["a", 1]]),
      set: new Set([1, 2]),
      cycle,
      pair: [shared, shared],
      inner: failure(),
    },
  })));
  assert.equal(parsed.properties.big, "10");
  assert.deepEqual(parsed.properties.map, { a: 1 });
  assert.deepEqual(parsed.properties.set, [1, 2]);
  assert.deepEqual(parsed.properties.cycle, {
    name: "loop",
    self: "[Circular]",
  });
  // A value seen twice but not inside itself is not a cycle.
  assert.deepEqual(parsed.properties.pair, [{ id: 1 }, { id: 1 }]);
  assert.match(parsed.properties.inner, /^Error: disk full\n {4}at write/);
});

Deno.test("systemd prefixes the syslog priority of each level", () => {
  const lines =
    (["trace", "debug", "information", "warning", "error", "critical"] as const)
      .map((level) => formatSystemd(record({ level, message: "m" })));
  assert.deepEqual(lines, [
    "<7>Roost.Hosting.Lifetime[0]: m",
    "<7>Roost.Hosting.Lifetime[0]: m",
    "<6>Roost.Hosting.Lifetime[0]: m",
    "<4>Roost.Hosting.Lifetime[0]: m",
    "<3>Roost.Hosting.Lifetime[0]: m",
    "<2>Roost.Hosting.Lifetime[0]: m",
  ]);
});

Deno.test("systemd appends properties and puts the stack on following lines, each with the priority", () => {
  assert.equal(
    formatSystemd(record({
      level: "error",
      message: "Write failed",
      properties: { file: "a.txt", eventId: 12 },
      error: failure(),
    })),
    [
      "<3>Roost.Hosting.Lifetime[12]: Write failed file=a.txt",
      "<3>Error: disk full",
      "<3>    at write (file:///app/a.ts:1:1)",
      "<3>Caused by: RangeError: quota",
      "<3>    at check (file:///app/b.ts:2:2)",
    ].join("\n"),
  );
});

Deno.test("an error that is not an Error is written as it is", () => {
  assert.equal(
    formatSystemd(
      record({ level: "error", message: "m", error: "plain text" }),
    ),
    "<3>Roost.Hosting.Lifetime[0]: m\n<3>plain text",
  );
  assert.equal(
    JSON.parse(formatJson(record({ error: { code: 5 } }))).exception,
    '{"code":5}',
  );
});

Deno.test("a real error's stack names the function that threw", () => {
  function throwsHere(): never {
    throw new TypeError("bad input");
  }
  let error: unknown;
  try {
    throwsHere();
  } catch (caught) {
    error = caught;
  }
  for (
    const text of [
      formatSimple(record({ level: "error", error })),
      JSON.parse(formatJson(record({ level: "error", error }))).exception,
      formatSystemd(record({ level: "error", error })),
    ]
  ) {
    assert.match(text, /TypeError: bad input/);
    assert.match(
      text,
      /at throwsHere \(file:\/\/.*formatters_test\.ts:\d+:\d+\)/,
    );
  }
});

Deno.test("every format writes a record whose error or property throws when read, and ends a cycle of causes", () => {
  const hostile = {
    get message(): string {
      throw new Error("message getter throws");
    },
    toJSON(): never {
      throw new Error("toJSON throws");
    },
  };
  const trap = new Proxy({}, {
    getPrototypeOf() {
      throw new Error("proto trap");
    },
  });
  const loop = new Error("loop");
  loop.stack = "Error: loop";
  loop.cause = loop;
  for (const format of [formatSimple, formatSystemd, formatJson]) {
    const text = format(record({
      level: "error",
      message: "request failed",
      error: hostile,
      properties: { detail: trap },
    }));
    assert.match(text, /request failed/);
    assert.match(
      text,
      /an object that cannot be shown: reading it threw: toJSON throws/,
    );
    assert.match(
      text,
      /an object that cannot be shown: reading it threw: proto trap/,
    );
    const cycle = format(record({ level: "error", error: loop }));
    assert.equal(cycle.match(/Caused by/g)?.length, 1, cycle);
    assert.match(cycle, /the causes form a cycle/);
  }
});
