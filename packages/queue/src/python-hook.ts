// The one place the queue calls into the Python-queue adoption when it opens a file (kept apart from queue.ts).
import { errorMessage } from './errors.js';
import type { Config } from './open.js';
import { adoptPythonQueue } from './python-import.js';
import type { SqliteHandle } from './sqlite-adapter.js';

/**
 * Adopts the Python spec-kitty queue into the queue being opened. A failure (Python's file locked or damaged)
 * never stops the queue from opening: it is reported as a warning and retried on the next open.
 */
export async function adoptPythonOnOpen(handle: SqliteHandle, config: Config): Promise<void> {
  const warn = (code: 'QUEUE_PYTHON_ADOPTED' | 'QUEUE_PYTHON_ADOPTION_FAILED', message: string, details: Record<string, unknown>): void => {
    try {
      config.onWarning({ code, message, details: { path: config.path, ...details } });
    } catch {
      // A failing warning sink must not fail the open.
    }
  };
  try {
    const r = await adoptPythonQueue(handle, {
      homeDir: config.homeDir,
      nowMs: config.now().getTime(),
      busyTimeoutMs: config.busyTimeoutMs,
    });
    if (r === null || (r.adopted === 0 && r.unreadable.length === 0)) return;
    const extra = r.unreadable.length > 0 ? ` ${r.unreadable.length} row(s) could not be read and were left in ${r.source}.` : '';
    warn(
      'QUEUE_PYTHON_ADOPTED',
      `Adopted ${r.adopted} pending event(s) queued by the Python spec-kitty (${r.source}); kitty sends them with its own. Python's rows are kept, marked adopted.${extra}`,
      { source: r.source, adopted: r.adopted, unreadable: r.unreadable, incomplete: r.incomplete },
    );
  } catch (e) {
    warn(
      'QUEUE_PYTHON_ADOPTION_FAILED',
      `The Python spec-kitty queue could not be adopted yet (${errorMessage(e)}); kitty tries again next time.`,
      {},
    );
  }
}
