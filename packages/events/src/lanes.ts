import { describeValue } from '@kitty/errors';
import { EventsError } from './errors.js';

/** The seven canonical lanes of a work package, in board order. */
export const LANES = ['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled'] as const;

/** A canonical lane. */
export type Lane = (typeof LANES)[number];

/** Lanes a work package never leaves without `force`. */
export const TERMINAL_LANES: readonly Lane[] = Object.freeze(['done', 'canceled']);

/** Accepted spellings that resolve to a canonical lane (after trimming and lower-casing). */
export const LANE_ALIASES: Readonly<Record<string, Lane>> = Object.freeze({ doing: 'in_progress' });

const LANE_SET: ReadonlySet<string> = new Set(LANES);

/** True when `value` is exactly a canonical lane name (no alias, no trimming). */
export function isLane(value: unknown): value is Lane {
  return typeof value === 'string' && LANE_SET.has(value);
}

/** True for `done` and `canceled`. */
export function isTerminalLane(lane: Lane): boolean {
  return TERMINAL_LANES.includes(lane);
}

/**
 * Resolves user or file input to a canonical lane: trims, lower-cases and applies aliases (`doing` →
 * `in_progress`). Throws `UNKNOWN_LANE` naming the value and the allowed set.
 *
 * @example resolveLane(' Doing ') // => 'in_progress'
 */
export function resolveLane(input: unknown): Lane {
  if (typeof input === 'string') {
    const key = input.trim().toLowerCase();
    if (LANE_SET.has(key)) return key as Lane;
    const alias = LANE_ALIASES[key];
    if (alias !== undefined) return alias;
  }
  throw new EventsError(
    'UNKNOWN_LANE',
    `Unknown lane ${describeValue(input)}: expected one of ${LANES.join(', ')} (or the alias "doing").`,
    {
      suggestions: [`Use one of: ${LANES.join(', ')}.`],
      details: { received: input ?? null, allowed: [...LANES], aliases: { ...LANE_ALIASES } },
    },
  );
}

/** The four lanes of the SaaS board and of CLI-side 4-lane displays. */
export const SYNC_LANES_4 = ['planned', 'doing', 'for_review', 'done'] as const;

/** A lane of the 4-lane SaaS board. */
export type SyncLane4 = (typeof SYNC_LANES_4)[number];

/**
 * The sprint plan's 7 → 4 collapse (seed FR-013), used for sync payloads in the `4-lane` model.
 * Differs from the events library's `CANONICAL_TO_SYNC_V1` for `claimed` (→ doing, not planned) and
 * `canceled` (→ done, not planned); see docs/contracts/lane-mapping.md.
 */
export const LANE_COLLAPSE_7_TO_4: Readonly<Record<Lane, SyncLane4>> = Object.freeze({
  planned: 'planned',
  claimed: 'doing',
  in_progress: 'doing',
  for_review: 'for_review',
  done: 'done',
  blocked: 'doing',
  canceled: 'done',
});

/**
 * The events library's own mapping (spec-kitty-events `CANONICAL_TO_SYNC_V1`), kept for comparison and for
 * consumers that follow the library. kitty's sync uses {@link LANE_COLLAPSE_7_TO_4}.
 */
export const CANONICAL_TO_SYNC_V1: Readonly<Record<Lane, SyncLane4>> = Object.freeze({
  planned: 'planned',
  claimed: 'planned',
  in_progress: 'doing',
  for_review: 'for_review',
  done: 'done',
  blocked: 'doing',
  canceled: 'planned',
});

/**
 * Collapses a canonical lane (strictly one of the 7, no alias) to the 4-lane SaaS vocabulary (seed FR-013).
 * Unknown input throws `UNKNOWN_LANE` naming the value and the allowed set.
 *
 * @example collapseLaneTo4('claimed') // => 'doing'
 */
export function collapseLaneTo4(lane: string): SyncLane4 {
  if (!isLane(lane)) {
    throw new EventsError(
      'UNKNOWN_LANE',
      `Cannot collapse lane ${describeValue(lane)} to the 4-lane model: it is not a canonical lane (expected one of ${LANES.join(', ')}).`,
      {
        suggestions: ['Resolve aliases first with resolveLane(); only the 7 canonical lanes can be collapsed.'],
        details: { received: lane, allowed: [...LANES] },
      },
    );
  }
  return LANE_COLLAPSE_7_TO_4[lane];
}

/** How lanes are written into sync payloads. */
export const SYNC_LANE_MODELS = ['4-lane', '7-lane'] as const;

/** `4-lane` (default, today's SaaS contract) or `7-lane` (full fidelity). */
export type SyncLaneModel = (typeof SYNC_LANE_MODELS)[number];

/** The default sync lane model. */
export const DEFAULT_SYNC_LANE_MODEL: SyncLaneModel = '4-lane';

/** Validates a lane-model setting; throws `UNKNOWN_SYNC_LANE_MODEL` for anything else. */
export function parseSyncLaneModel(value: unknown): SyncLaneModel {
  if (value === '4-lane' || value === '7-lane') return value;
  throw new EventsError(
    'UNKNOWN_SYNC_LANE_MODEL',
    `Unknown sync lane model ${describeValue(value)}: expected "4-lane" (default) or "7-lane".`,
    {
      suggestions: ['Set the sync lane model to "4-lane" or "7-lane".'],
      details: { received: value ?? null, allowed: [...SYNC_LANE_MODELS] },
    },
  );
}

/** The lane value a sync payload carries for `lane` (aliases resolved) under `model`. */
export function syncLaneFor(lane: string, model: SyncLaneModel = DEFAULT_SYNC_LANE_MODEL): SyncLane4 | Lane {
  const checked = parseSyncLaneModel(model);
  const canonical = resolveLane(lane);
  return checked === '4-lane' ? LANE_COLLAPSE_7_TO_4[canonical] : canonical;
}
