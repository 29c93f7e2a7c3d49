// Reconciliation from the status logs (DESIGN §5): every lane change is a status event with an event_id in the
// committed `kitty-specs/<feature>/status.events.jsonl`. This module reads the logs incrementally and hands every
// status event the sync queue has not seen (by event_id) to a store, as the envelope the emitter builds. It never
// knows about SQLite or HTTP: the store is a port (the CLI implements it over `@kitty/queue`).
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import {
  CURSOR_TAIL_BYTES,
  MAX_ENVELOPE_BYTES,
  normalizeEventId,
  repairStatusLine,
  type EventDraft,
  type EventFactory,
  type StatusEvent,
  type StatusLogCursor,
} from '@kitty/events';
import { statusDrafts } from '../project/feature-context.js';
import { listFeatures } from '../project/features.js';
import type { GitPort } from '../git/git-port.js';
import { projectEventContext, type GitStateHint } from '../project/identity.js';
import type { ProjectEventContext } from '../ports.js';
import { statusLogPath } from './status-log.js';

export { CURSOR_TAIL_BYTES, type StatusLogCursor } from '@kitty/events';

/** Where reconciliation of a project starts and what the store remembers of it. */
export interface StatusSyncProjectState {
  /** Status events at or after this time (ISO 8601) are queued; null: the whole history. */
  readonly startAt: string | null;
  readonly backfill: boolean;
}

/** The sync side of reconciliation (implemented over the queue by the CLI). */
export interface StatusSyncStore {
  /** The project's start point (null when never reconciled into this store) and its log cursors. */
  state(root: string): Promise<{ readonly project: StatusSyncProjectState | null; readonly cursors: readonly StatusLogCursor[] }>;
  /** Which of these event ids were already queued (delivered ones included). */
  seen(ids: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Atomically: registers the project (first time only), queues the drafts not seen yet, remembers their ids and
   * `settled` ids, and stores the cursors.
   */
  commit(input: {
    readonly project: {
      readonly root: string;
      readonly projectUuid: string | null;
      readonly startAt: string | null;
      readonly backfill: boolean;
    };
    readonly drafts: readonly EventDraft[];
    readonly settled: readonly string[];
    readonly cursors: readonly StatusLogCursor[];
  }): Promise<{ readonly queued: number; readonly alreadySeen: number }>;
}

/** Options of {@link reconcileStatusLogs}. */
export interface ReconcileOptions {
  /** The project root (main checkout). */
  readonly root: string;
  readonly store: StatusSyncStore;
  /** The sync side's event factory for the project's context (the one the emitter uses). */
  readonly factory: (ctx: ProjectEventContext) => EventFactory;
  readonly git: GitPort;
  /** Git facts the caller knows (the branch and commit it just made), for the envelopes' context. */
  readonly known?: GitStateHint;
  /** The envelopes' project context when the caller already has it (a command that just emitted events). */
  readonly context?: ProjectEventContext;
  /** Where a project this store has never seen starts: events at or after this time. */
  readonly startAt: Date;
  /** Queue the whole history of a project the store has never seen (opt-in backfill). */
  readonly backfill: boolean;
}

/** What a reconciliation did. */
export interface ReconcileResult {
  /** Status events newly queued. */
  readonly queued: number;
  /** Status events found in the logs that were already queued or delivered. */
  readonly alreadySeen: number;
  /** Status events before the project's start point (not queued: backfill is off). */
  readonly beforeStart: number;
  /** Logs that had new bytes and were read. */
  readonly logsRead: number;
  /** Events whose free text was shortened to fit the envelope size limit (see {@link fitEnvelope}). */
  readonly truncated: number;
  /** Whether the project was registered now (its start point recorded). */
  readonly registered: boolean;
  readonly startAt: string | null;
  /** Notes for stderr (lines that cannot be sent, truncations). */
  readonly notes: readonly string[];
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, end - start));
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return got === buf.length ? buf : buf.subarray(0, got);
}

