import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cleanupTempDirs, createHttpTestServer, tempDir } from '@kitty/test-utils';
import { readLastSync, syncNow, type SyncNowOptions } from '../src/index.js';
import { answerAll, idsOf, loggedInHome, startServer } from './support.js';

afterAll(cleanupTempDirs);

let server: Awaited<ReturnType<typeof startServer>>;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

const run = (home: string, extra: Partial<SyncNowOptions> = {}) =>
  syncNow({ homeDir: home, env: {}, now: () => new Date(), retryDelayMs: 1, ...extra });

describe('sync now', () => {
  it('sends gzip JSON batches with the bearer token and removes acknowledged events', async () => {
    const { home, ids, queue } = await loggedInHome(server, 3);
    server.on('POST /api/v1/events/batch/', answerAll());
    const r = await run(home);
    expect(r).toMatchObject({
      status: 'ok',
      synced: 3,
      duplicates: 0,
      failed: 0,
      remaining: 0,
      summary: 'Synced: 3, Duplicates: 0, Failed: 0',
    });
    const req = server.batchRequests()[0];
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers['authorization']).toBe('Bearer acc-0');
    expect(idsOf(req)).toEqual(ids);
    expect((await (await queue()).stats()).depth).toBe(0);
    expect(readLastSync(r.queuePath as string)).toMatchObject({ status: 'ok', synced: 3 });
  });

  it('splits large queues into batches of at most 1000 and reports progress', async () => {
    const { home } = await loggedInHome(server, 2500);
    server.on('POST /api/v1/events/batch/', answerAll());
    const progress: number[] = [];
    const r = await run(home, { onProgress: (p) => progress.push(p.sent) });
    expect(r).toMatchObject({ status: 'ok', synced: 2500, batches: 3 });
    expect(server.batchRequests().map((q) => idsOf(q).length)).toEqual([1000, 1000, 500]);
    expect(progress).toEqual([1000, 2000, 2500]);
  });

  it('hands back the batch it claimed ahead when the run stops', async () => {
    const { home, queue } = await loggedInHome(server, 2500);
    let calls = 0;
    server.on('POST /api/v1/events/batch/', (req) => (++calls === 2 ? { status: 403, body: { error: 'no' } } : answerAll()(req)));
    const r = await run(home);
    expect(r).toMatchObject({ status: 'auth', synced: 1000, remaining: 1500 });
    const q = await queue();
    const stats = await q.stats();
    expect(stats).toMatchObject({ inFlight: 0, retryHistogram: { '0': 1500, '1-3': 0, '4+': 0 } });
    expect((await q.claimBatch({ limit: 2000 })).events).toHaveLength(1500); // nothing is still leased
    await q.close();
  });

  it('releases at once the events a killed run had claimed on this host, and says so', async () => {
    const { home, ids } = await loggedInHome(server, 3);
    const { openQueue } = await import('@kitty/queue');
    const q = await openQueue({
      homeDir: home,
      scope: { serverUrl: server.url, username: 'ada' },
      now: () => new Date(),
      host: 'this-host',
    });
    expect((await q.claimBatch({ limit: 10, pid: 999_999_999, owner: 'sync:killed' })).events).toHaveLength(3);
    await q.close();
    server.on('POST /api/v1/events/batch/', answerAll());
    const r = await run(home, { host: 'this-host', pid: process.pid });
    expect(r).toMatchObject({ status: 'ok', synced: 3, remaining: 0 });
    expect(r.warnings.join(' ')).toContain('Released 3 event(s) claimed by a sync run that was killed');
    expect(idsOf(server.batchRequests()[0])).toEqual(ids);
  });

  it('applies mixed per-event results: success, duplicate, rejected, missing and unknown ids', async () => {
    const { home, ids, queue } = await loggedInHome(server, 4);
    server.on('POST /api/v1/events/batch/', () => ({
      body: {
        results: [
          { event_id: ids[0], status: 'success' },
          { event_id: ids[1], status: 'duplicate' },
          {
            event_id: ids[2],
            status: 'rejected',
            error: 'Invalid payload for HistoryAdded: missing required field',
            code: 'schema_mismatch',
          },
          { event_id: '01JZZZZZZZZZZZZZZZZZZZZZZZ', status: 'success' },
        ],
      },
    }));
    const r = await run(home);
    expect(r).toMatchObject({ status: 'partial', synced: 1, duplicates: 1, failed: 1, remaining: 2 });
    expect(r.summary).toBe('Synced: 1, Duplicates: 1, Failed: 1 (schema_mismatch: 1)');
    expect(r.actions[0]).toMatch(/^schema_mismatch: 1 -- Run `spec-kitty sync diagnose`/);
    expect(r.failures).toEqual([
      {
        event_id: ids[2],
        event_type: 'HistoryAdded',
        category: 'schema_mismatch',
        error: expect.stringContaining('missing'),
        code: 'schema_mismatch',
      },
    ]);
    expect(r.warnings.join(' ')).toContain('not in the batch');
    const stats = await (await queue()).stats();
    expect(stats.retryHistogram).toEqual({ '0': 1, '1-3': 1, '4+': 0 });
  });

  it('does not let a rejected event block newer ones', async () => {
    const { home, ids, queue } = await loggedInHome(server, 2);
    server.on(
      'POST /api/v1/events/batch/',
      answerAll((id) => (id === ids[0] ? 'rejected' : 'success')),
    );
    await run(home);
    const { enqueue } = await import('./support.js');
    const [newer] = await enqueue(await queue(), 1);
    const second = await run(home);
    expect(second.synced).toBe(1);
    expect(idsOf(server.batchRequests().at(-1))).toEqual([newer]); // the rejected one waits for its backoff
  });

  it('surfaces 400 error and per-event details keyed by event_id, and re-sends the others', async () => {
    const { home, ids } = await loggedInHome(server, 3);
    let calls = 0;
    server.on('POST /api/v1/events/batch/', (req) => {
      calls += 1;
      if (calls === 1)
        return {
          status: 400,
          body: {
            error: 'Batch validation failed',
            details: [{ event_id: ids[1], error: 'project_uuid authorization check failed', code: 'unauthorized' }],
          },
        };
      return answerAll()(req);
    });
    const r = await run(home);
    expect(r).toMatchObject({ status: 'partial', synced: 2, failed: 1, categories: { auth_expired: 1 } });
    expect(r.failures[0]).toMatchObject({ event_id: ids[1], error: 'project_uuid authorization check failed' });
    expect(idsOf(server.batchRequests()[1])).toEqual([ids[0], ids[2]]);
  });

  it('bisects a 400 with text details down to the offending event (no positional guessing)', async () => {
    const { home, ids } = await loggedInHome(server, 5);
    const poison = ids[3] as string;
    server.on('POST /api/v1/events/batch/', (req) =>
      idsOf(req).includes(poison)
        ? { status: 400, body: { error: 'Bad batch', details: 'one event has an invalid field' } }
        : answerAll()(req),
    );
    const r = await run(home);
    expect(r).toMatchObject({ status: 'partial', synced: 4, failed: 1 });
    expect(r.failures).toEqual([
      expect.objectContaining({ event_id: poison, error: 'Bad batch: one event has an invalid field', category: 'schema_mismatch' }),
    ]);
  });

  it('refreshes once on 401 and replays the batch', async () => {
    const { home } = await loggedInHome(server, 2);
    server.on('POST /api/v1/events/batch/', (req) =>
      req.headers['authorization'] === 'Bearer acc-0' ? { status: 401, body: { detail: 'expired' } } : answerAll()(req),
    );
    const r = await run(home);
    expect(r).toMatchObject({ status: 'ok', synced: 2, refreshes: 1 });
    expect(server.refreshes()).toBe(1);
    expect(server.batchRequests().map((q) => q.headers['authorization'])).toEqual(['Bearer acc-0', 'Bearer acc-1']);
  });

  it('stops on a second 401 and on 403 without touching retry counts', async () => {
    const { home, queue } = await loggedInHome(server, 2);
    server.on('POST /api/v1/events/batch/', { status: 401, body: { detail: 'no' } });
    const a = await run(home);
    expect(a).toMatchObject({ status: 'auth', synced: 0, failed: 0, remaining: 2 });
    expect(a.message).toContain('spec-kitty auth login');
    server.on('POST /api/v1/events/batch/', { status: 403, body: { error: 'not a member of team-a' } });
    const b = await run(home);
    expect(b).toMatchObject({ status: 'auth', remaining: 2 });
    expect(b.message).toContain('HTTP 403');
    expect(b.message).toContain('not a member of team-a');
    expect((await (await queue()).stats()).retryHistogram).toEqual({ '0': 2, '1-3': 0, '4+': 0 });
  });

  it('splits on 413 and dead-letters a single event that is still too large', async () => {
    const { home, ids, queue } = await loggedInHome(server, 4);
    const big = ids[2] as string;
    server.on('POST /api/v1/events/batch/', (req) =>
      idsOf(req).length > 1 || idsOf(req)[0] === big ? { status: 413, body: 'too large' } : answerAll()(req),
    );
    const r = await run(home);
    expect(r).toMatchObject({ synced: 3, failed: 1, deadLettered: 1, remaining: 0 });
    const dead = await (await queue()).listDead();
    expect(dead.map((d) => d.eventId)).toEqual([big]);
  });

  it('honours Retry-After on 429, shared with the next run, and keeps events untouched', async () => {
    const { home, queue } = await loggedInHome(server, 2);
    server.on('POST /api/v1/events/batch/', { status: 429, headers: { 'retry-after': '7' }, body: { error: 'slow down' } });
    const t0 = Date.now();
    const r = await run(home);
    expect(r.status).toBe('offline');
    expect(Date.parse(r.retryAt as string) - t0).toBeGreaterThanOrEqual(6_000);
    expect(r.message).toContain('2 event(s) kept for later');
    const again = await run(home);
    expect(again.status).toBe('offline');
    expect(server.batchRequests()).toHaveLength(1);
    expect((await (await queue()).stats()).retryHistogram['0']).toBe(2);
  });

  it('retries transient 5xx within the run, then keeps events for later', async () => {
    const { home } = await loggedInHome(server, 2);
    let calls = 0;
    server.on('POST /api/v1/events/batch/', (req) => (++calls <= 2 ? { status: 500, body: 'boom' } : answerAll()(req)));
    const r = await run(home);
    expect(r).toMatchObject({ status: 'ok', synced: 2, requests: 3 });
    server.on('POST /api/v1/events/batch/', { status: 502, body: 'bad gateway' });
    const home2 = await loggedInHome(server, 3);
    const before = server.batchRequests().length;
    const down = await run(home2.home);
    expect(down).toMatchObject({ status: 'offline', synced: 0, failed: 0, remaining: 3 });
    expect(server.batchRequests().length - before).toBe(3);
    expect(down.message).toMatch(/^Offline or server unavailable: .*HTTP 502.* 3 event\(s\) kept for later\.$/);
  });

  it('treats refused connections and timeouts as offline', async () => {
    const { home } = await loggedInHome(server, 1);
    server.on('POST /api/v1/events/batch/', { delayMs: 2_000, body: { results: [] } });
    const slow = await run(home, { timeoutMs: 200, transientAttempts: 1 });
    expect(slow).toMatchObject({ status: 'offline', remaining: 1 });
    expect(slow.message).toContain('did not answer in time');
    server.on('POST /api/v1/events/batch/', { destroy: true });
    expect(await run(home, { transientAttempts: 2 })).toMatchObject({ status: 'offline', remaining: 1 });
  });

  it('changes nothing on malformed, oversized or gzip-bomb answers and reports them', async () => {
    const { home, queue } = await loggedInHome(server, 2);
    for (const bad of [
      { body: '{"results":[' },
      { body: '<html>oops</html>' },
      { body: { results: {} } },
      { rawBody: Buffer.alloc(5 * 1024 * 1024, 0x20), headers: { 'content-type': 'application/json' } },
      {
        rawBody: gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)),
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      },
    ]) {
      server.on('POST /api/v1/events/batch/', bad);
      const r = await run(home);
      expect(r).toMatchObject({ status: 'error', synced: 0, remaining: 2 });
      expect(r.message).toContain('unexpected response from server');
    }
    expect((await (await queue()).stats()).retryHistogram['0']).toBe(2);
  });

  it('never follows a redirect, so the token never reaches another origin', async () => {
    const other = await createHttpTestServer();
    try {
      const { home } = await loggedInHome(server, 1);
      server.on('POST /api/v1/events/batch/', { status: 307, headers: { location: `${other.url}/api/v1/events/batch/` } });
      const r = await run(home);
      expect(r).toMatchObject({ status: 'error', remaining: 1 });
      expect(r.message).toContain('HTTP 307');
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('says how to enable sync when disabled, and how to log in when logged out', async () => {
    const home = tempDir();
    const off = await run(home);
    expect(off).toMatchObject({ status: 'disabled' });
    expect(off.message).toContain('spec-kitty sync server');
    const { updateSyncConfig } = await import('../src/index.js');
    updateSyncConfig(home, { server_url: server.url });
    const out = await run(home);
    expect(out.status).toBe('auth');
    expect(out.message).toContain('spec-kitty auth login');
  });

  it('writes the --report file with per-event failures', async () => {
    const { home, ids } = await loggedInHome(server, 2);
    server.on(
      'POST /api/v1/events/batch/',
      answerAll((id) => (id === ids[1] ? 'rejected' : 'success')),
    );
    const r = await run(home);
    const { writeSyncReport } = await import('../src/index.js');
    const file = path.join(tempDir(), 'report.json');
    await writeSyncReport(file, r, () => new Date('2026-03-01T00:00:00Z'));
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
      summary: { failed: number };
      failures: Array<{ event_id: string; event_type: string; category: string; error: string }>;
    };
    expect(doc.summary.failed).toBe(1);
    expect(doc.failures).toEqual([expect.objectContaining({ event_id: ids[1], event_type: 'HistoryAdded', category: 'schema_mismatch' })]);
    await expect(writeSyncReport(path.join(tempDir(), 'no/such/dir/r.json'), r, () => new Date())).rejects.toMatchObject({
      code: 'REPORT_WRITE_FAILED',
    });
  });
});
