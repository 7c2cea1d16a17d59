// Configuration: precedence, sections, sources, change notification.

import assert from "node:assert/strict";
import {
  Configuration,
  ConfigurationBuilder,
  type ConfigurationProvider,
  type ConfigurationSection,
  MemoryConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { captureErrors, tempDir } from "./_helpers.ts";
import { TestServer, WebHostBuilder } from "../../../mod.ts";
import { collectLogs } from "../../_helpers.ts";

function paths(sections: ConfigurationSection[]): string[] {
  return sections.map((section) => section.path);
}

Deno.test("later providers win over earlier ones, key by key", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(
    `${dir.path}/appsettings.json`,
    '{ "Server": { "Port": 2, "Host": "json" }, "Name": "json" }',
  );
  await Deno.writeTextFile(`${dir.path}/app.yaml`, "Server:\n  Port: 3\n");
  const config = await new ConfigurationBuilder({ basePath: dir.path })
    .addInMemory({ Server: { Port: 1, Host: "memory", Tls: "off" } })
    .addJsonFile("appsettings.json")
    .addYamlFile("app.yaml")
    .addCommandLine(["--name", "cli"])
    .buildAsync();
  assert.deepEqual(config.asEntries(), [
    ["Name", "cli"],
    ["Server:Host", "json"],
    ["Server:Port", "3"],
    ["Server:Tls", "off"],
  ]);
  assert.equal(config.describeSource("server:port"), 'YAML file "app.yaml"');
  assert.equal(
    config.describeSource("SERVER:HOST"),
    'JSON file "appsettings.json"',
  );
  assert.equal(config.describeSource("server:tls"), "memory");
  assert.equal(config.describeSource("name"), "command line");
  assert.equal(config.describeSource("nothing"), undefined);
});

Deno.test("an empty value from a later provider still wins", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ A: "set" })
    .addInMemory({ A: null })
    .build();
  assert.equal(config.get("A"), "");
});

Deno.test("the root is a section with an empty key and path", () => {
  const config = new ConfigurationBuilder().addInMemory({ A: "1" }).build();
  assert.equal(config.key, "");
  assert.equal(config.path, "");
  assert.equal(config.value, undefined);
  assert.equal(config.exists(), true);
  assert.equal(new Configuration([]).exists(), false);
});

Deno.test("a section knows its key, path and value, and reads relative keys", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Server: { Limits: { Port: 80 } } })
    .build();
  const limits = config.getSection("Server").getSection("Limits");
  assert.equal(limits.key, "Limits");
  assert.equal(limits.path, "Server:Limits");
  assert.equal(limits.value, undefined);
  assert.equal(limits.get("port"), "80");
  const port = config.getSection("server:limits:PORT");
  assert.deepEqual([port.key, port.path, port.value], [
    "PORT",
    "server:limits:PORT",
    "80",
  ]);
});

Deno.test("a section that does not exist is still a section", () => {
  const config = new ConfigurationBuilder().addInMemory({ A: { B: "1" } })
    .build();
  const missing = config.getSection("A:C");
  assert.equal(missing.exists(), false);
  assert.equal(missing.value, undefined);
  assert.deepEqual(missing.getChildren(), []);
  assert.deepEqual(missing.asEntries(), []);
  assert.equal(config.getSection("a").exists(), true);
  assert.equal(config.getSection("a:b").exists(), true);
});

Deno.test("children are distinct, spelled as first seen, integers first and in numeric order", () => {
  const config = new ConfigurationBuilder()
    .addInMemory([
      ["List:10", "ten"],
      ["List:9", "nine"],
      ["List:b", "bee"],
      ["List:A", "ay"],
      ["List:0", "zero"],
    ])
    .addInMemory([["LIST:a", "again"], ["list:9:x", "deeper"]])
    .build();
  assert.deepEqual(paths(config.getSection("List").getChildren()), [
    "List:0",
    "List:9",
    "List:10",
    "List:A",
    "List:b",
  ]);
  assert.deepEqual(paths(config.getChildren()), ["List"]);
  assert.equal(config.get("list:a"), "again");
});

Deno.test("asEntries lists a section depth first, with paths full or relative", () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Server: { Port: 80, Urls: ["a", "b"], Tls: { On: true } } })
    .addInMemory([["Server", "has a value too"]])
    .build();
  const server = config.getSection("Server");
  assert.deepEqual(server.asEntries(), [
    ["Server", "has a value too"],
    ["Server:Port", "80"],
    ["Server:Tls:On", "true"],
    ["Server:Urls:0", "a"],
    ["Server:Urls:1", "b"],
  ]);
  assert.deepEqual(server.asEntries({ makePathsRelative: true }), [
    ["Port", "80"],
    ["Tls:On", "true"],
    ["Urls:0", "a"],
    ["Urls:1", "b"],
  ]);
});

