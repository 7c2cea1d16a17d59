import assert from "node:assert/strict";
import { DenoServer, parseEndpointUrl, parseEndpointUrls } from "../../mod.ts";

/** Asserts that parsing `url` throws a TypeError that quotes it and shows a valid form. */
function assertInvalid(url: string, why?: RegExp): void {
  assert.throws(
    () => parseEndpointUrl(url),
    (error: unknown) => {
      assert.ok(error instanceof TypeError, `expected a TypeError for ${url}`);
      assert.ok(
        error.message.includes(`"${url}"`),
        `message does not quote the URL: ${error.message}`,
      );
      assert.ok(
        error.message.includes("http://localhost:8000"),
        `message shows no valid form: ${error.message}`,
      );
      if (why !== undefined) assert.match(error.message, why);
      return true;
    },
  );
}

Deno.test("parseEndpointUrl binds localhost to both loopback addresses", () => {
  const endpoint = parseEndpointUrl("http://localhost:8000");
  assert.equal(endpoint.scheme, "http");
  assert.deepEqual([...endpoint.hostnames], ["127.0.0.1", "::1"]);
  assert.equal(endpoint.port, 8000);
  assert.equal(endpoint.displayHost, "localhost");
  assert.equal(endpoint.url, "http://localhost:8000");
  assert.equal(endpoint.path, undefined);
});

Deno.test("parseEndpointUrl reads scheme and host case-insensitively", () => {
  const endpoint = parseEndpointUrl("HTTPS://LocalHost:8443");
  assert.equal(endpoint.scheme, "https");
  assert.deepEqual([...endpoint.hostnames], ["127.0.0.1", "::1"]);
  assert.equal(endpoint.port, 8443);
});

Deno.test("parseEndpointUrl binds every interface for * and +", () => {
  for (const url of ["http://*:80", "https://+:8443", "http://[::]:81"]) {
    const endpoint = parseEndpointUrl(url);
    assert.deepEqual([...endpoint.hostnames], ["::", "0.0.0.0"], url);
    assert.equal(endpoint.displayHost, "[::]", url);
  }
  assert.equal(parseEndpointUrl("https://+:8443").scheme, "https");
  assert.equal(parseEndpointUrl("https://+:8443").port, 8443);
});

Deno.test("parseEndpointUrl binds every interface for a host name other than localhost", () => {
  const endpoint = parseEndpointUrl("http://example.com:8080");
  assert.deepEqual([...endpoint.hostnames], ["::", "0.0.0.0"]);
  assert.equal(endpoint.port, 8080);
  assert.equal(endpoint.hostName, "example.com");
  for (const url of ["http://*:80", "http://localhost:80", "http://[::1]:80"]) {
    assert.equal(parseEndpointUrl(url).hostName, undefined, url);
  }
});

