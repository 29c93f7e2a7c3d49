/**
 * An event as handed to the queue: the full envelope minus `lamport_clock`, which the queue assigns from the
 * clock it ticks in the same transaction. The queue checks only what it needs (`event_id`, `event_type`, JSON);
 * the envelope schema belongs to `@kitty/events`.
 */
export interface EventDraft {
  readonly event_id: string;
  readonly event_type: string;
  readonly [key: string]: unknown;
}

/**
 * The envelope as stored: the draft (as JSON round-trips it) with its normalised `event_id` and the assigned
 * `lamport_clock`. A draft that already carries `lamport_clock` is refused.
 */
export type QueuedEnvelope<D extends EventDraft = EventDraft> = D & { readonly lamport_clock: number };

/** A server/account pair; each one gets its own queue file (DESIGN 3.4). */
export interface QueueScope {
  readonly serverUrl: string;
  readonly username: string;
}

/** What to do when an enqueue would take the pending count past `capacity`. */
export type CapacityPolicy =
  /** Move the oldest pending events to `dead` (category `capacity`) to make room; they stay listable and re-queueable. */
  | 'dead-letter-oldest'
  /** Refuse the new events with `QUEUE_FULL`; nothing already queued is touched. */
  | 'reject';

/** Codes of the warnings the queue reports through `onWarning` (they never throw). */
export type QueueWarningCode =
  | 'QUEUE_NEARLY_FULL'
  | 'QUEUE_CAPACITY_DEAD_LETTERED'
  | 'QUEUE_CORRUPT_QUARANTINED'
  | 'QUEUE_CLOCK_RECOVERED'
  | 'QUEUE_ROW_UNREADABLE'
  | 'QUEUE_PYTHON_ADOPTED'
  | 'QUEUE_PYTHON_ADOPTION_FAILED';

/** A problem the queue handled on its own but the user must hear about (the CLI prints `message` on stderr). */
export interface QueueWarning {
  readonly code: QueueWarningCode;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Options of {@link openQueue}. */
export interface OpenQueueOptions {
  /** The user's home directory; the queue lives under `<homeDir>/.spec-kitty/`. */
  readonly homeDir: string;
  /** Server URL and account once logged in; omitted or null means the logged-out queue `queue.db`. */
  readonly scope?: QueueScope | null;
  /** The wall clock (used for created_at, backoff, leases, ages). */
  readonly now: () => Date;
  /** How long to wait for another process's write lock before failing with `QUEUE_LOCKED` (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Maximum number of pending events (default 100,000); see `capacityPolicy`. */
  readonly capacity?: number;
  /** What happens at the cap (default `dead-letter-oldest`). */
  readonly capacityPolicy?: CapacityPolicy;
  /** Rejections an event may collect before it moves to `dead` (default 10). */
  readonly retryCap?: number;
  /** Delay before retrying an event rejected `retryCount` times (default 1 min doubling, at most 6 h). */
  readonly backoff?: (retryCount: number) => number;
  /** Receives warnings (nearly full, dead-lettered at the cap, quarantined file, recovered clock). */
  readonly onWarning?: (warning: QueueWarning) => void;
  /** Upper bound for the database file in bytes (default: none); past it writes fail with `QUEUE_DISK_FULL`. */
  readonly maxDatabaseBytes?: number;
  /** This machine's host name, recorded on claims (default: none, and claims of gone processes wait out their lease). */
  readonly host?: string;
  /** Whether a pid is alive on this host (default: `process.kill(pid, 0)`). */
  readonly isProcessAlive?: (pid: number) => boolean;
}

/** One event handed out by {@link Queue.claimBatch}. */
export interface ClaimedEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly lamportClock: number;
  readonly createdAt: Date;
  readonly retryCount: number;
  readonly lastError: string | null;
  readonly lastCategory: string | null;
  /** The stored envelope, exactly as it will be sent. */
  readonly envelope: QueuedEnvelope;
}

/** Options of {@link Queue.claimBatch}. */
export interface ClaimOptions {
  /** Most events to hand out (default 1000, at most 10,000). */
  readonly limit?: number;
  /** How long the claim holds its events before another process may take them (default 120,000 ms). */
  readonly leaseMs?: number;
  /** Who holds the claim (shown in diagnostics), e.g. `sync-now:1234`. */
  readonly owner?: string;
  /**
   * The claiming process (its pid, and the host given to {@link openQueue}): recorded on the claim so that, once
   * this process is gone, the next claimer on the same host releases its events at once instead of after the lease.
   */
  readonly pid?: number;
}

/** The result of {@link Queue.claimBatch}; `claimId` is null when nothing was due. */
export interface ClaimedBatch {
  readonly claimId: string | null;
  readonly owner: string;
  readonly leaseUntil: Date | null;
  /** FIFO (created_at, id) order. */
  readonly events: readonly ClaimedEvent[];
  /** Set when a shared Retry-After (see {@link Queue.releaseClaim}) is still running: nothing is handed out. */
  readonly notBefore: Date | null;
  /**
   * Events released before this claim because the process holding them is gone (same host, pid not alive): e.g.
   * "released N events claimed by a run that was killed".
   */
  readonly releasedStale: number;
}

/** The server's verdict on one event of a claimed batch. */
export interface EventOutcome {
  readonly eventId: string;
  readonly status: 'success' | 'duplicate' | 'rejected';
  /** The server's message (kept as `last_error`, at most 2000 characters). */
  readonly error?: string;
  /** Failure category, e.g. `schema_mismatch` (kept as `last_category`; default `unknown`). */
  readonly category?: string;
  /** A rejection that retrying cannot fix (e.g. too large): move to `dead` at once. */
  readonly permanent?: boolean;
}