Deno.test("a provider without a description is described by its class name", () => {
  class PlainProvider implements ConfigurationProvider {
    load(): void {}
    get(key: string): string | undefined {
      return key === "k" ? "v" : undefined;
    }
    entries(): [string, string][] {
      return [["k", "v"]];
    }
  }
  const config = new Configuration([new PlainProvider()]);
  assert.equal(config.describeSource("k"), "PlainProvider");
});

Deno.test("reload reloads every provider and notifies, and values change", () => {
  let port = "1";
  const provider: ConfigurationProvider = {
    description: "changing",
    load() {},
    get: (key) => key.toLowerCase() === "port" ? port : undefined,
    entries: () => [["Port", port]],
  };
  let loads = 0;
  const counting = new (class extends MemoryConfigurationProvider {
    override load(): void {
      loads++;
      super.load();
    }
  })({ Other: "x" });
  using config = new Configuration([provider, counting]);
  let changes = 0;
  config.onChange(() => changes++);
  port = "2";
  config.reload();
  assert.equal(config.get("port"), "2");
  assert.equal(changes, 1);
  assert.equal(loads, 2);
});

Deno.test("onChange returns a disposer that stops only that callback", () => {
  using config = new Configuration([]);
  const calls: string[] = [];
  const stopA = config.onChange(() => calls.push("a"));
  config.onChange(() => calls.push("b"));
  config.reload();
  stopA();
  config.reload();
  assert.deepEqual(calls, ["a", "b", "b"]);
});

Deno.test("a change callback that throws is logged and the others still run", async () => {
  using config = new Configuration([]);
  const calls: string[] = [];
  config.onChange(() => {
    throw new Error("boom");
  });
  config.onChange(() => calls.push("second"));
  const logged = await captureErrors(() => config.reload());
  assert.deepEqual(calls, ["second"]);
  assert.deepEqual(logged, ["A configuration change callback threw: boom"]);
});

Deno.test("a change callback that throws or rejects goes to onChangeError, and the host logs it", async () => {
  const reported: string[] = [];
  const rejected = Promise.withResolvers<void>();
  using config = new Configuration([], {
    onChangeError: (error) => {
      reported.push((error as Error).message);
      if (reported.length === 2) rejected.resolve();
    },
  });
  config.onChange(() => {
    throw new Error("sync boom");
  });
  config.onChange(async () => {
    await Promise.resolve();
    throw new Error("async boom");
  });
  config.reload();
  // A rejection nobody handled would fail this test.
  await rejected.promise;
  assert.deepEqual(reported, ["sync boom", "async boom"]);
  // The host's configuration reports through its logging.
  const builder = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run(() => new Response("ok")));
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  try {
    const logged = Promise.withResolvers<void>();
    host.configuration.onChange(() => {
      queueMicrotask(() => logged.resolve());
      return Promise.reject(new Error("callback failed"));
    });
    host.configuration.reload();
    await logged.promise;
    await Promise.resolve();
    assert.deepEqual(
      logs.records.filter((r) => r.level === "error").map((r) =>
        `${r.message}: ${(r.error as Error).message}`
      ),
      ["A configuration change callback threw: callback failed"],
    );
  } finally {
    await host.stop();
  }
});

Deno.test("a provider failing on reload keeps its values, the others reload, then the error is thrown", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": "good" }');
  let b = "1";
  using config = new Configuration([
    new ConfigurationBuilder().addJsonFile(file).providers[0],
    {
      load() {},
      get: (key) => key === "B" ? b : undefined,
      entries: () => [["B", b]],
    },
  ]);
  let changes = 0;
  config.onChange(() => changes++);
  await Deno.writeTextFile(file, "{ broken");
  b = "2";
  assert.throws(() => config.reload(), {
    name: "ConfigurationError",
    message: /^Invalid JSON in ".+app\.json" at line 1, column 3/,
  });
  assert.equal(config.get("A"), "good");
  assert.equal(config.get("B"), "2");
  assert.equal(changes, 1);
});

Deno.test("a provider that fails to load makes the constructor throw", () => {
  const failing: ConfigurationProvider = {
    load() {
      throw new RangeError("bad source");
    },
    get: () => undefined,
    entries: () => [],
  };
  assert.throws(() => new Configuration([failing]), RangeError);
});

Deno.test("providers are listed in order and cannot be changed", () => {
  const first = new MemoryConfigurationProvider({});
  const second = new MemoryConfigurationProvider({});
  const config = new Configuration([first, second]);
  assert.deepEqual(config.providers, [first, second]);
  assert.ok(Object.isFrozen(config.providers));
});
