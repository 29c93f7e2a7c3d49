import { describeValue } from '@kitty/errors';
import { EventsError } from './errors.js';
import { assertArray } from './_assert.js';
import { LANES, type Lane } from './lanes.js';
import type { StatusEvent } from './schemas/status.js';

/** The state of one work package in a status snapshot. */
export interface WorkPackageState {
  readonly lane: Lane;
  readonly actor: string;
  readonly last_transition_at: string;
  readonly last_event_id: string;
  readonly force_count: number;
}

/** The materialised `status.json` of a feature (same keys as the spec-kitty 2.0 CLI). */
export interface StatusSnapshot {
  readonly feature_slug: string | null;
  readonly event_count: number;
  readonly last_event_id: string | null;
  readonly materialized_at: string;
  readonly summary: Readonly<Record<Lane, number>>;
  readonly work_packages: Readonly<Record<string, WorkPackageState>>;
}

const isRollback = (e: StatusEvent): boolean =>
  e.from_lane === 'for_review' && e.to_lane === 'in_progress' && typeof e.review_ref === 'string' && e.review_ref.trim() !== '';

/**
 * Orders status events the way the reducer applies them: by `at` (as an instant), then rollbacks after
 * forward moves at the same instant (a review rollback wins a tie), then by event id. Duplicates (same
 * event_id) are dropped, the first occurrence wins.
 */
export function orderStatusEvents(events: readonly StatusEvent[]): StatusEvent[] {
  assertArray(events, 'orderStatusEvents', 'status events');
  const seen = new Set<string>();
  const unique = events.filter((e) => (seen.has(e.event_id) ? false : (seen.add(e.event_id), true)));
  return unique
    .map((e) => ({ e, t: Date.parse(e.at), r: isRollback(e) ? 1 : 0 }))
    .sort((a, b) => a.t - b.t || a.r - b.r || (a.e.event_id < b.e.event_id ? -1 : a.e.event_id > b.e.event_id ? 1 : 0))
    .map((x) => x.e);
}

/**
 * Reduces a feature's status log to its snapshot: the last event per work package gives its lane, actor and
 * time; `force_count` counts forced moves; `summary` counts work packages per lane (all 7 lanes present).
 * Deterministic for a given input set, whatever the input order.
 */
export function reduceStatusEvents(
  events: readonly StatusEvent[],
  options: { readonly featureSlug?: string | null; readonly materializedAt: string },
): StatusSnapshot {
  if (!Array.isArray(events)) {
    throw new EventsError('INVALID_ARGUMENT', `reduceStatusEvents needs an array of status events; got ${describeValue(events)}.`);
  }
  const ordered = orderStatusEvents(events);
  const wps: Record<string, WorkPackageState> = {};
  for (const e of ordered) {
    const prev = wps[e.wp_id];
    wps[e.wp_id] = {
      lane: e.to_lane,
      actor: e.actor,
      last_transition_at: e.at,
      last_event_id: e.event_id,
      force_count: (prev?.force_count ?? 0) + (e.force ? 1 : 0),
    };
  }
  const summary = Object.fromEntries(LANES.map((l) => [l, 0])) as Record<Lane, number>;
  for (const s of Object.values(wps)) summary[s.lane] += 1;
  const sortedWps = Object.fromEntries(
    Object.keys(wps)
      .sort()
      .map((k) => [k, wps[k] as WorkPackageState]),
  );
  return {
    feature_slug: options.featureSlug ?? ordered[0]?.feature_slug ?? null,
    event_count: ordered.length,
    last_event_id: ordered.at(-1)?.event_id ?? null,
    materialized_at: options.materializedAt,
    summary,
    work_packages: sortedWps,
  };
}

/** The current lane of one work package according to a status log, or null when it has no events. */
export function currentLane(events: readonly StatusEvent[], wpId: string): Lane | null {
  assertArray(events, 'currentLane', 'status events');
  const mine = orderStatusEvents(events.filter((e) => e.wp_id === wpId));
  return mine.at(-1)?.to_lane ?? null;
}
