import type { ClaimedEvent, EventOutcome, Queue, QueueWarning } from '@kitty/queue';
import { CATEGORY_ACTIONS, FAILURE_CATEGORIES, categorizeFailure, type FailureCategory } from './categorize.js';
import { createTokenProvider, type TokenProvider } from './auth.js';
import { sendBatch, type BatchAnswer, type PerEventResult } from './batch.js';
import { activeScope, openScopedQueue } from './context.js';
import { SyncError, isSyncError } from './errors.js';
import { writeLastSync } from './last-sync.js';
import { RETRY_AFTER_CAP_MS } from './retry-after.js';
import { ENABLE_SYNC_HINT, loadSyncSettings, type SyncSettings } from './settings.js';

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
  /** Not logged in, session expired, or the server refused the token or the account (401/403). */
  | 'auth'
  /** Offline, timeouts, 5xx, 429/503: everything not yet acknowledged is kept for later. */
  | 'offline'
  /** The server answered in a way that is not the contract (redirect, 404, malformed body). */
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
  /** `Synced: N, Duplicates: N, Failed: N (schema_mismatch: X, …)`. */
  readonly summary: string;
  /** One next step per failure category present. */
  readonly actions: readonly string[];
  /** Why the run stopped early, in words (empty when it finished). */
  readonly message: string;
  /** When sending may resume (Retry-After), ISO. */
  readonly retryAt: string | null;
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
  /** Request timeout (default 60 s). */
  readonly timeoutMs?: number;
  /** Attempts for a transient failure within one run (default 3) before keeping events for later. */
  readonly transientAttempts?: number;
  /** Waits between transient attempts (injected so tests take milliseconds). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Stops starting new batches after this many milliseconds (default: no limit). */
  readonly deadlineMs?: number;
  readonly onProgress?: (p: SyncProgress) => void;
  readonly trigger?: 'sync now' | 'background';
  readonly owner?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The seed's summary line. */
