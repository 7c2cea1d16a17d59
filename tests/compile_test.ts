// `deno task compile` makes a working roost binary. deno compile needs a
// denort runtime; where it cannot be downloaded, set DENORT_BIN to a local
// one. Without DENORT_BIN the test is skipped.

import assert from "node:assert/strict";

const denort = Deno.env.get("DENORT_BIN");

Deno.test({
  name: "deno compile makes a roost binary that serves and stops on SIGTERM",
  ignore: !denort,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const output = `${dir}/roost`;
      const compiled = await new Deno.Command(Deno.execPath(), {
        args: ["compile", "-A", "--output", output, "main.ts"],
        cwd: new URL("../", import.meta.url),
        env: { DENORT_BIN: denort! },
      }).output();
      assert.ok(compiled.success, new TextDecoder().decode(compiled.stderr));
      const child = new Deno.Command(output, {
        args: ["--urls", "http://127.0.0.1:0"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream())
        .getReader();
      let text = "";
      while (!text.includes("Content root path:")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
      const address = /Now listening on: (\S+)/.exec(text)?.[1];
      assert.ok(address, text);
      assert.match(await (await fetch(address)).text(), /Roost is running/);
      child.kill("SIGTERM");
      reader.releaseLock();
      await child.stdout.cancel();
      assert.equal((await child.status).code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
