import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs } from '@kitty/test-utils';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { QueueDb } from '../src/schema.js';
import { draft, eid, openTest, rawDb } from './helpers.js';

afterAll(() => cleanupTempDirs());

describe('stats', () => {
  it('reports zeros and nulls for an empty queue', async () => {
    const t = await openTest();
    const s = await t.queue.stats();
    expect(s).toMatchObject({
      path: t.queue.path,
      scope: null,
      depth: 0,
      dead: 0,
      inFlight: 0,
      backingOff: 0,
      oldestCreatedAt: null,
      oldestAgeMs: null,
      retryHistogram: { '0': 0, '1-3': 0, '4+': 0 },
      topEventTypes: [],
      topFailureCategories: [],
      capacity: 100_000,
      capacityUsed: 0,
      lamportClock: 0,
      lastSuccessAt: null,
      notBefore: null,
      consecutiveTransientFailures: 0,
      lastTransientError: null,
    });
    expect(s.databaseBytes).toBeGreaterThan(0);
    await t.queue.close();
  });

  it('reports depth, oldest age, retry histogram, top types and categories, dead, in-flight and size in one call', async () => {
    const t = await openTest({ retryCap: 50, backoff: () => 5 });
    const types = ['A', 'A', 'A', 'B', 'B', 'C', 'D', 'E', 'F', 'G'];
    await t.queue.enqueueMany(types.map((type, i) => draft(i, type)));
    t.clock.advance(90_000);
    // Event 0: 5 rejections (4+); event 1: 2 (1-3); event 2: dead via permanent; event 3: in flight.
    const reject = async (id: number, times: number, category: string, permanent = false) => {
      for (let i = 0; i < times; i += 1) {
        t.clock.advance(10);
        // Claim everything due; events without an outcome are released untouched.
        const b = await t.queue.claimBatch({ limit: 100 });
        expect(b.events.map((e) => e.eventId)).toContain(eid(id));
        await t.queue.applyResults(b.claimId as string, [{ eventId: eid(id), status: 'rejected', category, permanent }]);
      }
    };
    await reject(0, 5, 'schema_mismatch');
    t.clock.advance(10);
    await reject(1, 2, 'server_error');
    t.clock.advance(10);
    await reject(2, 1, 'schema_mismatch', true);
    const inflight = await t.queue.claimBatch({ limit: 2 });
    expect(inflight.events.map((e) => e.eventId)).toEqual([eid(0), eid(1)]);
    const s = await t.queue.stats();
    expect(s).toMatchObject({
      depth: 9,
      dead: 1,
      inFlight: 2,
      backingOff: 0,
      oldestCreatedAt: new Date('2026-03-01T12:00:00.000Z'),
      retryHistogram: { '0': 7, '1-3': 1, '4+': 1 },
      topEventTypes: [
        { eventType: 'A', count: 2 },
        { eventType: 'B', count: 2 },
        { eventType: 'C', count: 1 },
        { eventType: 'D', count: 1 },
        { eventType: 'E', count: 1 },
      ],
      topFailureCategories: [
        { category: 'schema_mismatch', count: 2 },
        { category: 'server_error', count: 1 },
      ],
      lamportClock: 10,
    });
    expect(s.oldestAgeMs).toBe(t.clock.nowMs() - Date.parse('2026-03-01T12:00:00.000Z'));
    await t.queue.close();
  });

  it('answers from indexes: the claim and stats queries never scan the outbox table, and the claim never sorts', async () => {
    const t = await openTest();
    await t.queue.enqueueMany(Array.from({ length: 50 }, (_, i) => draft(i, `T${i % 3}`)));
    await t.queue.close();
    const raw = rawDb(t.queue.path);
    const db = new Kysely<QueueDb>({ dialect: new SqliteDialect({ database: raw }) });
    const now = 1;
    const queries = [
      db
        .selectFrom('outbox')
        .select(['id', 'data'])
        .where('status', '=', 'pending')
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .orderBy('created_at')
        .orderBy('id')
        .limit(1000),
      db
        .selectFrom('outbox')
        .select(sql`sum(retry_count = 0)`.as('a'))
        .where('status', '=', 'pending'),
      db
        .selectFrom('outbox')
        .select(sql`min(created_at)`.as('a'))
        .where('status', '=', 'pending'),
      db
        .selectFrom('outbox')
        .select(['event_type', sql`count(*)`.as('n')])
        .where('status', '=', 'pending')
        .groupBy('event_type'),
      db
        .selectFrom('outbox')
        .select(['last_category', sql`count(*)`.as('n')])
        .where('last_category', 'is not', null)
        .groupBy('last_category'),
      db
        .selectFrom('outbox')
        .select(sql`count(*)`.as('n'))
        .where('claim_id', 'is not', null)
        .where('lease_until', '>', now),
    ];
    for (const q of queries) {
      const c = q.compile();
      const plan = (raw.prepare(`explain query plan ${c.sql}`).all(...(c.parameters as unknown[])) as Array<{ detail: string }>)
        .map((r) => r.detail)
        .join(' | ');
      expect(plan).toMatch(/USING (COVERING )?INDEX outbox_/);
      expect(plan).not.toMatch(/SCAN outbox(?! USING)/);
      expect(plan).not.toMatch(/TEMP B-TREE FOR ORDER BY/);
    }
    await db.destroy();
  });
});
