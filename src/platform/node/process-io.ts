/** Where a command reads and writes; tests pass a capturing one. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTty: boolean;
  /** Aborts when the user asks the command to stop (SIGINT/SIGTERM); long-running commands await it. */
  readonly stopSignal: AbortSignal;
}

/**
 * The real process as a CliIo: stdout/stderr, the environment, and an AbortSignal that fires on the first
 * SIGINT or SIGTERM so long-running commands can leave the overlay cleanly. A second signal, a second or
 * more later, exits at once.
 */
/** Signals this close to the first are the same request delivered twice. */
const DUPLICATE_SIGNAL_MS = 1_000;

export function processIo(): CliIo {
  const controller = new AbortController();
  let firstAt: number | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    const now = Date.now();
    if (firstAt !== undefined) {
      // One request can arrive twice: sent to the whole process group and forwarded by a parent as well
      // (`timeout` does both). Only a second one a moment later means "now".
      if (now - firstAt < DUPLICATE_SIGNAL_MS) return;
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    firstAt = now;
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    env: process.env,
    isTty: process.stdout.isTTY === true,
    stopSignal: controller.signal,
  };
}
