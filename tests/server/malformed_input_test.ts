// A malformed HTTP/1.1 corpus sent over raw TCP sockets to raw Deno.serve and
// to a Roost host on DenoServer. Roost serves connections with Deno's own HTTP
// engine, so its answer must equal raw Deno's, except where Roost enforces a
// rule that raw Deno does not (the `roost` column).

import assert from "node:assert/strict";
import { startHost } from "../_helpers.ts";

/**
 * What a server did with the bytes: `"200 ok /x"` (a 2xx status and its body),
 * `"400"` (any other status), `"closed"` (closed with no response), `"reset"`
 * (reset with no response), `"silent"` (no byte and still open at the
 * deadline), `"h2"` (an HTTP/2 SETTINGS frame), `"binary"` (other bytes).
 */
type Outcome = string;

interface Case {
  name: string;
  /** Sent as Latin-1: each character is one byte. */
  bytes: string;
  /** Shut down the socket's write side after the bytes. */
  closeWrite?: boolean;
  /** What raw Deno.serve answers, as observed on Deno 2.9.6. */
  deno: Outcome;
  /** Roost's better answer, where it differs from raw Deno's. */
  roost?: Outcome;
  note?: string;
}

/** How long a case waits for an answer before calling it silence. */
const DEADLINE_MS = 2_000;
/** Cases in flight at once (each opens one socket per server). */
const CONCURRENCY = 12;

const HOST = "Host: 127.0.0.1\r\n";
const GET = `GET / HTTP/1.1\r\n${HOST}`;

// A TLS 1.2 ClientHello record: one cipher suite, no extensions.
// deno-fmt-ignore
const CLIENT_HELLO = String.fromCharCode(
  0x16, 0x03, 0x01, 0x00, 0x2d, // record: handshake, TLS 1.0, 45 bytes
  0x01, 0x00, 0x00, 0x29, // ClientHello, 41 bytes
  0x03, 0x03, // TLS 1.2
  ...new Array(32).fill(0x2a), // random
  0x00, // no session id
  0x00, 0x02, 0x00, 0x2f, // TLS_RSA_WITH_AES_128_CBC_SHA
  0x01, 0x00, // null compression
);

// Deno parses a first chunk that arrives with the headers before it calls the
// handler; a malformed one closes the connection with no response.
const BAD_FIRST_CHUNK = "the handler never runs; no 400 is sent";

const MANY_HEADERS = Array.from({ length: 130 }, (_, i) => `X-H${i}: v\r\n`)
  .join("");
const SOME_HEADERS = Array.from({ length: 100 }, (_, i) => `X-H${i}: v\r\n`)
  .join("");

