// FileConfigurationProvider: reload on change with real file edits.

import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  JsonConfigurationProvider,
} from "../../../hosting/config/mod.ts";
import { createDefaultBuilder, type LogRecord } from "../../../mod.ts";
import { captureErrors, delay, tempDir, until, Waiter } from "./_helpers.ts";
import { replaceScheduler } from "../../../server/_timers.ts";

// Short enough to keep the suite fast, long enough to merge one save's events.
const reloadDelay = 50;

Deno.test("a watched JSON file is reloaded after an edit, and onChange fires", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/appsettings.json`;
  await Deno.writeTextFile(file, '{ "Port": 1 }');
  using config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("appsettings.json", { reloadOnChange: true, reloadDelay })
    .build();
  const changed = new Waiter();
  config.onChange(changed.fire);
  const section = config.getSection("Port");
  await Deno.writeTextFile(file, '{ "Port": 2, "Host": "a" }');
  await changed.next("the first reload");
  assert.equal(config.get("port"), "2");
  assert.equal(section.value, "2"); // sections are live views
  assert.equal(config.get("host"), "a");
});

Deno.test("a malformed edit keeps the last good values and reports once; a good edit is then picked up", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/appsettings.json`;
  await Deno.writeTextFile(file, '{ "Port": 1 }');
  const errors = new Waiter<unknown>();
  using config = new ConfigurationBuilder({
    basePath: dir.path,
    onReloadError: errors.fire,
  })
    .addJsonFile("appsettings.json", { reloadOnChange: true, reloadDelay })
    .build();
  const changed = new Waiter();
  config.onChange(changed.fire);

  await Deno.writeTextFile(file, '{\n  "Port": \n}');
  const error = await errors.next("the reload error");
  assert.ok(error instanceof ConfigurationError);
  assert.equal(
    error.message,
    `Invalid JSON in "${file}" at line 3, column 1: Unexpected "}"; expected a value`,
  );
  assert.equal(config.get("port"), "1");
  // No event marks "no second report": give a late one a few reload delays.
  await delay(reloadDelay * 4);
  assert.equal(errors.pending, 0, "one failure is reported once");
  assert.equal(changed.pending, 0, "a failed reload is not a change");

  await Deno.writeTextFile(file, '{ "Port": 3 }');
  await changed.next("the reload after the fix");
  assert.equal(config.get("port"), "3");
});

Deno.test("by default a failed reload is logged once to console.error", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.yaml`;
  await Deno.writeTextFile(file, "Port: 1\n");
  const logged = await captureErrors(async (lines) => {
    using config = await new ConfigurationBuilder({ basePath: dir.path })
      .addYamlFile("app.yaml", { reloadOnChange: true, reloadDelay })
      .buildAsync();
    const changed = new Waiter();
    config.onChange(changed.fire);
    await Deno.writeTextFile(file, "Port: [1\n");
    await until(() => lines.length > 0, "the logged error");
    // No event marks "no second report": give a late one a few reload delays.
    await delay(reloadDelay * 4);
    assert.equal(config.get("port"), "1");
    await Deno.writeTextFile(file, "Port: 2\n");
    await changed.next("the good edit");
    assert.equal(config.get("port"), "2");
  });
  assert.equal(logged.length, 1, logged.join("\n"));
  assert.match(
    logged[0],
    /^Configuration reload failed; keeping the last good values\. Invalid YAML in ".+app\.yaml" at line 2, column 1: /,
  );
});

Deno.test("a file replaced by renaming another over it is reloaded", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/.env`;
  await Deno.writeTextFile(file, "PORT=1\n");
  using config = new ConfigurationBuilder({ basePath: dir.path })
    .addDotEnvFile(".env", { reloadOnChange: true, reloadDelay })
    .build();
  const changed = new Waiter();
  config.onChange(changed.fire);
  await Deno.writeTextFile(`${dir.path}/.env.tmp`, "PORT=2\n");
  await Deno.rename(`${dir.path}/.env.tmp`, file);
  await changed.next("the reload after the rename");
  assert.equal(config.get("port"), "2");
});

