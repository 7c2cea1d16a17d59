// How a supervisor starts a worker: this very process's command line again
// (the same Deno, flags, module and arguments), with --unstable-net added
// where Deno needs it for reusePort.

/** A program and its arguments. */
export interface WorkerCommand {
  /** The executable: Deno, or a `deno compile` binary. */
  readonly execPath: string;
  /** Everything after it. */
  readonly args: readonly string[];
}

const PERMISSIONS: readonly Deno.PermissionName[] = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "ffi",
  "sys",
];

/**
 * This process's own command line. On Linux it is read from
 * `/proc/self/cmdline`, exactly as typed (permission flags, `--config`,
 * the module, the app's arguments); elsewhere it is rebuilt from the
 * module, the arguments and the permissions granted in full.
 */
export function ownCommand(): WorkerCommand {
  if (Deno.build.os === "linux") {
    try {
      const raw = Deno.readTextFileSync("/proc/self/cmdline");
      const argv = raw.split("\0");
      if (argv.at(-1) === "") argv.pop();
      if (argv.length > 0) {
        return { execPath: Deno.execPath(), args: argv.slice(1) };
      }
    } catch {
      // No /proc (or no read permission for it): rebuild it below.
    }
  }
  const granted = PERMISSIONS.filter((name) => {
    try {
      return Deno.permissions.querySync({ name } as Deno.PermissionDescriptor)
        .state === "granted";
    } catch {
      return false;
    }
  });
  const flags = granted.length === PERMISSIONS.length
    ? ["--allow-all"]
    : granted.map((name) => `--allow-${name}`);
  return {
    execPath: Deno.execPath(),
    args: ["run", ...flags, Deno.mainModule, ...Deno.args],
  };
}

/**
 * The command with `--unstable-net` (which `reusePort` needs) added after
 * `deno run` when it is missing. A `deno compile` binary takes no Deno
 * flags: it must have been compiled with `--unstable-net`, and a worker
 * says so when it binds.
 */
export function withUnstableNet(command: WorkerCommand): WorkerCommand {
  const args = [...command.args];
  const hasFlag = args.some((arg) =>
    arg === "--unstable-net" || arg === "--unstable"
  );
  const at = flagIndex(command.execPath, args);
  if (at !== -1 && !hasFlag) args.splice(at, 0, "--unstable-net");
  return { execPath: command.execPath, args };
}

// Where Deno's own flags go: after `run` (which Deno's global flags, such
// as -q or --log-level, may precede), or first in Deno 2's short form
// (`deno -A main.ts`, `deno main.ts`). A compiled binary's arguments are
// the app's: its flags were fixed by `deno compile`.
function flagIndex(execPath: string, args: readonly string[]): number {
  const standalone = (Deno.build as { standalone?: boolean }).standalone;
  const name = execPath.slice(
    Math.max(execPath.lastIndexOf("/"), execPath.lastIndexOf("\\")) + 1,
  );
  if (args[0] === "run") return 1;
  if (standalone === true || !/^deno(\.exe)?$/i.test(name)) return -1;
  let i = 0;
  while (i < args.length && args[i].startsWith("-")) {
    // The two global flags that take their value as the next argument.
    i += args[i] === "--log-level" || args[i] === "-L" ? 2 : 1;
  }
  if (args[i] === "run") return i + 1;
  // Another subcommand (serve, task, eval…) is not ours to change.
  return i < args.length && /\.[cm]?[jt]sx?$/.test(args[i]) ? 0 : -1;
}
