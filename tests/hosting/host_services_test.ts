// Services and hosted services through the host: request scopes, what the
// host registers, disposal, start and stop order, failures.

import assert from "node:assert/strict";
import {
  ApplicationLifetime,
  BackgroundService,
  Configuration,
  DenoServer,
  HostingEnvironment,
  LoggerFactory,
  type LogRecord,
  optionsKey,
  ServerKey,
  serviceKey,
  type ServiceProvider,
  TestServer,
  WebHostBuilder,
} from "../../mod.ts";
import { collectLogs, startHost } from "../_helpers.ts";

class RequestLog {
  static made = 0;
  /** Resolves once as many logs as asked for were disposed. */
  static disposals: { count: number; wanted: number; all: () => void } = {
    count: 0,
    wanted: Infinity,
    all: () => {},
  };
  readonly id = ++RequestLog.made;
  disposed = false;
  [Symbol.dispose](): void {
    this.disposed = true;
    const disposals = RequestLog.disposals;
    if (++disposals.count === disposals.wanted) disposals.all();
  }
}

Deno.test("each request gets its own scope, disposed when the request ends", async () => {
  const seen: RequestLog[] = [];
  const host = new WebHostBuilder()
    .configureServices((services) => services.addScoped(RequestLog))
    .configure((app) =>
      app.run((ctx) => {
        // Typed as a resolver with getRequired: no cast needed.
        const services = ctx.requestServices!;
        const log = services.getRequired(RequestLog);
        assert.equal(services.getRequired(RequestLog), log);
        seen.push(log);
        return ctx.response.send(String(log.id));
      })
    )
    .build();
  const disposed = Promise.withResolvers<void>();
  RequestLog.disposals = { count: 0, wanted: 2, all: disposed.resolve };
  const first = await (await host.fetch("/")).text();
  const second = await (await host.fetch("/")).text();
  assert.notEqual(first, second);
  // Scopes are disposed after the response: wait for that, not for a timer.
  await disposed.promise;
  assert.deepEqual(seen.map((log) => log.disposed), [true, true]);
  await host.stop();
});

Deno.test("the host registers its configuration, environment, lifetime and server", async () => {
  const server = new TestServer();
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .useEnvironment("Staging")
    .configure((app) => {
      const root = app.applicationServices as ServiceProvider;
      app.run((ctx) =>
        ctx.response.json({
          configuration: root.get(Configuration) instanceof Configuration,
          environment: root.getRequired(HostingEnvironment).name,
          lifetime: ctx.requestServices?.get(ApplicationLifetime) ===
            host.lifetime,
          server: root.get(ServerKey) === server,
          loggerFactory: root.get(LoggerFactory) instanceof LoggerFactory,
        })
      );
    })
    .build();
  await host.start();
  assert.deepEqual(await (await server.fetch("/")).json(), {
    configuration: true,
    environment: "Staging",
    lifetime: true,
    server: true,
    loggerFactory: true,
  });
  await host.stop();
});

Deno.test("singletons are disposed when the host stops, in reverse creation order", async () => {
  const order: string[] = [];
  const make = (name: string) => ({
    [Symbol.asyncDispose]: () => {
      order.push(name);
      return Promise.resolve();
    },
  });
  const First = serviceKey<object>("First");
  const Second = serviceKey<object>("Second");
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addSingleton(First, () => make("first"))
        .addSingleton(Second, (provider) => {
          provider.getRequired(First);
          return make("second");
        })
    )
    .configure((app) => {
      (app.applicationServices as ServiceProvider).getRequired(Second);
    })
    .build();
  await host.start();
  assert.deepEqual(order, []);
  await host.stop();
  assert.deepEqual(order, ["second", "first"]);
});

Deno.test("hosted services start before the server and stop after it drained", async () => {
  const events: string[] = [];
  const server = new TestServer();
  const originalStart = server.start.bind(server);
  const originalStop = server.stop.bind(server);
  server.start = (app) => {
    events.push("server start");
    return originalStart(app);
  };
  server.stop = (options) => {
    events.push("server stop");
    return originalStop(options);
  };
  const hosted = (name: string) => ({
    start: () => void events.push(`${name} start`),
    stop: () => void events.push(`${name} stop`),
  });
  const host = new WebHostBuilder()
    .useServer(server)
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService(hosted("a")).addHostedService(() => hosted("b"))
    )
    .build();
  host.lifetime.started.addEventListener("abort", () => events.push("started"));
  host.lifetime.stopping.addEventListener(
    "abort",
    () => events.push("stopping"),
  );
  host.lifetime.stopped.addEventListener("abort", () => events.push("stopped"));
  await host.start();
  await host.stop();
  assert.deepEqual(events, [
    "a start",
    "b start",
    "server start",
    "started",
    "stopping",
    "server stop",
    "b stop",
    "a stop",
    "stopped",
  ]);
});

