import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs } from '@kitty/test-utils';
import { draft, eid, openTest } from './helpers.js';

afterAll(() => cleanupTempDirs());

async function killAll(t: Awaited<ReturnType<typeof openTest>>, ids: number[]): Promise<void> {
  const b = await t.queue.claimBatch({ limit: 100 });
  await t.queue.applyResults(
    b.claimId as string,
    b.events
      .filter((e) => ids.map(eid).includes(e.eventId))
      .map((e) => ({ eventId: e.eventId, status: 'rejected' as const, permanent: true, category: 'schema_mismatch' })),
  );
}

describe('dead letters', () => {
  it('lists dead events oldest first with paging, and re-queues them by id or all with a fresh retry count', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([1, 2, 3, 4].map((n) => draft(n)));
    await killAll(t, [1, 2, 3]);
    expect((await t.queue.listDead()).map((d) => d.eventId)).toEqual([eid(1), eid(2), eid(3)]);
    expect((await t.queue.listDead({ limit: 1, offset: 1 })).map((d) => d.eventId)).toEqual([eid(2)]);
    await expect(t.queue.listDead({ limit: 0 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });

    t.clock.advance(5000);
    expect(await t.queue.requeueDead([eid(2).toLowerCase(), eid(4), eid(77), 'bad id'])).toEqual({
      requeued: 1,
      notFound: ['bad id', eid(4), eid(77)],
    });
    expect((await t.queue.stats()).dead).toBe(2);
    const batch = await t.queue.claimBatch();
    expect(batch.events.map((e) => [e.eventId, e.retryCount])).toEqual([
      [eid(2), 0],
      [eid(4), 0],
    ]);
    await t.queue.releaseClaim(batch.claimId as string);
    expect(await t.queue.requeueDead('all')).toEqual({ requeued: 2, notFound: [] });
    expect(await t.queue.listDead()).toEqual([]);
    expect((await t.queue.stats()).depth).toBe(4);
    await expect(t.queue.requeueDead('some' as never)).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await t.queue.close();
  });
});

describe('capacity', () => {
  it('warns once at 80 % (again after dropping below), through onWarning only', async () => {
    const t = await openTest({ capacity: 10 });
    await t.queue.enqueueMany([1, 2, 3, 4, 5, 6, 7].map((n) => draft(n)));
    expect(t.warnings).toEqual([]);
    await t.queue.enqueue(draft(8));
    expect(t.warnings).toEqual([
      expect.objectContaining({
        code: 'QUEUE_NEARLY_FULL',
        details: expect.objectContaining({ pending: 8, capacity: 10, path: t.queue.path }),
      }),
    ]);
    expect(t.warnings[0]?.message).toContain('80% full (8 of 10');
    await t.queue.enqueue(draft(9));
    expect(t.warnings).toHaveLength(1);
    const b = await t.queue.claimBatch({ limit: 5 });
    await t.queue.applyResults(
      b.claimId as string,
      b.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
    );
    await t.queue.enqueue(draft(10));
    expect(t.warnings).toHaveLength(1);
    await t.queue.enqueueMany([11, 12, 13].map((n) => draft(n)));
    expect(t.warnings.map((w) => w.code)).toEqual(['QUEUE_NEARLY_FULL', 'QUEUE_NEARLY_FULL']);
    await t.queue.close();
  });

  it('default policy at the cap: the oldest pending events move to dead (category capacity), visible and re-queueable', async () => {
    const t = await openTest({ capacity: 5 });
    await t.queue.enqueueMany([1, 2, 3, 4, 5].map((n) => draft(n)));
    t.clock.advance(1);
    await t.queue.enqueueMany([6, 7].map((n) => draft(n)));
    expect(t.warnings.map((w) => w.code)).toEqual(['QUEUE_NEARLY_FULL', 'QUEUE_CAPACITY_DEAD_LETTERED']);
    expect(t.warnings[1]?.details).toMatchObject({ capacity: 5, deadLettered: 2 });
    const stats = await t.queue.stats();
    expect(stats).toMatchObject({ depth: 5, dead: 2, capacityUsed: 1, topFailureCategories: [{ category: 'capacity', count: 2 }] });
    expect((await t.queue.listDead()).map((d) => [d.eventId, d.lastCategory])).toEqual([
      [eid(1), 'capacity'],
      [eid(2), 'capacity'],
    ]);
    expect((await t.queue.claimBatch({ limit: 10 })).events.map((e) => e.eventId)).toEqual([3, 4, 5, 6, 7].map(eid));
    // Re-queueing past the cap is refused; nothing changes.
    await expect(t.queue.requeueDead('all')).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect((await t.queue.stats()).dead).toBe(2);
    await t.queue.close();
  });

  it('reject policy at the cap: QUEUE_FULL, the new events are not stored, nothing queued is touched', async () => {
    const t = await openTest({ capacity: 3, capacityPolicy: 'reject' });
    await t.queue.enqueueMany([1, 2, 3].map((n) => draft(n)));
    const err = await t.queue.enqueue(draft(4)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUEUE_FULL', details: expect.objectContaining({ capacity: 3, pending: 3, requested: 1 }) });
    expect((err as Error).message).toContain(t.queue.path);
    expect(await t.queue.clock.read()).toBe(3);
    expect(await t.queue.stats()).toMatchObject({ depth: 3, dead: 0 });
    // More than the whole capacity at once is refused under either policy.
    const other = await openTest({ homeDir: t.home, capacity: 3 });
    await expect(other.queue.enqueueMany([5, 6, 7, 8].map((n) => draft(n)))).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await other.queue.close();
    await t.queue.close();
  });
});
