// A start that fails fast: host settings and the Server section are checked
// before anything binds; stop() during start(); shutdown timeout units; URLs
// that name a host.

import assert from "node:assert/strict";
import { collectLogs, deferred, spawnHost, within } from "../_helpers.ts";
import {
  BackgroundService,
  ConfigurationBuilder,
  ConfigurationError,
  FeatureCollection,
  type Server,
  WebHostBuilder,
} from "../../mod.ts";

/** A server that only records whether anyone tried to start it. */
function spyServer(): Server & { started: boolean } {
  return {
    started: false,
    features: new FeatureCollection(),
    start() {
      this.started = true;
      return Promise.resolve();
    },
    stop: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

const BAD_SETTINGS: [key: string, value: string, form: RegExp][] = [
  ["shutdownTimeoutSeconds", "abc", /a number of seconds from 0 to/],
  ["shutdownTimeoutSeconds", "-5", /a number of seconds from 0 to/],
  ["shutdownTimeoutSeconds", "0x10", /a number of seconds from 0 to/],
  ["shutdownTimeoutSeconds", "9999999", /a number of seconds from 0 to/],
  ["suppressStatusMessages", "maybe", /must be true or false/],
  ["captureStartupErrors", "maybe", /must be true or false/],
  ["detailedErrors", "maybe", /must be true or false/],
  ["preferHostingUrls", "maybe", /must be true or false/],
  ["backgroundServiceExceptionBehavior", "Crash", /must be StopHost or Ignore/],
  ["urls", "http://127.0.0.1:99999", /Invalid server URL .*Use a form like/],
];

Deno.test("an invalid host setting fails start before anything binds, naming the key, the value, its source and the valid form", async () => {
  for (const [key, value, form] of BAD_SETTINGS) {
    const server = spyServer();
    let configured = false;
    const host = new WebHostBuilder()
      .useServer(server)
      .useSetting(key.toUpperCase(), value)
      .configure(() => {
        configured = true;
      })
      .build();
    const error = await host.start().then(
      () => assert.fail(`${key}=${value} started`),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ConfigurationError, `${key}=${value}`);
    assert.ok(
      error.message.startsWith(
        `Host setting "${key}" is "${value}" (from useSetting()): `,
      ),
      error.message,
    );
    assert.match(error.message, form);
    assert.deepEqual(error.issues.map((issue) => issue.path), [key]);
    assert.equal(server.started, false, key);
    assert.equal(configured, false, key);
  }
});

Deno.test("every invalid host setting is named in one error, each with where it came from", async () => {
  const host = new WebHostBuilder()
    .useServer(spyServer())
    .useConfiguration(
      new ConfigurationBuilder().addInMemory({ detailedErrors: "maybe" })
        .build(),
      "hostsettings.json",
    )
    .useSetting("shutdownTimeoutSeconds", "soon")
    .build();
  await assert.rejects(() => host.start(), (error: unknown) => {
    assert.ok(error instanceof ConfigurationError);
    assert.match(error.message, /^2 host settings are invalid:\n/);
    assert.match(
      error.message,
      /Host setting "detailedErrors" is "maybe" \(from hostsettings\.json\)/,
    );
    assert.match(
      error.message,
      /Host setting "shutdownTimeoutSeconds" is "soon" \(from useSetting\(\)\)/,
    );
    return true;
  });
});

Deno.test("captureStartupErrors captures neither an invalid host setting nor an invalid Server section", async () => {
  const badSetting = new WebHostBuilder()
    .captureStartupErrors(true)
    .useServer(spyServer())
    .useSetting("shutdownTimeoutSeconds", "abc")
    .build();
  await assert.rejects(() => badSetting.start(), /shutdownTimeoutSeconds/);
  const builder = new WebHostBuilder()
    .captureStartupErrors(true)
    .useUrls("http://127.0.0.1:0")
    .configureAppConfiguration((_context, config) =>
      config.addInMemory({ Server: { Limits: { MaxRequestBodySize: "-5" } } })
    );
  const logs = collectLogs(builder);
  const badServer = builder.build();
  await assert.rejects(
    () => badServer.start(),
    /"Server:Limits:MaxRequestBodySize" is "-5" \(from memory\): it must be a whole number of bytes of at least 0, or null for no limit/,
  );
  assert.deepEqual(badServer.addresses, []);
  assert.deepEqual(logs.messages("Roost.Hosting.Lifetime"), []);
});

Deno.test("valid host settings in every accepted form start the host", async () => {
  const host = new WebHostBuilder()
    .useServer(spyServer())
    .useSetting("suppressStatusMessages", "YES")
    .useSetting("detailedErrors", "0")
    .useSetting("preferHostingUrls", "")
    .useSetting("captureStartupErrors", "False")
    .useSetting("shutdownTimeoutSeconds", " 2.5 ")
    .useSetting("backgroundServiceExceptionBehavior", "ignore")
    .useSetting("myOwnSetting", "anything")
    .build();
  await host.start();
  assert.equal(host.shutdownTimeout, 2500);
  await host.stop();
});

Deno.test("useShutdownTimeout takes milliseconds and the shutdownTimeoutSeconds setting seconds", () => {
  const fromCode = new WebHostBuilder().useShutdownTimeout(5000);
  assert.equal(fromCode.getSetting("shutdownTimeoutSeconds"), "5");
  assert.equal(fromCode.build().shutdownTimeout, 5000);
  const fromSetting = new WebHostBuilder()
    .useSetting("shutdownTimeoutSeconds", "5")
    .build();
  assert.equal(fromSetting.shutdownTimeout, 5000);
  assert.equal(
    new WebHostBuilder().useShutdownTimeout(250).build().shutdownTimeout,
    250,
  );
  assert.throws(
    () => new WebHostBuilder().useShutdownTimeout(2 ** 31),
    /useShutdownTimeout\(\) takes milliseconds from 0 to 2147483647, got 2147483648; for 30 seconds pass 30000/,
  );
  assert.throws(
    () => new WebHostBuilder().useShutdownTimeout(Number.NaN),
    RangeError,
  );
});

Deno.test("stop() during start() waits for the start to finish, then stops, and the host serves no more", async () => {
  const entered = deferred();
  const release = deferred();
  const events: string[] = [];
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService({
        async start() {
          entered.resolve();
          await release.promise;
        },
        stop() {},
      })
    )
    .configure((app) => app.run(() => new Response("served")))
    .build();
  const starting = host.start().then(() => events.push("started"));
  await entered.promise;
  const stopping = host.stop().then(() => events.push("stopped"));
  release.resolve();
  await Promise.all([starting, stopping]);
  assert.deepEqual(events, ["started", "stopped"]);
  assert.ok(host.lifetime.stopped.aborted);
  const address = host.addresses[0];
  assert.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
  await assert.rejects(() => fetch(address));
});

Deno.test("stop() during start() cancels what the start waits on, as SIGTERM does, and the host ends stopped", async () => {
  const entered = deferred();
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService({
        // Waits for a dependency, or for its signal.
        start: (signal) =>
          new Promise<void>((_, reject) => {
            entered.resolve();
            signal.addEventListener("abort", () => reject(signal.reason));
          }),
        stop() {},
      })
    )
    .configure((app) => app.run(() => new Response("served")))
    .build();
  const starting = host.start();
  await entered.promise;
  await host.stop();
  await assert.rejects(
    () => starting,
    (error: Error) =>
      error.name === "AbortError" &&
      /start was cancelled: the application was asked to stop/.test(
        error.message,
      ),
  );
  assert.equal(host.lifetime.started.aborted, false);
  assert.ok(host.lifetime.stopped.aborted);
  await assert.rejects(() => host.start(), /it is stopped/);
});

