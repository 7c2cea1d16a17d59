/**
 * Core pinning for the benchmark: the server on core 0 and the load
 * generator on core 1 when `taskset` exists and the machine has two cores or
 * more, so neither steals the other's CPU and ratios stay comparable.
 *
 * @module
 */

function canPin(): boolean {
  if (navigator.hardwareConcurrency < 2) return false;
  try {
    return new Deno.Command("taskset", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether processes are pinned to cores in this run. */
export const PINNED: boolean = canPin();

/** The core the server runs on, and the one the load generator runs on. */
export const SERVER_CORE = 0;
/** The core wrk and h2load run on. */
export const LOAD_CORE = 1;

/**
 * The command line that runs `command` on `core`, or unchanged when pinning
 * is not possible. `taskset` execs the command, so its pid is the command's.
 *
 * @param core The CPU to run on.
 * @param command The program.
 * @param args Its arguments.
 */
export function pinned(
  core: number,
  command: string,
  args: string[],
): [string, string[]] {
  return PINNED
    ? ["taskset", ["-c", String(core), command, ...args]]
    : [command, args];
}
