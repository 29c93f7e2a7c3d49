import type { ClaimedEvent, EventOutcome, Queue, QueueWarning } from '@kitty/queue';
import { CATEGORY_ACTIONS, FAILURE_CATEGORIES, type FailureCategory } from './categorize.js';
import { createTokenProvider, type TokenProvider } from './auth.js';
import { sendBatch, type PerEventResult } from './batch.js';
import { activeScope, openScopedQueue } from './context.js';
import { SyncError, isSyncError } from './errors.js';
import { createHttpClient, type HttpClient } from './http.js';
import { writeLastSync } from './last-sync.js';
import { redact, redactDeep } from './redact.js';
import { ENABLE_SYNC_HINT, loadSyncSettings, type SyncSettings } from './settings.js';
import { decide, initialPlan, type PlanState, type Step, type StopReason } from './sync-plan.js';

/** How a sync run ended. */
export type SyncRunStatus =
  /** Sync is not enabled: nothing was sent, nothing is queued. */
  | 'disabled'
  /** Nothing was due. */
  | 'empty'
  /** Every due event reached the server and was accepted (or was a duplicate). */
  | 'ok'
  /** Some events were rejected (they stay queued with backoff, or went to dead after the retry cap). */
  | 'partial'
  /** The server's 200 did not mention some events it was sent (`missingEventIds`); they stay queued. */
  | 'incomplete'
  /** Not logged in, session expired, or the server refused the token or the account (401/403). */
  | 'auth'
  /** Offline, timeouts, 5xx, 429/503: everything not yet acknowledged is kept for later. */
  | 'offline'
  /** The server answered in a way that is not the contract (redirect, 404, malformed body), or refused every request (circuit breaker). */
  | 'error';

/** One rejected event, as `--report` writes it. */
export interface SyncFailure {
  readonly event_id: string;
  readonly event_type: string;
  readonly category: FailureCategory;
  readonly error: string;
  readonly code: string | null;
}

/** Progress after each request. */
export interface SyncProgress {
  readonly batches: number;
  readonly sent: number;
  readonly synced: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly pendingAtStart: number;
}

/** The result of one sync run. */
export interface SyncRunResult {
  readonly status: SyncRunStatus;
  readonly serverUrl: string | null;
  readonly queuePath: string | null;
  readonly username: string | null;
  readonly pendingAtStart: number;
  readonly synced: number;
  readonly duplicates: number;
  readonly failed: number;
  readonly deadLettered: number;
  readonly remaining: number;
  readonly batches: number;
  readonly requests: number;
  readonly refreshes: number;
  readonly categories: Readonly<Partial<Record<FailureCategory, number>>>;
  readonly failures: readonly SyncFailure[];
  /** Events the server was sent but did not answer for (they stay queued). */
  readonly missingEventIds: readonly string[];
  /** `Synced: N, Duplicates: N, Failed: N (schema_mismatch: X, …)`. */
  readonly summary: string;
  /** One next step per failure category present. */
  readonly actions: readonly string[];
  /** Why the run stopped early, in words (empty when it finished). */
  readonly message: string;
  /** When sending may resume (Retry-After), ISO. */
  readonly retryAt: string | null;
  /** Why the run stopped early (null when it did not). */
  readonly stopReason: StopReason | null;
  readonly warnings: readonly string[];
}

/** Options of {@link syncNow}. */
export interface SyncNowOptions {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** Pre-loaded settings (read from `homeDir`/`env` when absent). */
  readonly settings?: SyncSettings;
  /** Events per request (default and maximum 1000). */
  readonly batchSize?: number;
  /** One request, connect to last byte (default: `[sync] request_timeout_seconds`, 10 s). */
  readonly timeoutMs?: number;
  /** Attempts for a transient failure of one request (default 3) before keeping events for later. */
  readonly transientAttempts?: number;
  /** Base of the backoff between attempts (default 300 ms, full jitter). */
  readonly retryDelayMs?: number;
  /** The whole run ends by then, requests in flight included (default: `[sync] run_deadline_seconds`, 30 s). */
  readonly deadlineMs?: number;
  /** The circuit breaker: whole-batch refusals in a row that end the run (default 16). */
  readonly maxConsecutiveRefusals?: number;
  readonly onProgress?: (p: SyncProgress) => void;
  readonly trigger?: 'sync now' | 'background';
  readonly owner?: string;
  /** This process's pid and host, recorded on claims: once it is gone, the next run releases its events at once. */
  readonly pid?: number;
  readonly host?: string;
}

