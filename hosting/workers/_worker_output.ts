// A worker's stdout and stderr, relayed line by line to the supervisor's:
// a JSON log line gains "workerId", any other line a "[worker N] " prefix,
// and the worker's control lines (see CONTROL_PREFIX) go to the supervisor
// instead of the output.

/**
 * Starts a line a worker writes to tell its supervisor something; the rest
 * of the line is JSON. The record separator (U+001E) cannot begin a log
 * line Roost writes.
 */
export const CONTROL_PREFIX = "\u001eroost-worker ";

/** A control message from a worker. */
export interface WorkerMessage {
  /** `ready`: the worker is listening (and healthy, when it has checks). */
  readonly event: "ready";
  /** The addresses it listens on. */
  readonly addresses: readonly string[];
}

// A line longer than this is passed on in pieces rather than held.
const MAX_HELD = 1 << 20;

/** Writes all of `text` to a synchronous sink such as `Deno.stdout`. */
export function writeAll(
  to: { writeSync(bytes: Uint8Array): number },
  text: string,
): void {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += to.writeSync(bytes.subarray(written));
  }
}

/** Labels one line of a worker's output with its id. */
export function labelLine(line: string, workerId: number): string {
  if (line.startsWith('{"') && line.endsWith("}")) {
    return `{"workerId":${workerId},${line.slice(1)}`;
  }
  return `[worker ${workerId}] ${line}`;
}

function parseMessage(text: string): WorkerMessage | undefined {
  try {
    const message = JSON.parse(text);
    if (message?.event === "ready" && Array.isArray(message.addresses)) {
      return message as WorkerMessage;
    }
  } catch {
    // Not a message after all: dropped, as it is no log line either.
  }
  return undefined;
}

/**
 * Copies `stream` to `to` line by line, labelled, until it ends; each
 * control line goes to `onMessage` instead.
 */
export async function relayOutput(
  stream: ReadableStream<Uint8Array>,
  to: { writeSync(bytes: Uint8Array): number },
  workerId: number,
  onMessage: (message: WorkerMessage) => void,
  signal?: AbortSignal,
): Promise<void> {
  let held = "";
  const flush = (lines: string[]) => {
    const out: string[] = [];
    for (const line of lines) {
      if (line.startsWith(CONTROL_PREFIX)) {
        const message = parseMessage(line.slice(CONTROL_PREFIX.length));
        if (message !== undefined) onMessage(message);
      } else out.push(labelLine(line, workerId));
    }
    if (out.length > 0) writeAll(to, out.join("\n") + "\n");
  };
  try {
    for await (
      const chunk of stream.pipeThrough(new TextDecoderStream(), { signal })
    ) {
      const lines = (held + chunk).split("\n");
      held = lines.pop()!;
      if (held.length > MAX_HELD) {
        lines.push(held);
        held = "";
      }
      flush(lines);
    }
  } catch {
    // The pipe broke with the worker: what was read is passed on below.
  }
  if (held !== "") flush([held]);
}