Deno.test("changes to other files in the directory are ignored", async () => {
  await using dir = await tempDir();
  await Deno.writeTextFile(`${dir.path}/a.json`, '{ "A": 1 }');
  let loads = 0;
  const provider = new (class extends JsonConfigurationProvider {
    override load(): void {
      loads++;
      super.load();
    }
  })("a.json", { basePath: dir.path, reloadOnChange: true, reloadDelay });
  using config = new ConfigurationBuilder().add(provider).build();
  await Deno.writeTextFile(`${dir.path}/b.json`, '{ "B": 1 }');
  // A reload that should not happen has no event: wait a few reload delays.
  await delay(reloadDelay * 5);
  assert.equal(loads, 1);
  assert.equal(config.get("a"), "1");
});

Deno.test("an edit that leaves the values as they were is not a change", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/a.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  let loads = 0;
  const provider = new (class extends JsonConfigurationProvider {
    override load(): void {
      loads++;
      super.load();
    }
  })(file, { reloadOnChange: true, reloadDelay });
  using config = new ConfigurationBuilder().add(provider).build();
  const changed = new Waiter();
  config.onChange(changed.fire);
  await Deno.writeTextFile(file, '{\n  "A": 1\n}\n');
  await until(() => loads === 2, "the reload");
  // Neither a change nor a further reload has an event: wait a few delays.
  await delay(reloadDelay * 4);
  assert.equal(changed.pending, 0);
  assert.equal(loads, 2, "reading the file must not trigger another reload");
});

Deno.test("an optional watched file that is deleted leaves no values and notifies", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  using config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("app.json", {
      optional: true,
      reloadOnChange: true,
      reloadDelay,
    })
    .build();
  const changed = new Waiter();
  config.onChange(changed.fire);
  await Deno.remove(file);
  await changed.next("the reload after the delete");
  assert.equal(config.get("a"), undefined);
  await Deno.writeTextFile(file, '{ "A": 2 }');
  await changed.next("the reload after the file came back");
  assert.equal(config.get("a"), "2");
});

Deno.test("a required watched file that is deleted keeps its values and reports the error", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  const errors = new Waiter<unknown>();
  using config = new ConfigurationBuilder({
    basePath: dir.path,
    onReloadError: errors.fire,
  })
    .addJsonFile("app.json", { reloadOnChange: true, reloadDelay })
    .build();
  await Deno.remove(file);
  const error = await errors.next("the reload error");
  assert.ok(error instanceof ConfigurationError);
  assert.equal(
    error.message,
    `Configuration file "${file}" was not found; create it or pass { optional: true }`,
  );
  assert.equal(config.get("a"), "1");
});

Deno.test("a disposed configuration stops watching", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  const config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("app.json", { reloadOnChange: true, reloadDelay })
    .build();
  let changes = 0;
  config.onChange(() => changes++);
  config[Symbol.dispose]();
  config[Symbol.dispose](); // twice is fine
  await Deno.writeTextFile(file, '{ "A": 2 }');
  // A reload that should not happen has no event: wait a few reload delays.
  await delay(reloadDelay * 4);
  assert.equal(changes, 0);
  assert.equal(config.get("a"), "1");
});

Deno.test("disposing while a reload is pending cancels it", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  const config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("app.json", { reloadOnChange: true, reloadDelay: 10_000 })
    .build();
  // The event to wait for is the 10 s reload timer starting: watch for it.
  const timerStarted = new Waiter();
  let cancelled = false;
  const previous = replaceScheduler((callback, ms, options) => {
    const timer = previous(callback, ms, options);
    if (ms !== 10_000) return timer;
    timerStarted.fire();
    return {
      cancel() {
        cancelled = true;
        timer.cancel();
      },
    };
  });
  try {
    await Deno.writeTextFile(file, '{ "A": 2 }');
    await timerStarted.next("the reload timer to start");
  } finally {
    replaceScheduler(previous);
  }
  config[Symbol.dispose]();
  assert.equal(cancelled, true, "the pending reload timer was not cancelled");
  assert.equal(config.get("a"), "1");
});

