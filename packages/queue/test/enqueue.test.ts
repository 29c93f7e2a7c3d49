import { afterAll, describe, expect, it } from '@jest/globals';
import { readdirSync } from 'node:fs';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { LamportClock } from '@kitty/events';
import { openQueue, warmUpDriver } from '../src/index.js';
import { draft, eid, openTest, rawDb } from './helpers.js';

afterAll(() => cleanupTempDirs());

describe('enqueue', () => {
  it('stores the full envelope with a lamport_clock ticked in the same transaction and returns it', async () => {
    const { queue } = await openTest();
    const stored = await queue.enqueue({ ...draft(1), timestamp: '2026-03-01T12:00:00+00:00', causation_id: null });
    expect(stored).toEqual({ ...draft(1), timestamp: '2026-03-01T12:00:00+00:00', causation_id: null, lamport_clock: 1 });
    const second = await queue.enqueue(draft(2));
    expect(second.lamport_clock).toBe(2);
    expect(await queue.clock.read()).toBe(2);

    const db = rawDb(queue.path, { readonly: true });
    const rows = db
      .prepare('select event_id, event_type, data, lamport_clock, status, retry_count, created_at, next_attempt_at from outbox order by id')
      .all() as Array<Record<string, unknown>>;
    db.close();
    expect(rows).toHaveLength(2);
    expect(JSON.parse(String(rows[0]?.['data']))).toEqual(stored);
    expect(rows[0]).toMatchObject({ event_id: eid(1), event_type: 'WPStatusChanged', lamport_clock: 1, status: 'pending', retry_count: 0 });
    expect(rows[0]?.['created_at']).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
    expect(rows[0]?.['next_attempt_at']).toBe(rows[0]?.['created_at']);
    await queue.close();
  });

  it('normalises the event id (lower-case ULID upper-cased, bare UUID hyphenated)', async () => {
    const { queue } = await openTest();
    const a = await queue.enqueue({ event_id: '01hq0000000000000000000000', event_type: 'T' });
    const b = await queue.enqueue({ event_id: '0123456789ABCDEF0123456789ABCDEF', event_type: 'T' });
    expect(a.event_id).toBe('01HQ0000000000000000000000');
    expect(b.event_id).toBe('01234567-89ab-cdef-0123-456789abcdef');
    await queue.close();
  });

  it('enqueueMany is atomic and assigns consecutive clock values in input order', async () => {
    const { queue } = await openTest();
    await queue.enqueue(draft(1));
    const many = await queue.enqueueMany([draft(2), draft(3), draft(4)]);
    expect(many.map((e) => e.lamport_clock)).toEqual([2, 3, 4]);
    expect(await queue.enqueueMany([])).toEqual([]);

    // One bad event in a batch: nothing is stored and the clock does not move.
    await expect(queue.enqueueMany([draft(5), { event_id: 'nope', event_type: 'T' }])).rejects.toMatchObject({
      code: 'QUEUE_INVALID_EVENT',
      details: expect.objectContaining({ index: 1, field: 'event_id' }),
    });
    // A duplicate of an already queued event in a batch: nothing is stored either.
    await expect(queue.enqueueMany([draft(6), draft(2)])).rejects.toMatchObject({ code: 'QUEUE_DUPLICATE_EVENT_ID' });
    expect((await queue.stats()).depth).toBe(4);
    expect(await queue.clock.read()).toBe(4);
    await queue.close();
  });

  it('refuses bad drafts with QUEUE_INVALID_EVENT, storing nothing and leaving the clock alone', async () => {
    const { queue } = await openTest();
    const circular: Record<string, unknown> = { event_id: eid(9), event_type: 'T' };
    circular['self'] = circular;
    const bad: unknown[] = [
      null,
      'event',
      [draft(1)],
      { event_type: 'T' },
      { event_id: eid(1) },
      { event_id: eid(1), event_type: '   ' },
      { event_id: eid(1), event_type: 'x'.repeat(201) },
      { event_id: 'ILOU0000000000000000000000', event_type: 'T' },
      { event_id: eid(1), event_type: 'T', lamport_clock: 7 },
      { event_id: eid(1), event_type: 'T', big: 10n },
      circular,
    ];
    for (const b of bad) {
      await expect(queue.enqueue(b as never)).rejects.toMatchObject({ code: 'QUEUE_INVALID_EVENT', name: 'QueueError' });
    }
    await expect(queue.enqueueMany('x' as never)).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    expect((await queue.stats()).depth).toBe(0);
    expect(await queue.clock.read()).toBe(0);
    await queue.close();
  });

  it('refuses a second event with the same id (also written differently) and keeps the first', async () => {
    const { queue } = await openTest();
    await queue.enqueue({ event_id: eid(1).toLowerCase(), event_type: 'First' });
    const err = await queue.enqueue({ event_id: eid(1), event_type: 'Second' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUEUE_DUPLICATE_EVENT_ID', details: expect.objectContaining({ eventIds: [eid(1)] }) });
    expect(String((err as Error).message)).toContain(eid(1));
    await expect(queue.enqueueMany([draft(2), draft(2)])).rejects.toMatchObject({ code: 'QUEUE_DUPLICATE_EVENT_ID' });
    const batch = await queue.claimBatch();
    expect(batch.events.map((e) => e.eventType)).toEqual(['First']);
    expect(await queue.clock.read()).toBe(1);
    await queue.close();
  });

  it('keeps the clock across reopen, and clock.update/receive work through LamportClock', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([draft(1), draft(2)]);
    await t.queue.close();
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    const clock = new LamportClock(again.queue.clock);
    expect(await clock.current()).toBe(2);
    expect(await clock.receive(40)).toBe(41);
    expect(await clock.receive(3)).toBe(42);
    expect(await clock.tick()).toBe(43);
    expect((await again.queue.enqueue(draft(3))).lamport_clock).toBe(44);
    // A store update that would move the clock back is refused.
    await expect(Promise.resolve(again.queue.clock.update(() => 5))).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    expect(await clock.current()).toBe(44);
    await again.queue.close();
  });

  it('rebuilds a damaged clock row from the high-water mark and the stored events, with a warning', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([draft(1), draft(2), draft(3)]);
    await t.queue.close();
    const db = rawDb(t.queue.path);
    db.exec(`delete from lamport_clock; update outbox_meta set value = 'garbage' where key = 'lamport_high_water'`);
    db.close();
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    expect(await again.queue.clock.read()).toBe(3);
    expect(again.warnings.map((w) => w.code)).toEqual(['QUEUE_CLOCK_RECOVERED']);
    expect((await again.queue.enqueue(draft(4))).lamport_clock).toBe(4);
    await again.queue.close();

    // Damage while open (the row edited behind its back): the next tick still continues from the highest value.
    const third = await openTest({ homeDir: t.home, clock: t.clock });
    const db2 = rawDb(third.queue.path);
    db2.exec(`update lamport_clock set value = 0`);
    db2.close();
    expect((await third.queue.enqueue(draft(5))).lamport_clock).toBe(5);
    expect(third.warnings.map((w) => w.code)).toContain('QUEUE_CLOCK_RECOVERED');
    await third.queue.close();
  });

  it('fails with QUEUE_CLOSED after close, and validates its options', async () => {
    const t = await openTest();
    await t.queue.close();
    await t.queue.close();
    await expect(t.queue.enqueue(draft(1))).rejects.toMatchObject({ code: 'QUEUE_CLOSED' });
    await expect(openQueue({ homeDir: 'relative/home', now: t.clock.now })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(openQueue({ homeDir: t.home } as never)).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(openQueue({ homeDir: t.home, now: t.clock.now, capacity: 0 })).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    await expect(openQueue({ homeDir: t.home, now: t.clock.now, capacityPolicy: 'drop' as never })).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
    await expect(openQueue({ homeDir: t.home, now: () => new Date('not a date') })).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
    // A clock that goes bad later fails the operation, not the data.
    let good = true;
    const flaky = await openTest({ homeDir: t.home, now: () => (good ? new Date('2026-03-01T12:00:00Z') : new Date(Number.NaN)) });
    good = false;
    await expect(flaky.queue.enqueue(draft(1))).rejects.toMatchObject({ code: 'QUEUE_INVALID_ARGUMENT' });
    good = true;
    expect((await flaky.queue.stats()).depth).toBe(0);
    await flaky.queue.close();
  });

  it('warmUpDriver loads the driver without touching any file, any number of times; a queue opens after it', async () => {
    const home = tempDir({}, 'kitty-queue-warm-');
    warmUpDriver();
    warmUpDriver();
    expect(readdirSync(home)).toEqual([]);
    const t = await openTest({ homeDir: home });
    expect((await t.queue.enqueue(draft(1))).lamport_clock).toBe(1);
    await t.queue.close();
  });
});