const CASES: Case[] = [
  // -- request line
  {
    name: "a well-formed GET",
    bytes: `${GET}\r\n`,
    deno: "200 ok /",
  },
  {
    name: "a request line without a version",
    bytes: `GET /\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "HTTP/0.9 (a request line without a version and no headers)",
    bytes: "GET /\r\n",
    deno: "400",
  },
  {
    name: "an unknown HTTP version 9.9",
    bytes: `GET / HTTP/9.9\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a protocol that is not HTTP",
    bytes: `GET / FOO/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a lowercase method",
    bytes: `get / HTTP/1.1\r\n${HOST}\r\n`,
    deno: "200 ok /",
    note: 'an extension method: the handler sees "get", not "GET"',
  },
  {
    name: "a method with a character that is not a token",
    bytes: `GE(T / HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "two spaces after the method",
    bytes: `GET  / HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "tabs as request line separators",
    bytes: `GET\t/\tHTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "LF-only line endings",
    bytes: "GET / HTTP/1.1\nHost: 127.0.0.1\n\n",
    deno: "200 ok /",
  },
  {
    name: "a bare CR ending the request line",
    bytes: `GET / HTTP/1.1\r${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a space inside the target",
    bytes: `GET /a b HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a NUL byte inside the target",
    bytes: `GET /a\x00b HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a target that does not start with a slash",
    bytes: `GET x HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "an asterisk-form target on GET",
    bytes: `GET * HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
  },
  {
    name: "a request line over 64 KiB",
    bytes: `GET /${"a".repeat(70_000)} HTTP/1.1\r\n${HOST}\r\n`,
    deno: "400",
    note: "400, not 414; then a reset, as the rest of the line is unread",
  },
  {
    name: "an empty line before the request",
    bytes: `\r\n${GET}\r\n`,
    deno: "200 ok /",
  },
  {
    name: "a request line of only CRLF",
    bytes: "\r\n",
    deno: "silent",
  },
  {
    name: "HTTP/1.0 with Host",
    bytes: `GET / HTTP/1.0\r\n${HOST}\r\n`,
    deno: "200 ok /",
  },
  {
    name: "HTTP/1.0 without Host",
    bytes: "GET / HTTP/1.0\r\n\r\n",
    deno: "200 ok /",
    note: "Host is only required of HTTP/1.1 clients (RFC 9112 §3.2)",
  },

  // -- header bytes
  {
    name: "a NUL byte in a header value",
    bytes: `${GET}X-A: a\x00b\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a bare CR in a header value",
    bytes: `${GET}X-A: a\rb\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a DEL byte in a header value",
    bytes: `${GET}X-A: a\x7fb\r\n\r\n`,
    deno: "400",
  },
  {
    name: "obs-text bytes in a header value",
    bytes: `${GET}X-A: caf\xe9\r\n\r\n`,
    deno: "200 ok /",
  },
  {
    name: "a space between a header name and its colon",
    bytes: `${GET}X-A : b\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a header line without a colon",
    bytes: `${GET}X-A\r\n\r\n`,
    deno: "400",
  },
  {
    name: "an empty header name",
    bytes: `${GET}: b\r\n\r\n`,
    deno: "400",
  },
  {
    name: "an obs-fold continuation line",
    bytes: `${GET}X-A: b\r\n  c\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a non-ASCII header name",
    bytes: `${GET}X-\xc3\xa9: b\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a header block over 64 KiB",
    bytes: `${GET}X-Big: ${"a".repeat(70_000)}\r\n\r\n`,
    deno: "400",
    note: "400, not 431",
  },
  {
    name: "more than 128 headers",
    bytes: `${GET}${MANY_HEADERS}\r\n`,
    deno: "400",
    note: "400, not 431",
  },
  {
    name: "100 headers (under the limit)",
    bytes: `${GET}${SOME_HEADERS}\r\n`,
    deno: "200 ok /",
  },

  // -- body framing (the app answers without reading the body)
  {
    name: "a body with an exact Content-Length",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\n\r\nhello`,
    deno: "200 ok /",
  },
  {
    name: "Content-Length and Transfer-Encoding together",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\n` +
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    deno: "400",
  },
  {
    name: "two Content-Length headers with different values",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\n` +
      "Content-Length: 6\r\n\r\nhello!",
    deno: "400",
  },
  {
    name: "two Content-Length headers with the same value",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5\r\n` +
      "Content-Length: 5\r\n\r\nhello",
    deno: "200 ok /",
  },
  {
    name: "a Content-Length list of equal values",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 5, 5\r\n\r\nhello`,
    deno: "400",
    note: "stricter than RFC 9110 §8.6, which allows folding equal values",
  },
  {
    name: "a negative Content-Length",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: -1\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a Content-Length with a plus sign",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: +5\r\n\r\nhello`,
    deno: "400",
  },
  {
    name: "a non-numeric Content-Length",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: five\r\n\r\nhello`,
    deno: "400",
  },
  {
    name: "a Content-Length longer than the body, then a half-close",
    bytes: `POST / HTTP/1.1\r\n${HOST}Content-Length: 100\r\n\r\nhello`,
    closeWrite: true,
    deno: "200 ok /",
  },
  {
    name: "Transfer-Encoding: gzip, chunked",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip, chunked\r\n` +
      "\r\n5\r\nhello\r\n0\r\n\r\n",
    deno: "200 ok /",
    note: "accepted: the body is read as chunked and gzip is left to the app",
  },
  {
    name: "Transfer-Encoding that does not end in chunked",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: gzip\r\n\r\nhello`,
    deno: "400",
  },
  {
    name: "a chunk size that is not hex",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n` +
      "\r\nzz\r\nhello\r\n0\r\n\r\n",
    deno: "closed",
    note: BAD_FIRST_CHUNK,
  },
  {
    name: "a chunk size that overflows 64 bits",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n` +
      "\r\nffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
    deno: "closed",
    note: BAD_FIRST_CHUNK,
  },
  {
    name: "a chunk without CRLF after its data",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n` +
      "\r\n5\r\nhelloXX0\r\n\r\n",
    deno: "closed",
    note: BAD_FIRST_CHUNK,
  },
  {
    name: "a chunked body cut off, then a half-close",
    bytes: `POST / HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\n` +
      "\r\n10\r\nhel",
    closeWrite: true,
    deno: "200 ok /",
  },

  // -- other protocols and incomplete connections
  {
    name: "an HTTP/2 connection preface on the HTTP/1.1 port",
    bytes: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    deno: "h2",
    note: "Deno accepts cleartext HTTP/2 with prior knowledge",
  },
  {
    name: "a TLS ClientHello on the plain port",
    bytes: CLIENT_HELLO,
    deno: "400",
  },
  {
    name: "a connection that sends nothing, then half-closes",
    bytes: "",
    closeWrite: true,
    deno: "closed",
  },
  {
    name: "a connection that sends nothing",
    bytes: "",
    deno: "silent",
  },
  {
    name: "a partial request line, then a half-close",
    bytes: "GET /inc",
    closeWrite: true,
    deno: "closed",
  },
  {
    name: "a partial header block",
    bytes: `${GET}X-A: b`,
    deno: "silent",
  },

  // -- Host: raw Deno accepts any Host; Roost validates it before the app runs
  {
    name: "HTTP/1.1 without Host",
    bytes: "GET / HTTP/1.1\r\n\r\n",
    deno: "200 ok /",
    note:
      "raw Deno's req.url then names the listener: http://localhost:PORT/. " +
      "An HTTP/2 client naming localhost:PORT looks the same, so Roost refuses " +
      "it only from a remote peer (request_boundary_test.ts); this probe is local",
  },
  {
    name: "an empty Host",
    bytes: "GET / HTTP/1.1\r\nHost:\r\n\r\n",
    // RFC 9112 §3.2 allows it (a target without an authority): served, with
    // an empty host, as Kestrel serves it.
    deno: "200 ok /",
  },
  {
    name: "a Host with a space",
    bytes: "GET / HTTP/1.1\r\nHost: a b\r\n\r\n",
    deno: "200 ok (req.url http://a b/ does not parse)",
    // Roost refuses a Host that is not a valid authority.
    roost: "400",
  },
  {
    name: "a Host with a path",
    bytes: "GET / HTTP/1.1\r\nHost: 127.0.0.1/file\r\n\r\n",
    deno: "200 ok /file/",
    note: "raw Deno's req.url is `http://${Host}${target}`, unchecked",
    // Roost refuses a Host that would smuggle a path into the request URL.
    roost: "400",
  },
  {
    name: "a Host with userinfo",
    bytes: "GET / HTTP/1.1\r\nHost: user@evil:80\r\n\r\n",
    deno: "200 ok /",
    note: "raw Deno's req.url is http://user@evil:80/, whose host is evil",
    // Roost refuses userinfo, which would change the URL's host.
    roost: "400",
  },
  {
    name: "a Host with a query",
    bytes: "GET / HTTP/1.1\r\nHost: a?b\r\n\r\n",
    deno: "200 ok /",
    note: "raw Deno's req.url is http://a?b/: the target moved to the query",
    // Roost refuses a Host that would smuggle a query into the request URL.
    roost: "400",
  },
  {
    name: "a Host with a fragment",
    bytes: "GET / HTTP/1.1\r\nHost: a#b\r\n\r\n",
    deno: "200 ok /",
    // Roost refuses a Host that would cut the request URL short.
    roost: "400",
  },
  {
    name: "a Host with an unclosed IPv6 bracket",
    bytes: "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
    deno: "200 ok (req.url http://[::1/ does not parse)",
    // Roost refuses an IPv6 literal without its closing bracket.
    roost: "400",
  },
  {
    name: "a Host with a port that is not a number",
    bytes: "GET / HTTP/1.1\r\nHost: example.com:80x\r\n\r\n",
    deno: "200 ok (req.url http://example.com:80x/ does not parse)",
    // Roost refuses a port that is not all digits.
    roost: "400",
  },
  {
    name: "two Host headers",
    bytes: `${GET}Host: 127.0.0.2\r\n\r\n`,
    deno: "400",
  },
  {
    name: "a Host name",
    bytes: "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n",
    deno: "200 ok /",
  },
  {
    name: "a Host name and port",
    bytes: "GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
    deno: "200 ok /",
  },
  {
    name: "a Host IPv6 literal and port",
    bytes: "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
    deno: "200 ok /",
  },
  {
    name: "a Host IPv4 address",
    bytes: "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    deno: "200 ok /",
  },
  {
    name: "an absolute-form target with a matching Host",
    bytes: "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n",
    deno: "200 ok /x",
  },
  {
    name: "an absolute-form target with a different Host",
    bytes: "GET http://example.com/x HTTP/1.1\r\nHost: other\r\n\r\n",
    deno: "200 ok /x",
    note: "the target's authority wins over Host (RFC 9112 §3.2.2)",
  },

  // -- paths: Roost normalizes once and refuses paths above the root
  {
    name: "a path that climbs above the root",
    bytes: `GET /../x HTTP/1.1\r\n${HOST}\r\n`,
    deno: "200 ok /x",
    // Roost refuses instead of silently clamping to the root.
    roost: "400",
  },
  {
    name: "a path with encoded dots that climbs above the root",
    bytes: `GET /%2e%2e/x HTTP/1.1\r\n${HOST}\r\n`,
    deno: "200 ok /x",
    // Roost decodes dot segments before it checks (ARCHITECTURE.md).
    roost: "400",
  },
  {
    name: "a path with a dot segment inside the root",
    bytes: `GET /a/../b HTTP/1.1\r\n${HOST}\r\n`,
    deno: "200 ok /b",
  },
];

/** Encodes a Latin-1 string, one byte per character. */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => {
    const code = char.charCodeAt(0);
    assert.ok(code < 256, `${JSON.stringify(char)} is not one byte`);
    return code;
  });
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    all.set(chunk, offset);
    offset += chunk.length;
  }
  return all;
}