Deno.test("files not marked reloadOnChange are not watched", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/app.json`;
  await Deno.writeTextFile(file, '{ "A": 1 }');
  using config = new ConfigurationBuilder({ basePath: dir.path })
    .addJsonFile("app.json")
    .build();
  await Deno.writeTextFile(file, '{ "A": 2 }');
  // A reload that should not happen has no event: wait a few reload delays.
  await delay(reloadDelay * 3);
  assert.equal(config.get("a"), "1");
});

Deno.test("an optional watched file in a missing directory is simply not watched", () => {
  const errors: unknown[] = [];
  using config = new ConfigurationBuilder({
    basePath: "/nonexistent-roost-dir",
    onReloadError: (error) => errors.push(error),
  })
    .addJsonFile("app.json", { optional: true, reloadOnChange: true })
    .build();
  assert.equal(config.exists(), false);
  assert.deepEqual(errors, []);
});

Deno.test("reloadDelay must be from 0 to the longest a timer waits", () => {
  // Past 2^31 - 1 ms a timer would fire after 1 ms instead.
  for (const delay of [-1, 2_147_483_648, Infinity, NaN]) {
    assert.throws(
      () => new JsonConfigurationProvider("a.json", { reloadDelay: delay }),
      {
        name: "RangeError",
        message:
          `reloadDelay must be a number of milliseconds from 0 to 2147483647 (about 24.8 days), got ${delay}`,
      },
    );
  }
  assert.equal(
    new JsonConfigurationProvider("a.json", { reloadDelay: 2_147_483_647 })
      .reloadDelay,
    2_147_483_647,
  );
});

Deno.test("a file that is a symlink into a swapped directory is reloaded (a Kubernetes ConfigMap volume)", async () => {
  // Kubernetes mounts a ConfigMap as `appsettings.json -> ..data/appsettings.json`
  // with `..data -> ..2026_01_01` and updates it by pointing `..data` at a new
  // directory: no event ever names appsettings.json itself.
  await using dir = await tempDir();
  const root = dir.path;
  await Deno.mkdir(`${root}/..v1`);
  await Deno.writeTextFile(`${root}/..v1/appsettings.json`, '{ "Port": 1 }');
  await Deno.symlink("..v1", `${root}/..data`);
  await Deno.symlink("..data/appsettings.json", `${root}/appsettings.json`);
  using config = new ConfigurationBuilder({ basePath: root })
    .addJsonFile("appsettings.json", { reloadOnChange: true, reloadDelay })
    .build();
  assert.equal(config.get("port"), "1");
  const changed = new Waiter();
  config.onChange(changed.fire);
  // The atomic writer's swap: a new directory, a new link, renamed over.
  await Deno.mkdir(`${root}/..v2`);
  await Deno.writeTextFile(`${root}/..v2/appsettings.json`, '{ "Port": 2 }');
  await Deno.symlink("..v2", `${root}/..data_tmp`);
  await Deno.rename(`${root}/..data_tmp`, `${root}/..data`);
  await changed.next("the reload after the swap");
  assert.equal(config.get("port"), "2");
});

Deno.test("a host's failed configuration reload goes through its logging, and the last good values stay", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/appsettings.json`;
  await Deno.writeTextFile(file, '{ "Shop": { "Name": "Roost" } }');
  const errors = new Waiter<LogRecord>();
  const builder = createDefaultBuilder([
    "--contentRoot",
    dir.path,
    "--suppressStatusMessages",
    "true",
  ])
    .configureLogging((logging) =>
      logging.clearOutputs().addOutput({
        name: "Errors",
        write: (record) => {
          if (record.level === "error") errors.fire(record);
        },
      })
    )
    .configure((app) => app.run((ctx) => ctx.response.send("ok")));
  const host = builder.build();
  await host.start();
  try {
    await Deno.writeTextFile(file, '{ "Shop": ');
    const record = await errors.next("the reload error in the log");
    assert.equal(record.category, "Roost.Hosting.Configuration");
    assert.match(
      record.message,
      /^Configuration reload failed; keeping the last good values\. Invalid JSON in ".*appsettings\.json" at line 1/,
    );
    // The message names file, line and column: no stack of Roost's frames.
    assert.equal(record.error, undefined);
    assert.equal(host.configuration.get("Shop:Name"), "Roost");
  } finally {
    await host.stop();
  }
});
