// How run() words a failed start: the error's message and the app's own line
// that caused it, without Roost's frames (Deno's dump of an uncaught
// rejection would bury it under them).

// Roost's own modules: frames in them say nothing about the app's mistake.
const ROOST_MODULES = ["features/", "server/", "hosting/", "mod.ts", "main.ts"]
  .map((path) => new URL(`../${path}`, import.meta.url).href);

/**
 * A start failure's message, and the first frame of its stack outside Roost
 * and Deno (the app's line that caused it), when there is one.
 */
export function describeStartFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? "").split("\n").map((line) => line.trim())
    .find((line) =>
      line.startsWith("at ") && !line.includes("ext:") &&
      !line.includes("node:") &&
      !ROOST_MODULES.some((module) => line.includes(module))
    );
  return frame === undefined ? error.message : `${error.message}\n    ${frame}`;
}