const decoder = new TextDecoder("latin1");

/** Whether `bytes` hold a whole first response (or enough to classify). */
function isComplete(bytes: Uint8Array): boolean {
  if (bytes.length < 5) return false;
  const text = decoder.decode(bytes);
  if (!text.startsWith("HTTP/")) return bytes.length >= 9;
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  if (length) return bytes.length >= end + 4 + Number(length[1]);
  if (/\r\ntransfer-encoding: *chunked/i.test(text.slice(0, end))) {
    return text.includes("\r\n0\r\n\r\n", end);
  }
  return false; // delimited by the close
}

function classify(bytes: Uint8Array, silent: boolean, reset: boolean): Outcome {
  if (bytes.length === 0) return silent ? "silent" : reset ? "reset" : "closed";
  const text = decoder.decode(bytes);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
  if (!status) {
    // An HTTP/2 frame header: 24-bit length, then type 0x4 (SETTINGS).
    return bytes.length >= 9 && bytes[3] === 0x04 ? "h2" : "binary";
  }
  if (!status[1].startsWith("2")) return status[1];
  return `${status[1]} ${text.slice(text.indexOf("\r\n\r\n") + 4)}`;
}

/** Sends a case's bytes to `port` and reads the answer, within the deadline. */
async function exchange(
  port: number,
  testCase: Pick<Case, "bytes" | "closeWrite">,
): Promise<Outcome> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  let silent = false;
  const timer = setTimeout(() => {
    silent = true;
    conn.close();
  }, DEADLINE_MS);
  const writing = (async () => {
    const bytes = latin1(testCase.bytes);
    for (let sent = 0; sent < bytes.length;) {
      sent += await conn.write(bytes.subarray(sent));
    }
    if (testCase.closeWrite) await conn.closeWrite();
  })().catch(() => {
    // The server may close (or the deadline may) before every byte is out.
  });
  const chunks: Uint8Array[] = [];
  let reset = false;
  try {
    const buffer = new Uint8Array(64 * 1024);
    while (!isComplete(concat(chunks))) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
    }
  } catch (error) {
    // After the deadline closed the socket, a failed read is the silence.
    if (!silent) {
      if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
      reset = true;
    }
  } finally {
    clearTimeout(timer);
    if (!silent) conn.close();
    await writing;
  }
  return classify(concat(chunks), silent, reset);
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function pool<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return results;
}