/** The seed's summary line. */
export function formatSummary(
  synced: number,
  duplicates: number,
  failed: number,
  categories: Partial<Record<FailureCategory, number>>,
): string {
  const parts = FAILURE_CATEGORIES.filter((c) => (categories[c] ?? 0) > 0).map((c) => `${c}: ${categories[c]}`);
  return `Synced: ${synced}, Duplicates: ${duplicates}, Failed: ${failed}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * Sends every due queued event to `POST {server}/api/v1/events/batch/` in batches of up to 1000 and applies
 * the server's per-event verdicts through the queue. What each answer means is decided by {@link decide}
 * (sync-plan.ts); this function only performs the steps. Time is bounded: each request by
 * `requestTimeoutMs` (connect to last byte), the whole run by `deadlineMs`. Never loses an event: anything
 * without a verdict stays queued, also when the run is interrupted.
 */
export async function syncNow(options: SyncNowOptions): Promise<SyncRunResult> {
  const settings = options.settings ?? loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const warnings: string[] = [...settings.warnings];
  const base = {
    serverUrl: settings.serverUrl,
    queuePath: null as string | null,
    username: null as string | null,
    pendingAtStart: 0,
    synced: 0,
    duplicates: 0,
    failed: 0,
    deadLettered: 0,
    remaining: 0,
    batches: 0,
    requests: 0,
    refreshes: 0,
    categories: {},
    failures: [] as SyncFailure[],
    missingEventIds: [] as string[],
    actions: [] as string[],
    retryAt: null,
    stopReason: null,
    warnings,
  };
  if (!settings.enabled || settings.serverUrl === null) {
    return {
      ...base,
      status: 'disabled',
      summary: formatSummary(0, 0, 0, {}),
      message: `Sync is disabled (${settings.reason}). ${ENABLE_SYNC_HINT}`,
    };
  }
  const server = settings.serverUrl;
  const scope = activeScope(options.homeDir, settings);
  const queue = await openScopedQueue({
    homeDir: options.homeDir,
    settings,
    scope,
    now: options.now,
    onWarning: (w: QueueWarning) => warnings.push(w.message),
    ...(options.host ? { host: options.host } : {}),
  });
  try {
    return await runWithQueue(queue, server, scope?.username ?? null, settings, options, base, warnings);
  } finally {
    await queue.close();
  }
}

interface RunCounts {
  synced: number;
  duplicates: number;
  failed: number;
  deadLettered: number;
  batches: number;
}

type StopStep = Extract<Step, { kind: 'stop' }>;

async function runWithQueue(
  queue: Queue,
  server: string,
  username: string | null,
  settings: SyncSettings,
  options: SyncNowOptions,
  base: Omit<SyncRunResult, 'status' | 'summary' | 'message'>,
  warnings: string[],
): Promise<SyncRunResult> {
  const startStats = await queue.stats();
  const pendingAtStart = startStats.depth;
  const counts: RunCounts = { synced: 0, duplicates: 0, failed: 0, deadLettered: 0, batches: 0 };
  const categories: Partial<Record<FailureCategory, number>> = {};
  const failures: SyncFailure[] = [];
  const missing: string[] = [];
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 1000), 1000);
  const timeoutMs = options.timeoutMs ?? settings.requestTimeoutMs;
  const deadlineMs = options.deadlineMs ?? settings.runDeadlineMs;
  const attempts = Math.max(1, options.transientAttempts ?? 3);
  // One signal ends every request, retry wait and body read of this run at its deadline.
  const deadline = AbortSignal.timeout(deadlineMs);
  const tokens: TokenProvider = createTokenProvider({
    homeDir: options.homeDir,
    serverUrl: server,
    now: options.now,
    timeoutMs,
    signal: deadline,
  });
  let client: HttpClient | null = null;

  const finish = async (
    status: SyncRunStatus,
    message: string,
    retryAt: Date | null,
    stopReason: StopReason | null = null,
  ): Promise<SyncRunResult> => {
    const end = await queue.stats();
    await queue.checkpoint().catch(() => undefined);
    const summary = formatSummary(counts.synced, counts.duplicates, counts.failed, categories);
    const actions = FAILURE_CATEGORIES.filter((c) => (categories[c] ?? 0) > 0).map(
      (c) => `${c}: ${categories[c]} -- ${CATEGORY_ACTIONS[c]}`,
    );
    const safeMessage = redact(message);
    const result: SyncRunResult = {
      ...base,
      status,
      queuePath: queue.path,
      username,
      pendingAtStart,
      ...counts,
      requests: client?.requests ?? 0,
      remaining: end.depth,
      refreshes: tokens.refreshCount,
      categories,
      failures: failures.map((f) => ({ ...f, error: redact(f.error) })),
      missingEventIds: missing,
      summary,
      actions,
      message: safeMessage,
      retryAt: retryAt?.toISOString() ?? null,
      stopReason,
      warnings: warnings.map(redact),
    };
    writeLastSync(queue.path, {
      at: options.now().toISOString(),
      status,
      synced: counts.synced,
      duplicates: counts.duplicates,
      failed: counts.failed,
      remaining: end.depth,
      message: safeMessage || summary,
      trigger: options.trigger ?? 'sync now',
    });
    return result;
  };

  if (username === null) {
    return finish(
      'auth',
      pendingAtStart > 0
        ? `Not logged in to ${server}: ${pendingAtStart} event(s) kept in the queue. Run \`spec-kitty auth login\`, then \`spec-kitty sync now\`.`
        : `Not logged in to ${server}. Run \`spec-kitty auth login\`.`,
      null,
      'auth',
    );
  }
  if (pendingAtStart === 0 && startStats.dead === 0) return finish('empty', 'Queue is empty, nothing to sync.', null);

  let token: string;
  try {
    token = await tokens.accessToken();
  } catch (e) {
    const offline = isSyncError(e) && (e.code === 'SERVER_UNREACHABLE' || e.code === 'SERVER_UNAVAILABLE');
    return finish(
      offline ? 'offline' : 'auth',
      `${(e as Error).message} ${pendingAtStart} event(s) kept for later.`,
      null,
      offline ? 'offline' : 'auth',
    );
  }
  const http = (client = createHttpClient({
    timeoutMs,
    retries: attempts - 1,
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    signal: deadline,
    bearer: {
      token: () => Promise.resolve(token),
      refresh: async (rejected) => (token = await tokens.accessToken({ rejected })),
    },
  }));
  const deadlineStop: StopStep = {
    kind: 'stop',
    status: 'offline',
    reason: 'deadline',
    message: `Stopped at the run deadline (${Math.round(deadlineMs / 1000)} s); the rest stays queued.`,
    transient: true,
    retryAfterMs: null,
  };

  let plan: PlanState = initialPlan(options.maxConsecutiveRefusals);
  let stop: StopStep | null = null;
  const attempted = new Set<string>();
  let unanswered = 0;
  const owner = options.owner ?? `sync:${process.pid}`;
  const claimNext = () =>
    queue.claimBatch({
      limit: batchSize,
      leaseMs: Math.max(120_000, deadlineMs + 60_000),
      owner,
      ...(options.pid === undefined ? {} : { pid: options.pid }),
    });
  let prefetched: ReturnType<typeof claimNext> | null = null;
  /** Hands a prefetched claim back untouched when the run stops. */
  const releasePrefetched = async (): Promise<void> => {
    if (prefetched === null) return;
    const p = prefetched;
    prefetched = null;
    const c = await p.catch(() => null);
    if (c?.claimId) await queue.releaseClaim(c.claimId, { transient: false }).catch(() => undefined);
  };

  while (stop === null) {
    if (deadline.aborted) {
      stop = deadlineStop;
      break;
    }
    // The next batch is claimed while the current one is at the server (the two processes work in parallel).
    const claim = await (prefetched ?? claimNext());
    prefetched = null;
    if (claim.releasedStale > 0)
      warnings.push(`Released ${claim.releasedStale} event(s) claimed by a sync run that was killed; they are sent now.`);
    if (claim.claimId === null) {
      if (claim.notBefore !== null) {
        stop = {
          kind: 'stop',
          status: 'offline',
          reason: 'rate_limited',
          message: `The server asked to wait; sending resumes after ${claim.notBefore.toISOString()}.`,
          transient: false,
          retryAfterMs: claim.notBefore.getTime() - options.now().getTime(),
        };
      }
      break;
    }
    // Events the server left unanswered are released and come back at once; send each at most once per run.
    const fresh = claim.events.filter((e) => !attempted.has(e.eventId));
    if (fresh.length === 0) {
      await queue.releaseClaim(claim.claimId, { transient: false });
      unanswered = claim.events.length;
      break;
    }
    for (const e of fresh) attempted.add(e.eventId);
    counts.batches += 1;
    if (claim.events.length >= batchSize) prefetched = claimNext();
    const byId = new Map(claim.events.map((e) => [e.eventId, e]));
    const outcomes = new Map<string, PerEventResult>();
    // The steps for this claim: groups to send, first first (splits and re-sends go to the front).
    const work: Array<readonly string[]> = [fresh.map((e) => e.eventId)];
    try {
      while (work.length > 0) {
        if (deadline.aborted) {
          stop = deadlineStop;
          break;
        }
        const group = work.shift() as readonly string[];
        const answer = await sendBatch(
          http,
          server,
          group.map((id) => byId.get(id)?.envelope as Record<string, unknown>),
          () => options.now().getTime(),
        );
        const next = decide(plan, group, answer, server);
        plan = next.state;
        const step = next.step;
        if (step.kind === 'stop') {
          stop = step;
          break;
        }
        if (step.kind === 'split') {
          work.unshift(...step.groups);
          continue;
        }
        for (const o of step.outcomes) outcomes.set(o.eventId, o);
        missing.push(...step.missing);
        if (step.unknown.length > 0)
          warnings.push(`The server answered for ${step.unknown.length} event id(s) that were not in the batch; ignored.`);
        work.unshift(...step.resend);
      }
    } catch (e) {
      await queue.releaseClaim(claim.claimId, { error: redact((e as Error).message) }).catch(() => undefined);
      await releasePrefetched();
      throw e;
    }
    await settle(queue, claim.claimId, outcomes, byId, stop, options.now, counts, categories, failures);
    options.onProgress?.({
      batches: counts.batches,
      sent: counts.synced + counts.duplicates + counts.failed,
      synced: counts.synced,
      duplicates: counts.duplicates,
      failed: counts.failed,
      pendingAtStart,
    });
  }
  await releasePrefetched();
  if (stop !== null) {
    const kept = (await queue.stats()).depth;
    const msg =
      stop.status === 'offline' || stop.reason === 'circuit_breaker' ? `${stop.message} ${kept} event(s) kept for later.` : stop.message;
    const retryAt = stop.retryAfterMs === null ? null : new Date(options.now().getTime() + stop.retryAfterMs);
    return finish(stop.status, msg, retryAt, stop.reason);
  }
  if (unanswered > 0 && missing.length === 0) {
    warnings.push(`${unanswered} event(s) were already sent in this run without an answer; they stay queued for the next sync.`);
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 20).join(', ');
    const more = missing.length > 20 ? ` and ${missing.length - 20} more` : '';
    const note = `The server's answer did not mention ${missing.length} event(s) it was sent; they stay queued and are sent again next run: ${shown}${more}.`;
    if (counts.failed > 0) return finish('partial', `${counts.failed} event(s) were rejected by the server. ${note}`, null);
    return finish('incomplete', note, null);
  }
  if (counts.failed > 0) return finish('partial', `${counts.failed} event(s) were rejected by the server.`, null);
  if (counts.batches === 0 && pendingAtStart > 0) {
    const s = await queue.stats();
    const why = [
      s.backingOff > 0 ? `${s.backingOff} wait for their retry time after a rejection` : '',
      s.inFlight - s.leasedByGoneProcess > 0
        ? `${s.inFlight - s.leasedByGoneProcess} are being sent by another sync run (their lease has not expired)`
        : '',
      s.leasedByGoneProcess > 0 ? `${s.leasedByGoneProcess} are held by a sync run that was killed (released by the next claim)` : '',
    ].filter((x) => x !== '');
    return finish('ok', `Nothing was due${why.length > 0 ? `: ${why.join('; ')}` : ''}.`, null);
  }
  return finish('ok', '', null);
}

