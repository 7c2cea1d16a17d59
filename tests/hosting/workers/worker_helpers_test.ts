import assert from "node:assert/strict";
import { workerCount } from "../../../mod.ts";
import { withUnstableNet } from "../../../hosting/workers/_worker_command.ts";
import {
  CONTROL_PREFIX,
  labelLine,
  relayOutput,
  type WorkerMessage,
} from "../../../hosting/workers/_worker_output.ts";

Deno.test("workerCount reads a whole number or auto, and names the setting otherwise", () => {
  assert.equal(workerCount(3), 3);
  assert.equal(workerCount(" 2 "), 2);
  assert.equal(workerCount("AUTO"), navigator.hardwareConcurrency);
  for (const bad of ["0", "-1", "1.5", "many", "", "10000"]) {
    assert.throws(
      () => workerCount(bad),
      (error: Error) =>
        error instanceof RangeError &&
        error.message.includes(`workers is "${bad}"`) &&
        error.message.includes("or auto"),
    );
  }
});

Deno.test("a worker's command gets --unstable-net where Deno takes its flags, once", () => {
  assert.deepEqual(
    withUnstableNet({ execPath: "deno", args: ["run", "-A", "main.ts"] }).args,
    ["run", "--unstable-net", "-A", "main.ts"],
  );
  assert.deepEqual(
    withUnstableNet({
      execPath: "deno",
      args: ["run", "--unstable-net", "-A", "main.ts"],
    }).args,
    ["run", "--unstable-net", "-A", "main.ts"],
  );
  // Deno 2's short form: the flags come first.
  assert.deepEqual(
    withUnstableNet({ execPath: "/usr/bin/deno", args: ["-A", "main.ts"] })
      .args,
    ["--unstable-net", "-A", "main.ts"],
  );
  assert.deepEqual(
    withUnstableNet({ execPath: "deno", args: ["main.ts", "--workers", "2"] })
      .args,
    ["--unstable-net", "main.ts", "--workers", "2"],
  );
  // Deno's global flags may come before run.
  assert.deepEqual(
    withUnstableNet({
      execPath: "deno",
      args: ["-q", "--log-level", "info", "run", "-A", "main.ts"],
    }).args,
    ["-q", "--log-level", "info", "run", "--unstable-net", "-A", "main.ts"],
  );
  // Another subcommand is left alone.
  assert.deepEqual(
    withUnstableNet({ execPath: "deno", args: ["task", "start"] }).args,
    ["task", "start"],
  );
  // A compiled binary takes no Deno flags.
  assert.deepEqual(
    withUnstableNet({ execPath: "./roost", args: ["--workers", "2"] }).args,
    ["--workers", "2"],
  );
});

Deno.test("a JSON log line gains workerId; any other line a prefix", () => {
  assert.equal(
    labelLine('{"level":"Information","message":"hi"}', 1),
    '{"workerId":1,"level":"Information","message":"hi"}',
  );
  assert.equal(labelLine("info: Roost[0]", 0), "[worker 0] info: Roost[0]");
  assert.equal(labelLine("{not json", 2), "[worker 2] {not json");
});

Deno.test("relayOutput keeps lines whole across chunks and takes control lines out", async () => {
  const encoder = new TextEncoder();
  const chunks = [
    '{"message":"one"}\n{"mess',
    'age":"two"}\nplain ',
    `text\n${CONTROL_PREFIX}{"event":"ready","addresses":["http://x:1"]}\n`,
    "no newline at the end",
  ];
  const stream = ReadableStream.from(chunks.map((c) => encoder.encode(c)));
  const written: string[] = [];
  const decoder = new TextDecoder();
  const messages: WorkerMessage[] = [];
  await relayOutput(
    stream,
    {
      writeSync(bytes) {
        written.push(decoder.decode(bytes));
        return bytes.length;
      },
    },
    4,
    (message) => messages.push(message),
  );
  assert.equal(
    written.join(""),
    '{"workerId":4,"message":"one"}\n{"workerId":4,"message":"two"}\n[worker 4] plain text\n[worker 4] no newline at the end\n',
  );
  assert.deepEqual(messages, [{ event: "ready", addresses: ["http://x:1"] }]);
});
