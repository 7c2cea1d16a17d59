// Message templates: LogTape fills them in, every console format shows the
// filled-in message, and JSON keeps the properties too.

import assert from "node:assert/strict";
import { AsyncLocalStorage } from "node:async_hooks";
import {
  type ConsoleFormatterName,
  LoggerFactory,
} from "../../../hosting/logging/mod.ts";
import { setDefaultLoggerFactory } from "../../../hosting/logging/logger_factory.ts";
import {
  configureSync,
  getLogger,
  resetSync,
} from "../../../hosting/logging/_logtape.ts";
import { parseMessageTemplate } from "../../../hosting/logging/_message_template.ts";
import { consoleLines, MemoryOutput } from "./_helpers.ts";

async function logWith(
  formatter: ConsoleFormatterName,
  log: (factory: LoggerFactory) => void,
): Promise<string[]> {
  const { output, lines } = consoleLines(formatter);
  await using factory = new LoggerFactory({ outputs: [output] });
  log(factory);
  return lines;
}

async function messageOf(
  template: string,
  properties?: Record<string, unknown>,
): Promise<string> {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  factory.createLogger("App").information(template, properties);
  return output.records[0].message;
}

Deno.test("a message template is filled in by the simple, json and systemd formats", async () => {
  const shelf = (factory: LoggerFactory) =>
    factory.createLogger("App.Library").warning("shelf has {count} books", {
      count: 3,
    });
  assert.deepEqual(await logWith("simple", shelf), [
    "warn: App.Library[0]\n      shelf has 3 books",
  ]);
  assert.deepEqual(await logWith("systemd", shelf), [
    "<4>App.Library[0]: shelf has 3 books",
  ]);
  const [line] = await logWith("json", shelf);
  const parsed = JSON.parse(line);
  assert.equal(parsed.message, "shelf has 3 books");
  assert.deepEqual(parsed.properties, { count: 3 });
});

Deno.test("the record keeps the template it was logged with", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  const log = factory.createLogger("App");
  log.information("shelf has {count} books", { count: 3 });
  log.information("no template");
  assert.equal(output.records[0].message, "shelf has 3 books");
  assert.equal(output.records[0].messageTemplate, "shelf has {count} books");
  assert.deepEqual(output.records[0].properties, { count: 3 });
  assert.equal(output.records[1].messageTemplate, undefined);
});

Deno.test("escaped braces are literal and a placeholder with no value stays as written", async () => {
  assert.equal(
    await messageOf("{{literal}} {count} {missing} done}}", { count: 1 }),
    "{literal} 1 {missing} done}",
  );
  assert.equal(await messageOf("{missing}"), "{missing}");
  assert.equal(await messageOf("{unclosed", { unclosed: 1 }), "{unclosed");
  // Without a "{" LogTape reads no template: "}}" stays.
  assert.equal(await messageOf("only }} here"), "only }} here");
  // Only own properties fill a placeholder (LogTape would print Object's
  // constructor here).
  assert.equal(
    await messageOf("{constructor} {toString} {user.constructor}", {
      user: {},
    }),
    "{constructor} {toString} {user.constructor}",
  );
});

Deno.test("template values: paths, objects as JSON, errors by name and message", async () => {
  assert.equal(
    await messageOf("{user.name} has {tags} and {limits}; {flag} {none}", {
      user: { name: "ada" },
      tags: ["x", "y"],
      limits: { max: 2 },
      flag: false,
      none: null,
    }),
    'ada has ["x","y"] and {"max":2}; false null',
  );
  assert.equal(
    await messageOf("failed: {reason}", { reason: new RangeError("too big") }),
    "failed: RangeError: too big",
  );
});

Deno.test("an error property fills a template and is still the record's error", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  const error = new Error("card declined");
  factory.createLogger("App").error("payment failed: {error}", { error });
  assert.equal(
    output.records[0].message,
    "payment failed: Error: card declined",
  );
  assert.equal(output.records[0].error, error);
  assert.deepEqual(output.records[0].properties, {});
});