Deno.test("a cancelled start waits for the background services it had started to finish, and a second stop() is the first", async () => {
  const events: string[] = [];
  const entered = deferred();
  class Queue extends BackgroundService {
    protected async execute(signal: AbortSignal): Promise<void> {
      await new Promise((resolve) =>
        signal.addEventListener("abort", resolve, { once: true })
      );
      // Flushing what it holds takes a moment after the abort.
      await new Promise((resolve) => setTimeout(resolve, 50));
      events.push("queue flushed");
    }
  }
  const host = new WebHostBuilder()
    .useServer(spyServer())
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService(new Queue()).addHostedService({
        start: (signal) =>
          new Promise<void>((_, reject) => {
            entered.resolve();
            signal.addEventListener("abort", () => reject(signal.reason));
          }),
        stop() {},
      })
    )
    .build();
  host.lifetime.stopping.addEventListener(
    "abort",
    () => events.push("stopping"),
  );
  const starting = host.start().catch(() => events.push("start cancelled"));
  await entered.promise;
  const first = host.stop();
  assert.equal(host.stop(), first);
  await first;
  events.push("stopped");
  await starting;
  // The queue was stopped, and waited for, before stop() resolved.
  assert.equal(events[0], "stopping");
  assert.ok(events.includes("start cancelled"));
  assert.ok(events.indexOf("queue flushed") < events.indexOf("stopped"));
  // A cancelled start is not a failed one.
  assert.equal(host.failed, false);
});

Deno.test("an in-memory host's stop cancels what still runs at the shutdown deadline", async () => {
  const entered = deferred();
  const host = new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .useSetting("shutdownTimeoutSeconds", "0.05")
    .configure((app) =>
      app.run((ctx) =>
        new Promise<void>((resolve) => {
          entered.resolve();
          ctx.requestAborted.addEventListener("abort", () => resolve());
        })
      )
    )
    .build();
  const answer = host.fetch("/");
  await entered.promise;
  await host.stop();
  const response = await answer;
  assert.equal(response.status, 503);
  await response.body?.cancel();
});

