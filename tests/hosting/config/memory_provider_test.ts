// MemoryConfigurationProvider: nested objects, arrays, pairs.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  MemoryConfigurationProvider,
} from "../../../hosting/config/mod.ts";

Deno.test("the memory provider flattens nested objects and arrays into colon keys", () => {
  const provider = new MemoryConfigurationProvider({
    Server: { Port: 8080, Tls: false, Urls: ["http://a", { Host: "b" }] },
    Name: "app",
  });
  provider.load();
  assert.deepEqual([...provider.entries()], [
    ["Server:Port", "8080"],
    ["Server:Tls", "false"],
    ["Server:Urls:0", "http://a"],
    ["Server:Urls:1:Host", "b"],
    ["Name", "app"],
  ]);
});

Deno.test("the memory provider reads keys in any case", () => {
  const provider = new MemoryConfigurationProvider({ Server: { Port: 1 } });
  provider.load();
  assert.equal(provider.get("SERVER:port"), "1");
  assert.equal(provider.get("Server"), undefined);
});

Deno.test("the memory provider makes null an empty value and skips undefined and empty containers", () => {
  const provider = new MemoryConfigurationProvider({
    Cleared: null,
    Missing: undefined,
    Empty: {},
    None: [],
    When: new Date(Date.UTC(2024, 0, 2)),
    Where: new URL("http://example.com/x"),
    Big: 12345678901234567890n,
  });
  provider.load();
  assert.deepEqual(Object.fromEntries(provider.entries()), {
    Cleared: "",
    When: "2024-01-02T00:00:00.000Z",
    Where: "http://example.com/x",
    Big: "12345678901234567890",
  });
});

Deno.test("the memory provider takes key-value pairs, including a Map", () => {
  const provider = new MemoryConfigurationProvider(
    new Map([["Server:Port", "80"], ["server:PORT", "81"]]),
  );
  provider.load();
  // One key in any case: first spelling, last value.
  assert.deepEqual([...provider.entries()], [["Server:Port", "81"]]);
});

Deno.test("the memory provider copies its values when made", () => {
  const values = { A: "1" };
  const provider = new MemoryConfigurationProvider(values);
  values.A = "2";
  provider.load();
  assert.equal(provider.get("a"), "1");
});

Deno.test("the memory provider rejects a value it cannot turn into a string, naming the key", () => {
  assert.throws(
    () => new MemoryConfigurationProvider({ Server: { Start: () => {} } }),
    {
      name: "TypeError",
      message:
        'Configuration value "Server:Start" must be a string, number, boolean, null, array or plain object, got function',
    },
  );
  assert.throws(
    () =>
      new MemoryConfigurationProvider([["A", 1]] as unknown as [
        string,
        string,
      ][]),
    {
      name: "TypeError",
      message: /must be \[string, string\], got \[string, number\]/,
    },
  );
});

Deno.test("addInMemory adds a memory provider described as memory", () => {
  const config = new ConfigurationBuilder().addInMemory({ A: { B: [1, 2] } })
    .build();
  assert.equal(config.get("a:b:1"), "2");
  assert.equal(config.describeSource("A:B:0"), "memory");
});
