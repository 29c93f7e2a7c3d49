import { getEventListeners } from 'node:events';

/**
 * SIGINT/SIGTERM handling of every spec-kitty command (ADR 0014). The first signal aborts the command's
 * AbortSignal, which the CLI hands to the library (`WorkflowEnv.signal`). A library that is writing listens on it
 * (a transaction in progress): the process then waits while it rolls back (or finishes a commit already running)
 * and the command ends with INTERRUPTED (exit 130) and a message saying the repository is unchanged. When nothing
 * listens, nothing is being written, and the process exits 130 at once, as the signal would have.
 */
let controller: AbortController | undefined;
let installed = false;

/** The AbortSignal of the running command (aborted on SIGINT/SIGTERM once the handlers are installed). */
export function commandSignal(): AbortSignal {
  controller ??= new AbortController();
  return controller.signal;
}

/** Whether the command was interrupted. */
export function wasInterrupted(): boolean {
  return controller?.signal.aborted === true;
}

/** Installs the handlers (once per process). */
export function installInterruptHandlers(): void {
  if (installed) return;
  installed = true;
  const onSignal = (sig: NodeJS.Signals): void => {
    const c = (controller ??= new AbortController());
    if (c.signal.aborted) {
      process.stderr.write(`${sig} again: still putting back what this command wrote; it stops in a moment.\n`);
      return;
    }
    c.abort(sig);
    if (getEventListeners(c.signal, 'abort').length === 0) {
      process.stderr.write(
        `Interrupted (${sig}). No spec-kitty change was being written: the repository is as the last completed command left it.\n`,
      );
      process.exit(130);
    }
    process.stderr.write(`Interrupted (${sig}): undoing what this command wrote (a commit already running is allowed to finish)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
