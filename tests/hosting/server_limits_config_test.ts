import assert from "node:assert/strict";
import {
  ConfigurationBuilder,
  ConfigurationError,
  type DenoServer,
  type ServerLimits,
  WebHostBuilder,
} from "../../mod.ts";
import { denoServerOptionsFrom } from "../../hosting/server_configuration.ts";

type Tree = Record<string, unknown>;

/** The limits bound from `Server:Limits` given in memory. */
function limitsFrom(limits: Tree): ServerLimits | undefined {
  const configuration = new ConfigurationBuilder()
    .addInMemory({ Server: { Limits: limits } })
    .build();
  return denoServerOptionsFrom(configuration.getSection("Server")).limits;
}

/** The message of the error binding `Server:Limits` from a command line. */
function errorFrom(args: string[]): string {
  const configuration = new ConfigurationBuilder().addCommandLine(args).build();
  try {
    denoServerOptionsFrom(configuration.getSection("Server"), {
      describeSource: (key) => configuration.describeSource(key),
    });
  } catch (error) {
    assert.ok(error instanceof ConfigurationError, String(error));
    return error.message;
  }
  assert.fail(`no error for ${args.join(" ")}`);
}

Deno.test("the connection caps bind from whole numbers, and null or empty for none", () => {
  assert.deepEqual(
    limitsFrom({
      MaxConcurrentConnections: "10000",
      MaxConcurrentUpgradedConnections: 50,
    }),
    { maxConcurrentConnections: 10_000, maxConcurrentUpgradedConnections: 50 },
  );
  assert.deepEqual(
    limitsFrom({
      MaxConcurrentConnections: "null",
      MaxConcurrentUpgradedConnections: null,
    }),
    {
      maxConcurrentConnections: null,
      maxConcurrentUpgradedConnections: null,
    },
  );
});

Deno.test("timeouts bind from seconds, whole or fractional, as milliseconds", () => {
  assert.deepEqual(
    limitsFrom({ KeepAliveTimeout: "130", RequestHeadersTimeout: "2.5" }),
    { keepAliveTimeout: 130_000, requestHeadersTimeout: 2_500 },
  );
  // Decimal digits, not floating point: 2.3 * 1000 would be 2299.9999…
  assert.equal(
    limitsFrom({ KeepAliveTimeout: "2.3" })?.keepAliveTimeout,
    2_300,
  );
  assert.equal(
    limitsFrom({ KeepAliveTimeout: "1.005" })?.keepAliveTimeout,
    1_005,
  );
  assert.equal(
    limitsFrom({ KeepAliveTimeout: "0.001" })?.keepAliveTimeout,
    1,
  );
  assert.equal(limitsFrom({ KeepAliveTimeout: 30 })?.keepAliveTimeout, 30_000);
  assert.equal(
    limitsFrom({ KeepAliveTimeout: " 2.5000 " })?.keepAliveTimeout,
    2_500,
  );
});

Deno.test("timeouts bind from TimeSpan hh:mm:ss, hh:mm:ss.fff and d.hh:mm:ss", () => {
  const cases: [string, number][] = [
    ["00:02:10", 130_000],
    ["0:0:30", 30_000],
    ["01:00:00", 3_600_000],
    ["00:00:02.500", 2_500],
    ["00:00:00.5", 500],
    ["00:00:01.2500000", 1_250],
    ["1.00:00:00", 86_400_000],
    ["1.02:03:04.005", 93_784_005],
  ];
  for (const [text, ms] of cases) {
    assert.equal(
      limitsFrom({ RequestHeadersTimeout: text })?.requestHeadersTimeout,
      ms,
      text,
    );
  }
});

Deno.test("a bad timeout names the key, the value, its source and the valid forms", () => {
  for (
    const text of [
      "0",
      "0.0004",
      "1.0001",
      "-5",
      "soon",
      "",
      "130s",
      "00:60:00",
      "24:00:00",
      "00:00:60",
      "00:02",
      "30.00:00:00",
    ]
  ) {
    const message = errorFrom(["--Server:Limits:KeepAliveTimeout", text]);
    assert.ok(
      message.includes(
        `"Server:Limits:KeepAliveTimeout" is "${text}" (from command line): it must be a time from 1 ms to about 24.8 days: seconds ("130", "2.5", at most 3 decimals) or hh:mm:ss[.fff] or d.hh:mm:ss[.fff]`,
      ),
      `${text}: ${message}`,
    );
  }
  assert.match(
    errorFrom(["--Server:Limits:RequestHeadersTimeout", "forever"]),
    /"Server:Limits:RequestHeadersTimeout" is "forever" \(from command line\): it must be a time/,
  );
});

