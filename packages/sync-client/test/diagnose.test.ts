import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { diagnoseQueue, loginFlow, syncNow, updateSyncConfig } from '../src/index.js';
import { enqueue, loggedInHome, startServer } from './support.js';

afterAll(cleanupTempDirs);
let server: Awaited<ReturnType<typeof startServer>>;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});
const now = () => new Date();

describe('sync diagnose', () => {
  it('reports nothing for a home without a queue, creating nothing', async () => {
    expect(await diagnoseQueue({ homeDir: tempDir(), env: {}, now })).toMatchObject({ total: 0, valid: 0, invalid: 0 });
  });

  it('validates pending and dead events and names field, rule and value', async () => {
    const { home, queue } = await loggedInHome(server, 2);
    const q = await queue();
    await q.enqueueMany([
      {
        event_id: '01J0000000000000000000000X',
        event_type: 'WPStatusChanged',
        aggregate_id: 'WP01',
        payload: { wp_id: 'WP1', to_lane: 'in_review' },
      },
    ]);
    await q.close();
    server.on('POST /api/v1/events/batch/', { status: 413 }); // everything goes dead
    await syncNow({ homeDir: home, env: {}, now });
    const q2 = await queue();
    await enqueue(q2, 1);
    const r = await diagnoseQueue({ homeDir: home, env: {}, now });
    expect(r).toMatchObject({ total: 4, valid: 3, invalid: 1 });
    const bad = r.results.find((x) => !x.valid);
    expect(bad).toMatchObject({
      event_id: '01J0000000000000000000000X',
      status: 'dead',
      error_category: 'schema_mismatch',
      last_error: expect.stringContaining('413'),
    });
    const fields = bad?.issues.map((i) => i.field) ?? [];
    expect(fields).toEqual(expect.arrayContaining(['node_id', 'correlation_id', 'payload.wp_id', 'payload.to_lane']));
    expect(bad?.issues.find((i) => i.field === 'payload.wp_id')).toMatchObject({
      expected: 'must look like WP01 (WP and two digits) (/^WP\\d{2}$/)',
      actual: '"WP1"',
    });
    expect(r.results.filter((x) => x.status === 'pending')).toHaveLength(1);
  });
});

describe('adoption after a crash', () => {
  it('skips events the account queue already holds', async () => {
    const home = tempDir();
    updateSyncConfig(home, { server_url: server.url });
    const out = await openQueue({ homeDir: home, scope: null, now });
    const ids = await enqueue(out, 3);
    // Simulate a crash after copying one event into the account queue but before removing it from queue.db.
    const src = await openQueue({ homeDir: home, scope: null, now });
    const first = (await src.listPending({ limit: 1 }))[0];
    await src.close();
    const dst = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now });
    const { lamport_clock: _l, ...draft } = first?.envelope as Record<string, unknown> & { event_id: string; event_type: string };
    await dst.enqueue(draft as { event_id: string; event_type: string });
    await dst.close();
    const r = await loginFlow({ homeDir: home, env: {}, now, username: 'ada', password: 'pw' });
    expect(r.adopted).toBe(3);
    const acct = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now });
    expect((await acct.listPending({ limit: 10 })).map((e) => e.eventId).sort()).toEqual([...ids].sort());
    await acct.close();
  });
});
