import { existsSync } from 'node:fs';
import type { QueueStats, ScopeInfo } from '@kitty/queue';
import { authStatus, type AuthStatus } from './auth.js';
import { activeScope, openScopedQueue } from './context.js';
import { readLastSync, type LastSyncRecord } from './last-sync.js';
import { checkConnection, type ConnectionCheck } from './probe.js';
import { loadSyncSettings, type SyncSettings } from './settings.js';

/** Everything `sync status` shows. */
export interface SyncStatusReport {
  readonly enabled: boolean;
  readonly reason: string;
  readonly serverUrl: string | null;
  readonly configPath: string;
  readonly laneModel: string;
  readonly autoDeliver: boolean;
  readonly auth: AuthStatus | null;
  /** The active queue (null stats when its file does not exist yet: nothing was ever queued). */
  readonly queue: { readonly path: string; readonly username: string | null; readonly stats: QueueStats | null };
  /** Other queue files in this home with pending or dead events (other accounts, logged-out events). */
  readonly otherQueues: readonly ScopeInfo[];
  readonly lastSync: LastSyncRecord | null;
  readonly connection: ConnectionCheck | null;
  /** Problems a user should act on; empty when healthy. */
  readonly problems: readonly string[];
  readonly warnings: readonly string[];
  readonly healthy: boolean;
}

/**
 * Reads sync health: settings, auth state, the active queue's stats, other queues with events, the last sync
 * run, and with `check` a live probe. Creates nothing: a queue that does not exist is reported as empty.
 */
export async function syncStatus(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly check?: boolean;
  readonly settings?: SyncSettings;
}): Promise<SyncStatusReport> {
  const settings = options.settings ?? loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const { listScopes, queuePath } = await import('@kitty/queue');
  const scope = activeScope(options.homeDir, settings);
  const path = queuePath(options.homeDir, scope);
  const warnings: string[] = [...settings.warnings];
  let stats: QueueStats | null = null;
  if (existsSync(path)) {
    const q = await openScopedQueue({
      homeDir: options.homeDir,
      settings,
      scope,
      now: options.now,
      onWarning: (w) => warnings.push(w.message),
    });
    try {
      stats = await q.stats();
    } finally {
      await q.close();
    }
  }
  const auth =
    settings.serverUrl === null ? null : authStatus({ homeDir: options.homeDir, serverUrl: settings.serverUrl, now: options.now });
  const others = (await listScopes(options.homeDir)).filter(
    (s) => s.path !== path && ((s.pending ?? 0) > 0 || (s.dead ?? 0) > 0 || s.error !== null || (s.pythonWaiting ?? 0) > 0),
  );
  const connection = options.check ? await checkConnection({ homeDir: options.homeDir, settings, now: options.now }) : null;

  const problems: string[] = [];
  if (auth?.warnings.length) problems.push(...auth.warnings);
  if (settings.enabled && auth && auth.state !== 'active' && auth.state !== 'refreshable') {
    problems.push(auth.problem ?? 'Not logged in: run `spec-kitty auth login` so queued events can be sent.');
  }
  if (stats && stats.dead > 0)
    problems.push(
      `${stats.dead} event(s) are dead-lettered: see \`spec-kitty sync dead\` and re-queue them with \`spec-kitty sync dead --requeue\`.`,
    );
  if (stats && stats.capacityUsed >= 0.8)
    problems.push(
      `The queue is ${Math.round(stats.capacityUsed * 100)}% full (${stats.depth} / ${stats.capacity}); run \`spec-kitty sync now\`.`,
    );
  if (connection && connection.state !== 'connected' && connection.state !== 'disabled') problems.push(connection.message);
  const last = readLastSync(path);
  if (last && last.status !== 'ok' && last.status !== 'empty' && stats && stats.depth > 0)
    problems.push(`The last sync (${last.at}) ended ${last.status}: ${last.message}`);
  for (const o of others) {
    if ((o.pythonWaiting ?? 0) > 0)
      warnings.push(
        `${o.pythonWaiting} event(s) queued by the Python spec-kitty wait in ${o.path}; kitty adopts them into its queue the next time it queues or sends (\`spec-kitty sync now\`).`,
      );
    if (o.error) problems.push(`Queue ${o.path} could not be read (${o.error}); opening it repairs it.`);
    else if (o.scope === null && (o.pending ?? 0) > 0)
      problems.push(
        `${o.pending} event(s) were recorded while logged out (${o.path}); \`spec-kitty auth login\` adopts them into your account.`,
      );
  }
  return {
    enabled: settings.enabled,
    reason: settings.reason,
    serverUrl: settings.serverUrl,
    configPath: settings.configPath,
    laneModel: settings.laneModel,
    autoDeliver: settings.autoDeliver,
    auth,
    queue: { path, username: scope?.username ?? null, stats },
    otherQueues: others,
    lastSync: last,
    connection,
    problems,
    warnings,
    healthy: problems.length === 0,
  };
}
