// The config folder's own path functions answer as node:path's POSIX ones.

import assert from "node:assert/strict";
import { posix } from "node:path";
import { basename, dirname, resolve } from "../../../hosting/config/_path.ts";

Deno.test(
  "resolve, dirname and basename answer as node:path's",
  { ignore: Deno.build.os === "windows" },
  () => {
    const cases: string[][] = [
      ["/a/b"],
      ["/a/b/"],
      ["/"],
      ["//a//b/./c/.."],
      ["/a", "b", "../c"],
      ["/a", "/b", "c"],
      ["a/b"],
      ["."],
      [""],
      [],
      ["/x", ""],
      ["/../.."],
      ["/a/b", "./c/./d/", "..", "e"],
      ["/with space/ünïcode", "#hash?query"],
    ];
    for (const paths of cases) {
      assert.equal(resolve(...paths), posix.resolve(...paths), `${paths}`);
      const resolved = resolve(...paths);
      assert.equal(dirname(resolved), posix.dirname(resolved), resolved);
      assert.equal(basename(resolved), posix.basename(resolved), resolved);
    }
    for (const path of ["/a/b/", "b", "/a//", "/"]) {
      assert.equal(basename(path), posix.basename(path), path);
    }
  },
);
