// Adopting the Python spec-kitty 2.0.0 offline queue. Python keeps its pending events in the `queue` table of
// `~/.spec-kitty/queue.db` (no status column: every row is pending). kitty completes each envelope to its own
// contract, stores it in the outbox it is opening (keeping Python's Lamport value and enqueue time, so replay
// order is kept), and then marks the row adopted in Python's table without deleting it. See
// docs/adr/0019-python-dropin.md.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import {
  DEFAULT_SYNC_LANE_MODEL,
  KITTY_DATA_TIER,
  KITTY_SCHEMA_VERSION,
  LANE_COLLAPSE_7_TO_4,
  checkEvent,
  normalizeEventId,
  type Lane,
  type SyncLaneModel,
} from '@kitty/events';
import { errorMessage } from './errors.js';
import { DEFAULT_QUEUE_FILE, kittyDir } from './paths.js';
import { META, newOutboxRow, type QueueDb } from './schema.js';
import { openSqlite, type SqliteHandle } from './sqlite-adapter.js';

/** The column kitty adds to Python's `queue` table: epoch ms of the adoption, null while not adopted. */
export const PYTHON_ADOPTED_COLUMN = 'kitty_adopted_at';
/** `outbox_meta` key: how many events this kitty queue file adopted from Python's queue (cumulative). */
export const PYTHON_ADOPTED_META = 'python_adopted_total';
/** The marker kitty writes into `policy_metadata` of an adopted status event whose envelope it completed. */
export const ADOPTED_FROM = 'spec-kitty-python-2.0.0-queue';

/** What Python's queue holds, as seen by kitty. */
export interface PythonQueueInfo {
  /** `~/.spec-kitty/queue.db`. */
  readonly path: string;
  /** False when the file has no Python `queue` table (kitty-only or absent). */
  readonly present: boolean;
  /** Rows in Python's table. */
  readonly rows: number;
  /** Rows kitty has adopted (marked in Python's table). */
  readonly adopted: number;
  /** Rows waiting to be adopted (queued by Python after kitty's last look, or never looked at). */
  readonly waiting: number;
}

/** The outcome of one adoption pass. */
export interface PythonAdoption {
  readonly source: string;
  /** Events stored in the outbox by this pass (already-present event ids are not counted). */
  readonly adopted: number;
  /** Rows marked adopted in Python's table by this pass (adopted plus those already in the outbox). */
  readonly marked: number;
  /** Rows whose data is not a JSON object with an event id: left unmarked, reported here. */
  readonly unreadable: ReadonlyArray<{ readonly id: number; readonly reason: string }>;
  /** Adopted events that still do not meet kitty's contract (the server will reject them; they stay listable). */
  readonly incomplete: ReadonlyArray<{ readonly eventId: string; readonly problem: string }>;
}

interface PythonRow {
  id: number;
  event_id: string;
  event_type: string;
  data: string;
  timestamp: number;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const LANES_7: readonly string[] = ['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled'];

/** The lane model configured in `~/.spec-kitty/config.toml` (`[sync] lane_model`), else the default. */
export function configuredLaneModel(homeDir: string): SyncLaneModel {
  let text: string;
  try {
    text = readFileSync(path.join(kittyDir(homeDir), 'config.toml'), 'utf8');
  } catch {
    return DEFAULT_SYNC_LANE_MODEL;
  }
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*$/, '').trim();
    const head = /^\[([^\]]+)\]$/.exec(line);
    if (head) {
      section = (head[1] ?? '').trim();
      continue;
    }
    const kv = /^lane_model\s*=\s*["']([^"']*)["']$/.exec(line);
    if (section === 'sync' && kv && (kv[1] === '4-lane' || kv[1] === '7-lane')) return kv[1];
  }
  return DEFAULT_SYNC_LANE_MODEL;
}

function laneIn(model: SyncLaneModel, lane: string): string {
  return model === '4-lane' ? LANE_COLLAPSE_7_TO_4[lane as Lane] : lane;
}

