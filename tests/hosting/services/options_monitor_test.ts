// ServiceCollection.configure: options bound from a section, validated,
// and kept current across configuration reloads.

import assert from "node:assert/strict";
import {
  Configuration,
  ConfigurationBuilder,
  ConfigurationError,
  KeyValueConfigurationProvider,
  type StandardSchemaV1,
} from "../../../hosting/config/mod.ts";
import {
  optionsKey,
  type OptionsMonitor,
  ServiceCollection,
} from "../../../hosting/services/mod.ts";
import { tempDir, Waiter } from "../config/_helpers.ts";
import {
  LoggerFactory,
  setDefaultLoggerFactory,
} from "../../../hosting/logging/logger_factory.ts";
import { CollectingOutput } from "../../_helpers.ts";

/**
 * What the process's logging (the host's, in an app) got while `fn` ran, as
 * `level category: message (error)` lines.
 */
async function captureLogs(fn: () => void | Promise<void>): Promise<string[]> {
  const output = new CollectingOutput();
  setDefaultLoggerFactory(new LoggerFactory({ outputs: [output] }));
  try {
    await fn();
  } finally {
    setDefaultLoggerFactory(undefined);
  }
  return output.records.map((record) =>
    `${record.level} ${record.category}: ${record.message}${
      record.error === undefined ? "" : ` (${(record.error as Error).message})`
    }`
  );
}

/** A provider whose values a test changes before calling reload(). */
class MutableProvider extends KeyValueConfigurationProvider {
  readonly description = "test values";
  values: Record<string, string>;
  constructor(values: Record<string, string>) {
    super();
    this.values = values;
  }
  protected read(): Iterable<readonly [string, string]> {
    return Object.entries(this.values);
  }
}

interface ServerOptions {
  port: number;
  maxBody: number;
}

/** A hand-written Standard Schema: Port and Limits:MaxBody, both positive. */
const serverSchema: StandardSchemaV1<unknown, ServerOptions> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const input = value as {
        Port?: unknown;
        Limits?: { MaxBody?: unknown };
      };
      const issues = [];
      const port = input.Port;
      const maxBody = input.Limits?.MaxBody;
      if (typeof port !== "number" || port <= 0) {
        issues.push({ message: "Expected a positive port", path: ["Port"] });
      }
      if (typeof maxBody !== "number" || maxBody <= 0) {
        issues.push({
          message: "Expected a positive number of bytes",
          path: ["Limits", { key: "MaxBody" }],
        });
      }
      return issues.length > 0
        ? { issues }
        : { value: { port: port as number, maxBody: maxBody as number } };
    },
  },
};

const Server = optionsKey<ServerOptions>("ServerOptions");

function mutable(values: Record<string, string>): {
  provider: MutableProvider;
  config: Configuration;
} {
  const provider = new MutableProvider(values);
  return { provider, config: new Configuration([provider]) };
}

Deno.test("current is the section bound and validated by the schema", async () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Server: { Port: "8080", Limits: { MaxBody: "1024" } } })
    .build();
  await using services = new ServiceCollection()
    .configure(Server, config.getSection("Server"), serverSchema)
    .build();
  const monitor: OptionsMonitor<ServerOptions> = services.getRequired(Server);
  assert.deepEqual(monitor.current, { port: 8080, maxBody: 1024 });
  assert.equal(
    services.getRequired(Server),
    monitor,
    "one monitor: a singleton",
  );
});

Deno.test("invalid options fail when resolved, listing every bad setting by its full path", async () => {
  const config = new ConfigurationBuilder()
    .addInMemory({ Server: { Port: "-1", Limits: { MaxBody: "many" } } })
    .build();
  await using services = new ServiceCollection()
    .configure(Server, config.getSection("Server"), serverSchema)
    .build();
  assert.throws(() => services.get(Server), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError);
    assert.equal(
      error.message,
      'Configuration section "Server" is invalid; fix these settings:\n' +
        '  "Server:Port": Expected a positive port\n' +
        '  "Server:Limits:MaxBody": Expected a positive number of bytes',
    );
    return true;
  });
});

Deno.test("after a reload the monitor has the new options and tells its listeners", async () => {
  const { provider, config } = mutable({
    "Server:Port": "1",
    "Server:Limits:MaxBody": "10",
  });
  await using services = new ServiceCollection()
    .configure(Server, config.getSection("Server"), {
      schema: serverSchema,
      configuration: config,
    })
    .build();
  const monitor = services.getRequired(Server);
  const seen: ServerOptions[] = [];
  const stop = monitor.onChange((value) => seen.push(value));
  provider.values = { "Server:Port": "2", "Server:Limits:MaxBody": "20" };
  config.reload();
  assert.deepEqual(monitor.current, { port: 2, maxBody: 20 });
  assert.deepEqual(seen, [{ port: 2, maxBody: 20 }]);
  stop();
  provider.values = { "Server:Port": "3", "Server:Limits:MaxBody": "30" };
  config.reload();
  assert.equal(monitor.current.port, 3);
  assert.equal(seen.length, 1, "a stopped listener is not called");
});

