/**
 * Static file throughput: a 1 KiB and a 1 MiB file served by raw
 * `Deno.serve` with a plainly written file server (`servers/static_raw.ts`),
 * by Roost's `useStaticFiles()` (`servers/static_roost.ts`), and by nginx
 * when it is installed, driven by wrk in interleaved rounds.
 *
 * ```sh
 * deno task bench:static                 # 5 rounds × 2 s per file and server
 * deno task bench:static --rounds 3 --duration 1
 * ```
 *
 * Prints requests/s and MB/s per server, and each one's ratio to raw
 * `Deno.serve` (the median of the per-round ratios). Servers are pinned to
 * core 0 and wrk to core 1 where `taskset` exists.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import {
  freePort,
  installSignalCleanup,
  killAll,
  spawnServer,
  track,
  waitForReady,
} from "./_process.ts";
import { PINNED, pinned, SERVER_CORE } from "./_pin.ts";
import { median } from "./_report.ts";
import { type LoadOptions, missingTools, wrk } from "./_tools.ts";

/** The files served, by name and size. */
export const FILES = [
  { name: "file-1k.bin", size: 1024 },
  { name: "file-1m.bin", size: 1024 * 1024 },
] as const;

interface Served {
  name: string;
  port: number;
  stop: () => Promise<void>;
}

const USAGE = `Usage: deno task bench:static [--rounds N] [--duration S]

Defaults: --rounds 5 --duration 2 (about a minute).`;

async function writeFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const contents = new Map<string, Uint8Array>();
  for (const { name, size } of FILES) {
    const bytes = new Uint8Array(size);
    for (let offset = 0; offset < size; offset += 65536) {
      crypto.getRandomValues(bytes.subarray(offset, offset + 65536));
    }
    await Deno.writeFile(join(dir, name), bytes);
    contents.set(name, bytes);
  }
  return contents;
}

async function startDeno(
  name: string,
  script: string,
  root: string,
): Promise<Served> {
  const child = spawnServer(script, ["--port", "0", "--root", root], {
    stderr: "null",
  });
  const port = await waitForReady(child.stdout, child.status);
  return {
    name,
    port,
    stop: async () => {
      await child.stdin.close().catch(() => {});
      await child.status;
    },
  };
}

// One worker on the server core, no logs: the same footing as the Deno
// servers, each a single process on one core.
async function startNginx(root: string, dir: string): Promise<Served | null> {
  const port = freePort();
  const config = join(dir, "nginx.conf");
  await Deno.writeTextFile(
    config,
    `worker_processes 1;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "nginx-error.log")};
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${dir};
  proxy_temp_path ${dir};
  fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir};
  scgi_temp_path ${dir};
  server {
    listen 127.0.0.1:${port};
    root ${root};
  }
}
`,
  );
  let child: Deno.ChildProcess;
  try {
    const [command, args] = pinned(SERVER_CORE, "nginx", [
      "-c",
      config,
      "-p",
      dir,
    ]);
    child = new Deno.Command(command, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  track(child);
  // nginx announces nothing: poll until it answers.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/${FILES[0].name}`);
      await response.body?.cancel();
      if (response.ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    name: "nginx",
    port,
    stop: async () => {
      child.kill("SIGQUIT");
      await child.status;
    },
  };
}

async function verify(server: Served, contents: Map<string, Uint8Array>) {
  for (const [name, expected] of contents) {
    const response = await fetch(`http://127.0.0.1:${server.port}/${name}`);
    const body = new Uint8Array(await response.arrayBuffer());
    if (
      response.status !== 200 || body.length !== expected.length ||
      body.some((byte, i) => byte !== expected[i])
    ) {
      throw new Error(
        `${server.name} answered ${response.status} with ${body.length} bytes for /${name}, not the file's ${expected.length}`,
      );
    }
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "5" },
      duration: { type: "string", default: "2" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const rounds = Number(values.rounds);
  const seconds = Number(values.duration);
  if (!Number.isInteger(rounds) || rounds < 1 || !(seconds > 0)) {
    console.error(
      `--rounds must be a whole number ≥ 1 and --duration > 0\n\n${USAGE}`,
    );
    return 2;
  }
  if ((await missingTools()).some((tool) => tool.startsWith("wrk"))) {
    console.error("The benchmark needs wrk: apt-get install wrk");
    return 1;
  }
  installSignalCleanup();
  const dir = await Deno.makeTempDir({ prefix: "roost-static-bench-" });
  const root = join(dir, "www");
  await Deno.mkdir(root);
  const servers: Served[] = [];
  try {
    const contents = await writeFiles(root);
    servers.push(await startDeno("raw Deno.serve", "static_raw.ts", root));
    servers.push(await startDeno("Roost", "static_roost.ts", root));
    const nginx = await startNginx(root, dir);
    if (nginx === null) console.error("nginx is not installed: no nginx row.");
    else servers.push(nginx);
    for (const server of servers) await verify(server, contents);
    const load: LoadOptions = {
      seconds,
      connections: 50,
      h2Clients: 0,
      streams: 0,
    };
    const rows: string[] = [];
    for (const file of FILES) {
      const rates = new Map<string, number[]>(
        servers.map((s) => [s.name, []]),
      );
      for (const server of servers) {
        // Warm-up, not counted.
        await wrk(`http://127.0.0.1:${server.port}/${file.name}`, {
          ...load,
          seconds: 1,
        });
      }
      for (let round = 0; round < rounds; round++) {
        for (const server of servers) {
          const measured = await wrk(
            `http://127.0.0.1:${server.port}/${file.name}`,
            load,
          );
          if (measured.problems.length > 0) {
            throw new Error(`${server.name}: ${measured.problems.join("; ")}`);
          }
          rates.get(server.name)!.push(measured.requestsPerSecond);
        }
        console.error(
          `${file.name} round ${round + 1}/${rounds}: ${
            servers.map((s) =>
              `${s.name} ${Math.round(rates.get(s.name)!.at(-1)!)}`
            ).join(", ")
          }`,
        );
      }
      const raw = rates.get(servers[0].name)!;
      for (const server of servers) {
        const own = rates.get(server.name)!;
        const ratio = median(own.map((rate, i) => rate / raw[i]));
        const perSecond = median(own);
        rows.push(
          `| ${file.name} | ${server.name} | ${
            Math.round(perSecond).toLocaleString("en-US")
          } | ${(perSecond * file.size / 1e6).toFixed(0)} | ${
            ratio.toFixed(2)
          }× |`,
        );
      }
    }
    console.log(
      `\n## Static files\n\nDeno ${Deno.version.deno}; wrk -t1 -c50; ${rounds} interleaved rounds of ${seconds} s; ${
        PINNED ? "server on core 0, wrk on core 1" : "not pinned"
      }. Ratios are medians of each round's ratio to raw Deno.serve.\n`,
    );
    console.log("| file | server | req/s | MB/s | / raw |");
    console.log("| --- | --- | ---: | ---: | ---: |");
    console.log(rows.join("\n"));
    return 0;
  } finally {
    for (const server of servers) await server.stop().catch(() => {});
    await killAll();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
