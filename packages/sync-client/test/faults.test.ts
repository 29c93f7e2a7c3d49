import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { createHttpClient, readCredentials, syncNow, writeSyncReport, type SyncNowOptions } from '../src/index.js';
import { loggedInHomeAt, startFaultServer } from './support.js';

// Issue 15: every run ends within its deadline, with the right message and status, and nothing is lost.
afterAll(cleanupTempDirs);

let server: Awaited<ReturnType<typeof startFaultServer>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const run = (home: string, extra: Partial<SyncNowOptions> = {}) =>
  syncNow({ homeDir: home, env: {}, now: () => new Date(), retryDelayMs: 1, timeoutMs: 400, deadlineMs: 8_000, ...extra });

async function pendingIds(queue: () => Promise<import('@kitty/queue').Queue>): Promise<number> {
  const q = await queue();
  try {
    return (await q.stats()).depth;
  } finally {
    await q.close();
  }
}

describe('bounded time', () => {
  it('a server that sends headers and then stalls the body times out (the timeout covers the body)', async () => {
    server = await startFaultServer();
    server.setBatch(() => ({ kind: 'stall-body' }));
    const { home, queue } = await loggedInHomeAt(server.url, 3);
    const r = await run(home, { transientAttempts: 2 });
    expect(r).toMatchObject({ status: 'offline', stopReason: 'offline', synced: 0, remaining: 3 });
    expect(r.message).toMatch(/did not answer in time/);
    expect(server.batchRequests()).toBe(2); // the client retried once, then kept the events
    expect(await pendingIds(queue)).toBe(3);
  }, 30_000);

  it('a server that never answers ends the run with an offline status', async () => {
    server = await startFaultServer();
    server.setBatch(() => ({ kind: 'never-answer' }));
    const { home, queue } = await loggedInHomeAt(server.url, 2);
    const r = await run(home);
    expect(r).toMatchObject({ status: 'offline', remaining: 2 });
    expect(r.message).toContain('2 event(s) kept for later');
    expect(await pendingIds(queue)).toBe(2);
  }, 30_000);

  it('the run deadline cuts a request in flight, even when the request timeout is longer', async () => {
    server = await startFaultServer();
    server.setBatch(() => ({ kind: 'stall-body' }));
    const { home, queue } = await loggedInHomeAt(server.url, 2);
    const r = await run(home, { timeoutMs: 60_000, deadlineMs: 700 });
    expect(r).toMatchObject({ status: 'offline', stopReason: 'deadline', remaining: 2 });
    expect(r.message).toMatch(/run deadline/);
    expect(await pendingIds(queue)).toBe(2);
  }, 30_000);

  it('the HTTP client itself times out on a stalled body and waits out a short Retry-After', async () => {
    server = await startFaultServer();
    server.setBatch(() => ({ kind: 'stall-body' }));
    const client = createHttpClient({ timeoutMs: 300 });
    const stalled = await client.postJson(`${server.url}/api/v1/events/batch/`, { events: [] });
    expect(stalled).toMatchObject({ kind: 'timeout', code: 'ETIMEDOUT' });
    let n = 0;
    server.setBatch(() =>
      ++n === 1
        ? { kind: 'answer', status: 503, headers: { 'retry-after': '1' }, body: { error: 'busy' } }
        : { kind: 'answer', body: { results: [] } },
    );
    const retrying = createHttpClient({ timeoutMs: 2_000, retries: 1 });
    const r = await retrying.postJson(`${server.url}/api/v1/events/batch/`, { events: [] });
    expect(r).toMatchObject({ kind: 'reply', status: 200 });
    expect(retrying.requests).toBe(2);
    n = 0;
    server.setBatch(() => ({ kind: 'answer', status: 503, headers: { 'retry-after': '120' }, body: { error: 'busy' } }));
    const long = await retrying.postJson(`${server.url}/api/v1/events/batch/`, { events: [] });
    expect(long).toMatchObject({ kind: 'reply', status: 503 }); // too long to wait in-process: handed to the caller
  }, 30_000);
});

describe('refusals and partial answers', () => {
  it('413 for every size: the circuit breaker stops the run; nothing is lost; single events are too_large', async () => {
    server = await startFaultServer();
    server.setBatch(() => ({ kind: 'answer', status: 413, body: { error: 'too large' } }));
    const { home, queue } = await loggedInHomeAt(server.url, 1500);
    const r = await run(home);
    expect(r).toMatchObject({ status: 'error', stopReason: 'circuit_breaker', synced: 0 });
    expect(r.message).toMatch(/refused 16 requests in a row/);
    expect(server.batchRequests()).toBe(16);
    const q = await queue();
    const stats = await q.stats();
    const dead = await q.listDead();
    await q.close();
    expect(dead.length).toBeGreaterThan(0);
    expect(dead.every((d) => d.lastCategory === 'too_large')).toBe(true);
    expect(stats.depth + stats.dead).toBe(1500);
    expect(r.categories).toEqual({ too_large: dead.length });
  }, 60_000);

  it('a 200 that answers only half the events: status incomplete, the missing ids named and kept', async () => {
    server = await startFaultServer();
    server.setBatch((ids) => ({
      kind: 'answer',
      body: { results: ids.slice(0, Math.floor(ids.length / 2)).map((id) => ({ event_id: id, status: 'success' })) },
    }));
    const { home, ids, queue } = await loggedInHomeAt(server.url, 10);
    const r = await run(home);
    expect(r).toMatchObject({ status: 'incomplete', synced: 5, remaining: 5 });
    expect(r.missingEventIds).toEqual(ids.slice(5));
    expect(r.message).toContain(ids[9]);
    expect(await pendingIds(queue)).toBe(5);
  }, 30_000);
});

describe('redaction', () => {
  it('an opaque token the server echoes is never in the result, the report, the last-sync file or the queue database', async () => {
    const access = 'opaque7Kq2Zx9Wv4AccessTok';
    const refresh = 'opaque3Lp8Rt6RefreshTok';
    server = await startFaultServer({ access, refresh });
    const { home, ids } = await loggedInHomeAt(server.url, 2);
    expect(readCredentials(home)).toMatchObject({ status: 'present' });
    server.setBatch((sent) => ({
      kind: 'answer',
      body: {
        results: sent.map((id) => ({
          event_id: id,
          status: 'rejected',
          error: `token ${access} (refresh ${refresh}) is not allowed to write here; password pw-secret-1`,
        })),
      },
    }));
    const r = await run(home);
    expect(r).toMatchObject({ status: 'partial', failed: 2 });
    const report = path.join(tempDir(), 'report.json');
    await writeSyncReport(report, r, () => new Date());
    server.setBatch(() => ({ kind: 'answer', status: 403, body: { error: `forbidden for ${access}` } }));
    const r2 = await run(home, { now: () => new Date(Date.now() + 24 * 3_600_000) });
    expect(r2.status).toBe('auth');
    expect(r2.message).toContain('forbidden for ***');
    const stateDir = path.join(home, '.spec-kitty');
    const stored = [
      JSON.stringify(r),
      JSON.stringify(r2),
      readFileSync(report, 'utf8'),
      ...readdirSync(path.join(stateDir, 'queues')).map((f) => readFileSync(path.join(stateDir, 'queues', f)).toString('latin1')),
    ].join('\n');
    expect(stored).toContain(ids[0]);
    expect(stored).toContain('is not allowed to write here');
    for (const secret of [access, refresh, 'pw-secret-1']) expect(stored).not.toContain(secret);
  }, 30_000);
});
