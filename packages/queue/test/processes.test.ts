// Several real processes on one queue file. The fixtures import the built package (../../dist), so the
// package is built before its tests (turbo.json: @kitty/queue#test depends on build).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, openSync, closeSync, writeSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, createHttpTestServer, tempDir, type HttpTestServer } from '@kitty/test-utils';
import { queuePath } from '../src/index.js';
import { draft, eid, openTest, rawDb } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fixtures = path.join(here, 'fixtures');

interface Proc {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: string[];
  waitFor(re: RegExp): Promise<string>;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

function run(fixture: string, args: readonly string[]): Proc {
  const child = spawn(process.execPath, [path.join(fixtures, fixture), ...args], { stdio: 'pipe' });
  const lines: string[] = [];
  const waiters: Array<{ re: RegExp; resolve: (l: string) => void }> = [];
  let partial = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    partial += String(d);
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => {
    err += String(d);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    waitFor: (re) =>
      new Promise<string>((resolve, reject) => {
        const found = lines.find((l) => re.test(l));
        if (found !== undefined) return resolve(found);
        waiters.push({ re, resolve });
        void exit.then(({ code, signal }) => reject(new Error(`${fixture} exited (${code ?? signal}) before printing ${re}: ${err}`)));
      }),
  };
}

function lastJson<T>(p: Proc): T {
  const line = [...p.lines].reverse().find((l) => l.startsWith('{'));
  if (line === undefined) throw new Error(`no JSON result; stderr: ${p.stderr()}`);
  return JSON.parse(line) as T;
}

beforeAll(() => {
  if (!existsSync(path.join(here, '..', 'dist', 'index.js'))) {
    throw new Error('packages/queue/dist is missing: build the package (npx tsc -b) before running its process tests.');
  }
});

afterAll(() => cleanupTempDirs());

describe('processes sharing one queue file', () => {
  it('8 processes enqueueing 1,000 events each at once: all 8,000 committed, Lamport values unique and increasing per process (row 21)', async () => {
    const home = tempDir({}, 'kitty-queue-proc-');
    // The file does not exist yet: the workers also race to create and migrate it.
    const workers = Array.from({ length: 8 }, (_, w) => run('enqueue-worker.mjs', [home, String(w), '1000']));
    await Promise.all(workers.map((p) => p.waitFor(/^ready$/)));
    for (const p of workers) p.child.stdin.write('go\n');
    const exits = await Promise.all(workers.map((p) => p.exit));
    expect(exits.map((e) => e.code)).toEqual(Array(8).fill(0));
    const results = workers.map((p) => lastJson<{ worker: number; lamports: number[]; error?: string }>(p));
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.lamports).toHaveLength(1000);
      expect(r.lamports.every((v, i) => i === 0 || v > (r.lamports[i - 1] as number))).toBe(true);
    }
    const all = results.flatMap((r) => r.lamports);
    expect(new Set(all).size).toBe(8000);
    const db = rawDb(queuePath(home), { readonly: true });
    expect(db.prepare('select count(*) n, count(distinct lamport_clock) d, max(lamport_clock) m from outbox').get()).toEqual({
      n: 8000,
      d: 8000,
      m: 8000,
    });
    expect(db.prepare(`select value from lamport_clock`).get()).toEqual({ value: 8000 });
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    db.close();
  }, 120_000);

