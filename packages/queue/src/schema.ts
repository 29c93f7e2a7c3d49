import type { Generated } from 'kysely';

/** Row status: `pending` waits to be sent; `dead` exceeded the retry cap (kept, listable, re-queueable). */
export type RowStatus = 'pending' | 'dead';

/** The outbox: one row per queued event (DESIGN 3.4 columns plus lamport and lease columns). */
export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  event_type: string;
  /** The full envelope as JSON, exactly as it will be sent. */
  data: string;
  lamport_clock: number;
  /** Epoch milliseconds. */
  created_at: number;
  status: RowStatus;
  retry_count: number;
  /** Epoch milliseconds; the event is not handed out before this time. */
  next_attempt_at: number;
  last_error: string | null;
  last_category: string | null;
  last_attempt_at: number | null;
  claim_id: string | null;
  lease_until: number | null;
  dead_at: number | null;
}

/** What a caller knows of an event it queues; `newOutboxRow` fills in the rest. */
export type NewOutboxFields = Pick<OutboxTable, 'event_id' | 'event_type' | 'data' | 'lamport_clock' | 'created_at' | 'next_attempt_at'>;

/** A fresh pending outbox row: never tried, unclaimed, not dead. */
export function newOutboxRow(fields: NewOutboxFields): Omit<OutboxTable, 'id'> {
  return {
    ...fields,
    status: 'pending',
    retry_count: 0,
    last_error: null,
    last_category: null,
    last_attempt_at: null,
    claim_id: null,
    lease_until: null,
    dead_at: null,
  };
}

/** Pending/dead counters kept exact by triggers, so the capacity check is O(1). */
export interface CountsTable {
  status: RowStatus;
  n: number;
}

/** The Lamport clock: a single row (id = 1). */
export interface ClockTable {
  id: number;
  value: number;
}

/** Key/value facts about this file: scope, clock high-water mark, shared sync state. */
export interface MetaTable {
  key: string;
  value: string;
}

/** Outstanding claims (leases) handed out by claimBatch. */
export interface ClaimsTable {
  claim_id: string;
  owner: string;
  claimed_at: number;
  lease_until: number;
  event_count: number;
  /** Process id and host of the claimer (null for claims made before they were recorded). */
  pid: number | null;
  host: string | null;
}

/** Status event ids queued from a project's status log (kept after delivery, so they are never queued twice). */
export interface StatusSyncSeenTable {
  event_id: string;
  seen_at: number;
}

/** How far one status log has been read. */
export interface StatusSyncLogsTable {
  path: string;
  root: string;
  offset: number;
  tail_hash: string;
  size: number;
  mtime_ms: number;
  updated_at: number;
}

/** A project reconciled into this queue. */
export interface StatusSyncProjectsTable {
  root: string;
  project_uuid: string | null;
  start_at: string | null;
  backfill: number;
  created_at: number;
}

/** The database as kysely sees it. */
export interface QueueDb {
  outbox: OutboxTable;
  outbox_counts: CountsTable;
  lamport_clock: ClockTable;
  outbox_meta: MetaTable;
  outbox_claims: ClaimsTable;
  status_sync_seen: StatusSyncSeenTable;
  status_sync_logs: StatusSyncLogsTable;
  status_sync_projects: StatusSyncProjectsTable;
}

/** Keys used in `outbox_meta`. */
export const META = {
  scopeServer: 'scope_server_url',
  scopeUser: 'scope_username',
  createdAt: 'created_at',
  lamportHighWater: 'lamport_high_water',
  notBefore: 'sync_not_before',
  lastSuccessAt: 'sync_last_success_at',
  transientFailures: 'sync_consecutive_transient_failures',
  lastTransientError: 'sync_last_transient_error',
} as const;

/** `PRAGMA application_id` of every kitty queue file ("KITQ"). */
export const KITTY_APPLICATION_ID = 0x4b495451;