Deno.test("a reload that makes invalid options keeps the previous ones and reports the error", async () => {
  const { provider, config } = mutable({
    "Server:Port": "1",
    "Server:Limits:MaxBody": "10",
  });
  const errors: unknown[] = [];
  await using services = new ServiceCollection()
    .configure(Server, config.getSection("Server"), {
      schema: serverSchema,
      configuration: config,
      onError: (error) => errors.push(error),
    })
    .build();
  const monitor = services.getRequired(Server);
  const seen: ServerOptions[] = [];
  monitor.onChange((value) => seen.push(value));
  provider.values = { "Server:Port": "0", "Server:Limits:MaxBody": "10" };
  config.reload(); // does not throw
  assert.deepEqual(monitor.current, { port: 1, maxBody: 10 });
  assert.deepEqual(seen, []);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof ConfigurationError);
  assert.deepEqual(errors[0].issues, [
    { path: "Server:Port", message: "Expected a positive port" },
  ]);
  provider.values = { "Server:Port": "5", "Server:Limits:MaxBody": "10" };
  config.reload();
  assert.equal(monitor.current.port, 5, "a later valid reload is picked up");
});

// Through the host's logging and format (a JSON log stays JSON): these went
// to console.error as plain text.
Deno.test("without onError an invalid reload is logged in Roost.Hosting.Configuration", async () => {
  const { provider, config } = mutable({
    "Server:Port": "1",
    "Server:Limits:MaxBody": "10",
  });
  await using services = new ServiceCollection()
    .configure(Server, config.getSection("Server"), serverSchema)
    .addSingleton(Configuration, config)
    .build();
  const monitor = services.getRequired(Server);
  const lines = await captureLogs(() => {
    provider.values = { "Server:Port": "1", "Server:Limits:MaxBody": "-5" };
    config.reload();
  });
  assert.deepEqual(lines, [
    'error Roost.Hosting.Configuration: Reloaded configuration makes invalid options; keeping the previous values. Configuration section "Server" is invalid; fix these settings:\n  "Server:Limits:MaxBody": Expected a positive number of bytes',
  ]);
  assert.equal(monitor.current.maxBody, 10);
});

Deno.test("a change elsewhere in the configuration does not notify the section's listeners", async () => {
  const { provider, config } = mutable({ "Server:Port": "1", "Other": "a" });
  const Plain = optionsKey<Record<string, unknown>>("Plain");
  await using services = new ServiceCollection()
    .configure(Plain, config.getSection("Server"), { configuration: config })
    .build();
  const monitor = services.getRequired(Plain);
  const before = monitor.current;
  let calls = 0;
  monitor.onChange(() => calls++);
  provider.values = { "Server:Port": "1", "Other": "b" };
  config.reload();
  assert.equal(calls, 0);
  assert.equal(monitor.current, before);
});

Deno.test("the monitor follows the root Configuration when bound to it, and stops when the provider is disposed", async () => {
  const { provider, config } = mutable({ "Port": "1" });
  const Root = optionsKey<Record<string, unknown>>("Root");
  const services = new ServiceCollection().configure(Root, config).build();
  const monitor = services.getRequired(Root);
  provider.values = { "Port": "2" };
  config.reload();
  assert.deepEqual(monitor.current, { Port: 2 });
  await services[Symbol.asyncDispose]();
  provider.values = { "Port": "3" };
  config.reload();
  assert.deepEqual(monitor.current, { Port: 2 });
});

Deno.test("the monitor follows edits to a watched JSON file through the Configuration service", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/appsettings.json`;
  await Deno.writeTextFile(
    file,
    '{ "Server": { "Port": 1, "Limits": { "MaxBody": 10 } } }',
  );
  using config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("appsettings.json", { reloadOnChange: true, reloadDelay: 50 })
    .build();
  await using services = new ServiceCollection()
    .addSingleton(Configuration, config)
    .configure(Server, config.getSection("Server"), serverSchema)
    .build();
  const monitor = services.getRequired(Server);
  const changed = new Waiter<ServerOptions>();
  monitor.onChange(changed.fire);
  await Deno.writeTextFile(
    file,
    '{ "Server": { "Port": 2, "Limits": { "MaxBody": 20 } } }',
  );
  assert.deepEqual(await changed.next("the options change"), {
    port: 2,
    maxBody: 20,
  });
  assert.deepEqual(monitor.current, { port: 2, maxBody: 20 });
});

Deno.test("a listener that throws is logged and does not stop the others", async () => {
  const { provider, config } = mutable({ "A": "1" });
  const Root = optionsKey<Record<string, unknown>>("Root");
  await using services = new ServiceCollection().configure(Root, config)
    .build();
  const monitor = services.getRequired(Root);
  const seen: unknown[] = [];
  monitor.onChange(() => {
    throw new Error("listener broke");
  });
  monitor.onChange((value) => seen.push(value));
  const lines = await captureLogs(() => {
    provider.values = { "A": "2" };
    config.reload();
  });
  assert.deepEqual(lines, [
    "error Roost.Hosting.Configuration: An options change listener threw (listener broke)",
  ]);
  assert.deepEqual(seen, [{ A: 2 }]);
});
