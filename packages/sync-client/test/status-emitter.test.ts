import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { openQueue, queuePath } from '@kitty/queue';
import { checkEvent } from '@kitty/events';
import { cleanupTempDirs, createHttpTestServer, tempDir } from '@kitty/test-utils';
import {
  checkConnection,
  createSyncEmitter,
  listDeadEvents,
  loadSyncSettings,
  loginFlow,
  requeueDeadEvents,
  syncNow,
  syncStatus,
  updateSyncConfig,
} from '../src/index.js';
import { answerAll, enqueue, loggedInHome, startServer } from './support.js';

afterAll(cleanupTempDirs);
let server: Awaited<ReturnType<typeof startServer>>;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});
const now = () => new Date();
const ctx = {
  projectUuid: '550e8400-e29b-41d4-a716-446655440000',
  projectSlug: 'demo',
  gitBranch: 'main',
  headCommitSha: null,
  repoSlug: 'acme/demo',
};

describe('sync emitter', () => {
  it('queues nothing when sync is disabled', async () => {
    const home = tempDir();
    const em = await createSyncEmitter({ homeDir: home, env: {}, now, hostname: 'h', username: 'u' });
    expect(em.enabled).toBe(false);
    em.prepare(); // nothing to load, nothing written
    const f = em.createFactory(ctx);
    expect(await em.enqueue([f.historyAdded({ wpId: 'WP01', content: 'x' })])).toEqual({
      queued: 0,
      notes: [],
      queuePath: null,
      delivery: null,
    });
    expect(existsSync(path.join(home, '.spec-kitty'))).toBe(false);
  });

  it('queues valid envelopes into the logged-out queue, then the account queue, with the team slug', async () => {
    const home = tempDir();
    updateSyncConfig(home, { server_url: server.url });
    const out = await createSyncEmitter({ homeDir: home, env: {}, now, hostname: 'h', username: 'u' });
    expect(out.teamSlug).toBe('local');
    out.prepare(); // loads the queue module and driver in the background; creates no file
    expect(existsSync(queuePath(home, null))).toBe(false);
    const f1 = out.createFactory(ctx);
    const r1 = await out.enqueue([f1.historyAdded({ wpId: 'WP01', content: 'offline note' })]);
    expect(r1).toMatchObject({ queued: 1, queuePath: queuePath(home, null) });
    await loginFlow({ homeDir: home, env: {}, now, username: 'ada', password: 'pw' });
    const em = await createSyncEmitter({ homeDir: home, env: {}, now, hostname: 'h', username: 'u' });
    expect(em).toMatchObject({ enabled: true, teamSlug: 'team-a', laneModel: '4-lane' });
    const f = em.createFactory(ctx);
    const drafts = [
      f.wpStatusChanged({
        featureSlug: '001-demo',
        wpId: 'WP01',
        from: 'planned',
        to: 'claimed',
        actor: 'claude',
        executionMode: 'worktree',
      }),
      f.historyAdded({ wpId: 'WP01', content: 'x' }),
    ];
    const r = await em.enqueue(drafts);
    expect(r.queued).toBe(2);
    const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now });
    const batch = await q.claimBatch();
    expect(batch.events).toHaveLength(3); // the adopted offline note plus the two new events
    for (const e of batch.events) expect(checkEvent(e.envelope).ok).toBe(true);
    expect(new Set(batch.events.slice(1).map((e) => e.envelope['correlation_id'])).size).toBe(1);
    await q.close();
  });

  it('reports queue trouble as a note instead of failing', async () => {
    const home = tempDir();
    updateSyncConfig(home, { server_url: server.url });
    const em = await createSyncEmitter({ homeDir: home, env: {}, now, hostname: 'h', username: 'u' });
    const d = em.createFactory(ctx).historyAdded({ wpId: 'WP01', content: 'x' });
    const r = await em.enqueue([d, d]); // the same event id twice
    expect(r.queued).toBe(0);
    expect(r.notes[0]).toMatch(/could not be queued: .* Your command itself succeeded\./);
  });
});