Deno.test("simple and systemd leave out of the pairs only the properties the template shows", async () => {
  const log = (factory: LoggerFactory) =>
    factory.createLogger("App").information("{user.name} ordered {count}", {
      user: { name: "ada" },
      count: 2,
      orderId: 42,
    });
  assert.deepEqual(await logWith("simple", log), [
    "info: App[0]\n      ada ordered 2\n      orderId=42",
  ]);
  assert.deepEqual(await logWith("systemd", log), [
    "<6>App[0]: ada ordered 2 orderId=42",
  ]);
  const parsed = JSON.parse((await logWith("json", log))[0]);
  assert.deepEqual(parsed.properties, {
    user: { name: "ada" },
    count: 2,
    orderId: 42,
  });
});

Deno.test("a value with braces is not read as a template a second time", async () => {
  assert.equal(
    await messageOf("path {path}", { path: "/a/{{b}}/{c}" }),
    "path /a/{{b}}/{c}",
  );
});

Deno.test("LogTape loggers' templates keep a placeholder with no value as written", async () => {
  const output = new MemoryOutput();
  await using factory = new LoggerFactory({ outputs: [output] });
  setDefaultLoggerFactory(factory);
  try {
    getLogger(["lib"]).info("Query {sql} by {user}", { sql: "SELECT {x}" });
    assert.equal(output.records[0].message, "Query SELECT {x} by {user}");
    assert.equal(output.records[0].messageTemplate, "Query {sql} by {user}");
  } finally {
    setDefaultLoggerFactory(undefined);
  }
});

Deno.test("templates are filled in when the application configured LogTape itself", async () => {
  const seen: unknown[] = [];
  configureSync({
    sinks: { mine: (record) => seen.push(record) },
    loggers: [
      { category: [], sinks: ["mine"], lowestLevel: "trace" },
      { category: ["logtape", "meta"], lowestLevel: "warning" },
    ],
    contextLocalStorage: new AsyncLocalStorage(),
  });
  try {
    const output = new MemoryOutput();
    await using factory = new LoggerFactory({ outputs: [output] });
    factory.createLogger("App").information("shelf has {count} books", {
      count: 3,
    });
    assert.equal(output.records[0].message, "shelf has 3 books");
    // Filling it in sent nothing to the application's sinks.
    assert.deepEqual(seen, []);
  } finally {
    resetSync();
  }
});

Deno.test("Roost fills in templates as LogTape's own parser does", () => {
  const templates = [
    "",
    "plain",
    "{a}",
    "{{a}} {a}}} {{{a}",
    "{ a }|{ b}|{c }",
    "{*}",
    "{ * }",
    "{user.name}/{user.missing}/{user?.profile?.email}",
    "{users[0]}, {users[1].name}, {users[9]}, {users[-1]}",
    `{user["full-name"]} {user['full-name']} {user["a\\"b"]} {user["\\u0041"]}`,
    `{user["\\n\\t\\x"]} {user["unclosed} {user[} {user[]} {user.}`,
    "{lazy} {scoped} {shadow}",
    "{a}{b}{a.b.c}{",
    "}} {x} {{",
  ];
  const properties: Record<string, unknown> = {
    a: 1,
    b: { c: [1, 2] },
    " a ": "spaced",
    user: { name: "ada", "full-name": "Ada L", 'a"b': "quote", A: "hex" },
    users: [{ name: "first" }, { name: "second" }],
    lazy: { [Symbol.for("logtape.lazy")]: true, getter: () => "computed" },
    shadow: "property",
  };
  const scope = { scoped: "from scope", shadow: "scope" };
  const storage = new AsyncLocalStorage<Record<string, unknown>>();
  const seen: unknown[][] = [];
  configureSync({
    sinks: { mine: (record) => seen.push([...record.message]) },
    loggers: [
      { category: ["check"], sinks: ["mine"], lowestLevel: "trace" },
      { category: ["logtape", "meta"], lowestLevel: "error" },
    ],
    contextLocalStorage: storage,
  });
  try {
    for (const template of templates) {
      seen.length = 0;
      storage.run(scope, () => getLogger(["check"]).info(template, properties));
      assert.deepEqual(
        parseMessageTemplate(template, properties, scope),
        seen[0],
        template,
      );
    }
  } finally {
    resetSync();
  }
});
