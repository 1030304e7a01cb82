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
 * SIGINT or SIGTERM so long-running commands can leave the overlay cleanly. A second signal exits at once.
 */
export function processIo(): CliIo {
  const controller = new AbortController();
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143);
    signalled = true;
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
