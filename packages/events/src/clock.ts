import { createHash } from 'node:crypto';
import { describeValue, typeName } from '@kitty/errors';
import { EventsError } from './errors.js';

/** The largest Lamport value we accept (fits a signed 64-bit integer and a JS safe integer). */
export const MAX_LAMPORT = Number.MAX_SAFE_INTEGER;

function checkValue(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new EventsError(
      'INVALID_CLOCK_VALUE',
      `${what} must be a non-negative integer; got ${describeValue(value)} (${typeName(value)}).`,
      {
        details: { received: value ?? null },
      },
    );
  }
  return value;
}

/** The next value after a local event: `current + 1`. */
export function lamportTick(current: number): number {
  const c = checkValue(current, 'Lamport clock value');
  if (c >= MAX_LAMPORT) throw new EventsError('INVALID_CLOCK_VALUE', `Lamport clock value ${c} cannot be incremented further.`);
  return c + 1;
}

/** The next value after seeing a remote event: `max(current, remote) + 1`. */
export function lamportReceive(current: number, remote: number): number {
  const c = checkValue(current, 'Lamport clock value');
  const r = checkValue(remote, 'Remote Lamport clock value');
  return lamportTick(Math.max(c, r));
}

/**
 * Where a Lamport clock keeps its value. Implementations must make `update` atomic with respect to other
 * processes (the queue keeps it in SQLite and ticks inside the enqueue transaction).
 */
export interface ClockStore {
  /** The current value (0 when never saved). */
  read(): number | Promise<number>;
  /** Atomically replaces the value with `fn(current)` and returns the new value. */
  update(fn: (current: number) => number): number | Promise<number>;
}

/** A Lamport clock over a {@link ClockStore}. */
export class LamportClock {
  readonly #store: ClockStore;

  constructor(store: ClockStore) {
    if (store === null || typeof store !== 'object' || typeof store.read !== 'function' || typeof store.update !== 'function') {
      throw new EventsError('INVALID_ARGUMENT', `LamportClock needs a ClockStore with read() and update(); got ${describeValue(store)}.`);
    }
    this.#store = store;
  }

  /** The current value, without incrementing. */
  async current(): Promise<number> {
    return checkValue(await this.#wrap(() => this.#store.read()), 'Stored Lamport clock value');
  }

  /** Ticks for a local event and returns the new value. */
  async tick(): Promise<number> {
    return this.#wrap(() => this.#store.update(lamportTick));
  }

  /** Advances past a remote event's value and returns the new value. */
  async receive(remote: number): Promise<number> {
    checkValue(remote, 'Remote Lamport clock value');
    return this.#wrap(() => this.#store.update((c) => lamportReceive(c, remote)));
  }

  async #wrap<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof EventsError) throw e;
      throw new EventsError('CLOCK_STORAGE_FAILED', `The Lamport clock store failed: ${e instanceof Error ? e.message : String(e)}.`, {
        cause: e,
        suggestions: ['Check that ~/.spec-kitty is writable and the queue database is healthy (spec-kitty sync status).'],
      });
    }
  }
}

/** A clock store in memory, for tests and one-shot tools. */
export function memoryClockStore(initial = 0): ClockStore {
  let value = checkValue(initial, 'Initial Lamport clock value');
  return {
    read: () => value,
    update: (fn) => {
      value = checkValue(fn(value), 'New Lamport clock value');
      return value;
    },
  };
}

/**
 * The node id of a machine user: the first 12 hex characters of SHA-256 of `"<hostname>:<username>"`
 * (identical to the spec-kitty 2.0 CLI, so both tools sign events the same way).
 *
 * @example deriveNodeId('laptop', 'ada') // => 12 lower-case hex chars
 */
export function deriveNodeId(hostname: string, username: string): string {
  if (typeof hostname !== 'string' || typeof username !== 'string') {
    throw new EventsError(
      'INVALID_ARGUMENT',
      `deriveNodeId needs hostname and username strings; got ${typeName(hostname)} and ${typeName(username)}.`,
    );
  }
  return createHash('sha256').update(`${hostname}:${username}`, 'utf8').digest('hex').slice(0, 12);
}