/** What {@link Queue.applyResults} did. */
export interface ApplySummary {
  /** Removed after `success`. */
  readonly synced: number;
  /** Removed after `duplicate`. */
  readonly duplicates: number;
  /** Rejected and kept pending with a retry count bump and backoff. */
  readonly rejected: number;
  /** Rejected and moved to `dead` (retry cap reached or permanent). */
  readonly deadLettered: number;
  /** Claimed events the results did not mention: released untouched (no retry bump). */
  readonly released: number;
  /** Outcomes that matched no event held by this claim (unknown id, already gone, or re-claimed after expiry). */
  readonly ignored: ReadonlyArray<{ readonly eventId: string; readonly reason: 'unknown' | 'not-held' | 'invalid-id' }>;
  /** True when the lease had run out before the results arrived. */
  readonly leaseExpired: boolean;
}

/** Options of {@link Queue.releaseClaim} (transient failure: offline, 5xx, 429, timeout). */
export interface ReleaseOptions {
  /** Count the release as a transient delivery failure in the stats (default true); false for a plain hand-back. */
  readonly transient?: boolean;
  /** What went wrong, for `sync status`. */
  readonly error?: string;
  /** Retry-After: no process hands out events before this time (kept in the database). */
  readonly notBefore?: Date;
}

/** Queue health in one call (DESIGN 3.4). */
export interface QueueStats {
  readonly path: string;
  readonly scope: QueueScope | null;
  /** Pending events. */
  readonly depth: number;
  readonly dead: number;
  /** Pending events currently held by an unexpired claim. */
  readonly inFlight: number;
  /**
   * Projects whose status logs are reconciled into this queue (at most 20, oldest first): where each starts and
   * whether its earlier history was backfilled (ADR 0012).
   */
  readonly reconciledProjects: ReadonlyArray<{ readonly root: string; readonly startAt: string | null; readonly backfill: boolean }>;
  /** Of `inFlight`: events held by a claim whose process is gone (same host); the next claim releases them. */
  readonly leasedByGoneProcess: number;
  /** Pending events waiting for their backoff to end (not leased). */
  readonly backingOff: number;
  readonly oldestCreatedAt: Date | null;
  readonly oldestAgeMs: number | null;
  /** Pending events by retry count. */
  readonly retryHistogram: { readonly '0': number; readonly '1-3': number; readonly '4+': number };
  /** Pending event types, most frequent first (at most 5). */
  readonly topEventTypes: ReadonlyArray<{ readonly eventType: string; readonly count: number }>;
  /** Failure categories of pending and dead events, most frequent first (at most 5). */
  readonly topFailureCategories: ReadonlyArray<{ readonly category: string; readonly count: number }>;
  readonly capacity: number;
  /** depth / capacity, 0..1+. */
  readonly capacityUsed: number;
  /** Main file plus `-wal`. */
  readonly databaseBytes: number;
  readonly lamportClock: number;
  readonly lastSuccessAt: Date | null;
  readonly notBefore: Date | null;
  readonly consecutiveTransientFailures: number;
  readonly lastTransientError: string | null;
  /** Events this file adopted from the Python spec-kitty queue (cumulative, sent or not). */
  readonly adoptedFromPython: number;
}

/** One dead-lettered event. */
export interface DeadEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly createdAt: Date;
  readonly deadAt: Date | null;
  readonly retryCount: number;
  readonly lastError: string | null;
  readonly lastCategory: string | null;
  readonly envelope: QueuedEnvelope | null;
}

/** One pending event as {@link Queue.listPending} reports it (read-only: nothing is claimed). */
export interface PendingEvent {
  readonly eventId: string;
  readonly eventType: string;
  readonly createdAt: Date;
  readonly retryCount: number;
  /** When the event is due (its backoff ends). */
  readonly nextAttemptAt: Date;
  readonly lastError: string | null;
  readonly lastCategory: string | null;
  /** The stored envelope, or null when the stored JSON cannot be read. */
  readonly envelope: QueuedEnvelope | null;
}

/** The result of {@link Queue.requeueDead}. */
export interface RequeueSummary {
  readonly requeued: number;
  /** Ids that are not dead events of this queue. */
  readonly notFound: readonly string[];
}

/** What happened when a corrupt file was found at open or during an operation. */
export interface RecoveryReport {
  readonly reason: string;
  /** Where the old files went (`queue.corrupt-<timestamp>.db` and its `-wal`/`-shm` when present). */
  readonly quarantined: readonly string[];
  /** Events copied from the damaged file into the fresh queue. */
  readonly salvaged: number;
  readonly lamportClock: number;
  readonly message: string;
}

/** One queue file in a home directory, as {@link listScopes} reports it. */
export interface ScopeInfo {
  readonly path: string;
  /** null for the logged-out `queue.db`. */
  readonly scope: QueueScope | null;
  readonly pending: number | null;
  readonly dead: number | null;
  readonly bytes: number;
  /** Set when the file could not be read (corrupt, locked…); opening it with {@link openQueue} repairs it. */
  readonly error: string | null;
  /** Set for `queue.db` when it holds the Python spec-kitty queue table: its rows not yet adopted by kitty. */
  readonly pythonWaiting?: number;
}