function pathOf(url: string): string {
  return URL.parse(url)?.pathname ?? `(req.url ${url} does not parse)`;
}

Deno.test("DenoServer answers a malformed HTTP/1.1 corpus no worse than raw Deno.serve", async (t) => {
  assert.ok(CASES.length >= 40, `only ${CASES.length} cases`);
  assert.equal(new Set(CASES.map((c) => c.name)).size, CASES.length);

  await using raw = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => new Response(`ok ${pathOf(request.url)}`),
  );
  await using running = await startHost(
    "DenoServer",
    (app) => app.run((ctx) => ctx.response.send(`ok ${ctx.request.path}`)),
  );
  const rawPort = raw.addr.port;
  const roostPort = Number(new URL(running.base).port);

  // Every exchange first, concurrently; then one step per case, so a failure
  // names its case and the other cases still report.
  const observed = await pool(CASES, CONCURRENCY, (testCase) =>
    Promise.all([
      exchange(rawPort, testCase),
      exchange(roostPort, testCase),
    ]));
  for (const [index, testCase] of CASES.entries()) {
    await t.step(testCase.name, () => {
      const [deno, roost] = observed[index];
      assert.equal(deno, testCase.deno, "raw Deno.serve's answer changed");
      assert.equal(
        roost,
        testCase.roost ?? deno,
        testCase.roost
          ? "Roost's better answer"
          : "Roost differs from raw Deno",
      );
    });
  }

  await t.step("both servers still answer a normal GET", async () => {
    const normal = { bytes: `${GET}Connection: close\r\n\r\n` };
    assert.equal(await exchange(rawPort, normal), "200 ok /");
    assert.equal(await exchange(roostPort, normal), "200 ok /");
  });
});