export function formatSummary(synced: number, duplicates: number, failed: number, categories: Partial<Record<FailureCategory, number>>): string {
  const parts = FAILURE_CATEGORIES.filter((c) => (categories[c] ?? 0) > 0).map((c) => `${c}: ${categories[c]}`);
  return `Synced: ${synced}, Duplicates: ${duplicates}, Failed: ${failed}${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

class StopRun {
  constructor(
    readonly status: SyncRunStatus,
    readonly message: string,
    readonly retryAt: Date | null = null,
  ) {}
}

/**
 * Sends every due queued event to `POST {server}/api/v1/events/batch/` in batches of up to 1000, applying the
 * server's per-event outcomes through the queue (success/duplicate removed, rejected kept with backoff and
 * counted, dead after the retry cap). 401 → one refresh and one replay; 403 → stop (auth); 413 → split; a 400
 * with per-event details rejects exactly those events and re-sends the rest, a 400 without them is bisected
 * down to the offending event; 429/503 honour Retry-After (capped, shared through the queue); timeouts,
 * resets and 5xx are retried a few times, then everything unacknowledged stays queued untouched. Never loses
 * an event: interrupting it leaves unacknowledged events queued.
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
    actions: [] as string[],
    retryAt: null,
    warnings,
  };
  if (!settings.enabled || settings.serverUrl === null) {
    return { ...base, status: 'disabled', summary: formatSummary(0, 0, 0, {}), message: `Sync is disabled (${settings.reason}). ${ENABLE_SYNC_HINT}` };
  }
  const server = settings.serverUrl;
  const scope = activeScope(options.homeDir, settings);
  const queue = await openScopedQueue({
    homeDir: options.homeDir,
    settings,
    scope,
    now: options.now,
    onWarning: (w: QueueWarning) => warnings.push(w.message),
  });
  try {
    return await runWithQueue(queue, server, scope?.username ?? null, settings, options, base, warnings);
  } finally {
    await queue.close();
  }
}

async function runWithQueue(
  queue: Queue,
  server: string,
  username: string | null,
  _settings: SyncSettings,
  options: SyncNowOptions,
  base: Omit<SyncRunResult, 'status' | 'summary' | 'message'>,
  warnings: string[],
): Promise<SyncRunResult> {
  const startStats = await queue.stats();
  const pendingAtStart = startStats.depth;
  const counts = { synced: 0, duplicates: 0, failed: 0, deadLettered: 0, batches: 0, requests: 0 };
  const categories: Partial<Record<FailureCategory, number>> = {};
  const failures: SyncFailure[] = [];
  const batchSize = Math.min(Math.max(1, options.batchSize ?? 1000), 1000);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const attempts = Math.max(1, options.transientAttempts ?? 3);
  const sleep = options.sleep ?? defaultSleep;
  const started = options.now().getTime();
  const tokens: TokenProvider = createTokenProvider({ homeDir: options.homeDir, serverUrl: server, now: options.now });
  let stop: StopRun | null = null;

  const finish = async (status: SyncRunStatus, message: string, retryAt: Date | null): Promise<SyncRunResult> => {
    const end = await queue.stats();
    await queue.checkpoint().catch(() => undefined);
    const summary = formatSummary(counts.synced, counts.duplicates, counts.failed, categories);
    const actions = FAILURE_CATEGORIES.filter((c) => (categories[c] ?? 0) > 0).map((c) => `${c}: ${categories[c]} -- ${CATEGORY_ACTIONS[c]}`);
    const result: SyncRunResult = {
      ...base,
      status,
      queuePath: queue.path,
      username,
      pendingAtStart,
      ...counts,
      remaining: end.depth,
      refreshes: tokens.refreshCount,
      categories,
      failures,
      summary,
      actions,
      message,
      retryAt: retryAt?.toISOString() ?? null,
      warnings,
    };
    writeLastSync(queue.path, {
      at: options.now().toISOString(),
      status,
      synced: counts.synced,
      duplicates: counts.duplicates,
      failed: counts.failed,
      remaining: end.depth,
      message: message || summary,
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
    );
  }
  if (pendingAtStart === 0 && startStats.dead === 0) return finish('empty', 'Queue is empty, nothing to sync.', null);

  let token: string;
  try {
    token = await tokens.accessToken();
  } catch (e) {
    return finish(isSyncError(e) && (e.code === 'SERVER_UNREACHABLE' || e.code === 'SERVER_UNAVAILABLE') ? 'offline' : 'auth', `${(e as Error).message} ${pendingAtStart} event(s) kept for later.`, null);
  }

  /** Sends `events`, splitting or bisecting as the answers require; fills `outcomes`. Throws StopRun to end the run. */
  const deliver = async (events: readonly ClaimedEvent[], outcomes: Map<string, PerEventResult>): Promise<void> => {
    if (events.length === 0) return;
    let replayedAfter401 = false;
    for (let attempt = 1; ; attempt += 1) {
      counts.requests += 1;
      const answer: BatchAnswer = await sendBatch(server, token, events.map((e) => e.envelope as Record<string, unknown>), {
        timeoutMs,
        nowMs: options.now().getTime(),
      });
      switch (answer.kind) {
        case 'results':
          for (const r of answer.results) outcomes.set(r.eventId, r);
          if (answer.unknownIds.length > 0) warnings.push(`The server answered for ${answer.unknownIds.length} event id(s) that were not in the batch; ignored.`);
          return;
        case 'bad_request': {
          for (const r of answer.perEvent) outcomes.set(r.eventId, r);
          const rest = events.filter((e) => !outcomes.has(e.eventId));
          if (answer.perEvent.length > 0) return deliver(rest, outcomes); // the listed ones are isolated; send the others
          if (events.length > 1) {
            const mid = Math.ceil(events.length / 2);
            await deliver(events.slice(0, mid), outcomes);
            return deliver(events.slice(mid), outcomes);
          }
          const only = events[0] as ClaimedEvent;
          const error = answer.details ? `${answer.error}: ${answer.details}` : answer.error;
          outcomes.set(only.eventId, { eventId: only.eventId, status: 'rejected', error, category: categorizeFailure(error) });
          return;
        }
        case 'too_large': {
          if (events.length > 1) {
            const mid = Math.ceil(events.length / 2);
            await deliver(events.slice(0, mid), outcomes);
            return deliver(events.slice(mid), outcomes);
          }
          const only = events[0] as ClaimedEvent;
          outcomes.set(only.eventId, {
            eventId: only.eventId,
            status: 'rejected',
            error: 'HTTP 413: this single event is larger than the server accepts',
            category: 'schema_mismatch',
            permanent: true,
          });
          return;
        }
        case 'unauthorized':
          if (replayedAfter401) throw new StopRun('auth', `${server} refused a freshly refreshed token (HTTP 401). Re-authenticate: run \`spec-kitty auth login\`.`);
          replayedAfter401 = true;
          try {
            token = await tokens.accessToken({ rejected: token });
          } catch (e) {
            throw new StopRun('auth', (e as Error).message);
          }
          attempt = 0; // a replay after a refresh is not a transient retry
          continue;
        case 'forbidden':
          throw new StopRun('auth', `${server} refused access (HTTP 403): ${answer.message}. Check that your account belongs to the project's team (\`spec-kitty auth status\`).`);
        case 'rate_limited': {
          const wait = answer.retryAfterMs ?? Math.min(30_000 * attempt, RETRY_AFTER_CAP_MS);
          throw new StopRun('offline', `${answer.message}; retry after ${Math.ceil(wait / 1000)} s.`, new Date(options.now().getTime() + wait));
        }
        case 'transient':
          if (attempt >= attempts) throw new StopRun('offline', `Offline or server unavailable: ${answer.message}.`);
          await sleep(Math.round(Math.random() * Math.min(500 * 2 ** attempt, 8_000)));
          continue;
        case 'redirect':
        case 'tls':
        case 'malformed':
          throw new StopRun('error', `${answer.message}.`);
        case 'http_error':
          throw new StopRun('error', `${answer.message}. Check the server URL (\`spec-kitty sync server\`).`);
      }
    }
  };

  const attempted = new Set<string>();
  let unanswered = 0;
  const claimNext = () =>
    queue.claimBatch({ limit: batchSize, leaseMs: Math.max(120_000, timeoutMs * (attempts + 2)), owner: options.owner ?? `sync:${process.pid}` });
  let prefetched: ReturnType<typeof claimNext> | null = null;
  /** Hands a prefetched claim back untouched when the run stops. */
  const releasePrefetched = async (): Promise<void> => {
    if (prefetched === null) return;
    const p = prefetched;
    prefetched = null;
    const c = await p.catch(() => null);
    if (c?.claimId) await queue.releaseClaim(c.claimId, { transient: false }).catch(() => undefined);
  };
  for (;;) {
    if (options.deadlineMs !== undefined && options.now().getTime() - started > options.deadlineMs) {
      await releasePrefetched();
      stop = new StopRun('offline', `Stopped after ${Math.round(options.deadlineMs / 1000)} s; the rest stays queued.`);
      break;
    }
    // The next batch is claimed while the current one is at the server (the two processes work in parallel).
    const claim = await (prefetched ?? claimNext());
    prefetched = null;
    if (claim.claimId === null) {
      if (claim.notBefore !== null) stop = new StopRun('offline', `The server asked to wait; sending resumes after ${claim.notBefore.toISOString()}.`, claim.notBefore);
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
    const outcomes = new Map<string, PerEventResult>();
    let runStop: StopRun | null = null;
    const delivery = deliver(fresh, outcomes);
    // A full batch means there is probably more: claim the next one now, while this one is at the server.
    if (claim.events.length >= batchSize) prefetched = claimNext();
    try {
      await delivery;
    } catch (e) {
      if (!(e instanceof StopRun)) {
        await queue.releaseClaim(claim.claimId, { error: (e as Error).message }).catch(() => undefined);
        await releasePrefetched();
        throw e;
      }
      runStop = e;
    }
    if (outcomes.size > 0) {
      const list: EventOutcome[] = [...outcomes.values()].map((r) => ({
        eventId: r.eventId,
        status: r.status,
        ...(r.error === undefined ? {} : { error: r.error }),
        ...(r.category === undefined ? {} : { category: r.category }),
        ...(r.permanent ? { permanent: true } : {}),
      }));
      const applied = await queue.applyResults(claim.claimId, list);
      counts.synced += applied.synced;
      counts.duplicates += applied.duplicates;
      counts.failed += applied.rejected + applied.deadLettered;
      counts.deadLettered += applied.deadLettered;
      const byId = new Map(claim.events.map((e) => [e.eventId, e]));
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
    } else {
      await queue.releaseClaim(claim.claimId, {
        transient: runStop?.status === 'offline',
        ...(runStop ? { error: runStop.message } : {}),
        ...(runStop?.retryAt ? { notBefore: runStop.retryAt } : {}),
      });
    }
    options.onProgress?.({ batches: counts.batches, sent: counts.synced + counts.duplicates + counts.failed, synced: counts.synced, duplicates: counts.duplicates, failed: counts.failed, pendingAtStart });
    if (runStop) {
      await releasePrefetched();
      stop = runStop;
      break;
    }
  }
  if (stop) {
    const kept = (await queue.stats()).depth;
    const msg = stop.status === 'offline' ? `${stop.message} ${kept} event(s) kept for later.` : stop.message;
    return finish(stop.status, msg, stop.retryAt);
  }
  if (unanswered > 0) {
    warnings.push(`The server did not answer for ${unanswered} event(s); they stay queued for the next sync.`);
  }
  if (counts.failed > 0) return finish('partial', `${counts.failed} event(s) were rejected by the server.`, null);
  if (counts.batches === 0 && pendingAtStart > 0) return finish('ok', 'Nothing was due: queued events are waiting for their retry time.', null);
  return finish('ok', '', null);
}

/** Writes `--report FILE`: per-event failures with the run's summary (JSON, 2-space indent). */
export async function writeSyncReport(file: string, result: SyncRunResult, now: () => Date): Promise<{ readonly path: string; readonly failures: number }> {
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
  };
  try {
    await writeFile(file, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  } catch (e) {
    throw new SyncError('REPORT_WRITE_FAILED', `Cannot write the report to ${file}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: ['Pass a writable path to --report.'],
    });
  }
  return { path: file, failures: result.failures.length };
}
