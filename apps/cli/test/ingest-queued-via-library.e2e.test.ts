import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createEventFactory, type EventDraft, type SyncLaneModel } from '@kitty/events';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs } from '@kitty/test-utils';
import { cliSandbox, snapshotQueues, ingestServerPerTest } from './ingest-server-process.js';

afterAll(cleanupTempDirs);

const startServer = ingestServerPerTest();

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

/**
 * Integration test: the events are queued through the libraries (@kitty/events + @kitty/queue), not by workflow
 * commands, so that the whole sync path (CLI `sync server`, `auth login`, `sync now`, the reference server
 * started with its documented command) is exercised with a realistic feature's events today.
 */
async function queueFeatureEvents(home: string, serverUrl: string, laneModel: SyncLaneModel = '4-lane'): Promise<string[]> {
  const now = () => new Date();
  const f = createEventFactory({
    nodeId: 'a1b2c3d4e5f6',
    now,
    laneModel,
    context: {
      projectUuid: '550e8400-e29b-41d4-a716-446655440000',
      projectSlug: 'demo',
      teamSlug: 'acme',
      gitBranch: 'main',
      headCommitSha: null,
      repoSlug: 'acme/demo',
    },
  });
  const feature = '001-demo';
  const move = (wpId: string, from: string | null, to: string, extra: Record<string, unknown> = {}) =>
    f.wpStatusChanged({ featureSlug: feature, wpId, from, to, actor: 'claude', executionMode: 'worktree', ...extra });
  const causation = f.newId();
  const drafts: EventDraft[] = [
    f.featureCreated({ featureSlug: feature, targetBranch: 'main', wpCount: 2 }),
    f.wpCreated({ wpId: 'WP01', title: 'Schema', featureSlug: feature }, { causationId: causation }),
    f.wpCreated({ wpId: 'WP02', title: 'Endpoint', featureSlug: feature, dependencies: ['WP01'] }, { causationId: causation }),
    move('WP01', 'planned', 'claimed'),
    move('WP01', 'claimed', 'in_progress'),
    f.historyAdded({ wpId: 'WP01', content: 'Table created.', author: 'claude' }),
    move('WP01', 'in_progress', 'for_review'),
    move('WP01', 'for_review', 'done', {
      evidence: {
        repos: [{ repo: 'acme/demo', branch: '001-demo-WP01', commit: 'abc1234' }],
        review: { reviewer: 'ada', verdict: 'approved', reference: 'PR#1' },
      },
    }),
  ];
  const q = await openQueue({ homeDir: home, scope: { serverUrl, username: 'ada' }, now });
  const stored = await q.enqueueMany(drafts);
  await q.close();
  return stored.map((e) => e.event_id);
}

describe('integration: events queued through the library → spec-kitty sync now → reference ingest server', () => {
  it('delivers exactly the queued events, empties the queue, answers a re-send with duplicates, and shows them on the page', async () => {
    const sb = cliSandbox();
    const server = await startServer(['--user', 'ada:secret', '--team', 'acme', '--db', path.join(sb.root, 'ingest.db')]);
    expect((await sb.kitty(['sync', 'server', server.url])).code).toBe(0);
    expect((await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin'], 'secret\n')).code).toBe(0);
    const queued = await queueFeatureEvents(sb.home, server.url);

    const restore = snapshotQueues(sb.home);
    const sync = await sb.kitty(['sync', 'now']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toContain(`Synced: ${queued.length}, Duplicates: 0, Failed: 0`);
    const held = await server.events();
    expect(held.map((e) => e.event['event_id'])).toEqual(queued);
    const lamports = held.map((e) => e.event['lamport_clock'] as number);
    expect(lamports).toEqual([...lamports].sort((a, b) => a - b));
    expect(held.find((e) => e.event['event_type'] === 'WPStatusChanged')?.event['payload']).toMatchObject({
      lane_model: '4-lane',
      to_lane: 'doing',
      canonical_to_lane: 'claimed',
    });
    const status = await sb.kitty(['sync', 'status', '--json']);
    expect(json(status.stdout)['queue']['stats']).toMatchObject({ depth: 0, dead: 0 });

    restore();
    const again = await sb.kitty(['sync', 'now', '--json']);
    expect(again.code).toBe(0);
    expect(json(again.stdout)).toMatchObject({ status: 'ok', synced: 0, duplicates: queued.length, failed: 0, remaining: 0 });
    expect(await server.events()).toHaveLength(queued.length);

    const page = await fetch(`${server.url}/`, { headers: { authorization: `Basic ${Buffer.from('ada:secret').toString('base64')}` } });
    const html = await page.text();
    expect(html).toContain(`${queued.length} event(s) received`);
    for (const id of queued) expect(html).toContain(id);
    // The server's log names requests and users, never tokens or passwords.
    expect(server.output()).toMatch(/POST \/api\/v1\/events\/batch\/ 200 ada events=8 success=8/);
    expect(server.output()).not.toMatch(/secret|kia_|kir_/);
  }, 120_000);

  it('keeps events a 4-lane server rejects (CLI set to 7-lane): exit 5, invalid_lane, nothing lost', async () => {
    const sb = cliSandbox();
    const server = await startServer(['--user', 'ada:secret']);
    expect((await sb.kitty(['sync', 'server', server.url])).code).toBe(0);
    writeFileSync(path.join(sb.home, '.spec-kitty', 'config.toml'), `[sync]\nserver_url = "${server.url}"\nlane_model = "7-lane"\n`);
    expect((await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin'], 'secret\n')).code).toBe(0);
    const queued = await queueFeatureEvents(sb.home, server.url, '7-lane');

    const sync = await sb.kitty(['sync', 'now', '--json']);
    expect(sync.code).toBe(5);
    const r = json(sync.stdout);
    expect(r).toMatchObject({ status: 'partial', synced: 4, failed: 4, remaining: 4, categories: { schema_mismatch: 4 } });
    expect(r['failures'].map((f: { code: string; event_type: string }) => [f.event_type, f.code])).toEqual(
      Array.from({ length: 4 }, () => ['WPStatusChanged', 'invalid_lane']),
    );
    expect((await server.events()).map((e) => e.event['event_type'])).toEqual(['FeatureCreated', 'WPCreated', 'WPCreated', 'HistoryAdded']);
    expect(queued).toHaveLength(8);
  }, 120_000);
});