  it('kill -9 during enqueue never leaves a torn row or a half batch; every acknowledged event is there (row 23)', async () => {
    const home = tempDir({}, 'kitty-queue-kill-');
    let acknowledged = 0;
    let next = 1;
    for (let round = 0; round < 12; round += 1) {
      const p = run('enqueue-until-killed.mjs', [home, String(next)]);
      await p.waitFor(/^ready$/);
      await new Promise((r) => setTimeout(r, 5 + ((round * 7) % 40)));
      p.child.kill('SIGKILL');
      const { signal } = await p.exit;
      expect(signal).toBe('SIGKILL');
      next += 10_000;
      const db = rawDb(queuePath(home), { readonly: true });
      expect(db.pragma('quick_check', { simple: true })).toBe('ok');
      const rows = db.prepare('select event_id, event_type, data, lamport_clock from outbox').all() as Array<{
        event_id: string;
        event_type: string;
        data: string;
        lamport_clock: number;
      }>;
      const ids = new Set(rows.map((r) => r.event_id));
      for (const line of p.lines) {
        const single = /^ok (\S+) (\d+)$/.exec(line);
        if (single) {
          expect(ids.has(single[1] as string)).toBe(true);
          acknowledged += 1;
        }
        const batch = /^batch (\S+) 20$/.exec(line);
        if (batch) {
          expect(rows.filter((r) => r.event_type === batch[1]).length).toBe(20);
          acknowledged += 20;
        }
      }
      for (const r of rows) {
        const env = JSON.parse(r.data) as { event_id: string; lamport_clock: number };
        expect(env.event_id).toBe(r.event_id);
        expect(env.lamport_clock).toBe(r.lamport_clock);
      }
      const perBatch = new Map<string, number>();
      for (const r of rows) if (r.event_type.startsWith('B')) perBatch.set(r.event_type, (perBatch.get(r.event_type) ?? 0) + 1);
      expect([...perBatch.values()].every((n) => n === 20)).toBe(true);
      const lamports = rows.map((r) => r.lamport_clock);
      expect(new Set(lamports).size).toBe(rows.length);
      const clock = db.prepare('select value from lamport_clock').get() as { value: number } | undefined;
      expect(clock?.value ?? 0).toBeGreaterThanOrEqual(Math.max(0, ...lamports));
      db.close();
    }
    // The loop must have killed some processes mid-work, not only before their first enqueue.
    expect(acknowledged).toBeGreaterThan(0);
  }, 120_000);

