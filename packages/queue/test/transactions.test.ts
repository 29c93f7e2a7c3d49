import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { MIGRATIONS } from '../src/migrations.js';
import type { QueueDb } from '../src/schema.js';
import { queuePath } from '../src/index.js';
import { draft, openTest, rawDb } from './helpers.js';

afterAll(() => cleanupTempDirs());

const here = path.dirname(fileURLToPath(import.meta.url));
const srcDir = path.join(here, '..', 'src');

describe('SQLite set-up', () => {
  it('creates the file in WAL mode, mode 0600, stamped and migrated; reopening migrates nothing', async () => {
    const t = await openTest();
    expect(t.queue.path).toBe(path.join(t.home, '.spec-kitty', 'queue.db'));
    await t.queue.enqueue(draft(1));
    await t.queue.close();
    expect(statSync(t.queue.path).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(t.queue.path)).mode & 0o777).toBe(0o700);
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('application_id', { simple: true })).toBe(0x4b495451);
    expect(db.pragma('user_version', { simple: true })).not.toBe(0);
    const names = (db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>).map((r) => r.name);
    expect(names).toEqual(Object.keys(MIGRATIONS).sort());
    db.close();
    const again = await openTest({ homeDir: t.home, clock: t.clock });
    expect((await again.queue.stats()).depth).toBe(1);
    await again.queue.close();
  });

  it('upgrades a file created at the first migration, keeping its events', async () => {
    const home = tempDir({}, 'kitty-queue-');
    const file = queuePath(home);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(file), { recursive: true });
    const first = Object.keys(MIGRATIONS).sort()[0] as string;
    const kdb = new Kysely<QueueDb>({ dialect: new SqliteDialect({ database: rawDb(file) }) });
    const { error } = await new Migrator({ db: kdb, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } }).migrateTo(first);
    expect(error).toBeUndefined();
    await sql`insert into lamport_clock (id, value) values (1, 7)`.execute(kdb);
    await sql`insert into outbox_meta (key, value) values ('lamport_high_water', '7')`.execute(kdb);
    await sql`insert into outbox (event_id, event_type, data, lamport_clock, created_at, next_attempt_at)
      values ('01J00000000000000000000007', 'Old', '{"event_id":"01J00000000000000000000007","event_type":"Old","lamport_clock":7}', 7, 1, 1)`.execute(
      kdb,
    );
    await expect(sql`select * from outbox_claims`.execute(kdb)).rejects.toMatchObject({ message: expect.stringMatching(/no such table/) });
    await kdb.destroy();

    const t = await openTest({ homeDir: home });
    const batch = await t.queue.claimBatch({ owner: 'test' });
    expect(batch.events.map((e) => [e.eventId, e.lamportClock])).toEqual([['01J00000000000000000000007', 7]]);
    expect((await t.queue.enqueue(draft(8))).lamport_clock).toBe(8);
    await t.queue.close();
  });

  it("opens the Python CLI's queue.db in place: its own table is left untouched beside ours", async () => {
    const home = tempDir({}, 'kitty-queue-');
    const file = queuePath(home);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(path.dirname(file), { recursive: true });
    const legacy = rawDb(file);
    legacy.exec(`create table queue (id integer primary key autoincrement, event_id text unique not null, event_type text not null,
      data text not null, timestamp integer not null, retry_count integer default 0)`);
    legacy
      .prepare('insert into queue (event_id, event_type, data, timestamp) values (?, ?, ?, ?)')
      .run('01J00000000000000000000099', 'Legacy', '{}', 1);
    legacy.close();
    const t = await openTest({ homeDir: home });
    expect((await t.queue.enqueue(draft(1))).lamport_clock).toBe(1);
    await t.queue.close();
    const db = rawDb(file, { readonly: true });
    expect(db.prepare('select event_id, event_type, retry_count from queue').all()).toEqual([
      { event_id: '01J00000000000000000000099', event_type: 'Legacy', retry_count: 0 },
    ]);
    db.close();
  });

  it('refuses a file migrated by a newer version (QUEUE_SCHEMA_TOO_NEW) and leaves it alone', async () => {
    const t = await openTest();
    await t.queue.enqueue(draft(1));
    await t.queue.close();
    const db = rawDb(t.queue.path);
    db.prepare(`insert into kysely_migration (name, timestamp) values ('2099_01_future', '2099-01-01')`).run();
    db.close();
    await expect(openTest({ homeDir: t.home })).rejects.toMatchObject({ code: 'QUEUE_SCHEMA_TOO_NEW' });
    const check = rawDb(t.queue.path, { readonly: true });
    expect(check.prepare('select count(*) n from outbox').get()).toEqual({ n: 1 });
    check.close();
  });

  it('keeps better-sqlite3 in one adapter and never uses kysely transaction() (deferred) in src', () => {
    const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));
    const users = files.filter((f) => /from 'better-sqlite3'/.test(readFileSync(path.join(srcDir, f), 'utf8')));
    expect(users).toEqual(['sqlite-adapter.ts']);
    const deferred = files.filter((f) => /\.transaction\(\)/.test(readFileSync(path.join(srcDir, f), 'utf8')));
    expect(deferred).toEqual([]);
  });
});

