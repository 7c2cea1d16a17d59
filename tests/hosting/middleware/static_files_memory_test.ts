// A large file to many clients at once must stream with backpressure: the
// server holds a chunk or so per client, never the file. The server runs in
// its own process, so that its peak RSS (the kernel's VmHWM) is its own and
// not the test runner's. The clients are curl processes, plus two clients
// that stop reading after the first chunk: without backpressure, the file
// would pile up in memory for them.

import assert from "node:assert/strict";
import { spawnHost } from "../../_helpers.ts";

const SIZE = 100 * 1024 * 1024;
const CLIENTS = 50;
const MAX_GROWTH = 100 * 1024 * 1024;
const MAX_MS = 60_000;

/** A field of /proc/<pid>/status, in bytes (VmRSS, VmHWM). */
async function memory(pid: number, field: string): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  assert.ok(match !== null, `no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

async function download(url: string): Promise<string> {
  const output = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--show-error",
      "--max-time",
      String(MAX_MS / 1000),
      "--output",
      "/dev/null",
      "--write-out",
      "%{size_download}",
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(output.success, new TextDecoder().decode(output.stderr));
  return new TextDecoder().decode(output.stdout);
}

Deno.test({
  name:
    "DenoServer streams a 100 MB static file to 50 clients at once with bounded memory",
  ignore: Deno.build.os !== "linux", // reads /proc
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "roost_big_" });
    try {
      // Sparse: 100 MB of zeros that cost the disk nothing.
      const file = await Deno.open(`${root}/big.bin`, {
        create: true,
        write: true,
      });
      await file.truncate(SIZE);
      file.close();

      await using server = await spawnHost(
        "tests/hosting/middleware/_static_memory_server.ts",
        [root],
      );
      assert.equal(server.addresses.length, 1, server.stderr());
      const url = `${server.addresses[0]}/big.bin`;
      const pid = server.child.pid;
      // Warm up: mime-db loaded, code compiled, one file sent.
      assert.equal(await download(url), String(SIZE));
      const baseline = await memory(pid, "VmRSS");
      const stalled = await Promise.all([0, 1].map(async () => {
        const response = await fetch(url);
        const reader = response.body!.getReader();
        await reader.read();
        return reader;
      }));

      const started = performance.now();
      let sizes: string[];
      try {
        sizes = await Promise.all(
          Array.from({ length: CLIENTS }, () => download(url)),
        );
      } finally {
        for (const reader of stalled) await reader.cancel();
      }
      const elapsed = performance.now() - started;
      const peak = await memory(pid, "VmHWM");
      const growth = peak - baseline;
      const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
      console.log(
        `${CLIENTS} x ${SIZE / 2 ** 20} MiB in ${
          (elapsed / 1000).toFixed(1)
        } s; server RSS ${mib(baseline)} MiB, peak ${mib(peak)} MiB, growth ${
          mib(growth)
        } MiB`,
      );
      assert.deepEqual(sizes, Array(CLIENTS).fill(String(SIZE)));
      assert.ok(elapsed < MAX_MS, `took ${elapsed} ms`);
      assert.ok(growth < MAX_GROWTH, `server RSS grew by ${mib(growth)} MiB`);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
