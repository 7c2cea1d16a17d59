// bind and bindAsync: plain objects, conversions, Standard Schema validation.

import assert from "node:assert/strict";
import {
  bind,
  bindAsync,
  ConfigurationBuilder,
  ConfigurationError,
  type StandardIssue,
  type StandardSchemaV1,
} from "../../../hosting/config/mod.ts";

interface ServerOptions {
  Port: number;
  Limits: { MaxRequestBodySize: number };
}

/** A hand-written schema: Port and Limits:MaxRequestBodySize are numbers. */
const serverSchema: StandardSchemaV1<unknown, ServerOptions> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const input = value as {
        Port?: unknown;
        Limits?: { MaxRequestBodySize?: unknown };
      };
      const issues: StandardIssue[] = [];
      if (typeof input.Port !== "number") {
        issues.push({ message: "Expected number", path: ["Port"] });
      }
      if (typeof input.Limits?.MaxRequestBodySize !== "number") {
        issues.push({
          message: "Expected number",
          path: [{ key: "Limits" }, "MaxRequestBodySize"],
        });
      }
      return issues.length > 0 ? { issues } : { value: value as ServerOptions };
    },
  },
};

function asyncSchema<T>(
  validate: (value: unknown) => T | StandardIssue[],
): StandardSchemaV1<unknown, T> {
  return {
    "~standard": {
      version: 1,
      vendor: "test-async",
      validate: async (value) => {
        await Promise.resolve();
        const result = validate(value);
        return Array.isArray(result) ? { issues: result } : { value: result };
      },
    },
  };
}

Deno.test("bind builds objects, arrays, numbers and booleans from a section", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({
      Server: {
        Port: "8080",
        Ratio: "-0.5",
        Tls: "true",
        Debug: "False",
        Name: "edge-1",
        Version: "1.2.3",
        Empty: "",
        Urls: ["http://a", "http://b"],
        Limits: { MaxRequestBodySize: 1000 },
        Routes: [{ Path: "/a", Weights: [1, 2] }],
      },
    })
    .build();
  assert.deepEqual(bind(config.getSection("Server")), {
    Debug: false,
    Empty: "",
    Limits: { MaxRequestBodySize: 1000 },
    Name: "edge-1",
    Port: 8080,
    Ratio: -0.5,
    Routes: [{ Path: "/a", Weights: [1, 2] }],
    Tls: true,
    Urls: ["http://a", "http://b"],
    Version: "1.2.3",
  });
});

Deno.test("bind makes an object, not an array, when the numbered keys have gaps", () => {
  const config = new ConfigurationBuilder()
    .addInMemory([["List:0", "a"], ["List:2", "c"], ["Mixed:0", "x"], [
      "Mixed:name",
      "y",
    ]])
    .build();
  assert.deepEqual(bind(config), {
    List: { 0: "a", 2: "c" },
    Mixed: { 0: "x", name: "y" },
  });
});

Deno.test("bind keeps integers too big for a number as strings", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Id: "12345678901234567890", Small: "9007199254740991" })
    .build();
  assert.deepEqual(bind(config), {
    Id: "12345678901234567890",
    Small: 9007199254740991,
  });
});

Deno.test("bind of a missing section is an empty object, and of a value is the value", () => {
  const config = new ConfigurationBuilder().addInMemory({ Port: "80" })
    .build();
  assert.deepEqual(bind(config.getSection("Missing")), {});
  assert.equal(bind<number>(config.getSection("Port")), 80);
});