/**
 * Completes a Python 2.0.0 envelope to kitty's contract: ids normalised (ULIDs upper-case), `correlation_id`
 * (the causation id when Python recorded one, else the event's own id: a root event correlates with itself),
 * `schema_version`, `data_tier`; a `WPStatusChanged` payload gets kitty's lane-model fields. A move to `done`
 * that Python queued without evidence gets evidence derived from the envelope (project, branch, HEAD, actor),
 * flagged in `policy_metadata`. Every other field, and the Lamport value, is kept as Python wrote it.
 */
export function completePythonEnvelope(data: Readonly<Record<string, unknown>>, laneModel: SyncLaneModel): Record<string, unknown> {
  const out: Record<string, unknown> = { ...data };
  out['event_id'] = normalizeEventId(data['event_id']);
  const causation =
    typeof data['causation_id'] === 'string' && data['causation_id'] !== '' ? normalizeEventId(data['causation_id'], 'causation_id') : null;
  out['causation_id'] = causation;
  out['correlation_id'] =
    typeof data['correlation_id'] === 'string' && data['correlation_id'] !== ''
      ? normalizeEventId(data['correlation_id'], 'correlation_id')
      : (causation ?? out['event_id']);
  if (typeof out['schema_version'] !== 'string') out['schema_version'] = KITTY_SCHEMA_VERSION;
  if (typeof out['data_tier'] !== 'number') out['data_tier'] = KITTY_DATA_TIER;
  for (const k of ['project_slug', 'git_branch', 'head_commit_sha', 'repo_slug', 'causation_id']) if (out[k] === undefined) out[k] = null;
  if (typeof out['head_commit_sha'] === 'string') out['head_commit_sha'] = out['head_commit_sha'].toLowerCase();
  if (typeof out['team_slug'] !== 'string' || out['team_slug'] === '') out['team_slug'] = 'local';

  const payload = isObject(data['payload']) ? { ...data['payload'] } : {};
  if (data['event_type'] === 'WPStatusChanged' && payload['lane_model'] === undefined) {
    const from = payload['from_lane'] === 'doing' ? 'in_progress' : payload['from_lane'];
    const to = payload['to_lane'] === 'doing' ? 'in_progress' : payload['to_lane'];
    const canonicalFrom = typeof from === 'string' && LANES_7.includes(from) ? from : null;
    const canonicalTo = typeof to === 'string' && LANES_7.includes(to) ? to : to;
    const wp = payload['wp_id'] ?? data['aggregate_id'];
    const actor = typeof payload['actor'] === 'string' && payload['actor'] !== '' ? payload['actor'] : 'user';
    const policy: Record<string, unknown> = isObject(payload['policy_metadata']) ? { ...payload['policy_metadata'] } : {};
    let evidence: unknown = payload['evidence'] ?? null;
    if (canonicalTo === 'done' && evidence === null) {
      evidence = {
        repos: [
          {
            repo: typeof data['repo_slug'] === 'string' ? data['repo_slug'] : String(data['project_slug'] ?? 'project'),
            branch: typeof data['git_branch'] === 'string' && data['git_branch'] !== '' ? data['git_branch'] : 'unknown',
            commit: typeof out['head_commit_sha'] === 'string' ? out['head_commit_sha'] : 'unknown',
          },
        ],
        review: { reviewer: actor, verdict: 'approved', reference: 'recorded by spec-kitty 2.0.0 without evidence' },
      };
      policy['evidence_derived'] = true;
    }
    policy['adopted_from'] = ADOPTED_FROM;
    out['payload'] = {
      feature_slug: payload['feature_slug'] ?? null,
      wp_id: wp,
      from_lane: canonicalFrom === null ? null : laneIn(laneModel, canonicalFrom),
      to_lane: typeof canonicalTo === 'string' && LANES_7.includes(canonicalTo) ? laneIn(laneModel, canonicalTo) : canonicalTo,
      actor,
      force: payload['force'] === true,
      reason: typeof payload['reason'] === 'string' ? payload['reason'] : null,
      review_ref: typeof payload['review_ref'] === 'string' ? payload['review_ref'] : null,
      evidence,
      execution_mode: payload['execution_mode'] === 'direct_repo' ? 'direct_repo' : 'worktree',
      lane_model: laneModel,
      canonical_from_lane: canonicalFrom,
      canonical_to_lane: canonicalTo,
      policy_metadata: policy,
    };
  } else {
    out['payload'] = payload;
  }
  return out;
}