/** New complete lines of one log since its cursor, and the cursor after them. */
interface LogDelta {
  readonly events: StatusEvent[];
  readonly cursor: StatusLogCursor;
  readonly badLines: number;
  readonly read: boolean;
}

/**
 * Reads the complete lines of `file` after `cursor` (all of it when the cursor is missing or the bytes before it
 * changed: a rewritten or switched-branch log). A torn last line (no line break yet) is left for the next run.
 */
export function readLogDelta(file: string, cursor: StatusLogCursor | undefined): LogDelta | null {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null; // gone since it was listed
  }
  try {
    const st = fstatSync(fd);
    const size = Number(st.size);
    const mtimeMs = Math.round(Number(st.mtimeMs));
    if (cursor !== undefined && cursor.size === size && cursor.mtimeMs === mtimeMs && cursor.offset <= size) {
      return { events: [], cursor, badLines: 0, read: false };
    }
    let start = 0;
    if (cursor !== undefined && cursor.offset <= size) {
      const from = Math.max(0, cursor.offset - CURSOR_TAIL_BYTES);
      if (sha256(readRange(fd, from, cursor.offset)) === cursor.tailHash) start = cursor.offset;
    }
    const bytes = readRange(fd, start, size);
    const lastNl = bytes.lastIndexOf(0x0a);
    const complete = lastNl < 0 ? 0 : lastNl + 1;
    const offset = start + complete;
    const events: StatusEvent[] = [];
    let badLines = 0;
    for (const raw of bytes.subarray(0, complete).toString('utf8').split('\n')) {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') continue;
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        badLines += 1;
        continue;
      }
      // Read as every other reader does: lines an older build wrote are understood (see repairStatusLine).
      const r = repairStatusLine(json);
      if (r.ok) events.push(r.value.event);
      else badLines += 1;
    }
    const tailFrom = Math.max(0, offset - CURSOR_TAIL_BYTES);
    const tail = tailFrom >= start ? bytes.subarray(tailFrom - start, complete) : readRange(fd, tailFrom, offset);
    return { events, cursor: { path: file, offset, tailHash: sha256(tail), size, mtimeMs }, badLines, read: true };
  } finally {
    closeSync(fd);
  }
}

const TRUNCATED_FIELDS = ['reason', 'actor', 'review_ref'] as const;
const MIN_KEPT_CHARS = 256;

/**
 * The truncation rule for status envelopes over {@link MAX_ENVELOPE_BYTES} (ADR 0012): the longest of the payload's
 * free-text fields `reason`, `actor`, `review_ref` is cut (repeatedly, longest first) to what fits, and ends with
 * `… [truncated by spec-kitty: kept N of M characters; the full text is in status.events.jsonl]`. The committed log
 * keeps the full text; only the copy sent to the server is shortened. Returns null when it cannot fit.
 */
export function fitEnvelope(draft: EventDraft): { readonly draft: EventDraft; readonly truncated: boolean } | null {
  const size = (d: unknown): number => Buffer.byteLength(JSON.stringify(d), 'utf8') + 32; // + `"lamport_clock":N`
  if (size(draft) <= MAX_ENVELOPE_BYTES) return { draft, truncated: false };
  const payload = { ...(draft as { payload?: Record<string, unknown> }).payload } as Record<string, unknown>;
  let current: EventDraft = { ...draft, payload };
  for (let round = 0; round < TRUNCATED_FIELDS.length * 2; round++) {
    const excess = size(current) - MAX_ENVELOPE_BYTES;
    if (excess <= 0) return { draft: current, truncated: true };
    const field = [...TRUNCATED_FIELDS]
      .filter((f) => typeof payload[f] === 'string')
      .sort((a, b) => Buffer.byteLength(payload[b] as string) - Buffer.byteLength(payload[a] as string))[0];
    if (field === undefined) return null;
    const text = payload[field] as string;
    const chars = [...text];
    // Bytes per character of this text, to turn the byte excess into characters (at least one char per byte of excess / 4).
    const ratio = Math.max(1, Buffer.byteLength(text) / Math.max(1, chars.length));
    const keep = Math.max(MIN_KEPT_CHARS, chars.length - Math.ceil((excess + 200) / ratio));
    if (keep >= chars.length) return null;
    payload[field] =
      `${chars.slice(0, keep).join('')}… [truncated by spec-kitty: kept ${keep} of ${chars.length} characters; the full text is in status.events.jsonl]`;
    current = { ...draft, payload };
  }
  return size(current) <= MAX_ENVELOPE_BYTES ? { draft: current, truncated: true } : null;
}