Deno.test("a host stopped after answering in memory cannot start or fetch again: its services are gone", async () => {
  const host = new WebHostBuilder()
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run(() => new Response("in memory")))
    .build();
  assert.equal(await (await host.fetch("/")).text(), "in memory");
  await host.stop();
  await assert.rejects(() => host.start(), /it is stopped/);
  await assert.rejects(
    () => host.fetch("/"),
    /The host is stopped, and its services disposed/,
  );
});

Deno.test("stop() during a start that fails resolves once the start has failed", async () => {
  const entered = deferred();
  const release = deferred();
  const host = new WebHostBuilder()
    .useServer(spyServer())
    .useSetting("suppressStatusMessages", "true")
    .configure(async () => {
      entered.resolve();
      await release.promise;
      throw new Error("the pipeline is broken");
    })
    .build();
  const starting = host.start();
  await entered.promise;
  const stopping = host.stop();
  release.resolve();
  await assert.rejects(() => starting, /the pipeline is broken/);
  await stopping;
  assert.equal(host.lifetime.started.aborted, false);
});

Deno.test("stop() during a hosted start that ignores its signal returns by the shutdown timeout, and the start is left behind", async () => {
  const entered = deferred();
  const server = spyServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .useShutdownTimeout(100)
    .configureServices((services) =>
      services.addHostedService({
        start() {
          entered.resolve();
          return new Promise<void>(() => {}); // deaf to its signal
        },
        stop: () => Promise.resolve(),
      })
    )
    .configure((app) => app.run(() => new Response("never")))
    .build();
  const starting = host.start();
  const failed = assert.rejects(
    () => starting,
    /did not return from start\(\) by the shutdown deadline after the host was asked to stop \(Shutdown timeout\) and was left behind: make start\(signal\) return when its signal aborts/,
  );
  await entered.promise;
  const began = performance.now();
  await within(host.stop(), "a stop the start does not hold", 3000);
  await failed;
  assert.ok(performance.now() - began >= 90);
  // Nothing served, and the host says it failed.
  assert.equal(server.started, false);
  assert.equal(host.failed, true);
});

Deno.test("a URL that names a host binds every interface and the host logs a Warning naming the URL", async () => {
  const builder = new WebHostBuilder()
    .useUrls("http://example.com:0")
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run(() => new Response("anywhere")));
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  try {
    const port = new URL(host.addresses[0]).port;
    assert.match(host.addresses[0], /^http:\/\/\[::\]:\d+$/);
    const response = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await response.text(), "anywhere");
    const warnings = logs.messages("Roost.Server", "warning");
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.match(
      warnings[0],
      /^Binding http:\/\/example\.com:0 to every interface: "example\.com" is a host name, not an address/,
    );
  } finally {
    await host.stop();
  }
});

Deno.test("localhost, * and IP addresses bind without a host-name warning", async () => {
  const builder = new WebHostBuilder()
    .useUrls("http://localhost:0;http://127.0.0.1:0;http://*:0")
    .useSetting("suppressStatusMessages", "true")
    .configure((app) => app.run(() => new Response("ok")));
  const logs = collectLogs(builder);
  const host = builder.build();
  await host.start();
  await host.stop();
  assert.deepEqual(logs.messages("Roost.Server", "warning"), []);
});

Deno.test("lifetime.stopApplication() during start() stops the host once it has started", async () => {
  const entered = deferred();
  const release = deferred();
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService({
        async start() {
          entered.resolve();
          await release.promise;
        },
        stop() {},
      })
    )
    .configure((app) => app.run(() => new Response("served")))
    .build();
  const starting = host.start();
  await entered.promise;
  host.lifetime.stopApplication();
  release.resolve();
  await starting;
  await new Promise((resolve) =>
    host.lifetime.stopped.aborted
      ? resolve(undefined)
      : host.lifetime.stopped.addEventListener("abort", resolve)
  );
  await assert.rejects(() => fetch(host.addresses[0]));
  await host.stop();
});

Deno.test("a user's own host that fails to start logs one line naming the app's line, and exits 1", async () => {
  await using host = await spawnHost("tests/fixtures/hosts/bad_route_host.ts", [
    "--urls",
    "http://127.0.0.1:0",
  ]);
  const status = await host.child.status;
  assert.equal(status.code, 1);
  const out = host.stdout();
  assert.match(
    out,
    /crit: Roost\.Hosting\[0\]\n\s+The host failed to start: Route template "\/authors\/\{id" is invalid: a "\{" is not closed/,
  );
  // Where in the app it came from, and none of Roost's own frames.
  assert.match(out, /at .*bad_route_host\.ts:7:\d+/);
  assert.equal(out.match(/\n\s+at /g)?.length, 1);
  // Not Deno's dump of an uncaught rejection.
  assert.equal(host.stderr(), "");
  assert.doesNotMatch(out, /Now listening/);
});
