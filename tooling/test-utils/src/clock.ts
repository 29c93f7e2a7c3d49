/** A controllable clock for code that takes `now: () => Date`. */
export interface FixedClock {
  now(): Date;
  nowMs(): number;
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  set(iso: string): void;
}

/** Creates a clock frozen at `iso` (default 2026-01-01T00:00:00Z) that only moves when told to. */
export function fixedClock(iso = '2026-01-01T00:00:00.000Z'): FixedClock {
  let ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`fixedClock: not an ISO timestamp: ${iso}`);
  return {
    now: () => new Date(ms),
    nowMs: () => ms,
    advance: (delta) => {
      ms += delta;
    },
    set: (next) => {
      ms = Date.parse(next);
    },
  };
}