Deno.test("MinRequestBodyDataRate binds from a section of BytesPerSecond and GracePeriod", () => {
  assert.deepEqual(
    limitsFrom({
      MinRequestBodyDataRate: { BytesPerSecond: "100", GracePeriod: "10" },
    }),
    { minRequestBodyDataRate: { bytesPerSecond: 100, gracePeriod: 10_000 } },
  );
  assert.deepEqual(
    limitsFrom({
      MinRequestBodyDataRate: {
        BytesPerSecond: 0.5,
        GracePeriod: "00:00:02.5",
      },
    })?.minRequestBodyDataRate,
    { bytesPerSecond: 0.5, gracePeriod: 2_500 },
  );
  assert.deepEqual(
    limitsFrom({
      minrequestbodydatarate: { bytespersecond: "1", graceperiod: "0" },
    })?.minRequestBodyDataRate,
    { bytesPerSecond: 1, gracePeriod: 0 },
  );
});

Deno.test("MinRequestBodyDataRate without GracePeriod keeps Kestrel's 5 seconds", () => {
  assert.deepEqual(
    limitsFrom({ MinRequestBodyDataRate: { BytesPerSecond: "50" } })
      ?.minRequestBodyDataRate,
    { bytesPerSecond: 50, gracePeriod: 5_000 },
  );
});

Deno.test("MinRequestBodyDataRate is turned off by none, null or an empty value", () => {
  for (const value of ["none", "None", "null", "", null]) {
    assert.deepEqual(
      limitsFrom({ MinRequestBodyDataRate: value }),
      { minRequestBodyDataRate: null },
      String(value),
    );
  }
});

Deno.test("a bad MinRequestBodyDataRate names the key, the value, its source and the valid form", () => {
  assert.match(
    errorFrom(["--Server:Limits:MinRequestBodyDataRate", "240"]),
    /"Server:Limits:MinRequestBodyDataRate" is "240" \(from command line\): it must be "none" \(or "null"\) to turn it off, or a section with BytesPerSecond \(a number greater than 0\) and GracePeriod/,
  );
  for (const text of ["0", "-1", "fast", "1e3", "Infinity"]) {
    assert.ok(
      errorFrom([
        "--Server:Limits:MinRequestBodyDataRate:BytesPerSecond",
        text,
      ]).includes(
        `"Server:Limits:MinRequestBodyDataRate:BytesPerSecond" is "${text}" (from command line): it must be a number of bytes per second greater than 0, such as "240" or "0.5"`,
      ),
      text,
    );
  }
  for (const text of ["-1", "later", "0.0001", "00:99:00"]) {
    const message = errorFrom([
      "--Server:Limits:MinRequestBodyDataRate:BytesPerSecond",
      "240",
      "--Server:Limits:MinRequestBodyDataRate:GracePeriod",
      text,
    ]);
    assert.ok(
      message.includes(
        `"Server:Limits:MinRequestBodyDataRate:GracePeriod" is "${text}" (from command line): it must be a time from 0 to about 24.8 days: seconds`,
      ),
      `${text}: ${message}`,
    );
  }
});

Deno.test("MinRequestBodyDataRate without BytesPerSecond, or with an unknown key, is an error", () => {
  const missing = errorFrom([
    "--Server:Limits:MinRequestBodyDataRate:GracePeriod",
    "5",
  ]);
  assert.match(
    missing,
    /"Server:Limits:MinRequestBodyDataRate:BytesPerSecond" \(from command line\): it is missing: "Server:Limits:MinRequestBodyDataRate" needs BytesPerSecond/,
  );
  const unknown = errorFrom([
    "--Server:Limits:MinRequestBodyDataRate:BytesPerSecond",
    "240",
    "--Server:Limits:MinRequestBodyDataRate:Grace",
    "5",
  ]);
  assert.match(
    unknown,
    /"Server:Limits:MinRequestBodyDataRate:Grace" is "5" \(from command line\): unknown key; "Server:Limits:MinRequestBodyDataRate" has "BytesPerSecond", "GracePeriod"/,
  );
});

Deno.test("MinRequestBodyDataRate given both as a value and as a section is an error", () => {
  const configuration = new ConfigurationBuilder()
    .addInMemory({
      Server: { Limits: { MinRequestBodyDataRate: { BytesPerSecond: "240" } } },
    })
    .addCommandLine(["--Server:Limits:MinRequestBodyDataRate", "none"])
    .build();
  assert.throws(
    () => denoServerOptionsFrom(configuration.getSection("Server")),
    /"Server:Limits:MinRequestBodyDataRate" is "none": it is both a value and a section: give either "none" or BytesPerSecond and GracePeriod, not both/,
  );
});

