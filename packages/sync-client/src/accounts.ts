import type { QueueWarning, ScopeInfo } from '@kitty/queue';
import { login, type AuthOptions, type LoginResult } from './auth.js';
import { activeScope, openScopedQueue } from './context.js';
import { readCredentials } from './credentials.js';
import { SyncError } from './errors.js';
import { ENABLE_SYNC_HINT, loadSyncSettings, type SyncSettings } from './settings.js';
import { sameServer } from './url.js';

/** The result of `auth login`. */
export interface LoginFlowResult extends LoginResult {
  /** Already logged in to this server and `force` was not given: nothing changed. */
  readonly alreadyAuthenticated: boolean;
  /** Events recorded while logged out that moved into this account's queue. */
  readonly adopted: number;
  /** Other accounts' queues that still hold events (they are sent when that account logs in again). */
  readonly otherQueues: readonly ScopeInfo[];
  readonly notes: readonly string[];
}

/**
 * Logs in to the configured server, then moves events recorded while logged out into the new account's queue
 * (telling the user how many) and reports other accounts' queues that still hold events. Nothing is dropped.
 */
export async function loginFlow(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly username: string;
  readonly password: string;
  readonly force?: boolean;
  readonly settings?: SyncSettings;
}): Promise<LoginFlowResult> {
  const settings = options.settings ?? loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  if (!settings.enabled || settings.serverUrl === null) {
    throw new SyncError('SYNC_DISABLED', `Sync is disabled (${settings.reason}), so there is no server to log in to.`, {
      suggestions: [ENABLE_SYNC_HINT],
    });
  }
  const server = settings.serverUrl;
  const notes: string[] = [...settings.warnings];
  const { listScopes } = await import('@kitty/queue');
  const current = readCredentials(options.homeDir);
  if (
    !options.force &&
    current.status === 'present' &&
    current.credentials.serverUrl !== null &&
    sameServer(current.credentials.serverUrl, server)
  ) {
    const refreshAlive =
      current.credentials.refreshExpiresAt === null || Date.parse(current.credentials.refreshExpiresAt) > options.now().getTime();
    if (refreshAlive) {
      const c = current.credentials;
      return {
        alreadyAuthenticated: true,
        username: c.username,
        teamSlug: c.teamSlug,
        serverUrl: server,
        credentialsPath: current.path,
        accessExpiresAt: c.accessExpiresAt ?? '',
        refreshExpiresAt: c.refreshExpiresAt ?? '',
        adopted: 0,
        otherQueues: [],
        notes: [...notes, 'Already authenticated; use --force to log in again or `spec-kitty auth logout` first.'],
      };
    }
  }
  const authOpts: AuthOptions & { username: string; password: string } = {
    homeDir: options.homeDir,
    serverUrl: server,
    now: options.now,
    username: options.username,
    password: options.password,
  };
  const result = await login(authOpts);
  const adopted = await adoptLoggedOutEvents(options.homeDir, settings, options.now, notes);
  const scope = activeScope(options.homeDir, settings);
  const { queuePath } = await import('@kitty/queue');
  const mine = queuePath(options.homeDir, scope);
  const others = (await listScopes(options.homeDir)).filter((s) => s.path !== mine && s.scope !== null && (s.pending ?? 0) > 0);
  for (const o of others) {
    notes.push(
      `${o.pending} event(s) are still queued for ${o.scope?.username} on ${o.scope?.serverUrl}; they are sent when that account logs in again.`,
    );
  }
  return { ...result, alreadyAuthenticated: false, adopted, otherQueues: others, notes };
}

/** Moves pending events of the logged-out queue into the active account's queue, atomically per batch. */
async function adoptLoggedOutEvents(homeDir: string, settings: SyncSettings, now: () => Date, notes: string[]): Promise<number> {
  const { existsSync } = await import('node:fs');
  const { queuePath } = await import('@kitty/queue');
  const scope = activeScope(homeDir, settings);
  if (scope === null || !existsSync(queuePath(homeDir, null))) return 0;
  const onWarning = (w: QueueWarning) => notes.push(w.message);
  const from = await openScopedQueue({ homeDir, settings, scope: null, now, onWarning });
  const to = await openScopedQueue({ homeDir, settings, scope, now, onWarning });
  let moved = 0;
  try {
    for (;;) {
      const claim = await from.claimBatch({ limit: 1000, owner: 'auth-login-adopt' });
      if (claim.claimId === null || claim.events.length === 0) break;
      // The target queue stamps fresh Lamport values (its clock is never behind the other queues').
      const drafts = claim.events.map((e) => {
        const { lamport_clock: _old, ...draft } = e.envelope as Record<string, unknown> & { event_id: string; event_type: string };
        return draft;
      });
      // A crash between these two steps left copies behind: skip what the target already holds.
      try {
        await to.enqueueMany(drafts);
      } catch (e) {
        const { isQueueError } = await import('@kitty/queue');
        const held =
          isQueueError(e) && e.code === 'QUEUE_DUPLICATE_EVENT_ID' ? ((e.details?.['eventIds'] as string[] | undefined) ?? []) : null;
        if (held === null || held.length === 0) throw e;
        const rest = drafts.filter((d) => !held.includes(d.event_id));
        if (rest.length > 0) await to.enqueueMany(rest);
      }
      await from.applyResults(
        claim.claimId,
        claim.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
      );
      moved += claim.events.length;
    }
  } finally {
    await from.close();
    await to.close();
  }
  if (moved > 0) notes.push(`Adopted ${moved} event(s) recorded while logged out into ${scope.username}'s queue on ${scope.serverUrl}.`);
  return moved;
}

/** Dead-lettered events of the active queue. */
export async function listDeadEvents(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly limit?: number;
}) {
  const settings = loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const { existsSync } = await import('node:fs');
  const { queuePath } = await import('@kitty/queue');
  const scope = activeScope(options.homeDir, settings);
  const path = queuePath(options.homeDir, scope);
  if (!existsSync(path)) return { queuePath: path, events: [] };
  const q = await openScopedQueue({ homeDir: options.homeDir, settings, scope, now: options.now });
  try {
    return { queuePath: path, events: await q.listDead({ limit: options.limit ?? 1000 }) };
  } finally {
    await q.close();
  }
}

/** Moves dead events (by id, or all) back to pending in the active queue. */
export async function requeueDeadEvents(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly ids: readonly string[] | 'all';
}) {
  const settings = loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const scope = activeScope(options.homeDir, settings);
  const q = await openScopedQueue({ homeDir: options.homeDir, settings, scope, now: options.now });
  try {
    return { queuePath: q.path, ...(await q.requeueDead(options.ids)) };
  } finally {
    await q.close();
  }
}
