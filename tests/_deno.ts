// Runs the deno under test as a subprocess, for tests of what a user runs
// (URL imports, the bundle, a module with only some permissions). Imports
// nothing of Roost, so a test of the bundle alone stays that.

/** What a subprocess left: its exit code and its output, decoded. */
export interface DenoOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `deno` with `args` in `cwd`, without colours and with no stdin,
 * killed after `timeoutMs`.
 */
export async function runDeno(
  args: string[],
  options: { cwd?: string | URL; timeoutMs?: number } = {},
): Promise<DenoOutput> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    stdin: "null",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
