// CORS policies are checked when they are made: cors() and new EnableCors()
// refuse a malformed policy with a message that says what and how to fix.

import assert from "node:assert/strict";
import {
  cors,
  type CorsPolicy,
  EnableCors,
} from "../../../hosting/middleware/cors.ts";
import { WebHostBuilder } from "../../../mod.ts";

function refused(policy: unknown, error: RegExp, type = TypeError): void {
  assert.throws(() => cors(policy as CorsPolicy), (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${e}`);
    assert.match((e as Error).message, error);
    return true;
  });
  assert.throws(() => new EnableCors(policy as CorsPolicy), type);
}

Deno.test("a CORS policy cannot allow credentials with any origin", () => {
  refused(
    { origins: "*", credentials: true },
    /"credentials" cannot be true with origins "\*".*List the origins/,
  );
  refused(
    { origins: ["https://a.example", "*"], credentials: true },
    /cannot be true with origins "\*"/,
  );
});

Deno.test("a CORS policy needs origins", () => {
  refused({}, /"origins" is missing in cors\(\).*origins: \["https:/);
  refused({ origins: [] }, /non-empty array/);
  refused(null, /cors\(\) takes a CORS policy object, got null/);
  assert.throws(
    () => new EnableCors(undefined as unknown as CorsPolicy),
    /new EnableCors\(\) takes a CORS policy object, got undefined/,
  );
  refused("https://a.example", /takes a CORS policy object/);
});

Deno.test("a CORS policy refuses what is not an origin", () => {
  refused(
    { origins: "https://a.example/" },
    /"https:\/\/a\.example\/", which is not an origin.*scheme:\/\/host/,
  );
  refused({ origins: "a.example" }, /not an origin/);
  refused({ origins: ["https://a.example", ""] }, /non-empty strings, got ""/);
  refused({ origins: [42] }, /non-empty strings, got 42/);
});

Deno.test("a CORS policy's wildcard stands only for subdomains", () => {
  refused(
    { origins: "https://api.*.example.com" },
    /only stand for the subdomains/,
  );
  refused({ origins: "https://*example.com" }, /only stand for the subdomains/);
  refused(
    { origins: "https://*.*.example.com" },
    /only stand for the subdomains/,
  );
  assert.doesNotThrow(() => cors({ origins: "https://*.example.com:8443" }));
});

Deno.test("a CORS policy checks methods, headers, exposed headers and credentials", () => {
  refused(
    { origins: "*", methods: "GET" },
    /"methods" must be "\*" or an array of names, got "GET"/,
  );
  refused(
    { origins: "*", methods: ["GET PUT"] },
    /"methods" has "GET PUT", which is not a valid name/,
  );
  refused({ origins: "*", headers: ["x:y"] }, /"headers" has "x:y"/);
  refused(
    { origins: "*", exposedHeaders: "*" },
    /"exposedHeaders" must be an array of names/,
  );
  refused(
    { origins: "*", credentials: "yes" },
    /"credentials" must be true or false, got "yes"/,
  );
});

Deno.test("a CORS policy's maxAge is a whole number of seconds", () => {
  refused(
    { origins: "*", maxAge: -1 },
    /"maxAge" must be a whole number of seconds, 0 or more, got -1/,
    RangeError,
  );
  refused({ origins: "*", maxAge: 1.5 }, /got 1\.5/, RangeError);
  refused({ origins: "*", maxAge: "60" }, /got "60"/, RangeError);
});

Deno.test("EnableCors keeps the policy it was given, frozen", () => {
  const metadata = new EnableCors({
    origins: ["https://a.example"],
    maxAge: 5,
  });
  assert.deepEqual(metadata.policy, {
    origins: ["https://a.example"],
    maxAge: 5,
  });
  assert.ok(Object.isFrozen(metadata.policy));
});

Deno.test("origins match ignoring case, and wildcards match any depth of subdomain", async () => {
  const host = new WebHostBuilder()
    .configure((app) => {
      app.use(
        cors({ origins: ["HTTPS://A.Example", "https://*.example.com"] }),
      );
      app.run((ctx) => ctx.response.send("ok"));
    })
    .build();
  const cases: [string, boolean][] = [
    ["https://a.example", true],
    ["https://A.EXAMPLE", true],
    ["https://a.b.example.com", true],
    ["https://x.example.com:443", false],
    ["https://badexample.com", false],
    ["https://example.com", false],
    ["null", false],
  ];
  for (const [origin, allowed] of cases) {
    const response = await host.fetch("/", { headers: { origin } });
    assert.equal(await response.text(), "ok");
    assert.equal(
      response.headers.get("access-control-allow-origin"),
      allowed ? origin : null,
      origin,
    );
  }
});

Deno.test("safelisted methods and headers pass a preflight without being listed", async () => {
  const host = new WebHostBuilder()
    .configure((app) => {
      app.use(cors({ origins: "https://a.example", methods: ["PUT"] }));
      app.run((ctx) => ctx.response.send("ok"));
    })
    .build();
  const response = await host.fetch("/", {
    method: "OPTIONS",
    headers: {
      origin: "https://a.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "accept-language, accept",
    },
  });
  assert.equal(response.status, 204);
  await response.body?.cancel();
  assert.equal(response.headers.get("access-control-allow-methods"), "POST");
  assert.equal(
    response.headers.get("access-control-allow-headers"),
    "accept-language, accept",
  );
});
