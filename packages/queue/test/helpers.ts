import Database from 'better-sqlite3';
import { fixedClock, tempDir, type FixedClock } from '@kitty/test-utils';
import { openQueue, type OpenQueueOptions, type Queue, type QueueWarning } from '../src/index.js';

/** A deterministic 26-char ULID-shaped id for event `n`. */
export function eid(n: number): string {
  return `01J${String(n).padStart(23, '0')}`;
}

/** A minimal envelope draft for event `n`. */
export function draft(n: number, eventType = 'WPStatusChanged', extra: Record<string, unknown> = {}) {
  return { event_id: eid(n), event_type: eventType, aggregate_id: 'WP01', payload: { n }, ...extra };
}

/** A test queue: temp home, fixed clock, collected warnings. */
export interface TestQueue {
  readonly home: string;
  readonly clock: FixedClock;
  readonly warnings: QueueWarning[];
  readonly queue: Queue;
}

/** Opens a queue in a fresh (or given) temp home. */
export async function openTest(options: Partial<OpenQueueOptions> & { clock?: FixedClock } = {}): Promise<TestQueue> {
  const home = options.homeDir ?? tempDir({}, 'kitty-queue-');
  const clock = options.clock ?? fixedClock('2026-03-01T12:00:00.000Z');
  const warnings: QueueWarning[] = [];
  const queue = await openQueue({
    busyTimeoutMs: 2000,
    ...options,
    homeDir: home,
    now: options.now ?? clock.now,
    onWarning: (w) => {
      warnings.push(w);
      options.onWarning?.(w);
    },
  });
  return { home, clock, warnings, queue };
}

/** A direct better-sqlite3 connection for setting up faults and checking rows. */
export function rawDb(file: string, options: Database.Options = {}): Database.Database {
  return new Database(file, { timeout: 2000, ...options });
}
