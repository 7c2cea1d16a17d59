// createDefaultBuilder, host settings through configuration, the Server
// section, validation at start.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  createDefaultBuilder,
  type StandardSchemaV1,
  TestServer,
  WebHostBuilder,
} from "../../mod.ts";
import { collectLogs, deferred } from "../_helpers.ts";

async function contentRoot(files: Record<string, string>): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir}/${name}`, text);
  }
  return dir;
}

const quiet = ["--suppressStatusMessages", "true"];

Deno.test("createDefaultBuilder layers appsettings files, the environment's file and the command line", async () => {
  const root = await contentRoot({
    "appsettings.json": JSON.stringify({
      Greeting: "from json",
      Only: { Json: "yes" },
      Shared: "json",
    }),
    "appsettings.yaml": "Shared: yaml\nOnly:\n  Yaml: yes\n",
    "appsettings.Staging.json": JSON.stringify({ Greeting: "from staging" }),
  });
  try {
    const host = createDefaultBuilder([
      "--contentRoot",
      root,
      "--environment",
      "Staging",
      "--Only:Cli",
      "yes",
      ...quiet,
    ]).useServer(new TestServer()).build();
    await host.start();
    const config = host.configuration;
    assert.equal(config.get("Greeting"), "from staging");
    assert.equal(config.get("shared"), "yaml");
    assert.equal(config.get("Only:Json"), "yes");
    assert.equal(config.get("Only:Yaml"), "yes");
    assert.equal(config.get("Only:Cli"), "yes");
    assert.equal(host.environment.name, "Staging");
    assert.equal(host.environment.contentRootPath, root);
    await host.stop();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("host settings from the command line apply when createDefaultBuilder is called, and code after it wins", () => {
  const builder = createDefaultBuilder([
    "--urls=http://127.0.0.1:1",
    "--environment",
    "Staging",
  ]);
  assert.equal(builder.getSetting("urls"), "http://127.0.0.1:1");
  assert.equal(builder.getSettingSource("urls"), "command line");
  builder.useEnvironment("Development");
  assert.equal(builder.build().environment.name, "Development");
});

Deno.test("createDefaultBuilder rejects a malformed argument at once", () => {
  assert.throws(() => createDefaultBuilder(["--urls"]), /urls/);
});

Deno.test("useConfiguration copies a section's keys without its prefix, in call order", () => {
  const config = new ConfigurationBuilder().addInMemory({
    Host: { Urls: "http://127.0.0.1:2", Environment: "Staging" },
  }).build();
  const builder = new WebHostBuilder()
    .useUrls("http://127.0.0.1:1")
    .useConfiguration(config.getSection("Host"))
    .useEnvironment("Development");
  assert.equal(builder.getSetting("urls"), "http://127.0.0.1:2");
  assert.equal(builder.getSetting("environment"), "Development");
  assert.equal(builder.getSetting("host:urls"), undefined);
});

Deno.test("configureAppConfiguration calls add up and see the host settings", async () => {
  const host = new WebHostBuilder()
    .useEnvironment("Staging")
    .configureAppConfiguration((context, config) => {
      config.addInMemory({
        A: "1",
        SeenEnvironment: context.configuration.get("environment") ?? "none",
      });
    })
    .configureAppConfiguration((_context, config) => {
      config.addInMemory({ B: "2", A: "overridden" });
    })
    .configure((app, { configuration }) =>
      app.run((ctx) =>
        ctx.response.json(Object.fromEntries(configuration.asEntries()))
      )
    )
    .build();
  const values = await (await host.fetch("/")).json();
  assert.equal(values.A, "overridden");
  assert.equal(values.B, "2");
  assert.equal(values.SeenEnvironment, "Staging");
});

Deno.test("the Server section configures endpoints and limits of the default server", async () => {
  const root = await contentRoot({
    "appsettings.json": JSON.stringify({
      Server: {
        Endpoints: { Web: { Url: "http://127.0.0.1:0" } },
        Limits: { MaxRequestBodySize: 10 },
      },
    }),
  });
  try {
    const host = createDefaultBuilder(["--contentRoot", root, ...quiet])
      .configure((app) =>
        app.run(async (ctx) =>
          ctx.response.send(`${(await ctx.request.text()).length}`)
        )
      )
      .build();
    await host.start();
    assert.match(host.addresses[0], /^http:\/\/127\.0\.0\.1:\d+$/);
    const small = await fetch(host.addresses[0], {
      method: "POST",
      body: "12345",
    });
    assert.equal(await small.text(), "5");
    const big = await fetch(host.addresses[0], {
      method: "POST",
      body: "x".repeat(11),
    });
    assert.equal(big.status, 413);
    await big.body?.cancel();
    await host.stop();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("when endpoints and urls disagree the log says the endpoints won and why", async () => {
  const builder = new WebHostBuilder()
    .useUrls("http://localhost:0")
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Server: { Endpoints: { Api: { Url: "http://127.0.0.1:0" } } },
      })
    );
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  await host.stop();
  const warning = logs.messages("Roost.Server", "warning")
    .find((line) => line.includes("Overriding"));
  assert.ok(warning, JSON.stringify(logs.records));
  assert.match(warning, /endpoints given to the server/);
  assert.match(warning, /preferHostingUrls/);
});

Deno.test("at Debug level the host logs where each host setting came from", async () => {
  const builder = new WebHostBuilder()
    .useEnvironment("Staging")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({ Logging: { LogLevel: { Default: "Debug" } } })
    );
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.fetch("/");
  await host.stop();
  const lines = logs.messages("Roost.Hosting", "debug");
  assert.ok(
    lines.some((line) =>
      line.includes('environment = "Staging"') &&
      line.includes("from useEnvironment()")
    ),
    lines.join("\n"),
  );
});

const portSchema: StandardSchemaV1<unknown, { Port: number; Host: string }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate(value) {
      const record = value as Record<string, unknown>;
      const issues = [];
      if (typeof record.Port !== "number") {
        issues.push({ message: "must be a number", path: ["Port"] });
      }
      if (typeof record.Host !== "string") {
        issues.push({ message: "is required", path: ["Host"] });
      }
      return issues.length > 0 ? { issues } : {
        value: value as { Port: number; Host: string },
      };
    },
  },
};

Deno.test("validateOnStart stops startup naming every bad key", async () => {
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({ Mail: { Port: "not a number" } })
    )
    .validateOnStart("Mail", portSchema)
    .build();
  await assert.rejects(() => host.start(), (error: Error) => {
    assert.match(error.message, /"Mail:Port": must be a number/);
    assert.match(error.message, /"Mail:Host": is required/);
    return true;
  });
});

Deno.test("validateOnStart lets a good configuration through", async () => {
  const started = deferred<number>();
  const host = new WebHostBuilder()
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({ Mail: { Port: "25", Host: "smtp" } })
    )
    .validateOnStart("Mail", portSchema)
    .configure((app) => {
      started.resolve(1);
      app.run((ctx) => ctx.response.send("ok"));
    })
    .build();
  assert.equal(await (await host.fetch("/")).text(), "ok");
  assert.equal(await started.promise, 1);
});

Deno.test("the Server section's default certificate serves an https endpoint over HTTP/2", async () => {
  const { CA_FILE, CERT_FILE, KEY_FILE, curl } = await import("../_helpers.ts");
  const host = new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Server: {
          Endpoints: { Secure: { Url: "https://127.0.0.1:0" } },
          Certificates: { Default: { Path: CERT_FILE, KeyPath: KEY_FILE } },
        },
      })
    )
    .configure((app) =>
      app.run((ctx) => ctx.response.send(ctx.request.protocol))
    )
    .build();
  await host.start();
  try {
    assert.match(host.addresses[0], /^https:/);
    assert.equal(
      await curl(["--http2", "--cacert", CA_FILE, host.addresses[0]]),
      "HTTP/2",
    );
  } finally {
    await host.stop();
  }
});

Deno.test("relative certificate paths in the Server section resolve against the content root, as Kestrel's", async () => {
  const { CA_FILE, CERT_FILE, KEY_FILE, curl } = await import("../_helpers.ts");
  const contentRoot = await Deno.makeTempDir();
  await Deno.copyFile(CERT_FILE, `${contentRoot}/cert.pem`);
  await Deno.copyFile(KEY_FILE, `${contentRoot}/key.pem`);
  const host = new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .useContentRoot(contentRoot)
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Server: {
          Endpoints: { Secure: { Url: "https://127.0.0.1:0" } },
          Certificates: { Default: { Path: "cert.pem", KeyPath: "key.pem" } },
        },
      })
    )
    .configure((app) => app.run((ctx) => ctx.response.send("secure")))
    .build();
  await host.start();
  try {
    assert.equal(
      await curl(["--cacert", CA_FILE, host.addresses[0]]),
      "secure",
    );
  } finally {
    await host.stop();
    await Deno.remove(contentRoot, { recursive: true });
  }
});

Deno.test("a Server section with a half-given certificate names the key", async () => {
  const host = new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({
        Server: { Certificates: { Default: { Path: "cert.pem" } } },
      })
    )
    .build();
  await assert.rejects(
    () => host.start(),
    /"Server:Certificates:Default" needs both Path .* and KeyPath/,
  );
});

Deno.test("a bad Server section fails the start before anything binds, naming every key, its value, its file and the valid form", async () => {
  const root = await contentRoot({
    "appsettings.json": JSON.stringify({
      Server: {
        Endpoints: { Web: { Url: "http://127.0.0.1:99999" }, Api: { Url: "" } },
        Limits: {
          MaxRequestBodySize: -5,
          MaxConcurrentRequests: "lots",
          ResponseBufferSize: null,
          MaxBody: 1,
        },
        Limit: { MaxRequestBodySize: 1 },
      },
    }),
  });
  try {
    let configured = false;
    const host = createDefaultBuilder([
      "--contentRoot",
      root,
      "--urls",
      "http://127.0.0.1:0",
      "--Server:Limits:ResponseBufferSize",
      "-1",
      ...quiet,
    ]).configure(() => {
      configured = true;
    }).build();
    const error = await host.start().then(
      () => assert.fail("started"),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConfigurationError);
    const file = 'JSON file "appsettings.json"';
    for (
      const line of [
        `"Server:Limit" (from ${file}): unknown key; "Server" has "Endpoints", "Certificates", "Limits"`,
        `"Server:Endpoints:Web:Url" is "http://127.0.0.1:99999" (from ${file}): Invalid server URL`,
        `"Server:Endpoints:Api:Url" is "" (from ${file}): the URL is missing`,
        `"Server:Limits:MaxRequestBodySize" is "-5" (from ${file}): it must be a whole number of bytes of at least 0, or null for no limit`,
        `"Server:Limits:MaxConcurrentRequests" is "lots" (from ${file}): it must be a whole number of at least 1, or null for no limit`,
        `"Server:Limits:ResponseBufferSize" is "-1" (from command line): it must be a whole number of bytes of at least 0`,
        `"Server:Limits:MaxBody" is "1" (from ${file}): unknown server limit; the limits are MaxRequestBodySize, MaxConcurrentRequests, ResponseBufferSize`,
      ]
    ) {
      assert.ok(error.message.includes(line), `${line}\nin\n${error.message}`);
    }
    assert.match(error.message, /^The Server configuration is invalid:\n/);
    assert.equal(configured, false);
    assert.deepEqual(host.addresses, []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("createDefaultBuilder leaves an absolute path on the command line to the app outside Windows", async () => {
  const host = createDefaultBuilder([
    "/srv/www",
    "--urls",
    "http://127.0.0.1:0",
    ...quiet,
  ]).useServer(new TestServer()).build();
  assert.equal(host.getSetting("urls"), "http://127.0.0.1:0");
  await host.start();
  const keys = host.configuration.asEntries().map(([key]) => key);
  if (Deno.build.os === "windows") {
    assert.ok(keys.includes("srv/www"));
  } else {
    assert.ok(!keys.some((key) => key.includes("srv")), keys.join(", "));
  }
  await host.stop();
});

Deno.test("createDefaultBuilder filters hosts by AllowedHosts and applies forwarded headers when configuration switches them on", async () => {
  const root = await contentRoot({
    "appsettings.json": JSON.stringify({
      AllowedHosts: "shop.example;*.shop.example",
    }),
  });
  try {
    const server = new TestServer();
    const host = createDefaultBuilder([
      "--contentRoot",
      root,
      "--ForwardedHeaders:Enabled=true",
      ...quiet,
    ])
      .useServer(server)
      .configure((app) =>
        app.run((ctx) =>
          ctx.response.json({
            client: ctx.connection.remoteAddress,
            scheme: ctx.request.scheme,
          })
        )
      )
      .build();
    await host.start();
    try {
      // TestServer's peer is 127.0.0.1: a known proxy by default.
      const forwarded = await server.fetch(
        new Request("http://shop.example/", {
          headers: {
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-proto": "https",
          },
        }),
      );
      assert.deepEqual(await forwarded.json(), {
        client: "203.0.113.7",
        scheme: "https",
      });
      const other = await server.fetch(new Request("http://evil.example/"));
      assert.equal(other.status, 400);
      assert.equal(await other.text(), "");
      const sub = await server.fetch(new Request("http://www.shop.example/"));
      assert.equal(sub.status, 200);
      await sub.body?.cancel();
    } finally {
      await host.stop();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a host not made by createDefaultBuilder adds no edge middleware of its own", async () => {
  const server = new TestServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configureAppConfiguration((_, config) =>
      config.addInMemory({ AllowedHosts: "shop.example" })
    )
    .configure((app) => app.run((ctx) => ctx.response.send("open")))
    .build();
  await host.start();
  try {
    const response = await server.fetch(new Request("http://evil.example/"));
    assert.equal(await response.text(), "open");
  } finally {
    await host.stop();
  }
});