Deno.test("a section given for a plain limit is an error naming the valid form", () => {
  assert.match(
    errorFrom(["--Server:Limits:KeepAliveTimeout:Seconds", "5"]),
    /"Server:Limits:KeepAliveTimeout": a limit is a value, not a section: it must be a time from 1 ms/,
  );
});

Deno.test("bad connection caps name the key, the value, its source and the valid form", () => {
  for (
    const key of [
      "MaxConcurrentConnections",
      "MaxConcurrentUpgradedConnections",
    ]
  ) {
    for (const text of ["0", "-1", "1.5", "many"]) {
      assert.ok(
        errorFrom([`--Server:Limits:${key}`, text]).includes(
          `"Server:Limits:${key}" is "${text}" (from command line): it must be a whole number of at least 1, or null for no limit`,
        ),
        `${key}=${text}`,
      );
    }
  }
});

Deno.test("an unknown limit lists the new limits among the known ones", () => {
  assert.match(
    errorFrom(["--Server:Limits:IdleTimeout", "5"]),
    /unknown server limit; the limits are MaxRequestBodySize, MaxConcurrentRequests, ResponseBufferSize, MaxConcurrentConnections, MaxConcurrentUpgradedConnections, KeepAliveTimeout, RequestHeadersTimeout, MinRequestBodyDataRate/,
  );
});

Deno.test("every bad limit is reported in one error", () => {
  const message = errorFrom([
    "--Server:Limits:KeepAliveTimeout",
    "0",
    "--Server:Limits:MaxConcurrentConnections",
    "0",
    "--Server:Limits:MinRequestBodyDataRate:BytesPerSecond",
    "0",
  ]);
  assert.match(message, /^The Server configuration is invalid:\n/);
  assert.match(message, /KeepAliveTimeout/);
  assert.match(message, /MaxConcurrentConnections/);
  assert.match(message, /MinRequestBodyDataRate:BytesPerSecond/);
});

Deno.test("host settings are part of the app configuration: useSetting reaches Server:Limits and host.configuration", async () => {
  const host = new WebHostBuilder()
    .useUrls("http://127.0.0.1:0")
    .useSetting("suppressStatusMessages", "true")
    .useSetting("Server:Limits:KeepAliveTimeout", "2.5")
    .useSetting("Shop:Name", "Roost")
    .configure((app) => app.run((ctx) => ctx.response.send("ok")))
    .build();
  await host.start();
  try {
    assert.equal(host.configuration.get("Shop:Name"), "Roost");
    assert.equal((host.server as DenoServer).limits.keepAliveTimeout, 2500);
  } finally {
    await host.stop();
  }
});

Deno.test("a ROOST_ environment variable with __ reaches Server:Limits", async () => {
  const script = `
    import { WebHostBuilder } from ${
    JSON.stringify(new URL("../../mod.ts", import.meta.url).href)
  };
    const host = new WebHostBuilder()
      .useUrls("http://127.0.0.1:0")
      .useSetting("suppressStatusMessages", "true")
      .configure((app) => app.run((ctx) => ctx.response.send("ok")))
      .build();
    await host.start();
    console.log(host.server.limits.keepAliveTimeout);
    await host.stop();
  `;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-check", script],
    env: { ROOST_SERVER__LIMITS__KEEPALIVETIMEOUT: "7" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(new TextDecoder().decode(output.stdout).trim(), "7000");
});

Deno.test("host.fetch (and so `deno serve`) applies the configured Server:Limits:MaxRequestBodySize", async () => {
  // `deno serve` hands every request to host.fetch: a limit configured for
  // the server must hold there too, not fall back to the 30 MB default.
  const host = new WebHostBuilder()
    .useSetting("Server:Limits:MaxRequestBodySize", "1000")
    .configure((app) =>
      app.run(async (ctx) =>
        ctx.response.send(`read ${(await ctx.request.text()).length}`)
      )
    )
    .build();
  try {
    const info = {
      remoteAddr: { transport: "tcp" as const, hostname: "10.0.0.7", port: 1 },
      completed: Promise.resolve(),
    };
    const small = await host.fetch(
      new Request("http://localhost/", {
        method: "POST",
        body: "x".repeat(900),
      }),
      info,
    );
    assert.equal(await small.text(), "read 900");
    const large = await host.fetch(
      new Request("http://localhost/", {
        method: "POST",
        body: "x".repeat(5000),
      }),
      info,
    );
    assert.equal(large.status, 413);
    await large.body?.cancel();
  } finally {
    await host.stop();
  }
});