/** Applies one claim's verdicts to the queue (or hands the claim back) and counts them. */
async function settle(
  queue: Queue,
  claimId: string,
  outcomes: ReadonlyMap<string, PerEventResult>,
  byId: ReadonlyMap<string, ClaimedEvent>,
  stop: StopStep | null,
  now: () => Date,
  counts: RunCounts,
  categories: Partial<Record<FailureCategory, number>>,
  failures: SyncFailure[],
): Promise<void> {
  if (outcomes.size === 0) {
    await queue.releaseClaim(claimId, {
      transient: stop?.transient ?? false,
      ...(stop ? { error: redact(stop.message) } : {}),
      ...(stop?.retryAfterMs != null ? { notBefore: new Date(now().getTime() + stop.retryAfterMs) } : {}),
    });
    return;
  }
  const list: EventOutcome[] = [...outcomes.values()].map((r) => ({
    eventId: r.eventId,
    status: r.status,
    ...(r.error === undefined ? {} : { error: redact(r.error) }),
    ...(r.category === undefined ? {} : { category: r.category }),
    ...(r.permanent ? { permanent: true } : {}),
  }));
  const applied = await queue.applyResults(claimId, list);
  counts.synced += applied.synced;
  counts.duplicates += applied.duplicates;
  counts.failed += applied.rejected + applied.deadLettered;
  counts.deadLettered += applied.deadLettered;
  for (const r of outcomes.values()) {
    if (r.status !== 'rejected') continue;
    const cat = r.category ?? 'unknown';
    categories[cat] = (categories[cat] ?? 0) + 1;
    failures.push({
      event_id: r.eventId,
      event_type: byId.get(r.eventId)?.eventType ?? 'unknown',
      category: cat,
      error: r.error ?? '',
      code: r.code ?? null,
    });
  }
}

/** Writes `--report FILE`: per-event failures with the run's summary (JSON, 2-space indent). */
export async function writeSyncReport(
  file: string,
  result: SyncRunResult,
  now: () => Date,
): Promise<{ readonly path: string; readonly failures: number }> {
  const { writeFile } = await import('node:fs/promises');
  const doc = {
    generated_at: now().toISOString(),
    server_url: result.serverUrl,
    status: result.status,
    summary: {
      total_events: result.synced + result.duplicates + result.failed,
      synced: result.synced,
      duplicates: result.duplicates,
      failed: result.failed,
      dead_lettered: result.deadLettered,
      remaining: result.remaining,
      categories: result.categories,
    },
    failures: result.failures,
    missing_event_ids: result.missingEventIds,
  };
  try {
    await writeFile(file, `${JSON.stringify(redactDeep(doc), null, 2)}\n`, { mode: 0o600 });
  } catch (e) {
    throw new SyncError('REPORT_WRITE_FAILED', `Cannot write the report to ${file}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: ['Pass a writable path to --report.'],
    });
  }
  return { path: file, failures: result.failures.length };
}