/** The envelope a status event has in the sync queue: the emitter's builder, with the log's event id and time. */
export function statusEnvelope(
  f: EventFactory,
  e: StatusEvent,
  notes: string[],
): { readonly draft: EventDraft; readonly truncated: boolean } | null {
  const built = statusDrafts(f, [e], notes)[0];
  if (built === undefined) return null;
  let eventId: string;
  try {
    eventId = normalizeEventId(e.event_id);
  } catch {
    notes.push(
      `sync: status event ${JSON.stringify(e.event_id)} (${e.wp_id} ${e.from_lane} -> ${e.to_lane}) has an id the sync contract cannot carry; it is not sent.`,
    );
    return null;
  }
  const at = Date.parse(e.at);
  const draft: EventDraft = { ...built, event_id: eventId, ...(Number.isFinite(at) ? { timestamp: new Date(at).toISOString() } : {}) };
  const fitted = fitEnvelope(draft);
  if (fitted === null)
    notes.push(
      `sync: status event ${eventId} (${e.wp_id}) is larger than ${MAX_ENVELOPE_BYTES} bytes even after truncation; it is not sent.`,
    );
  return fitted;
}

/**
 * Queues every status event of the project's logs that the store has not seen, reading only what was appended
 * since the last run. A project the store does not know starts at `startAt` (or its whole history with `backfill`);
 * the start point is recorded with the first commit. Errors of the store propagate (the caller turns them into a
 * note); nothing is marked as read unless it was committed together with the events.
 */
export async function reconcileStatusLogs(options: ReconcileOptions): Promise<ReconcileResult> {
  const { root, store } = options;
  const state = await store.state(root);
  const registered = state.project === null;
  const startAt = state.project !== null ? state.project.startAt : options.backfill ? null : options.startAt.toISOString();
  const backfill = state.project?.backfill ?? options.backfill;
  const cursors = new Map(state.cursors.map((c) => [c.path, c]));
  const notes: string[] = [];
  const startMs = startAt === null ? Number.NEGATIVE_INFINITY : Date.parse(startAt);
  const changed: StatusLogCursor[] = [];
  const candidates: StatusEvent[] = [];
  let beforeStart = 0;
  let logsRead = 0;
  for (const feature of listFeatures(root)) {
    const file = statusLogPath(feature);
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    const delta = readLogDelta(file, cursors.get(file));
    if (delta === null || !delta.read) continue;
    logsRead += 1;
    changed.push(delta.cursor);
    if (delta.badLines > 0)
      notes.push(
        `sync: ${delta.badLines} line(s) of ${file} are not valid status events and were not sent (spec-kitty agent status validate lists them).`,
      );
    for (const e of delta.events) {
      const t = Date.parse(e.at);
      if (Number.isFinite(t) && t < startMs) beforeStart += 1;
      else candidates.push(e);
    }
  }
  const base = { beforeStart, logsRead, registered, startAt };
  if (changed.length === 0 && !registered) return { queued: 0, alreadySeen: 0, truncated: 0, notes, ...base };

  const ids = candidates.map((e) => {
    try {
      return normalizeEventId(e.event_id);
    } catch {
      return e.event_id;
    }
  });
  const seen = candidates.length === 0 ? new Set<string>() : await store.seen(ids);
  const fresh = candidates.filter((_, i) => !seen.has(ids[i] as string));
  const drafts: EventDraft[] = [];
  const settled: string[] = [];
  let truncated = 0;
  if (fresh.length > 0) {
    const ctx = options.context ?? (await projectEventContext(root, options.git, options.known ?? {}));
    if (ctx === null) {
      notes.push(
        `sync: ${fresh.length} lane change(s) are not queued yet: .kittify/config.yaml has no project identity (run spec-kitty init --here to add it).`,
      );
      return { queued: 0, alreadySeen: candidates.length - fresh.length, truncated: 0, notes, ...base };
    }
    const f = options.factory(ctx);
    for (const e of fresh) {
      const env = statusEnvelope(f, e, notes);
      if (env === null) settled.push(e.event_id);
      else {
        drafts.push(env.draft);
        if (env.truncated) {
          truncated += 1;
          notes.push(
            `sync: the reason/actor text of ${e.wp_id} ${e.from_lane} -> ${e.to_lane} (${e.event_id}) is over the ${MAX_ENVELOPE_BYTES}-byte event limit; the synced copy is truncated, the status log keeps the full text.`,
          );
        }
      }
    }
  }
  const projectUuid = drafts.length > 0 ? String((drafts[0] as { project_uuid?: unknown }).project_uuid ?? '') || null : null;
  const r = await store.commit({ project: { root, projectUuid, startAt, backfill }, drafts, settled, cursors: changed });
  return { queued: r.queued, alreadySeen: candidates.length - fresh.length + r.alreadySeen, truncated, notes, ...base };
}