/** A background service that fails once the host has started. */
class Failing extends BackgroundService {
  readonly #lifetime: ApplicationLifetime;
  constructor(provider: ServiceProvider) {
    super();
    this.#lifetime = provider.getRequired(ApplicationLifetime);
  }
  protected async execute(_signal: AbortSignal): Promise<void> {
    const started = this.#lifetime.started;
    if (!started.aborted) {
      await new Promise((resolve) =>
        started.addEventListener("abort", resolve, { once: true })
      );
    }
    throw new Error("the queue is gone");
  }
}

/**
 * A host with one failing background service, its collected logs, and a
 * promise of the failure being logged.
 */
function failingHost(behavior?: string) {
  const builder = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) => services.addHostedService(Failing));
  if (behavior) {
    builder.useSetting("backgroundServiceExceptionBehavior", behavior);
  }
  const logs = collectLogs(builder);
  const isFailure = (r: LogRecord) =>
    r.level === "error" && String(r.error).includes("the queue is gone");
  const logged = Promise.withResolvers<void>();
  builder.configureLogging((logging) =>
    logging.addOutput({
      name: "FailureWatch",
      write(record) {
        if (isFailure(record)) logged.resolve();
      },
    })
  );
  const failures = () => logs.records.filter(isFailure);
  return { host: builder.build(), failures, logged: logged.promise };
}

Deno.test("a background service that throws stops the host, and run() resolves to 1", async () => {
  const { host, failures } = failingHost();
  const code = await host.run();
  assert.equal(code, 1);
  // The process's too (reset: the test runner refuses a test that sets it).
  assert.equal(Deno.exitCode, 1);
  Deno.exitCode = 0;
  assert.equal(host.lifetime.stopped.aborted, true);
  assert.equal(failures().length, 1);
});

Deno.test("options bound from configuration follow a reload of the file", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/mail.json`;
  await Deno.writeTextFile(file, JSON.stringify({ Mail: { Host: "one" } }));
  const Mail = optionsKey<{ Host: string }>("Mail");
  const host = new WebHostBuilder()
    .configureAppConfiguration((_context, config) =>
      config.addJsonFile(file, { reloadOnChange: true, reloadDelay: 20 })
    )
    .configureServices((services, { configuration }) =>
      services.configure(Mail, configuration.getSection("Mail"))
    )
    .configure((app) =>
      app.run((ctx) =>
        ctx.response.send(ctx.requestServices!.get(Mail)!.current.Host)
      )
    )
    .build();
  try {
    assert.equal(await (await host.fetch("/")).text(), "one");
    const changed = new Promise<void>((resolve) => {
      const dispose = host.configuration.onChange(() => {
        dispose();
        resolve();
      });
    });
    await Deno.writeTextFile(file, JSON.stringify({ Mail: { Host: "two" } }));
    await changed;
    assert.equal(await (await host.fetch("/")).text(), "two");
  } finally {
    await host.stop();
    await Deno.remove(dir, { recursive: true });
  }
});

// The README's programs await run(); one that only awaits it (no
// Deno.exit) exited 0 after a background service had failed and stopped the
// host, though run() resolved to 1.
Deno.test("a process that only awaits run() exits 1 when a background service failed", async () => {
  const script = `
    import { BackgroundService, WebHostBuilder } from ${
    JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
  };
    class Failing extends BackgroundService {
      protected async execute(): Promise<void> {
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error("the worker broke");
      }
    }
    const host = new WebHostBuilder()
      .useUrls("http://127.0.0.1:0")
      .useSetting("suppressStatusMessages", "true")
      .configureServices((services) => services.addHostedService(new Failing()))
      .configure((app) => app.run((ctx) => ctx.response.send("ok")))
      .build();
    const code = await host.run();
    console.log("run resolved", code);
    await host.run().catch((error) => console.log(error.message));
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  assert.match(stdout, /run resolved 1/);
  // A second run() is the caller's mistake, said as such.
  assert.match(
    stdout,
    /The host cannot run: it is stopped \(a host runs once; await the first run\(\)\)/,
  );
  assert.equal(output.code, 1, new TextDecoder().decode(output.stderr));
});