describe('BEGIN IMMEDIATE versus kysely transaction() (reliability row 27)', () => {
  it('a deferred read-then-write transaction fails with SQLITE_BUSY when another connection writes in between', async () => {
    const t = await openTest();
    await t.queue.enqueue(draft(1));
    const intruder = rawDb(t.queue.path, { timeout: 50 });
    const kdb = new Kysely<QueueDb>({ dialect: new SqliteDialect({ database: rawDb(t.queue.path, { timeout: 2000 }) }) });
    const attempt = kdb.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('lamport_clock').select('value').where('id', '=', 1).executeTakeFirstOrThrow();
      intruder.prepare(`insert into outbox_meta (key, value) values ('intruder', 'x')`).run();
      await trx
        .updateTable('lamport_clock')
        .set({ value: row.value + 1 })
        .where('id', '=', 1)
        .execute();
    });
    await expect(attempt).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    await kdb.destroy();
    intruder.close();
    await t.queue.close();
  });

  it('the queue writes under BEGIN IMMEDIATE: the other writer waits instead, and the queue commits', async () => {
    const t = await openTest();
    await t.queue.enqueue(draft(1));
    const intruder = rawDb(t.queue.path, { timeout: 50 });
    const intruderErrors: string[] = [];
    const next = await t.queue.clock.update((current) => {
      try {
        intruder.prepare(`insert into outbox_meta (key, value) values ('intruder', 'x')`).run();
      } catch (e) {
        intruderErrors.push(String((e as { code?: string }).code));
      }
      return current + 1;
    });
    expect(next).toBe(2);
    expect(intruderErrors).toEqual(['SQLITE_BUSY']);
    // Once the queue committed, the other writer gets through.
    intruder.prepare(`insert into outbox_meta (key, value) values ('intruder', 'x')`).run();
    intruder.close();
    expect(await t.queue.clock.read()).toBe(2);
    await t.queue.close();
  });
});

describe('locks and full disks (reliability rows 25, 26)', () => {
  it('waits for a lock held by another process and then succeeds (busy timeout)', async () => {
    const t = await openTest({ busyTimeoutMs: 10_000 });
    await t.queue.enqueue(draft(1));
    const child = spawn(process.execPath, [path.join(here, 'fixtures', 'hold-lock.mjs'), t.queue.path, '300'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => (String(d).includes('locked') ? resolve() : undefined));
      child.on('exit', () => reject(new Error('lock holder exited early')));
    });
    const stored = await t.queue.enqueue(draft(2));
    expect(stored.lamport_clock).toBe(2);
    expect(await exited).toBe(0);
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.prepare(`select value from outbox_meta where key = 'held-by'`).get()).toEqual({ value: 'child' });
    db.close();
    await t.queue.close();
  });

  it('fails with QUEUE_LOCKED naming the file when the lock outlasts the busy timeout; nothing is lost; a retry works', async () => {
    const t = await openTest({ busyTimeoutMs: 100 });
    await t.queue.enqueue(draft(1));
    const holder = rawDb(t.queue.path);
    holder.exec('begin exclusive');
    const err = await t.queue.enqueue(draft(2)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'QUEUE_LOCKED', details: expect.objectContaining({ path: t.queue.path, busyTimeoutMs: 100 }) });
    expect((err as Error).message).toContain(t.queue.path);
    expect((err as { suggestions: string[] }).suggestions.length).toBeGreaterThan(0);
    await expect(t.queue.claimBatch()).rejects.toMatchObject({ code: 'QUEUE_LOCKED' });
    // Readers are not blocked in WAL mode: status still answers.
    expect((await t.queue.stats()).depth).toBe(1);
    holder.exec('commit');
    holder.close();
    expect((await t.queue.enqueue(draft(2))).lamport_clock).toBe(2);
    expect((await t.queue.stats()).depth).toBe(2);
    await t.queue.close();
  });

  it('fails with QUEUE_DISK_FULL when the file cannot grow; nothing half-written, the clock does not move', async () => {
    const t = await openTest({ maxDatabaseBytes: 256 * 1024 });
    const big = 'x'.repeat(4000);
    let stored = 0;
    let failure: unknown;
    for (let i = 1; i <= 200 && failure === undefined; i += 1) {
      try {
        await t.queue.enqueueMany([draft(i * 10, 'Big', { blob: big }), draft(i * 10 + 1, 'Big', { blob: big })]);
        stored += 2;
      } catch (e) {
        failure = e;
      }
    }
    expect(failure).toMatchObject({ code: 'QUEUE_DISK_FULL' });
    expect(stored).toBeGreaterThan(0);
    expect((await t.queue.stats()).depth).toBe(stored);
    expect(await t.queue.clock.read()).toBe(stored);
    await t.queue.close();
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
  });
});

describe('WAL checkpoint (reliability row 29)', () => {
  it('the log grows while a reader holds a snapshot and is truncated by checkpoint() once it lets go', async () => {
    const t = await openTest({ busyTimeoutMs: 5000 });
    const reader = rawDb(t.queue.path, { readonly: true });
    reader.exec('begin');
    reader.prepare('select count(*) from outbox').get();
    for (let b = 0; b < 10; b += 1) {
      await t.queue.enqueueMany(Array.from({ length: 100 }, (_, i) => draft(b * 100 + i + 1, 'Load', { pad: 'y'.repeat(500) })));
    }
    const walWhileHeld = statSync(`${t.queue.path}-wal`).size;
    expect(walWhileHeld).toBeGreaterThan(500_000);
    expect((await t.queue.checkpoint()).busy).toBe(true);
    reader.exec('commit');
    reader.close();
    const after = await t.queue.checkpoint();
    expect(after).toEqual({ busy: false, walBytes: 0 });
    expect((await t.queue.stats()).depth).toBe(1000);
    await t.queue.close();
  });
});
