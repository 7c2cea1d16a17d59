// Roost loaded twice in one process: its bundle and its TypeScript sources,
// or two URLs of it. The copies share no classes, so what one makes is
// foreign to the other (an HttpError thrown with one is a plain error to a
// host of the other, which answers 500), and type checks cannot see it, as
// both copies have the same types. The second copy to load says so, once.

import { PACKAGE_ROOT } from "./_package_root.ts";

const COPIES = Symbol.for("roost.copies");

const where = import.meta.url.startsWith(`${PACKAGE_ROOT}bundle/`)
  ? `${PACKAGE_ROOT}bundle/ (the bundle)`
  : `${PACKAGE_ROOT} (the TypeScript sources)`;

const registry = globalThis as { [COPIES]?: string[] };
const copies = registry[COPIES] ??= [];
copies.push(where);
if (copies.length === 2) {
  console.warn(
    `Roost is loaded twice in this process, from ${copies[0]} and from ${
      copies[1]
    }. The copies share no classes: an HttpError, a feature key or a service type from one is not the other's (an HttpError thrown with one answers 500 under a host of the other). Import Roost from one place: jsr:@roost/hosting, or one URL of bundle/mod.js (or of mod.ts, not both).`,
  );
}