async function hasPythonTable(db: Kysely<QueueDb>, schema: string): Promise<{ table: boolean; marked: boolean }> {
  const cols = await sql<{ name: string }>`select name from ${sql.raw(schema)}.pragma_table_info('queue')`.execute(db);
  const names = new Set(cols.rows.map((r) => r.name));
  const table = ['id', 'event_id', 'event_type', 'data', 'timestamp'].every((c) => names.has(c));
  return { table, marked: names.has(PYTHON_ADOPTED_COLUMN) };
}

/** `~/.spec-kitty/queue.db`: where Python 2.0.0 keeps its queue (kitty's logged-out queue shares the file). */
export function pythonQueuePath(homeDir: string): string {
  return path.join(kittyDir(homeDir), DEFAULT_QUEUE_FILE);
}

/**
 * Counts the rows of Python's queue table (read-only; never creates or changes anything). A file without
 * Python's table reads as `present: false`.
 */
export async function pythonQueueInfo(homeDir: string, options: { readonly busyTimeoutMs?: number } = {}): Promise<PythonQueueInfo> {
  const file = pythonQueuePath(homeDir);
  const none: PythonQueueInfo = { path: file, present: false, rows: 0, adopted: 0, waiting: 0 };
  if (!existsSync(file)) return none;
  let handle: SqliteHandle | undefined;
  try {
    handle = openSqlite(file, { busyTimeoutMs: options.busyTimeoutMs ?? 5000, readonly: true, fileMustExist: true });
    const t = await hasPythonTable(handle.db, 'main');
    if (!t.table) return none;
    const adoptedExpr = t.marked ? sql`coalesce(sum(${sql.ref(PYTHON_ADOPTED_COLUMN)} is not null), 0)` : sql`0`;
    const r = await sql<{ rows: number; adopted: number }>`select count(*) as rows, ${adoptedExpr} as adopted from queue`.execute(
      handle.db,
    );
    const rows = Number(r.rows[0]?.rows ?? 0);
    const adopted = Number(r.rows[0]?.adopted ?? 0);
    return { path: file, present: true, rows, adopted, waiting: rows - adopted };
  } catch {
    return none;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Adopts every not-yet-adopted row of Python's queue into the outbox of `target` (an open kitty queue, which
 * may be the same file). Idempotent: an event id already in the outbox is not stored again, and rows are
 * marked only after their events are committed to the outbox, so a crash in between re-adopts nothing twice
 * and loses nothing. Does nothing (cheaply) when there is no Python table or nothing waits.
 */
export async function adoptPythonQueue(
  target: SqliteHandle,
  options: { readonly homeDir: string; readonly nowMs: number; readonly busyTimeoutMs: number; readonly laneModel?: SyncLaneModel },
): Promise<PythonAdoption | null> {
  const source = pythonQueuePath(options.homeDir);
  if (!existsSync(source)) return null;
  const same = path.resolve(target.path) === path.resolve(source);
  // A quick read-only look first, so the common case (no Python rows waiting) never writes to Python's file.
  const info = same ? null : await pythonQueueInfo(options.homeDir, { busyTimeoutMs: options.busyTimeoutMs });
  if (info !== null && info.waiting === 0) return null;
  let pyHandle: SqliteHandle | undefined;
  try {
    pyHandle = same ? target : openSqlite(source, { busyTimeoutMs: options.busyTimeoutMs, fileMustExist: true });
    const py = pyHandle;
    const t = await hasPythonTable(py.db, 'main');
    if (!t.table) return null;
    if (!t.marked) {
      await py.immediate(async (db) => {
        const again = await hasPythonTable(db, 'main');
        if (!again.marked) await sql`alter table queue add column ${sql.ref(PYTHON_ADOPTED_COLUMN)} integer default null`.execute(db);
      });
    }
    const rows = (
      await sql<PythonRow>`select id, event_id, event_type, data, timestamp from queue where ${sql.ref(PYTHON_ADOPTED_COLUMN)} is null order by id`.execute(
        py.db,
      )
    ).rows;
    if (rows.length === 0) return null;
    const laneModel = options.laneModel ?? configuredLaneModel(options.homeDir);
    const unreadable: Array<{ id: number; reason: string }> = [];
    const incomplete: Array<{ eventId: string; problem: string }> = [];
    const ready: Array<{ row: PythonRow; eventId: string; envelope: Record<string, unknown>; lamport: number }> = [];
    for (const row of rows) {
      try {
        const parsed: unknown = JSON.parse(row.data);
        if (!isObject(parsed)) throw new TypeError('the data column is not a JSON object');
        const envelope = completePythonEnvelope({ event_id: row.event_id, event_type: row.event_type, ...parsed }, laneModel);
        const lamport =
          typeof parsed['lamport_clock'] === 'number' && Number.isSafeInteger(parsed['lamport_clock']) && parsed['lamport_clock'] >= 0
            ? parsed['lamport_clock']
            : 0;
        envelope['lamport_clock'] = lamport;
        const check = checkEvent(envelope, 'kitty');
        if (!check.ok)
          incomplete.push({
            eventId: envelope['event_id'] as string,
            problem: check.issues
              .map((i) => i.message)
              .slice(0, 3)
              .join('; '),
          });
        ready.push({ row, eventId: envelope['event_id'] as string, envelope, lamport });
      } catch (e) {
        unreadable.push({ id: row.id, reason: errorMessage(e) });
      }
    }
    let adopted = 0;
    await target.immediate(async (db) => {
      for (const r of ready) {
        const createdAt = Number.isFinite(r.row.timestamp) ? Math.round(r.row.timestamp * 1000) : options.nowMs;
        const res = await db
          .insertInto('outbox')
          .values(
            newOutboxRow({
              event_id: r.eventId,
              event_type: String(r.envelope['event_type']),
              data: JSON.stringify(r.envelope),
              lamport_clock: r.lamport,
              created_at: createdAt,
              next_attempt_at: options.nowMs,
            }),
          )
          .onConflict((oc) => oc.column('event_id').doNothing())
          .executeTakeFirst();
        adopted += Number(res.numInsertedOrUpdatedRows ?? 0n);
      }
      // The clock never falls behind an adopted event (Python's clock.json is also read when a file is created).
      const maxLamport = ready.reduce((m, r) => Math.max(m, r.lamport), 0);
      const row = await db.selectFrom('lamport_clock').select('value').where('id', '=', 1).executeTakeFirst();
      if (row !== undefined && Number(row.value) < maxLamport) {
        await db.updateTable('lamport_clock').set({ value: maxLamport }).where('id', '=', 1).execute();
        await db
          .insertInto('outbox_meta')
          .values({ key: META.lamportHighWater, value: String(maxLamport) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(maxLamport) }))
          .execute();
      }
      const prev = await db.selectFrom('outbox_meta').select('value').where('key', '=', PYTHON_ADOPTED_META).executeTakeFirst();
      const total = (Number(prev?.value ?? 0) || 0) + adopted;
      await db
        .insertInto('outbox_meta')
        .values({ key: PYTHON_ADOPTED_META, value: String(total) })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(total) }))
        .execute();
      if (same)
        await markAdopted(
          db,
          ready.map((r) => r.row.id),
          options.nowMs,
        );
    });
    if (!same)
      await py.immediate((db) =>
        markAdopted(
          db,
          ready.map((r) => r.row.id),
          options.nowMs,
        ),
      );
    return { source, adopted, marked: ready.length, unreadable, incomplete };
  } finally {
    if (pyHandle !== undefined && pyHandle !== target) await pyHandle.close().catch(() => undefined);
  }
}

async function markAdopted(db: Kysely<QueueDb>, ids: readonly number[], nowMs: number): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await sql`update queue set ${sql.ref(PYTHON_ADOPTED_COLUMN)} = ${nowMs} where id in (${sql.join(chunk)})`.execute(db);
  }
}

/** Reads how many events a kitty queue file adopted from Python (its `outbox_meta` counter). */
export async function adoptedFromPython(db: Kysely<QueueDb>): Promise<number> {
  const row = await db.selectFrom('outbox_meta').select('value').where('key', '=', PYTHON_ADOPTED_META).executeTakeFirst();
  return Number(row?.value ?? 0) || 0;
}
