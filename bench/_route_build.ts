/**
 * Route-table build time: how long 1,000 parameterized routes take to map
 * and get ready to answer, in Roost and in Hono. Measured in the runner's
 * own process (no server, no load), as the median of several fresh builds.
 *
 * @module
 */

// Pinned inline, as bench/servers/hono.ts pins it.
// deno-lint-ignore no-import-prefix
import { Hono } from "npm:hono@4.13.19";
import { ApplicationBuilder } from "../bundle/mod.js";

/** How many routes a build maps. */
export const BUILD_ROUTES = 1000;
const BUILDS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

// mapGet() parses each template and adds it to the table; build() makes
// the pipeline. The table is then ready: nothing is compiled on first use.
function buildRoost(): number {
  const start = performance.now();
  const app = new ApplicationBuilder();
  for (let i = 0; i < BUILD_ROUTES; i++) {
    app.mapGet(`/r${i}/{id:int}`, () => new Response("ok"));
  }
  app.build();
  return performance.now() - start;
}

// Hono's default router compiles its matcher on the first request, so the
// first fetch is part of its build.
async function buildHono(): Promise<number> {
  const start = performance.now();
  const app = new Hono();
  for (let i = 0; i < BUILD_ROUTES; i++) {
    app.get(`/r${i}/:id{[0-9]+}`, (c) => c.text("ok"));
  }
  const response = await app.fetch(new Request("http://localhost/r0/1"));
  await response.body?.cancel();
  return performance.now() - start;
}

/** Median build times in milliseconds, Roost's and Hono's. */
export async function routeBuildTimes(): Promise<
  { roost: number; hono: number }
> {
  const roost: number[] = [];
  const hono: number[] = [];
  for (let i = 0; i < BUILDS; i++) {
    roost.push(buildRoost());
    hono.push(await buildHono());
  }
  return { roost: median(roost), hono: median(hono) };
}
