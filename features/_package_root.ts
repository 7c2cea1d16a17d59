// Roost's package root, as a URL ending in "/": where its sources and its
// bundle (bundle/) lie, on disk, on JSR or at a raw URL. This module sits
// one folder below the root, as every file of the bundle does
// (tools/bundle.ts checks that the bundle keeps every use of import.meta
// there), so "../" is the root whether Roost runs from its sources or from
// its bundle.

/** Roost's package root. */
export const PACKAGE_ROOT: string = new URL("../", import.meta.url).href;