Deno.test("bind treats a __proto__ key as data", () => {
  const config = new ConfigurationBuilder()
    .addInMemory([["__proto__:polluted", "yes"]])
    .build();
  const bound = bind(config);
  assert.equal(Object.getPrototypeOf(bound), Object.prototype);
  assert.deepEqual(Object.keys(bound), ["__proto__"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("bind with a schema returns the schema's output", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({
      Server: { Port: "80", Limits: { MaxRequestBodySize: "5" } },
    })
    .build();
  const options: ServerOptions = bind(
    config.getSection("Server"),
    serverSchema,
  );
  assert.deepEqual(options, { Port: 80, Limits: { MaxRequestBodySize: 5 } });
});

Deno.test("bind lists every schema issue with its full configuration path", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({
      Server: { Port: "eighty", Limits: { MaxRequestBodySize: "lots" } },
    })
    .build();
  let error: unknown;
  try {
    bind(config.getSection("Server"), serverSchema);
  } catch (thrown) {
    error = thrown;
  }
  assert.ok(error instanceof ConfigurationError);
  assert.equal(
    error.message,
    [
      'Configuration section "Server" is invalid; fix these settings:',
      '  "Server:Port": Expected number',
      '  "Server:Limits:MaxRequestBodySize": Expected number',
    ].join("\n"),
  );
  assert.deepEqual(error.issues, [
    { path: "Server:Port", message: "Expected number" },
    { path: "Server:Limits:MaxRequestBodySize", message: "Expected number" },
  ]);
});

Deno.test("issues at the root are named as the root", () => {
  const config = new ConfigurationBuilder().build();
  const schema: StandardSchemaV1<unknown, never> = {
    "~standard": {
      version: 1,
      vendor: "test",
      validate: () => ({ issues: [{ message: "Nothing configured" }] }),
    },
  };
  assert.throws(() => bind(config, schema), {
    name: "ConfigurationError",
    message:
      "Configuration is invalid; fix these settings:\n  (root): Nothing configured",
  });
});

Deno.test("bind refuses an async schema and points to bindAsync, without an unhandled rejection", () => {
  const config = new ConfigurationBuilder().addInMemory({ A: "1" }).build();
  const rejecting = asyncSchema<never>(() => {
    throw new Error("never awaited");
  });
  assert.throws(() => bind(config.getSection("A"), rejecting), {
    name: "TypeError",
    message:
      'The schema for configuration section "A" validates asynchronously, which bind does not support; use bindAsync',
  });
  // Deno fails the test if the rejected promise goes unhandled.
});

Deno.test("bindAsync accepts an async schema", async () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Feature: { Enabled: "true", Level: "3" } })
    .build();
  const schema = asyncSchema((value) => value as { Enabled: boolean });
  assert.deepEqual(await bindAsync(config.getSection("Feature"), schema), {
    Enabled: true,
    Level: 3,
  });
});

Deno.test("bindAsync reports an async schema's issues with full paths", async () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Feature: { Level: "high" } })
    .build();
  const schema = asyncSchema(() => [
    { message: "Expected number", path: ["Level"] },
  ]);
  await assert.rejects(bindAsync(config.getSection("Feature"), schema), {
    name: "ConfigurationError",
    message:
      'Configuration section "Feature" is invalid; fix these settings:\n  "Feature:Level": Expected number',
  });
});

Deno.test("bind refuses, with a clear message, a key that starts with ':' at the root instead of overflowing the stack", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ ":a": "1", "Mail::Port": "25" })
    .build();
  assert.throws(() => bind(config), /starts with ":"/);
  assert.deepEqual(bind(config.getSection("Mail")), { "": { Port: 25 } });
});

/** A schema whose listed keys are strings and whose Port is a number. */
function textSchema(...keys: string[]): StandardSchemaV1<unknown, unknown> {
  return {
    "~standard": {
      version: 1,
      vendor: "test",
      validate(value) {
        const input = value as Record<string, unknown>;
        const issues: StandardIssue[] = keys
          .filter((key) => typeof input[key] !== "string")
          .map((key) => ({ message: "Expected string", path: [key] }));
        if (typeof input.Port !== "number") {
          issues.push({ message: "Expected number", path: ["Port"] });
        } else if (input.Port > 65535) {
          issues.push({ message: "Too big: at most 65535", path: ["Port"] });
        }
        return issues.length > 0 ? { issues } : { value };
      },
    },
  };
}

Deno.test("bind gives a schema that wants text the text as written, not the number it looks like", async () => {
  const config = new ConfigurationBuilder()
    .addInMemory({
      Db: { Password: "123456", Pin: "0042", Version: "1.10", Port: "5432" },
    })
    .build();
  const expected = {
    Password: "123456",
    Pin: "0042",
    Version: "1.10",
    Port: 5432,
  };
  const schema = textSchema("Password", "Pin", "Version");
  assert.deepEqual(bind(config.getSection("Db"), schema), expected);
  const asynchronous = asyncSchema((value) => {
    const result = schema["~standard"].validate(value) as {
      issues?: StandardIssue[];
      value?: unknown;
    };
    return result.issues ?? result.value;
  });
  assert.deepEqual(
    await bindAsync(config.getSection("Db"), asynchronous),
    expected,
  );
  // Text that is not a number still fails a number field, naming it.
  const bad = new ConfigurationBuilder()
    .addInMemory({ Db: { Password: "x", Pin: "1", Version: "2", Port: "abc" } })
    .build();
  assert.throws(
    () => bind(bad.getSection("Db"), schema),
    (error: Error) =>
      error instanceof ConfigurationError &&
      error.message.includes('"Db:Port": Expected number'),
  );
  // A number the schema refuses for another reason keeps the schema's own
  // complaint, not one about text.
  const big = new ConfigurationBuilder()
    .addInMemory({
      Db: { Password: "x", Pin: "1", Version: "2", Port: "70000" },
    })
    .build();
  assert.throws(
    () => bind(big.getSection("Db"), schema),
    (error: Error) =>
      error instanceof ConfigurationError &&
      error.message.includes('"Db:Port": Too big: at most 65535') &&
      !error.message.includes("Expected number"),
  );
});