/** The part of the sync queue (`@kitty/queue`'s `Queue`) that reconciliation uses. */
export interface StatusSyncQueue {
  statusSyncState(root: string): Promise<{ readonly project: StatusSyncProjectState | null; readonly cursors: readonly StatusLogCursor[] }>;
  seenEventIds(ids: readonly string[]): Promise<ReadonlySet<string>>;
  enqueueStatusEvents(input: Parameters<StatusSyncStore['commit']>[0]): Promise<{ readonly queued: number; readonly alreadySeen: number }>;
}

/** Options of {@link reconcileStatusInto}. */
export interface ReconcileIntoOptions {
  /** The directory the command runs in (any directory of the project, a worktree included). */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The sync side's event factory (team, lane model, node id, the command's correlation id). */
  readonly factory: (ctx: ProjectEventContext) => EventFactory;
  /** Where a project the queue has never seen starts (default: now, i.e. the caller's start). */
  readonly startAt: Date;
  /** Queue the whole history of a project the queue has never seen. */
  readonly backfill: boolean;
  readonly git?: GitPort;
  readonly context?: ProjectEventContext;
}

/**
 * The one call for `sync now`, background delivery and the CLI's events port: finds the project around `cwd`
 * (none: null) and reconciles its status logs into an open sync queue. Errors of the queue propagate.
 *
 * @example
 * const queue = await openScopedQueue({ … });
 * const r = await reconcileStatusInto(queue, { cwd, env, factory: emitter.createFactory, startAt: now(), backfill: false });
 */
export async function reconcileStatusInto(queue: StatusSyncQueue, options: ReconcileIntoOptions): Promise<ReconcileResult | null> {
  const { createGitPort } = await import('../git/git-adapter.js');
  const { openProject } = await import('../project/project.js');
  const git = options.git ?? createGitPort({ env: options.env });
  let root: string;
  try {
    root = (await openProject({ cwd: options.cwd, git, env: options.env })).root;
  } catch {
    return null; // not in a project: nothing to reconcile
  }
  return reconcileStatusLogs({
    root,
    git,
    startAt: options.startAt,
    backfill: options.backfill,
    factory: options.factory,
    ...(options.context === undefined ? {} : { context: options.context }),
    store: {
      state: (r) => queue.statusSyncState(r),
      seen: (ids) => queue.seenEventIds(ids),
      commit: (input) => queue.enqueueStatusEvents(input),
    },
  });
}
