// The response bridge's phases as a user sees them: buffered writes, the
// switch to streaming, and answers made in the app's place while the
// onStarting callbacks run.

import assert from "node:assert/strict";
import type { WebHostBuilder } from "../../mod.ts";
import { SERVER_KINDS, startHost } from "../_helpers.ts";

const encoder = new TextEncoder();

// The failures below are the point: keep their error logs off the output.
function quiet(builder: WebHostBuilder): void {
  builder.configureLogging((logging) => logging.clearOutputs());
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} sends buffered text writes as bytes, in order, with no content type`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.write("héllo ");
        ctx.response.write("wörld ✓ ");
        ctx.response.write(encoder.encode("bytes "));
        ctx.response.write("and text");
      });
    });
    const response = await running.fetch("/");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), null);
    assert.equal(await response.text(), "héllo wörld ✓ bytes and text");
  });

  Deno.test(`${kind} keeps a content type the app set for text writes`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.headers.set("content-type", "text/csv");
        ctx.response.write("a,b\n");
        ctx.response.write("1,2\n");
      });
    });
    const response = await running.fetch("/");
    assert.equal(response.headers.get("content-type"), "text/csv");
    assert.equal(await response.text(), "a,b\n1,2\n");
  });

  Deno.test(`${kind} streams once text writes pass the buffer size, counting UTF-8 bytes`, async () => {
    const seen: boolean[] = [];
    await using running = await startHost(kind, (app) => {
      app.run(async (ctx) => {
        // 9 characters but 27 bytes: under 30 bytes, still buffered.
        await ctx.response.write("✓✓✓✓✓✓✓✓✓");
        seen.push(ctx.response.hasStarted);
        // 33 bytes: over the limit, the response starts streaming.
        await ctx.response.write("✓✓");
        seen.push(ctx.response.hasStarted);
        await ctx.response.write(" end");
      });
    }, { limits: { responseBufferSize: 30 } });
    const response = await running.fetch("/");
    assert.equal(await response.text(), "✓✓✓✓✓✓✓✓✓✓✓ end");
    assert.deepEqual(seen, [false, true]);
  });

  Deno.test(`${kind} sends text-only writes with no content type, and the app's headers`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.headers.set("x-written", "yes");
        ctx.response.write("héllo ");
        ctx.response.write("wörld");
      });
    });
    const response = await running.fetch("/");
    assert.equal(response.headers.get("content-type"), null);
    assert.equal(response.headers.get("x-written"), "yes");
    assert.equal(await response.text(), "héllo wörld");
    // A content type the app set stays.
    await using typed = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.headers.set("content-type", "text/csv");
        ctx.response.write("a,b");
      });
    });
    const csv = await typed.fetch("/");
    assert.equal(csv.headers.get("content-type"), "text/csv");
    assert.equal(await csv.text(), "a,b");
  });

  Deno.test(`${kind} answers HEAD to text writes with their length and no body`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.write("héllo");
      });
    });
    const response = await running.fetch("/", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), "6");
    assert.equal(response.headers.get("content-type"), null);
    assert.equal(await response.text(), "");
  });

  Deno.test(`${kind} answers 500 when an onStarting callback throws during start()`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run(async (ctx) => {
        ctx.response.onStarting(() => {
          throw new Error("the callback broke");
        });
        await ctx.response.start();
        await ctx.response.write("never sent");
      });
    }, { setup: quiet });
    const response = await running.fetch("/");
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /never sent|the callback broke/);
  });

  Deno.test(`${kind} ends a stream with the body send() gets while onStarting callbacks run`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run(async (ctx) => {
        ctx.response.onStarting(async () => {
          await Promise.resolve();
          ctx.response.headers.set("x-started", "yes");
        });
        ctx.response.start(); // not awaited: send() comes while starting
        await ctx.response.write("first, ");
        await ctx.response.send("then the rest");
      });
    });
    const response = await running.fetch("/");
    assert.equal(response.headers.get("x-started"), "yes");
    assert.equal(await response.text(), "first, then the rest");
  });

  Deno.test(`${kind} answers 500, not a broken stream, when the app fails while onStarting callbacks run`, async () => {
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        // A slow callback: the app fails before the response could start.
        ctx.response.onStarting(() => new Promise((r) => setTimeout(r, 20)));
        ctx.response.start(); // not awaited
        throw new Error("failed while starting");
      });
    }, { setup: quiet });
    const response = await running.fetch("/", {
      headers: { accept: "application/json" },
    });
    assert.equal(response.status, 500);
    assert.equal(
      response.headers.get("content-type"),
      "application/problem+json",
    );
    assert.equal((await response.json()).status, 500);
  });

  Deno.test(`${kind} rejects a write after a buffered response completed, and drops one after a reset`, async () => {
    const outcomes: string[] = [];
    await using running = await startHost(kind, (app) => {
      app.map("/complete", (branch) =>
        branch.run(async (ctx) => {
          await ctx.response.send("done");
          await ctx.response.write("late").then(
            () => outcomes.push("complete: accepted"),
            (error) => outcomes.push(`complete: ${error.constructor.name}`),
          );
        }));
      app.map("/reset", (branch) =>
        branch.run(async (ctx) => {
          await ctx.response.start();
          ctx.abort();
          await ctx.response.write("late").then(
            () => outcomes.push("reset: dropped"),
            (error) => outcomes.push(`reset: ${error.constructor.name}`),
          );
        }));
    });
    assert.equal(await (await running.fetch("/complete")).text(), "done");
    const reset = await running.fetch("/reset").then(
      (response) => response.text(),
    ).then(() => "read", () => "broken");
    assert.equal(reset, "broken");
    assert.deepEqual(outcomes.sort(), [
      "complete: TypeError",
      "reset: dropped",
    ]);
  });
}

for (const kind of SERVER_KINDS) {
  Deno.test(`${kind} logs an onStarting callback that throws on a buffered response, and answers 500`, async () => {
    const errors: string[] = [];
    await using running = await startHost(kind, (app) => {
      app.run((ctx) => {
        ctx.response.onStarting(() => {
          throw new Error("the callback broke");
        });
        return ctx.response.send("never sent");
      });
    }, {
      setup: (builder) =>
        builder.configureLogging((logging) =>
          logging.clearOutputs().addOutput({
            name: "Errors",
            write: (record) => {
              if (record.level === "error") {
                errors.push(`${record.message} ${String(record.error)}`);
              }
            },
          })
        ),
    });
    const response = await running.fetch("/");
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /never sent/);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /onStarting[\s\S]*the callback broke/);
  });
}
