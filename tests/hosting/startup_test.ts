// Startup modules and startup errors, in process and through main.ts.

import assert from "node:assert/strict";
import { TestServer, WebHostBuilder } from "../../mod.ts";
import { spawnHost } from "../_helpers.ts";

const FIXTURES = new URL("../fixtures/startup/", import.meta.url).pathname;

function hostFor(startup: Parameters<WebHostBuilder["useStartup"]>[0]) {
  return new WebHostBuilder()
    .useContentRoot(FIXTURES)
    .useEnvironment("Staging")
    .useSetting("suppressStatusMessages", "true")
    .useServer(new TestServer())
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({ Greeting: "hello" })
    )
    .useStartup(startup)
    .build();
}

Deno.test("useStartup loads a module exporting configure, relative to the content root", async () => {
  const host = hostFor("./configure_app.ts");
  assert.equal(
    await (await host.fetch("/")).text(),
    "configure form in Staging, greeting hello",
  );
});

Deno.test("useStartup loads a deno serve-style module", async () => {
  const host = hostFor("./fetch_app.ts");
  assert.equal(await (await host.fetch("/x")).text(), "fetch form /x");
});

Deno.test("useStartup takes an object with configure or a default fetch", async () => {
  const configured = hostFor({
    configure: (app) => app.run((ctx) => ctx.response.send("object")),
  });
  assert.equal(await (await configured.fetch("/")).text(), "object");
  const served = hostFor({ default: { fetch: () => new Response("served") } });
  assert.equal(await (await served.fetch("/")).text(), "served");
});

Deno.test("a startup module that cannot be found fails with where it looked", async () => {
  const host = hostFor("./missing_app.ts");
  await assert.rejects(() => host.start(), (error: Error) => {
    assert.match(
      error.message,
      /Startup module "\.\/missing_app\.ts" could not be loaded/,
    );
    assert.ok(error.message.includes(`${FIXTURES}missing_app.ts`));
    assert.ok(!error.message.includes(".."), "one full stop");
    assert.match(error.message, /Check the path given to useStartup\(\)/);
    return true;
  });
});

