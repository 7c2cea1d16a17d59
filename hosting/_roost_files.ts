// Where Roost's own code lives, so its stack frames can be told from the
// app's, whether it runs from its TypeScript sources or from its bundle.

import { PACKAGE_ROOT as ROOT } from "../features/_package_root.ts";

// A stack names a file as Deno decoded its URL ("my app/", not "my%20app/"):
// each prefix is kept in both forms.
function bothForms(prefixes: string[]): readonly string[] {
  const decoded = prefixes.map((prefix) => {
    try {
      return decodeURI(prefix);
    } catch {
      return prefix;
    }
  });
  return [...new Set([...prefixes, ...decoded])];
}

/** URL prefixes of Roost's folders: its sources and its bundle. */
export const ROOST_FOLDERS: readonly string[] = bothForms(
  ["features/", "server/", "hosting/", "bundle/"].map((folder) =>
    ROOT + folder
  ),
);

/** The folders and the two entry files at the package root. */
export const ROOST_FILES: readonly string[] = bothForms(
  ["features/", "server/", "hosting/", "bundle/", "mod.ts", "main.ts"].map(
    (path) => ROOT + path,
  ),
);
