import { Flags } from '@oclif/core';
import { KittyCommand, formatDuration, keyValues } from '@kitty/cli-kit';

/** Shows queue health, auth state, the last sync and, with --check, whether the server accepts your token. */
export default class SyncStatus extends KittyCommand {
  static override summary = 'Show sync health: queue, login, last sync, connection';
  static override description = `Shows whether sync is enabled, the queue (depth, oldest event, retries, top event types and failure
categories, dead events, size), the login state, the last sync run, and other accounts' queues that hold
events. --check also probes the server's batch endpoint with your real (refreshed) token: connected, not
authenticated, expired, forbidden or unreachable. Reads only; sends no events.

Exits 0 when healthy, 3 for login problems, 4 when the server is unreachable, 1 for other problems.`;
  static override examples = ['<%= config.bin %> sync status', '<%= config.bin %> sync status --check --json'];
  static override flags = { check: Flags.boolean({ char: 'c', description: 'probe the server with your token' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(SyncStatus);
    const { syncStatusAction } = await import('../../actions.js');
    const { status: s, json } = await syncStatusAction(flags);
    for (const w of s.warnings) this.note(w);
    if (!this.jsonEnabled()) {
      const q = s.queue.stats;
      const rows: Array<[string, string]> = [
        ['Sync', `${s.enabled ? 'enabled' : 'disabled'} (${s.reason})`],
        ['Server', s.serverUrl ?? '(none)'],
        [
          'Login',
          s.auth === null
            ? '-'
            : s.auth.state === 'active' || s.auth.state === 'refreshable'
              ? `${s.auth.username}${s.auth.teamSlug ? ` (team ${s.auth.teamSlug})` : ''}`
              : s.auth.state.replace('_', ' '),
        ],
        [
          'Queue',
          q ? `${q.depth} pending, ${q.dead} dead (${Math.round(q.capacityUsed * 100)}% of ${q.capacity})` : 'empty (no queue yet)',
        ],
      ];
      if (q && q.depth > 0) {
        rows.push(['Oldest event', `${formatDuration(q.oldestAgeMs ?? 0)} ago`]);
        rows.push(['Retries', `0: ${q.retryHistogram['0']}, 1-3: ${q.retryHistogram['1-3']}, 4+: ${q.retryHistogram['4+']}`]);
        rows.push(['Top event types', q.topEventTypes.map((t) => `${t.eventType} ${t.count}`).join(', ')]);
      }
      if (q && q.topFailureCategories.length > 0)
        rows.push(['Failure categories', q.topFailureCategories.map((c) => `${c.category} ${c.count}`).join(', ')]);
      if (q && q.adoptedFromPython > 0)
        rows.push(['From Python', `${q.adoptedFromPython} event(s) adopted from the Python spec-kitty queue`]);
      if (q) rows.push(['Database', `${s.queue.path} (${(q.databaseBytes / 1024).toFixed(0)} KiB)`]);
      rows.push([
        'Last sync',
        s.lastSync ? `${s.lastSync.at} (${s.lastSync.trigger}) ${s.lastSync.status}: ${s.lastSync.message}` : 'never',
      ]);
      rows.push(['Lane model', s.laneModel]);
      if (s.connection) rows.push(['Connection', `${s.connection.state}: ${s.connection.message}`]);
      this.log(keyValues(rows, ''));
      for (const p of s.problems) this.log(`! ${p}`);
      if (!flags.check) this.note("Use 'spec-kitty sync status --check' to test the connection.");
    }
    return json;
  }
}