Deno.test("a startup module that is found but broken says to fix it, not its path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/broken_app.ts`,
      "export function configure(app {\n",
    );
    const host = new WebHostBuilder()
      .useSetting("suppressStatusMessages", "true")
      .useStartup(`${dir}/broken_app.ts`)
      .build();
    await assert.rejects(() => host.start(), (error: Error) => {
      assert.match(error.message, /SyntaxError/);
      assert.match(
        error.message,
        /The module was found but failed while loading: fix the error in it\.$/,
      );
      assert.ok(!error.message.includes("Check the path"));
      // Plain text for a log file or a JSON record: none of Deno's colours.
      assert.ok(!error.message.includes("\x1b["), error.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a startup module whose own import is missing names that import, not the module's path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/app.ts`,
      'import "./nope.ts";\nexport function configure() {}\n',
    );
    const host = new WebHostBuilder()
      .useSetting("suppressStatusMessages", "true")
      .useStartup(`${dir}/app.ts`)
      .build();
    await assert.rejects(() => host.start(), (error: Error) => {
      assert.match(
        error.message,
        /The module was found, but file:\/\/\S+\/nope\.ts that it imports was not: fix that import\.$/,
      );
      assert.ok(!error.message.includes("Check the path"));
      assert.ok(!error.message.includes("\x1b["), error.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a startup module with neither form says what was expected", async () => {
  const host = hostFor("./empty_app.ts");
  await assert.rejects(
    () => host.start(),
    /exports only "nothingUseful": expected export function configure\(app, context\)/,
  );
});

Deno.test("the last of configure and useStartup wins", async () => {
  const host = new WebHostBuilder()
    .useContentRoot(FIXTURES)
    .useStartup("./fetch_app.ts")
    .configure((app) => app.run((ctx) => ctx.response.send("configure won")))
    .build();
  assert.equal(await (await host.fetch("/")).text(), "configure won");
});

Deno.test("main.ts --startupModule hosts a module of either form", async () => {
  for (
    const [module, expected] of [
      ["configure_app.ts", /^configure form in Production, greeting from-cli$/],
      ["fetch_app.ts", /^fetch form \/path$/],
    ] as const
  ) {
    await using roost = await spawnHost("main.ts", [
      "--urls",
      "http://127.0.0.1:0",
      "--startupModule",
      `${FIXTURES}${module}`,
      "--Greeting",
      "from-cli",
    ]);
    assert.equal(roost.addresses.length, 1, roost.stderr());
    const text = await (await fetch(`${roost.addresses[0]}/path`)).text();
    assert.match(text, expected);
    assert.equal((await roost.signal("SIGTERM")).code, 0);
  }
});

Deno.test("main.ts exits non-zero with the error when startup fails", async () => {
  await using roost = await spawnHost("main.ts", [
    "--urls",
    "http://127.0.0.1:0",
    "--startupModule",
    `${FIXTURES}failing_app.ts`,
  ]);
  const status = await roost.signal("SIGTERM");
  assert.equal(status.code, 1);
  // Through the host's logging (standard output by default).
  assert.match(
    roost.stdout(),
    /The host failed to start: .*the database URL is missing/,
  );
});

Deno.test("captured startup errors answer 500: generic in Production, detailed in Development", async () => {
  for (
    const [environment, pattern] of [
      ["Production", /^Internal Server Error$/],
      ["Development", /^500 Error: the database URL is missing\n\s+at /],
    ] as const
  ) {
    await using roost = await spawnHost("main.ts", [
      "--urls",
      "http://127.0.0.1:0",
      "--environment",
      environment,
      "--startupModule",
      `${FIXTURES}failing_app.ts`,
      "--captureStartupErrors",
      "true",
    ]);
    assert.equal(roost.addresses.length, 1, roost.stderr());
    for (const path of ["/", "/again"]) {
      const response = await fetch(roost.addresses[0] + path);
      assert.equal(response.status, 500);
      assert.match(await response.text(), pattern);
    }
    const logged = roost.stdout().match(/failed to start/g) ?? [];
    assert.equal(logged.length, 1, roost.stdout());
    assert.equal((await roost.signal("SIGTERM")).code, 0);
  }
});

Deno.test("app configuration precedence: appsettings.json < environment variables < command line", async () => {
  const root = await Deno.makeTempDir();
  await Deno.writeTextFile(
    `${root}/appsettings.json`,
    JSON.stringify({ Greeting: "from-json" }),
  );
  try {
    for (
      const [args, env, expected] of [
        [[], {}, "from-json"],
        [[], { Greeting: "from-env" }, "from-env"],
        [["--Greeting", "from-cli"], { Greeting: "from-env" }, "from-cli"],
      ] as const
    ) {
      await using roost = await spawnHost("main.ts", [
        "--urls",
        "http://127.0.0.1:0",
        "--contentRoot",
        root,
        "--startupModule",
        `${FIXTURES}configure_app.ts`,
        ...args,
      ], env);
      assert.equal(roost.addresses.length, 1, roost.stderr());
      const text = await (await fetch(roost.addresses[0])).text();
      assert.equal(text, `configure form in Production, greeting ${expected}`);
      assert.equal((await roost.signal("SIGTERM")).code, 0);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a running host follows edits of appsettings.json and survives a malformed one", async () => {
  const root = await Deno.makeTempDir();
  const file = `${root}/appsettings.json`;
  await Deno.writeTextFile(file, JSON.stringify({ Greeting: "one" }));
  // The failed reload is logged: the record is the event to wait for.
  let logged: (message: string) => void = () => {};
  try {
    const host = (await import("../../mod.ts")).createDefaultBuilder([
      "--contentRoot",
      root,
      "--suppressStatusMessages",
      "true",
    ])
      .useServer(new TestServer())
      .configureLogging((logging) =>
        logging.clearOutputs().addOutput({
          name: "Errors",
          write: (record) => {
            if (record.level === "error") logged(record.message);
          },
        })
      )
      .configure((app, { configuration }) =>
        app.run((ctx) => ctx.response.send(configuration.get("Greeting") ?? ""))
      )
      .build();
    await host.start();
    const changed = () =>
      new Promise<void>((resolve) => {
        const dispose = host.configuration.onChange(() => {
          dispose();
          resolve();
        });
      });
    assert.equal(await (await host.fetch("/")).text(), "one");
    let next = changed();
    await Deno.writeTextFile(file, JSON.stringify({ Greeting: "two" }));
    await next;
    assert.equal(await (await host.fetch("/")).text(), "two");
    const failed = new Promise<string>((resolve) => logged = resolve);
    await Deno.writeTextFile(file, '{ "Greeting": ');
    assert.ok((await failed).includes(file));
    assert.equal(await (await host.fetch("/")).text(), "two");
    next = changed();
    await Deno.writeTextFile(file, JSON.stringify({ Greeting: "three" }));
    await next;
    assert.equal(await (await host.fetch("/")).text(), "three");
    await host.stop();
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a startup module's configureServices runs before its configure", async () => {
  const host = hostFor("./services_app.ts");
  assert.equal(await (await host.fetch("/")).text(), "hello, services");
});