  describe('concurrent drains against a real HTTP server', () => {
    let server: HttpTestServer;
    const seen: Array<{ owner: string; ids: string[] }> = [];
    const known = new Set<string>();
    /** Called with the request count after each request is recorded, before it is answered. */
    let hook: ((count: number) => void) | null = null;

    beforeAll(async () => {
      server = await createHttpTestServer();
      server.on('POST /batch', (req) => {
        const body = req.json as { owner: string; events: Array<{ event_id: string }> };
        const ids = body.events.map((e) => e.event_id);
        seen.push({ owner: body.owner, ids });
        hook?.(seen.length);
        const results = ids.map((id) => {
          if (known.has(id)) return { event_id: id, status: 'duplicate' };
          known.add(id);
          // Every event whose number ends in 7 is refused (schema mismatch).
          return id.endsWith('7')
            ? { event_id: id, status: 'rejected', error: 'invalid field to_lane' }
            : { event_id: id, status: 'success' };
        });
        return { status: 200, body: { results }, delayMs: 10 };
      });
    });
    afterAll(async () => server.close());

    it('three syncs at once never send an event twice in a round and skip none (rows 20, 27)', async () => {
      seen.length = 0;
      known.clear();
      const t = await openTest({ now: () => new Date() });
      const total = 1500;
      for (let i = 0; i < total; i += 500) await t.queue.enqueueMany(Array.from({ length: 500 }, (_, k) => draft(i + k + 1)));
      await t.queue.close();
      const drains = ['a', 'b', 'c'].map((owner) => run('drain-worker.mjs', [t.home, server.url, owner, '40', '0', '--wait']));
      await Promise.all(drains.map((p) => p.waitFor(/^ready$/)));
      for (const p of drains) p.child.stdin.write('go\n');
      const exits = await Promise.all(drains.map((p) => p.exit));
      expect(exits.map((e) => e.code)).toEqual([0, 0, 0]);
      const sentIds = seen.flatMap((s) => s.ids);
      expect(sentIds.length).toBe(total);
      expect(new Set(sentIds).size).toBe(total);
      expect(new Set(sentIds)).toEqual(new Set(Array.from({ length: total }, (_, i) => eid(i + 1))));
      // All three took part.
      expect(new Set(seen.map((s) => s.owner))).toEqual(new Set(['a', 'b', 'c']));
      const results = drains.map((p) => lastJson<{ synced: number; rejected: number; sent: number }>(p));
      const rejected = Array.from({ length: total }, (_, i) => eid(i + 1)).filter((id) => id.endsWith('7')).length;
      expect(results.reduce((n, r) => n + r.synced, 0)).toBe(total - rejected);
      expect(results.reduce((n, r) => n + r.rejected, 0)).toBe(rejected);
      const after = await openTest({ homeDir: t.home, now: () => new Date() });
      expect(await after.queue.stats()).toMatchObject({
        depth: rejected,
        inFlight: 0,
        retryHistogram: { '0': 0, '1-3': rejected, '4+': 0 },
      });
      await after.queue.close();
    }, 120_000);

    it('kill -9 mid-sync, then a new sync after the lease: at most the one in-flight batch is sent again, answered duplicate (rows 22, 33)', async () => {
      seen.length = 0;
      known.clear();
      const t = await openTest({ now: () => new Date() });
      await t.queue.enqueueMany(Array.from({ length: 400 }, (_, k) => draft(10_000 + k * 10 + 1)));
      await t.queue.close();
      // Kill it while the server holds its 4th request: the server has the events, the queue never hears back.
      hook = (count) => {
        if (count === 4) victim.child.kill('SIGKILL');
      };
      const victim = run('drain-worker.mjs', [t.home, server.url, 'victim', '50']);
      expect((await victim.exit).signal).toBe('SIGKILL');
      hook = null;
      expect(seen.length).toBe(4);
      const beforeResume = seen.length;
      const inFlight = new Set(seen[beforeResume - 1]?.ids);
      // Within the lease nobody else may take the claimed batch; after it, a new sync resumes.
      const early = run('drain-worker.mjs', [t.home, server.url, 'early', '50']);
      expect((await early.exit).code).toBe(0);
      const earlyIds = seen.slice(beforeResume).flatMap((s) => s.ids);
      expect(earlyIds.filter((id) => inFlight.has(id))).toEqual([]);
      const resume = run('drain-worker.mjs', [t.home, server.url, 'resume', '50', '61000']);
      expect((await resume.exit).code).toBe(0);
      const result = lastJson<{ duplicates: number }>(resume);
      const allIds = seen.flatMap((s) => s.ids);
      const resent = allIds.length - new Set(allIds).size;
      // Exactly the batch that was in flight when the process died, and nothing else.
      expect(inFlight.size).toBe(50);
      expect(resent).toBe(inFlight.size);
      expect(seen.slice(-1)[0]?.owner).toBe('resume');
      expect(new Set(seen.filter((x) => x.owner === 'resume').flatMap((x) => x.ids))).toEqual(inFlight);
      expect(result.duplicates).toBe(resent);
      expect(new Set(allIds).size).toBe(400);
      const after = await openTest({ homeDir: t.home, now: () => new Date() });
      const stats = await after.queue.stats();
      expect(stats.depth).toBe(Array.from({ length: 400 }, (_, k) => eid(10_000 + k * 10 + 1)).filter((id) => id.endsWith('7')).length);
      await after.queue.close();
    }, 120_000);
  });

  it('four processes opening the same corrupt file at once: one quarantine, every process ends up on the fresh queue', async () => {
    const t = await openTest();
    await t.queue.enqueueMany([1, 2, 3, 4, 5].map((n) => draft(n)));
    await t.queue.close();
    const fd = openSync(t.queue.path, 'r+');
    writeSync(fd, Buffer.alloc(16, 0), 0, 16, 0);
    closeSync(fd);
    const procs = [101, 102, 103, 104].map((n) => run('open-and-enqueue.mjs', [t.home, String(n)]));
    const exits = await Promise.all(procs.map((p) => p.exit));
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0]);
    const results = procs.map((p) => lastJson<{ recovered: boolean; lamport: number }>(p));
    expect(results.filter((r) => r.recovered).length).toBe(1);
    expect(results.map((r) => r.lamport).sort()).toEqual([6, 7, 8, 9]);
    const quarantined = readdirSync(path.dirname(t.queue.path)).filter((f) => f.includes('.corrupt-') && f.endsWith('.db'));
    expect(quarantined).toHaveLength(1);
    const db = rawDb(t.queue.path, { readonly: true });
    expect(db.prepare('select count(*) n from outbox').get()).toEqual({ n: 9 });
    db.close();
  }, 60_000);
});
