import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs } from '@kitty/test-utils';
import { draft, eid, openTest, rawDb } from './helpers.js';

afterAll(() => cleanupTempDirs());

const MIN = 60_000;

describe('claimBatch: FIFO batches of due events', () => {
  it('hands out events in created_at, id order, at most `limit`, and only those due', async () => {
    const t = await openTest();
    await t.queue.enqueue(draft(3));
    t.clock.advance(1000);
    await t.queue.enqueueMany([draft(1), draft(2)]);
    t.clock.advance(1000);
    await t.queue.enqueue(draft(0));
    const first = await t.queue.claimBatch({ limit: 3, owner: 'a' });
    expect(first.events.map((e) => e.eventId)).toEqual([eid(3), eid(1), eid(2)]);
    expect(first.owner).toBe('a');
    expect(first.leaseUntil?.getTime()).toBe(t.clock.nowMs() + 120_000);
    expect(first.events[0]?.envelope).toEqual({ ...draft(3), lamport_clock: 1 });
    const second = await t.queue.claimBatch({ limit: 3 });
    expect(second.events.map((e) => e.eventId)).toEqual([eid(0)]);
    const third = await t.queue.claimBatch();
    expect(third).toEqual({ claimId: null, owner: 'unknown', leaseUntil: null, events: [], notBefore: null, releasedStale: 0 });
    await t.queue.close();
  });

  it('validates its options', async () => {
    const t = await openTest();
    await expect(t.queue.claimBatch({ limit: 0 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(t.queue.claimBatch({ limit: 10_001 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(t.queue.claimBatch({ leaseMs: -5 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(t.queue.claimBatch({ owner: '' })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await t.queue.close();
  });

  it('two queues on the same file never hand out the same event while a lease runs; an expired lease is claimable again', async () => {
    const a = await openTest();
    const b = await openTest({ homeDir: a.home, clock: a.clock });
    await a.queue.enqueueMany(Array.from({ length: 10 }, (_, i) => draft(i)));
    const ca = await a.queue.claimBatch({ limit: 4, leaseMs: 30_000, owner: 'a' });
    const cb = await b.queue.claimBatch({ limit: 4, leaseMs: 30_000, owner: 'b' });
    const cc = await a.queue.claimBatch({ limit: 4, leaseMs: 30_000, owner: 'a' });
    const ids = [...ca.events, ...cb.events, ...cc.events].map((e) => e.eventId);
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => eid(i)));
    expect((await b.queue.stats()).inFlight).toBe(10);
    expect((await b.queue.claimBatch()).events).toEqual([]);

    // a crashes; after its lease ends, b takes its events (still FIFO first).
    a.clock.advance(30_001);
    const retake = await b.queue.claimBatch({ limit: 100, owner: 'b' });
    expect(retake.events.map((e) => e.eventId)).toEqual(ids);
    // a's late results: delivered events are removed anyway, rejections of events it no longer holds are ignored.
    const late = await a.queue.applyResults(ca.claimId as string, [
      { eventId: eid(0), status: 'success' },
      { eventId: eid(1), status: 'rejected', error: 'x' },
    ]);
    expect(late).toMatchObject({
      synced: 1,
      rejected: 0,
      released: 0,
      leaseExpired: true,
      ignored: [{ eventId: eid(1), reason: 'not-held' }],
    });
    const done = await b.queue.applyResults(
      retake.claimId as string,
      ids.map((eventId) => ({ eventId, status: 'duplicate' as const })),
    );
    expect(done).toMatchObject({ duplicates: 9, ignored: [{ eventId: eid(0), reason: 'unknown' }] });
    expect((await a.queue.stats()).depth).toBe(0);
    await a.queue.close();
    await b.queue.close();
  });
});

describe('applyResults', () => {
  it('removes success and duplicate, keeps rejected with retry + 1, backoff, error and category; releases the rest', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([draft(1), draft(2), draft(3), draft(4), draft(5)]);
    const batch = await t.queue.claimBatch({ owner: 'sync' });
    const summary = await t.queue.applyResults(batch.claimId as string, [
      { eventId: eid(1), status: 'success' },
      { eventId: eid(2).toLowerCase(), status: 'duplicate' },
      { eventId: eid(3), status: 'rejected', error: 'missing field wp_id', category: 'schema_mismatch' },
      { eventId: eid(99), status: 'success' },
      { eventId: 'not-an-id', status: 'success' },
    ]);
    expect(summary).toEqual({
      synced: 1,
      duplicates: 1,
      rejected: 1,
      deadLettered: 0,
      released: 2,
      ignored: [
        { eventId: 'not-an-id', reason: 'invalid-id' },
        { eventId: eid(99), reason: 'unknown' },
      ],
      leaseExpired: false,
    });
    const db = rawDb(t.queue.path, { readonly: true });
    const rows = db
      .prepare(
        'select event_id, retry_count, next_attempt_at, last_error, last_category, last_attempt_at, claim_id from outbox order by id',
      )
      .all();
    db.close();
    const now = t.clock.nowMs();
    expect(rows).toEqual([
      {
        event_id: eid(3),
        retry_count: 1,
        next_attempt_at: now + MIN,
        last_error: 'missing field wp_id',
        last_category: 'schema_mismatch',
        last_attempt_at: now,
        claim_id: null,
      },
      {
        event_id: eid(4),
        retry_count: 0,
        next_attempt_at: now,
        last_error: null,
        last_category: null,
        last_attempt_at: null,
        claim_id: null,
      },
      {
        event_id: eid(5),
        retry_count: 0,
        next_attempt_at: now,
        last_error: null,
        last_category: null,
        last_attempt_at: null,
        claim_id: null,
      },
    ]);
    expect((await t.queue.stats()).lastSuccessAt?.getTime()).toBe(now);
    // The claim is finished: using it again is an error.
    await expect(t.queue.applyResults(batch.claimId as string, [])).rejects.toMatchObject({ code: 'QUEUE_CLAIM_UNKNOWN' });
    await expect(t.queue.applyResults('made-up', [])).rejects.toMatchObject({ code: 'QUEUE_CLAIM_UNKNOWN' });
    await expect(t.queue.applyResults(batch.claimId as string, [{ eventId: eid(1), status: 'ok' } as never])).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
    await t.queue.close();
  });

  it('a rejected event never blocks newer ones: it waits out its backoff while later events are handed out', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([draft(1), draft(2)]);
    t.clock.advance(1);
    await t.queue.enqueueMany([draft(3), draft(4)]);
    const first = await t.queue.claimBatch({ limit: 2 });
    await t.queue.applyResults(
      first.claimId as string,
      first.events.map((e) => ({ eventId: e.eventId, status: 'rejected' as const, error: 'bad', category: 'schema_mismatch' })),
    );
    const next = await t.queue.claimBatch({ limit: 2 });
    expect(next.events.map((e) => e.eventId)).toEqual([eid(3), eid(4)]);
    await t.queue.applyResults(
      next.claimId as string,
      next.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
    );
    expect((await t.queue.claimBatch()).events).toEqual([]);
    // After the backoff the poison events come back, still in FIFO order.
    t.clock.advance(MIN);
    expect((await t.queue.claimBatch()).events.map((e) => [e.eventId, e.retryCount, e.lastCategory])).toEqual([
      [eid(1), 1, 'schema_mismatch'],
      [eid(2), 1, 'schema_mismatch'],
    ]);
    await t.queue.close();
  });

  it('moves an event to dead after the retry cap (or at once when permanent), with exponential backoff before', async () => {
    const t = await openTest({ retryCap: 3, backoff: (n) => n * 1000 });
    await t.queue.enqueueMany([draft(1), draft(2)]);
    const delays: number[] = [];
    for (let round = 1; round <= 3; round += 1) {
      const batch = await t.queue.claimBatch({ limit: 1 });
      expect(batch.events.map((e) => e.eventId)).toEqual([eid(1)]);
      const s = await t.queue.applyResults(batch.claimId as string, [{ eventId: eid(1), status: 'rejected', error: `round ${round}` }]);
      expect(s.deadLettered).toBe(round === 3 ? 1 : 0);
      const db = rawDb(t.queue.path, { readonly: true });
      const row = db.prepare('select next_attempt_at - last_attempt_at as delay from outbox where event_id = ?').get(eid(1)) as {
        delay: number;
      };
      db.close();
      delays.push(row.delay);
      t.clock.advance(round * 1000);
    }
    expect(delays).toEqual([1000, 2000, 3000]);
    const dead = await t.queue.listDead();
    expect(dead).toEqual([
      expect.objectContaining({
        eventId: eid(1),
        retryCount: 3,
        lastError: 'round 3',
        lastCategory: 'unknown',
        envelope: { ...draft(1), lamport_clock: 1 },
      }),
    ]);
    const batch = await t.queue.claimBatch();
    expect(batch.events.map((e) => e.eventId)).toEqual([eid(2)]);
    await t.queue.applyResults(batch.claimId as string, [
      { eventId: eid(2), status: 'rejected', error: 'too large', category: 'too_large', permanent: true },
    ]);
    expect((await t.queue.listDead()).map((d) => [d.eventId, d.retryCount, d.lastCategory])).toEqual([
      [eid(1), 3, 'unknown'],
      [eid(2), 1, 'too_large'],
    ]);
    expect((await t.queue.stats()).dead).toBe(2);
    await t.queue.close();
  });

  it('uses the default backoff when a custom one returns nonsense', async () => {
    const t = await openTest({ backoff: () => Number.NaN });
    await t.queue.enqueue(draft(1));
    const b = await t.queue.claimBatch();
    await t.queue.applyResults(b.claimId as string, [{ eventId: eid(1), status: 'rejected' }]);
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.prepare('select next_attempt_at - last_attempt_at as d, last_error e from outbox').get()).toEqual({
      d: MIN,
      e: 'rejected by the server (no reason given)',
    });
    db.close();
    await t.queue.close();
  });
});

describe('releaseClaim (transient failures)', () => {
  it('puts the events back untouched, counts the failure and shares Retry-After with every process', async () => {
    const a = await openTest();
    const b = await openTest({ homeDir: a.home, clock: a.clock });
    await a.queue.enqueueMany([draft(1), draft(2)]);
    const batchA = await a.queue.claimBatch({ limit: 1 });
    const batchB = await b.queue.claimBatch({ limit: 1 });
    const until = new Date(a.clock.nowMs() + 7000);
    expect(await a.queue.releaseClaim(batchA.claimId as string, { error: 'HTTP 429', notBefore: until })).toEqual({ released: 1 });
    // A shorter Retry-After seen by another process never shortens the longer one.
    expect(
      await b.queue.releaseClaim(batchB.claimId as string, { error: 'HTTP 503', notBefore: new Date(a.clock.nowMs() + 2000) }),
    ).toEqual({ released: 1 });
    // Neither process hands anything out before Retry-After.
    const blocked = await b.queue.claimBatch();
    expect(blocked).toMatchObject({ claimId: null, events: [], notBefore: until });
    expect((await a.queue.claimBatch()).events).toEqual([]);
    const stats = await b.queue.stats();
    expect(stats).toMatchObject({
      consecutiveTransientFailures: 2,
      lastTransientError: 'HTTP 503',
      notBefore: until,
      retryHistogram: { '0': 2, '1-3': 0, '4+': 0 },
    });
    a.clock.advance(7000);
    const later = await b.queue.claimBatch();
    expect(later.events.map((e) => [e.eventId, e.retryCount])).toEqual([
      [eid(1), 0],
      [eid(2), 0],
    ]);
    await b.queue.releaseClaim(later.claimId as string, { notBefore: new Date(a.clock.nowMs() - 1000) });
    expect((await b.queue.claimBatch()).events).toHaveLength(2);
    await expect(b.queue.releaseClaim('nope')).rejects.toMatchObject({ code: 'QUEUE_CLAIM_UNKNOWN' });
    await expect(b.queue.releaseClaim(later.claimId as string, { notBefore: new Date('x') })).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
    expect((await b.queue.stats()).consecutiveTransientFailures).toBe(3);
    await a.queue.close();
    await b.queue.close();
  });

  it('a stored envelope that is not readable JSON goes to dead with a warning instead of stalling the batch', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([draft(1), draft(2)]);
    const db = rawDb(t.queue.path);
    db.prepare('update outbox set data = ? where event_id = ?').run('{"event_id": "01J0000', eid(1));
    db.close();
    const batch = await t.queue.claimBatch();
    expect(batch.events.map((e) => e.eventId)).toEqual([eid(2)]);
    expect(t.warnings.map((w) => w.code)).toEqual(['QUEUE_ROW_UNREADABLE']);
    expect(await t.queue.listDead()).toEqual([expect.objectContaining({ eventId: eid(1), lastCategory: 'corrupt_row', envelope: null })]);
    await t.queue.close();
  });
});

describe('listPending and non-transient release', () => {
  it('lists pending events in FIFO order without claiming them', async () => {
    const { openQueue } = await import('../src/index.js');
    const { tempDir } = await import('@kitty/test-utils');
    const home = tempDir();
    const q = await openQueue({ homeDir: home, now: () => new Date('2026-01-01T00:00:00Z') });
    try {
      const ids = ['01J0000000000000000000000A', '01J0000000000000000000000B', '01J0000000000000000000000C'];
      await q.enqueueMany(ids.map((event_id) => ({ event_id, event_type: 'HistoryAdded', payload: {} })));
      const listed = await q.listPending({ limit: 2, offset: 1 });
      expect(listed.map((e) => e.eventId)).toEqual(ids.slice(1));
      expect(listed[0]?.envelope).toMatchObject({ event_id: ids[1], lamport_clock: 2 });
      const claim = await q.claimBatch();
      expect(claim.events).toHaveLength(3); // listing claimed nothing
      await q.releaseClaim(claim.claimId as string, { transient: false });
      expect((await q.stats()).consecutiveTransientFailures).toBe(0);
      const again = await q.claimBatch();
      await q.releaseClaim(again.claimId as string, { error: 'offline' });
      expect((await q.stats()).consecutiveTransientFailures).toBe(1);
      await expect(q.listPending({ limit: 0 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    } finally {
      await q.close();
    }
  });

  it('refuses an event larger than 64 KiB with QUEUE_EVENT_TOO_LARGE and queues nothing', async () => {
    const { openQueue, MAX_EVENT_BYTES } = await import('../src/index.js');
    const { tempDir } = await import('@kitty/test-utils');
    const q = await openQueue({ homeDir: tempDir(), now: () => new Date() });
    try {
      const big = { event_id: '01J0000000000000000000000D', event_type: 'HistoryAdded', payload: { text: 'x'.repeat(MAX_EVENT_BYTES) } };
      await expect(q.enqueueMany([{ event_id: '01J0000000000000000000000E', event_type: 'HistoryAdded' }, big])).rejects.toMatchObject({
        code: 'QUEUE_EVENT_TOO_LARGE',
        message: expect.stringContaining('64 KiB'),
      });
      expect((await q.stats()).depth).toBe(0);
    } finally {
      await q.close();
    }
  });
});
