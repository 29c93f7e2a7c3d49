import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, readdirSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { createEventFactory } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import { openQueue } from '../src/index.js';
import { openTest, rawDb } from './helpers.js';

afterAll(cleanupTempDirs);

const context = {
  projectUuid: '11111111-1111-4111-8111-111111111111',
  projectSlug: 'demo',
  teamSlug: 'acme',
  gitBranch: 'main',
  headCommitSha: null,
  repoSlug: null,
};

/** `n` real WPStatusChanged envelopes (about 700 bytes each) from the events library's factory. */
function statusDrafts(n: number) {
  let ms = Date.parse('2026-03-01T10:00:00.000Z');
  const f = createEventFactory({ nodeId: 'abcdef012345', now: () => new Date(ms++), context });
  return Array.from({ length: n }, (_, i) =>
    f.wpStatusChanged({
      featureSlug: '001-demo',
      wpId: `WP${String((i % 99) + 1).padStart(2, '0')}`,
      from: 'planned',
      to: 'claimed',
      actor: 'claude',
      reason: `step ${i} `.repeat(20),
      executionMode: 'worktree',
    }),
  );
}

describe('salvage from the raw bytes of a damaged queue', () => {
  it('a queue of 3,000 events truncated to half re-queues at least every complete record still in the file; the rebuilt file is 0600', async () => {
    const t = await openTest({ now: () => new Date() });
    const drafts = statusDrafts(3000);
    for (let i = 0; i < drafts.length; i += 500) await t.queue.enqueueMany(drafts.slice(i, i + 500));
    await t.queue.checkpoint();
    const file = t.queue.path;
    await t.queue.close();
    const db = rawDb(file);
    const stored = db.prepare('select event_id, data from outbox').all() as Array<{ event_id: string; data: string }>;
    db.close();
    expect(stored).toHaveLength(3000);

    truncateSync(file, Math.floor(statSync(file).size / 2));
    // Counted independently: the exact stored JSON of an event is still in the truncated bytes.
    const bytes = readFileSync(file);
    const intact = stored.filter((r) => bytes.includes(Buffer.from(r.data, 'utf8'))).map((r) => r.event_id);
    expect(intact.length).toBeGreaterThan(500);

    const warnings: string[] = [];
    const q = await openQueue({ homeDir: t.home, now: () => new Date(), onWarning: (w) => warnings.push(w.message) });
    expect(q.recovery).not.toBeNull();
    expect(q.recovery?.salvaged ?? 0).toBeGreaterThanOrEqual(intact.length);
    const pending = new Set((await q.listPending({ limit: 10_000 })).map((p) => p.eventId));
    for (const id of intact) expect(pending.has(id)).toBe(true);
    expect(statSync(q.path).mode & 0o777).toBe(0o600);
    expect(warnings.join('\n')).toMatch(/raw bytes/);
    // Everything salvaged is a valid envelope that can be claimed and sent.
    const batch = await q.claimBatch({ limit: 10_000 });
    expect(batch.events.length).toBe(pending.size);
    await q.close();
    expect(readdirSync(path.dirname(file)).some((n) => n.includes('.corrupt-'))).toBe(true);
  });
});

describe('the queue file stays small', () => {
  it('shrinks after many events are delivered (auto_vacuum=INCREMENTAL, given back at checkpoint)', async () => {
    const t = await openTest({ now: () => new Date() });
    const drafts = statusDrafts(4000);
    for (let i = 0; i < drafts.length; i += 1000) await t.queue.enqueueMany(drafts.slice(i, i + 1000));
    await t.queue.checkpoint();
    const full = statSync(t.queue.path).size;
    for (;;) {
      const b = await t.queue.claimBatch({ limit: 1000 });
      if (b.claimId === null) break;
      await t.queue.applyResults(
        b.claimId,
        b.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
      );
    }
    await t.queue.checkpoint();
    const drained = statSync(t.queue.path).size;
    expect(full).toBeGreaterThan(2_000_000);
    expect(drained).toBeLessThan(full / 10);
    await t.queue.close();
  });

  it('an older file without auto_vacuum is rebuilt once it is drained', async () => {
    const home = path.join((await openTest()).home, 'old');
    mkdirSync(path.join(home, '.spec-kitty'), { recursive: true });
    const file = path.join(home, '.spec-kitty', 'queue.db');
    const pre = rawDb(file);
    pre.pragma('auto_vacuum = NONE');
    pre.exec('create table filler (x)');
    pre.close();
    const q = await openQueue({ homeDir: home, now: () => new Date() });
    const before = rawDb(file, { readonly: true });
    expect(Number(before.pragma('auto_vacuum', { simple: true }))).toBe(0);
    before.close();
    const drafts = statusDrafts(3000);
    for (let i = 0; i < drafts.length; i += 1000) await q.enqueueMany(drafts.slice(i, i + 1000));
    await q.checkpoint();
    const full = statSync(file).size;
    for (;;) {
      const b = await q.claimBatch({ limit: 1000 });
      if (b.claimId === null) break;
      await q.applyResults(
        b.claimId,
        b.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
      );
    }
    await q.checkpoint();
    expect(statSync(file).size).toBeLessThan(full / 10);
    const after = rawDb(file, { readonly: true });
    expect(Number(after.pragma('auto_vacuum', { simple: true }))).toBe(2);
    after.close();
    await q.close();
  });
});