Deno.test("DenoServer warns through onError that a URL naming a host binds every interface", async () => {
  const reports: string[] = [];
  const server = new DenoServer({
    urls: "http://example.com:0",
    onError: (message) => reports.push(message),
  });
  await server.start({
    createContext: (features) => features,
    processRequest: () => Promise.resolve(),
    disposeContext: () => {},
  });
  try {
    assert.equal(reports.length, 1);
    assert.match(
      reports[0],
      /^Binding http:\/\/example\.com:0 to every interface: "example\.com" is a host name, not an address, so it cannot choose one \(Kestrel does the same\)\. To bind one interface use an IP address or localhost \(http:\/\/127\.0\.0\.1:0\); for every interface without this warning use http:\/\/\*:0/,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("parseEndpointUrl binds a bracketed IPv6 address", () => {
  const endpoint = parseEndpointUrl("http://[::1]:0");
  assert.deepEqual([...endpoint.hostnames], ["::1"]);
  assert.equal(endpoint.displayHost, "[::1]");
  assert.equal(endpoint.port, 0);
});

Deno.test("parseEndpointUrl binds an IPv4 address", () => {
  const endpoint = parseEndpointUrl("http://127.0.0.1:5000");
  assert.deepEqual([...endpoint.hostnames], ["127.0.0.1"]);
  assert.equal(endpoint.displayHost, "127.0.0.1");
  assert.equal(endpoint.port, 5000);
  assert.deepEqual(
    [...parseEndpointUrl("http://0.0.0.0:1").hostnames],
    ["0.0.0.0"],
  );
});

Deno.test("parseEndpointUrl uses port 80 for http and 443 for https by default", () => {
  assert.equal(parseEndpointUrl("http://localhost").port, 80);
  assert.equal(parseEndpointUrl("https://localhost").port, 443);
  assert.equal(parseEndpointUrl("http://10.0.0.1/").port, 80);
  assert.equal(parseEndpointUrl("https://[::1]").port, 443);
});

Deno.test("parseEndpointUrl accepts ports 0 and 65535 and a trailing slash", () => {
  assert.equal(parseEndpointUrl("http://localhost:0").port, 0);
  assert.equal(parseEndpointUrl("http://localhost:65535/").port, 65535);
});

Deno.test("parseEndpointUrl reads a unix: socket path", () => {
  const endpoint = parseEndpointUrl("unix:/run/app.sock");
  assert.equal(endpoint.scheme, "unix");
  assert.equal(endpoint.path, "/run/app.sock");
  assert.deepEqual([...endpoint.hostnames], []);
  assert.equal(endpoint.url, "unix:/run/app.sock");
});

Deno.test("parseEndpointUrl reads an http://unix:/path socket URL", () => {
  const endpoint = parseEndpointUrl("http://unix:/tmp/roost.sock");
  assert.equal(endpoint.scheme, "unix");
  assert.equal(endpoint.path, "/tmp/roost.sock");
});

Deno.test("parseEndpointUrl accepts a unix socket path that starts with ./", () => {
  assert.equal(parseEndpointUrl("unix:./app.sock").path, "./app.sock");
});

Deno.test("parseEndpointUrl rejects a URL without a scheme", () => {
  assertInvalid("localhost:8000", /http:\/\/, https:\/\/ or unix:/);
  assertInvalid("ftp://localhost:21");
});

Deno.test("parseEndpointUrl rejects a port over 65535", () => {
  assertInvalid("http://localhost:99999", /"99999"/);
  assertInvalid("http://localhost:65536", /"65536"/);
});

Deno.test("parseEndpointUrl rejects a port that is not a number", () => {
  assertInvalid("http://localhost:abc", /"abc"/);
  assertInvalid("http://localhost:-1");
  assertInvalid("http://localhost:8.5");
  assertInvalid("http://localhost:");
  assertInvalid("http://localhost:0x50");
});

Deno.test("parseEndpointUrl rejects a URL with a path and points at map()", () => {
  assertInvalid("http://localhost:8000/app", /\/app/);
  assertInvalid("http://localhost:8000/app", /map\(\)/);
  assertInvalid("http://localhost:8000?x=1");
});

Deno.test("parseEndpointUrl rejects an IPv4 address with a part over 255", () => {
  assertInvalid("http://300.1.1.1:80", /"300\.1\.1\.1"/);
});

Deno.test("parseEndpointUrl rejects a malformed IPv6 address", () => {
  assertInvalid("http://[zz]:80");
  assertInvalid("http://[127.0.0.1]:80");
});

Deno.test("parseEndpointUrl rejects a missing host", () => {
  assertInvalid("http://:8000", /host/);
});

Deno.test("parseEndpointUrl rejects a host with characters a host name cannot have", () => {
  assertInvalid("http://user@host:80");
  assertInvalid("http://ex ample:80");
});

Deno.test("parseEndpointUrl rejects a relative unix socket path", () => {
  assertInvalid("unix:run/app.sock", /absolute/);
  assertInvalid("http://unix:app.sock");
});

Deno.test("parseEndpointUrls splits a ;-separated list", () => {
  const endpoints = parseEndpointUrls(
    "http://localhost:8000;https://*:8443; unix:/run/app.sock",
  );
  assert.deepEqual(endpoints.map((e) => e.scheme), ["http", "https", "unix"]);
  assert.deepEqual(endpoints.map((e) => e.port), [8000, 8443, 0]);
  assert.deepEqual(endpoints.map((e) => e.url), [
    "http://localhost:8000",
    "https://*:8443",
    "unix:/run/app.sock",
  ]);
});

Deno.test("parseEndpointUrls takes an array whose entries may hold ; lists", () => {
  const endpoints = parseEndpointUrls([
    "http://127.0.0.1:1",
    "http://[::1]:2;http://+:3",
  ]);
  assert.deepEqual(endpoints.map((e) => e.port), [1, 2, 3]);
  assert.deepEqual(endpoints.map((e) => [...e.hostnames]), [
    ["127.0.0.1"],
    ["::1"],
    ["::", "0.0.0.0"],
  ]);
});

Deno.test("parseEndpointUrls skips empty entries and surrounding spaces", () => {
  assert.deepEqual(parseEndpointUrls(""), []);
  assert.deepEqual(parseEndpointUrls([]), []);
  const endpoints = parseEndpointUrls(" ; http://localhost:1 ;; ");
  assert.equal(endpoints.length, 1);
  assert.equal(endpoints[0].url, "http://localhost:1");
});

Deno.test("parseEndpointUrls throws for the malformed URL in a list, quoting it", () => {
  assert.throws(
    () => parseEndpointUrls("http://localhost:1;http://localhost:abc"),
    (error: unknown) =>
      error instanceof TypeError &&
      error.message.includes('"http://localhost:abc"'),
  );
});

Deno.test("parseEndpointUrl names a missing Unix socket path and an unclosed IPv6 address", () => {
  assert.throws(
    () => parseEndpointUrl("unix:"),
    /"unix:": the Unix socket path is missing/,
  );
  assert.throws(
    () => parseEndpointUrl("http://[::1"),
    /"http:\/\/\[::1": an IPv6 address must be closed with \]/,
  );
});