// Ctrl+C while a hosted service was still starting was logged as a
// Critical "The host failed to start" and exited 1; it is a stop asked for.
Deno.test("SIGINT while the host starts stops it quietly, exit code 0, and lifetime.stopped fires", async () => {
  const script = `
    import { WebHostBuilder } from ${
    JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
  };
    const host = new WebHostBuilder()
      .useUrls("http://127.0.0.1:0")
      .configureServices((services) => services.addHostedService({
        start: (signal) => new Promise((resolve, reject) => {
          console.log("starting");
          const timer = setTimeout(resolve, 20_000);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(signal.reason);
          });
        }),
        stop() {},
      }))
      .configure((app) => app.run((ctx) => ctx.response.send("ok")))
      .build();
    host.lifetime.stopped.addEventListener("abort", () => console.log("stopped"));
    const code = await host.run();
    console.log("run resolved", code);
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  while (!out.includes("starting")) out += (await lines.read()).value ?? "";
  child.kill("SIGINT");
  for (let read; !(read = await lines.read()).done;) out += read.value;
  const status = await child.status;
  const stderr = new TextDecoder().decode(
    (await new Response(child.stderr).arrayBuffer()) as ArrayBuffer,
  );
  assert.equal(status.code, 0, out + stderr);
  assert.match(out, /Application stopped while it was starting\./);
  assert.match(out, /stopped\nrun resolved 0/);
  assert.doesNotMatch(out + stderr, /failed to start/);
});

// ASP.NET fires ApplicationStopped before the container is disposed, and
// flushing telemetry there is common; Roost disposed first, so the listener
// got "the root service provider was disposed".
Deno.test("a lifetime.stopped listener can still resolve a singleton, which is disposed after", async () => {
  const events: string[] = [];
  class Telemetry {
    flush(): void {
      events.push("flushed");
    }
    [Symbol.dispose](): void {
      events.push("disposed");
    }
  }
  let root: ServiceProvider | undefined;
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addSingleton(Telemetry).addHostedService((provider) => {
        root = provider;
        provider.getRequired(Telemetry);
        return { start() {}, stop() {} };
      })
    )
    .build();
  await host.start();
  host.lifetime.stopped.addEventListener("abort", () => {
    root!.getRequired(Telemetry).flush();
  });
  await host.stop();
  assert.deepEqual(events, ["flushed", "disposed"]);
});

Deno.test("with backgroundServiceExceptionBehavior Ignore a throwing background service leaves the host running", async () => {
  const { host, failures, logged } = failingHost("Ignore");
  await host.start();
  // The host would stop right after logging the failure: wait for the log.
  await logged;
  assert.equal(host.lifetime.stopping.aborted, false);
  assert.equal(failures().length, 1);
  await host.stop();
  assert.equal(host.failed, false);
});

Deno.test("a hosted service whose stop ignores its signal holds the host only until the shutdown deadline", async () => {
  const events: string[] = [];
  const builder = new WebHostBuilder();
  const logs = collectLogs(builder);
  const host = builder
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .useSetting("shutdownTimeoutSeconds", "0.05")
    .configureServices((services) =>
      services
        .addHostedService({
          start() {},
          stop: () => void events.push("first stop"),
        })
        .addHostedService({ start() {}, stop: () => new Promise(() => {}) })
    )
    .build();
  host.lifetime.stopped.addEventListener("abort", () => events.push("stopped"));
  await host.start();
  await host.stop();
  // The services registered earlier still stopped, and the host finished.
  assert.deepEqual(events, ["first stop", "stopped"]);
  assert.equal(host.failed, true);
  const errors = logs.records.filter((r) => r.level === "error");
  assert.equal(errors.length, 1);
  assert.match(
    String((errors[0].error as Error).message),
    /did not stop by the shutdown deadline/,
  );
});

// The same bound for the singletons' disposal: a dispose that never
// returned held stop(), run() and the process for ever (no signal cut it).
for (const server of ["TestServer", "DenoServer"] as const) {
  Deno.test(`a singleton whose dispose never returns holds the host only until the shutdown deadline (${server})`, async () => {
    const disposing = Promise.withResolvers<void>();
    class Stuck {
      [Symbol.asyncDispose](): Promise<void> {
        disposing.resolve();
        return new Promise(() => {});
      }
    }
    const builder = new WebHostBuilder();
    const logs = collectLogs(builder);
    const host = builder
      .useServer(
        server === "TestServer"
          ? new TestServer()
          : new DenoServer({ urls: "http://127.0.0.1:0" }),
      )
      .useSetting("suppressStatusMessages", "true")
      .useSetting("shutdownTimeoutSeconds", "0.05")
      .configureServices((services) => services.addSingleton(Stuck))
      .configure((app) =>
        app.run((ctx) => {
          ctx.requestServices!.get(Stuck);
          return ctx.response.send("ok");
        })
      )
      .build();
    const stopped = Promise.withResolvers<void>();
    host.lifetime.stopped.addEventListener("abort", () => stopped.resolve());
    await host.start();
    const response = await host.fetch(
      server === "TestServer" ? "http://localhost/" : host.addresses[0],
    );
    assert.equal(await response.text(), "ok");
    await host.stop();
    await disposing.promise;
    await stopped.promise;
    assert.equal(host.failed, true);
    const errors = logs.records.filter((r) => r.level === "error");
    assert.equal(errors.length, 1);
    assert.equal(errors[0].message, "Disposing services failed");
    assert.match(
      String((errors[0].error as Error).message),
      /did not finish by the shutdown deadline \(Shutdown timeout\) and was left behind: make the services' \[Symbol\.asyncDispose\]\(\) return promptly/,
    );
  });
}

Deno.test("a request's services live until a returned Response's stream body has been sent", async () => {
  class Cursor {
    disposed = false;
    [Symbol.dispose](): void {
      this.disposed = true;
    }
  }
  const seen: boolean[] = [];
  await using running = await startHost(
    "DenoServer",
    (app) =>
      app.run((ctx) => {
        const cursor = ctx.requestServices!.getRequired(Cursor);
        let sent = 0;
        return new Response(
          new ReadableStream({
            async pull(controller) {
              // Read after the app returned, as Deno sends the body.
              await Promise.resolve();
              seen.push(cursor.disposed);
              if (sent++ < 3) controller.enqueue(new Uint8Array([65]));
              else controller.close();
            },
          }),
        );
      }),
    {
      setup: (builder) =>
        builder.configureServices((services) => services.addScoped(Cursor)),
    },
  );
  const response = await running.fetch("/");
  assert.equal(await response.text(), "AAA");
  assert.deepEqual(seen, [false, false, false, false]);
});

Deno.test("stop() waits for the request scopes being disposed before it disposes the root services", async () => {
  const events: string[] = [];
  const disposing = Promise.withResolvers<void>();
  class Pool {
    [Symbol.dispose](): void {
      events.push("pool disposed");
    }
  }
  class Connection {
    constructor(readonly pool: Pool) {}
    async [Symbol.asyncDispose](): Promise<void> {
      disposing.resolve();
      await new Promise((resolve) => setTimeout(resolve, 300));
      events.push("connection returned to the pool");
    }
  }
  const running = await startHost("DenoServer", (app) =>
    app.run((ctx) => {
      ctx.requestServices!.getRequired(Connection);
      return ctx.response.send("done");
    }), {
    setup: (builder) =>
      builder.configureServices((services) =>
        services
          .addSingleton(Pool)
          .addScoped(
            Connection,
            (provider) => new Connection(provider.getRequired(Pool)),
          )
      ),
  });
  const response = await running.fetch("/");
  assert.equal(await response.text(), "done");
  // The request is over; its scope is still being disposed.
  await disposing.promise;
  await running.host.stop();
  assert.deepEqual(events, [
    "connection returned to the pool",
    "pool disposed",
  ]);
});

Deno.test("a hosted service whose start throws fails the start and marks the host failed", async () => {
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .configureServices((services) =>
      services.addHostedService({
        start() {
          throw new Error("no database");
        },
        stop() {},
      })
    )
    .build();
  await assert.rejects(() => host.start(), /no database/);
  assert.equal(host.failed, true);
});

Deno.test("a hosted service whose stop returns when its signal aborts has stopped, not failed", async () => {
  const events: string[] = [];
  const host = new WebHostBuilder()
    .useServer(new TestServer())
    .useSetting("suppressStatusMessages", "true")
    .useSetting("shutdownTimeoutSeconds", "0.05")
    .configureServices((services) =>
      services.addHostedService({
        start() {},
        async stop(signal) {
          await new Promise((resolve) =>
            signal.addEventListener("abort", resolve, { once: true })
          );
          events.push("returned on abort");
        },
      })
    )
    .build();
  await host.start();
  await host.stop();
  assert.deepEqual(events, ["returned on abort"]);
  assert.equal(host.failed, false);
});

Deno.test("at the shutdown deadline the scope of a response still being sent is disposed before the root services", async () => {
  const events: string[] = [];
  class Root {
    [Symbol.dispose](): void {
      events.push("root disposed");
    }
  }
  class Feed {
    constructor(readonly root: Root) {}
    [Symbol.dispose](): void {
      events.push("scope disposed");
    }
  }
  const running = await startHost("DenoServer", (app) =>
    app.run((ctx) => {
      ctx.requestServices!.getRequired(Feed);
      // A stream that never ends: the client reads one chunk and waits.
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode("tick\n"));
          },
        }),
      );
    }), {
    setup: (builder) =>
      builder
        .useSetting("shutdownTimeoutSeconds", "0.2")
        .configureServices((services) =>
          services
            .addSingleton(Root)
            .addScoped(Feed, (provider) => new Feed(provider.getRequired(Root)))
        ),
  });
  const response = await running.fetch("/");
  const reader = response.body!.getReader();
  await reader.read();
  await running.host.stop();
  assert.deepEqual(events, ["scope disposed", "root disposed"]);
  await reader.cancel().catch(() => {});
});
