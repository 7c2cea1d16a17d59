/**
 * Response compression: CPU cost and ratio of each encoding and level Deno
 * offers, on ~1 MB of JSON and ~1 MB of HTML, compressed in-process. Prints a
 * Markdown table of MB/s (input bytes per second of CPU on one thread) and
 * ratio (compressed / original), which is how `responseCompression` picked
 * its default levels and preference order.
 *
 * ```sh
 * deno run -A bench/compression.ts              # 5 rounds, median
 * deno run -A bench/compression.ts --rounds 9
 * deno run -A bench/compression.ts --file page.html --file app.js  # real files too
 * ```
 *
 * @module
 */

import * as zlib from "node:zlib";

const MB = 1024 * 1024;

// A seeded generator: every run compresses the same bytes.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed " +
  "do eiusmod tempor incididunt ut labore et dolore magna aliqua roost " +
  "hosting middleware request response pipeline server feature context " +
  "order customer invoice shipped pending delivered warehouse berlin paris")
  .split(" ");

function words(next: () => number, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(WORDS[Math.floor(next() * WORDS.length)]);
  }
  return out.join(" ");
}

/** ~1 MB of API-like JSON: records with ids, numbers, dates and text. */
export function sampleJson(size = MB): Uint8Array {
  const next = random(1);
  const items = [];
  let length = 0;
  for (let id = 1; length < size; id++) {
    const item = {
      id,
      sku: `SKU-${Math.floor(next() * 1e8).toString(36).toUpperCase()}`,
      price: Math.round(next() * 100_000) / 100,
      quantity: Math.floor(next() * 50),
      created: new Date(1.7e12 + Math.floor(next() * 3e10)).toISOString(),
      tags: [words(next, 1), words(next, 1)],
      active: next() < 0.8,
      description: words(next, 8 + Math.floor(next() * 12)),
    };
    items.push(item);
    length += JSON.stringify(item).length + 1;
  }
  return new TextEncoder().encode(JSON.stringify({ items }));
}

/** ~1 MB of HTML: a page of table rows and paragraphs. */
export function sampleHtml(size = MB): Uint8Array {
  const next = random(2);
  let html =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Orders</title>' +
    '<link rel="stylesheet" href="/site.css"></head><body><main class="container">';
  while (html.length < size) {
    const id = Math.floor(next() * 1e6);
    html +=
      `<section class="card" id="order-${id}"><h2>${
        words(next, 4)
      }</h2><p class="lead">${words(next, 30)}</p>` +
      `<table class="table"><tr><td class="sku">${id}</td><td>${
        words(next, 3)
      }</td>` +
      `<td class="price">${(next() * 1000).toFixed(2)}</td></tr></table>` +
      `<a href="/orders/${id}" class="btn btn-primary">View</a></section>\n`;
  }
  return new TextEncoder().encode(html + "</main></body></html>");
}

async function throughStream(
  input: Uint8Array,
  stream: CompressionStream,
): Promise<number> {
  const body = new Blob([input as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(stream);
  return (await new Response(body).arrayBuffer()).byteLength;
}

/** One way to compress a whole body: returns the compressed size. */
interface Method {
  name: string;
  run(input: Uint8Array): number | Promise<number>;
}

const { constants } = zlib;

const METHODS: Method[] = [
  {
    name: "gzip CompressionStream",
    run: (b) => throughStream(b, new CompressionStream("gzip")),
  },
  ...[1, 4, 6, 9].map((level): Method => ({
    name: `gzip node:zlib level ${level}`,
    run: (b) => zlib.gzipSync(b, { level }).byteLength,
  })),
  {
    name: 'brotli CompressionStream("brotli")',
    run: (b) =>
      throughStream(b, new CompressionStream("brotli" as CompressionFormat)),
  },
  ...[1, 4, 5, 6, 11].map((quality): Method => ({
    name: `br node:zlib quality ${quality}`,
    run: (b) =>
      zlib.brotliCompressSync(b, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: quality,
          [constants.BROTLI_PARAM_SIZE_HINT]: b.byteLength,
        },
      }).byteLength,
  })),
  ...[1, 3, 6].map((level): Method => ({
    name: `zstd node:zlib level ${level}`,
    run: (b) =>
      zlib.zstdCompressSync(b, {
        params: { [constants.ZSTD_c_compressionLevel]: level },
      }).byteLength,
  })),
];

function argument(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index === -1 ? undefined : Deno.args[index + 1];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Every value given for a repeatable flag. */
function allOf(name: string): string[] {
  const values: string[] = [];
  Deno.args.forEach((arg, i) => {
    if (arg === name && Deno.args[i + 1] !== undefined) {
      values.push(Deno.args[i + 1]);
    }
  });
  return values;
}

if (import.meta.main) {
  const rounds = Number(argument("--rounds") ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new RangeError(
      `--rounds must be a positive integer, got "${argument("--rounds")}"`,
    );
  }
  const inputs: [string, Uint8Array][] = [
    ["JSON", sampleJson()],
    ["HTML", sampleHtml()],
  ];
  for (const path of allOf("--file")) {
    inputs.push([
      path.slice(path.lastIndexOf("/") + 1),
      await Deno.readFile(path),
    ]);
  }
  console.log(
    `Deno ${Deno.version.deno}; median of ${rounds}; inputs: ${
      inputs.map(([name, bytes]) =>
        `${name} ${(bytes.byteLength / MB).toFixed(2)} MB`
      ).join(", ")
    }\n`,
  );
  const small = sampleJson(2048);
  const names = inputs.map(([name]) => name);
  console.log(
    `| Encoding and level | ${
      names.map((name) => `${name} MB/s | ${name} ratio`).join(" | ")
    } | 2 KiB JSON µs |`,
  );
  console.log(`| --- | ${names.map(() => "---: | ---:").join(" | ")} | ---: |`);
  for (const method of METHODS) {
    const cells: string[] = [];
    for (const [, input] of inputs) {
      await method.run(input); // warm up
      // Quality 11 runs at ~1 MB/s: one round says enough.
      const count = method.name.endsWith("quality 11") ? 1 : rounds;
      const times: number[] = [];
      let size = 0;
      for (let i = 0; i < count; i++) {
        const begin = performance.now();
        size = await method.run(input);
        times.push(performance.now() - begin);
      }
      const seconds = median(times) / 1000;
      cells.push(
        (input.byteLength / MB / seconds).toFixed(0),
        (size / input.byteLength).toFixed(3),
      );
    }
    // Per-call cost on a small body: where fixed set-up dominates.
    const calls = method.name.endsWith("quality 11") ? 20 : 500;
    for (let i = 0; i < 20; i++) await method.run(small);
    const begin = performance.now();
    for (let i = 0; i < calls; i++) await method.run(small);
    cells.push(((performance.now() - begin) * 1000 / calls).toFixed(0));
    console.log(`| ${method.name} | ${cells.join(" | ")} |`);
  }
}
