// Bookkeeping of status-log reconciliation (DESIGN §5): which status events were already queued (by event_id,
// kept after delivery), how far each project's status logs were read, and where each project's reconciliation
// starts. The workflow library reads the logs and builds the envelopes; the queue only remembers.
import type { Kysely } from 'kysely';
import { describeValue } from '@kitty/errors';
import { normalizeEventId, type StatusLogCursor } from '@kitty/events';
import { invalidArgument } from './errors.js';
import type { QueueDb } from './schema.js';

export { CURSOR_TAIL_BYTES, type StatusLogCursor } from '@kitty/events';

/** A project whose status logs are reconciled into this queue. */
export interface StatusSyncProject {
  /** Absolute path of the project root (the main checkout). */
  readonly root: string;
  readonly projectUuid: string | null;
  /** Status events at or after this time (ISO 8601) are queued; null: the whole history (backfill). */
  readonly startAt: string | null;
  readonly backfill: boolean;
  readonly registeredAt: Date;
}

/** What the queue remembers about one project. */
export interface StatusSyncState {
  /** Null until the project is first reconciled into this queue. */
  readonly project: StatusSyncProject | null;
  readonly cursors: readonly StatusLogCursor[];
}

/** Input of `queue.enqueueStatusEvents`. */
export interface StatusSyncCommit {
  /** The project; registered with this start point if the queue does not know it yet (an existing start point is kept). */
  readonly project: {
    readonly root: string;
    readonly projectUuid: string | null;
    readonly startAt: string | null;
    readonly backfill: boolean;
  };
  /** Envelopes (without `lamport_clock`) of status events; those already seen by event_id are skipped. */
  readonly drafts: readonly { readonly event_id: string; readonly event_type: string; readonly [key: string]: unknown }[];
  /** Event ids that are settled without being queued (e.g. events that cannot be sent); remembered as seen. */
  readonly settled?: readonly string[];
  /** The new read positions, stored in the same transaction as the events. */
  readonly cursors: readonly StatusLogCursor[];
}

/** What `queue.enqueueStatusEvents` did. */
export interface StatusSyncCommitResult {
  /** Events stored in the outbox now. */
  readonly queued: number;
  /** Events skipped because their event_id was already queued or delivered. */
  readonly alreadySeen: number;
}

const ID_CHUNK = 500;

/** Checks and normalises a commit's cursors and project. */
export function checkStatusSyncCommit(input: StatusSyncCommit): StatusSyncCommit {
  if (input === null || typeof input !== 'object')
    throw invalidArgument(`enqueueStatusEvents needs { project, drafts, cursors }; got ${describeValue(input)}.`);
  const p = input.project;
  if (p === null || typeof p !== 'object' || typeof p.root !== 'string' || p.root === '') {
    throw invalidArgument(`enqueueStatusEvents needs project.root (an absolute path); got ${describeValue(p)}.`);
  }
  if (p.startAt !== null && (typeof p.startAt !== 'string' || !Number.isFinite(Date.parse(p.startAt)))) {
    throw invalidArgument(`project.startAt must be an ISO 8601 time or null; got ${describeValue(p.startAt)}.`);
  }
  if (!Array.isArray(input.drafts) || !Array.isArray(input.cursors))
    throw invalidArgument('enqueueStatusEvents needs drafts and cursors arrays.');
  for (const c of input.cursors) {
    if (
      c === null ||
      typeof c !== 'object' ||
      typeof c.path !== 'string' ||
      !Number.isSafeInteger(c.offset) ||
      c.offset < 0 ||
      typeof c.tailHash !== 'string'
    ) {
      throw invalidArgument(`a cursor must be { path, offset, tailHash, size, mtimeMs }; got ${describeValue(c)}.`);
    }
  }
  return input;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The ids among `ids` that this queue has already queued from a status log or still holds. */
export async function seenIds(db: Kysely<QueueDb>, ids: readonly string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
    for (const r of await db.selectFrom('status_sync_seen').select('event_id').where('event_id', 'in', chunk).execute())
      seen.add(r.event_id);
    for (const r of await db.selectFrom('outbox').select('event_id').where('event_id', 'in', chunk).execute()) seen.add(r.event_id);
  }
  return seen;
}

/** Normalises event ids the way the outbox stores them (invalid ids are kept as given: they match nothing). */
export function normalizeIds(ids: readonly string[]): string[] {
  return ids.map((id) => {
    try {
      return normalizeEventId(id);
    } catch {
      return String(id);
    }
  });
}

/** Records ids as seen, registers the project (first time only) and stores the cursors, inside the caller's transaction. */
export async function recordStatusSync(db: Kysely<QueueDb>, input: StatusSyncCommit, ids: readonly string[], nowMs: number): Promise<void> {
  for (const chunk of chunks([...new Set(ids)], ID_CHUNK)) {
    await db
      .insertInto('status_sync_seen')
      .values(chunk.map((event_id) => ({ event_id, seen_at: nowMs })))
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }
  const p = input.project;
  await db
    .insertInto('status_sync_projects')
    .values({ root: p.root, project_uuid: p.projectUuid, start_at: p.startAt, backfill: p.backfill ? 1 : 0, created_at: nowMs })
    .onConflict((oc) => oc.column('root').doNothing())
    .execute();
  for (const c of input.cursors) {
    const row = { root: p.root, offset: c.offset, tail_hash: c.tailHash, size: c.size, mtime_ms: Math.round(c.mtimeMs), updated_at: nowMs };
    await db
      .insertInto('status_sync_logs')
      .values({ path: c.path, ...row })
      .onConflict((oc) => oc.column('path').doUpdateSet(row))
      .execute();
  }
}

const projectOf = (r: {
  root: string;
  project_uuid: string | null;
  start_at: string | null;
  backfill: number;
  created_at: number;
}): StatusSyncProject => ({
  root: r.root,
  projectUuid: r.project_uuid,
  startAt: r.start_at,
  backfill: r.backfill === 1,
  registeredAt: new Date(r.created_at),
});

/** The project and cursors of one root. */
export async function readStatusSyncState(db: Kysely<QueueDb>, root: string): Promise<StatusSyncState> {
  const p = await db.selectFrom('status_sync_projects').selectAll().where('root', '=', root).executeTakeFirst();
  const logs = await db.selectFrom('status_sync_logs').selectAll().where('root', '=', root).execute();
  return {
    project: p === undefined ? null : projectOf(p),
    cursors: logs.map((l) => ({ path: l.path, offset: l.offset, tailHash: l.tail_hash, size: l.size, mtimeMs: l.mtime_ms })),
  };
}

/** Every project reconciled into this queue. */
export async function readStatusSyncProjects(db: Kysely<QueueDb>): Promise<StatusSyncProject[]> {
  return (await db.selectFrom('status_sync_projects').selectAll().orderBy('created_at').execute()).map(projectOf);
}
