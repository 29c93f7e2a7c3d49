import {
  closeSync,
  copyFileSync,
  existsSync,
  openSync,
  readFileSync,
  readdirSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { draft, eid, openTest, rawDb, type TestQueue } from './helpers.js';

afterAll(() => cleanupTempDirs());

const STAMP = '20260301T120000000Z';

/** A closed queue with `n` pending events (lamport 1..n), one dead event and one with retries. */
async function seeded(n: number, pad = 200): Promise<TestQueue> {
  const t = await openTest({ retryCap: 3 });
  await t.queue.enqueueMany(
    Array.from({ length: n }, (_, i) => draft(i + 1, i % 2 === 0 ? 'WPStatusChanged' : 'WPCreated', { pad: 'p'.repeat(pad) })),
  );
  const b = await t.queue.claimBatch({ limit: 2 });
  await t.queue.applyResults(b.claimId as string, [
    { eventId: eid(1), status: 'rejected', error: 'bad lane', category: 'schema_mismatch', permanent: true },
    { eventId: eid(2), status: 'rejected', error: 'bad field', category: 'schema_mismatch' },
  ]);
  await t.queue.close();
  return t;
}

function spekittyFiles(home: string): string[] {
  return readdirSync(path.join(home, '.spec-kitty')).sort();
}

function overwrite(file: string, offset: number, bytes: Buffer): void {
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

describe('corrupt queue files are quarantined, salvaged and replaced (reliability row 28)', () => {
  it('garbage header: moved aside to queue.corrupt-<timestamp>.db, every event salvaged, a fresh queue, a clear warning', async () => {
    const t = await seeded(40);
    overwrite(t.queue.path, 0, Buffer.alloc(16, 0));
    const damaged = readFileSync(t.queue.path);
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    const quarantine = path.join(t.home, '.spec-kitty', `queue.corrupt-${STAMP}.db`);
    expect(again.queue.recovery).toMatchObject({ quarantined: [quarantine], salvaged: 40, lamportClock: 40 });
    expect(again.warnings.map((w) => w.code)).toEqual(['QUEUE_CORRUPT_QUARANTINED']);
    expect(again.warnings[0]?.message).toContain(quarantine);
    expect(again.warnings[0]?.message).toContain('40 event(s) were salvaged');
    expect(readFileSync(quarantine)).toEqual(damaged);
    expect(spekittyFiles(t.home)).toEqual(['queue.corrupt-20260301T120000000Z.db', 'queue.db', 'queue.db-shm', 'queue.db-wal']);
    // Status, retries, errors and the clock survive; the fresh file is a healthy queue.
    expect(await again.queue.stats()).toMatchObject({
      depth: 39,
      dead: 1,
      retryHistogram: { '0': 38, '1-3': 1, '4+': 0 },
      lamportClock: 40,
    });
    expect((await again.queue.listDead()).map((d) => [d.eventId, d.lastError])).toEqual([[eid(1), 'bad lane']]);
    expect((await again.queue.enqueue(draft(41))).lamport_clock).toBe(41);
    await again.queue.close();
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('crash leftovers plus a garbage header: queue.db, -wal and -shm move together; events only in the -wal are salvaged', async () => {
    const live = await openTest();
    await live.queue.enqueueMany(Array.from({ length: 25 }, (_, i) => draft(i + 1)));
    // Copy the three files while the queue is open, as a crash would leave them (the events are only in the -wal).
    const home = tempDir({}, 'kitty-queue-');
    const dir = path.join(home, '.spec-kitty');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    for (const suffix of ['', '-wal', '-shm']) copyFileSync(`${live.queue.path}${suffix}`, path.join(dir, `queue.db${suffix}`));
    await live.queue.close();
    expect(statSync(path.join(dir, 'queue.db-wal')).size).toBeGreaterThan(0);
    overwrite(path.join(dir, 'queue.db'), 0, Buffer.from('not a database!!'));
    const wal = readFileSync(path.join(dir, 'queue.db-wal'));

    const again = await openTest({ homeDir: home, clock: live.clock });
    const base = path.join(dir, `queue.corrupt-${STAMP}.db`);
    expect(again.queue.recovery?.quarantined).toEqual([base, `${base}-wal`, `${base}-shm`]);
    expect(readFileSync(`${base}-wal`)).toEqual(wal);
    expect(again.queue.recovery?.salvaged).toBe(25);
    expect(await again.queue.stats()).toMatchObject({ depth: 25, lamportClock: 25 });
    await again.queue.close();
  });

  it('a file that is not SQLite at all: quarantined, nothing salvaged, the clock continues from the raw bytes of the envelopes', async () => {
    const t = await seeded(10);
    // Wreck the header beyond repair (page size too), keeping the rest of the bytes.
    overwrite(t.queue.path, 0, Buffer.alloc(100, 0xff));
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    expect(again.queue.recovery).toMatchObject({ salvaged: 0, lamportClock: 10 });
    expect(again.queue.recovery?.message).toContain('0 event(s) were salvaged');
    expect((await again.queue.enqueue(draft(11))).lamport_clock).toBe(11);
    await again.queue.close();

    // Plain text where the database should be.
    writeFileSync(t.queue.path, 'hello, I am a text file that somebody saved over the queue\n'.repeat(20));
    const third = await openTest({ homeDir: t.home, clock: t.clock });
    expect(third.queue.recovery?.quarantined[0]).toMatch(/queue\.corrupt-20260301T120000000Z-1\.db$/);
    expect((await third.queue.stats()).depth).toBe(0);
    await third.queue.close();
  });

  it('truncated file: detected on open (quick_check), readable rows salvaged, the clock does not go back', async () => {
    const t = await seeded(300, 400);
    const size = statSync(t.queue.path).size;
    truncateSync(t.queue.path, Math.floor(size / 4096 / 2) * 4096);
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    const rec = again.queue.recovery;
    expect(rec?.reason).toMatch(/truncated/);
    expect(rec?.salvaged).toBeGreaterThan(0);
    expect(rec?.salvaged).toBeLessThan(300);
    expect((await again.queue.stats()).depth + (await again.queue.stats()).dead).toBe(rec?.salvaged);
    expect((await again.queue.enqueue(draft(301))).lamport_clock).toBe(301);
    await again.queue.close();
  });

  it('a -wal left by another database: quarantined with it, salvaged without replaying it', async () => {
    const t = await seeded(20);
    // Another kitty queue, still open, so its log holds every page it wrote (page 1 included).
    const other = await openTest({ clock: t.clock });
    await other.queue.enqueueMany(Array.from({ length: 30 }, (_, i) => draft(500 + i, 'Foreign')));
    copyFileSync(`${other.queue.path}-wal`, `${t.queue.path}-wal`);
    const foreignWal = readFileSync(`${t.queue.path}-wal`);
    await other.queue.close();

    const again = await openTest({ homeDir: t.home, clock: t.clock });
    const base = path.join(t.home, '.spec-kitty', `queue.corrupt-${STAMP}.db`);
    expect(again.queue.recovery).toMatchObject({ reason: expect.stringMatching(/-wal file belongs to another database/), salvaged: 20 });
    expect(again.queue.recovery?.quarantined).toEqual(expect.arrayContaining([base, `${base}-wal`]));
    expect(readFileSync(`${base}-wal`)).toEqual(foreignWal);
    const s = await again.queue.stats();
    expect(s.topEventTypes.map((x) => x.eventType)).not.toContain('Foreign');
    expect(s.depth + s.dead).toBe(20);
    expect(s.lamportClock).toBe(20);
    await again.queue.close();
  });

  it('a damaged page met during an operation: the operation recovers the file and succeeds on the fresh queue', async () => {
    const t = await seeded(200);
    const db = rawDb(t.queue.path, { readonly: true });
    const page = db
      .prepare(`select pageno from dbstat where name = 'outbox' and pagetype = 'leaf' order by pageno limit 1 offset 3`)
      .get() as { pageno: number };
    db.close();
    // Break the b-tree page header (page type byte and cell counts).
    overwrite(t.queue.path, (page.pageno - 1) * 4096, Buffer.from([0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]));
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    expect(again.queue.recovery).toBeNull();
    const batch = await again.queue.claimBatch({ limit: 1000 });
    expect(again.warnings.map((w) => w.code)).toEqual(['QUEUE_CORRUPT_QUARANTINED']);
    const rec = again.queue.recovery;
    expect(rec?.reason).toMatch(/SQLITE_CORRUPT/);
    expect(rec?.salvaged).toBeGreaterThan(150);
    expect(rec?.salvaged).toBeLessThan(200);
    const stats = await again.queue.stats();
    expect(stats.depth + stats.dead).toBe(rec?.salvaged);
    expect(batch.events.length).toBe(stats.depth - stats.backingOff);
    expect((await again.queue.enqueue(draft(201))).lamport_clock).toBe(201);
    await again.queue.close();
  });

  it('check() finds damage that no operation touched yet and repairs it; a healthy file is left alone', async () => {
    const t = await seeded(200);
    const db = rawDb(t.queue.path, { readonly: true });
    const page = db
      .prepare(`select pageno from dbstat where name = 'outbox_types' and pagetype = 'leaf' order by pageno limit 1`)
      .get() as { pageno: number };
    db.close();
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    expect(await again.queue.check()).toEqual({ ok: true, recovery: null });
    await again.queue.close();
    overwrite(t.queue.path, (page.pageno - 1) * 4096, Buffer.from([0x42, 0xff, 0xff, 0xff]));
    const third = await openTest({ homeDir: t.home, clock: t.clock });
    const result = await third.queue.check();
    expect(result.ok).toBe(false);
    expect(result.recovery).toMatchObject({ salvaged: 200, lamportClock: 200 });
    expect(existsSync(path.join(t.home, '.spec-kitty', `queue.corrupt-${STAMP}.db`))).toBe(true);
    expect(await third.queue.check()).toEqual({ ok: true, recovery: null });
    await third.queue.close();
  });

  it('an empty (0-byte) queue.db is a new queue, not a corrupt one', async () => {
    const home = tempDir({ '.spec-kitty/queue.db': '' });
    const t = await openTest({ homeDir: home });
    expect(t.queue.recovery).toBeNull();
    expect((await t.queue.enqueue(draft(1))).lamport_clock).toBe(1);
    await t.queue.close();
    expect(spekittyFiles(home).filter((f) => f.includes('corrupt'))).toEqual([]);
  });
});