describe('auth login flow', () => {
  it('says when already logged in, refuses when sync is disabled, and reports other accounts', async () => {
    const home = tempDir();
    await expect(loginFlow({ homeDir: home, env: {}, now, username: 'ada', password: 'pw' })).rejects.toMatchObject({
      code: 'SYNC_DISABLED',
    });
    updateSyncConfig(home, { server_url: server.url });
    const first = await loginFlow({ homeDir: home, env: {}, now, username: 'ada', password: 'pw' });
    expect(first).toMatchObject({ alreadyAuthenticated: false, username: 'ada', adopted: 0 });
    await enqueue(await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now }), 2);
    const again = await loginFlow({ homeDir: home, env: {}, now, username: 'ada', password: 'pw' });
    expect(again.alreadyAuthenticated).toBe(true);
    const bob = await loginFlow({ homeDir: home, env: {}, now, username: 'bob', password: 'pw', force: true });
    expect(bob.otherQueues).toHaveLength(1);
    expect(bob.notes.join('\n')).toContain('2 event(s) are still queued for ada');
  });
});

describe('sync status and --check', () => {
  it('reports a fresh home as disabled, creating nothing', async () => {
    const home = tempDir();
    const s = await syncStatus({ homeDir: home, env: {}, now, check: true });
    expect(s).toMatchObject({ enabled: false, serverUrl: null, queue: { stats: null }, connection: { state: 'disabled' }, healthy: true });
    expect(existsSync(path.join(home, '.spec-kitty'))).toBe(false);
  });

  it('shows queue health, auth, last sync and a real connection check', async () => {
    const { home, ids } = await loggedInHome(server, 3);
    server.on(
      'POST /api/v1/events/batch/',
      answerAll((id) => (id === ids[0] ? 'rejected' : 'success')),
    );
    await syncNow({ homeDir: home, env: {}, now });
    const s = await syncStatus({ homeDir: home, env: {}, now, check: true });
    expect(s).toMatchObject({
      enabled: true,
      auth: { state: 'active', username: 'ada' },
      queue: {
        username: 'ada',
        stats: {
          depth: 1,
          retryHistogram: { '0': 0, '1-3': 1, '4+': 0 },
          topFailureCategories: [{ category: 'schema_mismatch', count: 1 }],
        },
      },
      lastSync: { status: 'partial', synced: 2, failed: 1 },
      connection: { state: 'connected', httpStatus: 200 },
    });
    const probe = server.batchRequests().at(-1);
    expect(probe?.json).toEqual({ events: [] });
    expect(probe?.headers['authorization']).toBe('Bearer acc-0');
    expect(s.healthy).toBe(false); // the last run was partial and events remain
  });

  it.each([
    [401, 'expired'],
    [403, 'forbidden'],
    [503, 'unavailable'],
    [404, 'unexpected'],
  ] as const)('maps a %i probe answer to %s', async (status, state) => {
    const { home } = await loggedInHome(server, 0);
    server.on('POST /api/v1/events/batch/', { status, body: { error: 'nope' } });
    const c = await checkConnection({ homeDir: home, settings: loadSyncSettings({ homeDir: home, env: {} }), now });
    expect(c.state).toBe(state);
  });

  it('reports not authenticated and unreachable servers', async () => {
    const home = tempDir();
    updateSyncConfig(home, { server_url: server.url });
    expect((await checkConnection({ homeDir: home, settings: loadSyncSettings({ homeDir: home, env: {} }), now })).state).toBe(
      'not_authenticated',
    );
    const { home: h2 } = await loggedInHome(server, 0);
    const closed = await createHttpTestServer();
    await closed.close();
    server.on('POST /api/v1/events/batch/', { destroy: true });
    const c = await checkConnection({ homeDir: h2, settings: loadSyncSettings({ homeDir: h2, env: {} }), now });
    expect(c.state).toBe('unreachable');
  });
});

describe('dead events', () => {
  it('lists and re-queues dead events of the active queue', async () => {
    const { home, ids } = await loggedInHome(server, 2);
    server.on('POST /api/v1/events/batch/', { status: 413 }); // even single events are too large: both go to dead
    await syncNow({ homeDir: home, env: {}, now });
    const dead = await listDeadEvents({ homeDir: home, env: {}, now });
    expect(dead.events.map((e) => e.eventId).sort()).toEqual([...ids].sort());
    expect(await requeueDeadEvents({ homeDir: home, env: {}, now, ids: [ids[0] as string, 'nope'] })).toMatchObject({
      requeued: 1,
      notFound: ['nope'],
    });
    expect((await listDeadEvents({ homeDir: home, env: {}, now })).events).toHaveLength(1);
  });
});
