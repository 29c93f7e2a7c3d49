import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEvent } from '@kitty/events';
import { cleanupTempDirs, pythonReferenceDir, tempDir } from '@kitty/test-utils';
import { completePythonEnvelope, listScopes, pythonQueueInfo } from '../src/index.js';
import { openTest } from './helpers.js';

afterAll(cleanupTempDirs);

// ../shared/reference/python-2.0.0 relative to the repository root (never copied into the repository).
const fixtureHome = path.join(pythonReferenceDir(path.dirname(fileURLToPath(import.meta.url))), 'home');
const pythonLines = readFileSync(path.join(fixtureHome, 'queue-data.jsonl'), 'utf8').trim().split('\n');
const pythonEvents = pythonLines.map((l) => JSON.parse(l) as Record<string, unknown>);

/** A temp home holding a copy of Python's ~/.spec-kitty (queue.db, clock.json, config.toml). */
function pythonHome(): string {
  const home = tempDir({}, 'kitty-pyqueue-');
  mkdirSync(path.join(home, '.spec-kitty'));
  for (const f of ['queue.db', 'clock.json', 'config.toml'])
    copyFileSync(path.join(fixtureHome, '.spec-kitty', f), path.join(home, '.spec-kitty', f));
  return home;
}

function pythonRows(home: string): Array<{ id: number; event_id: string; kitty_adopted_at: number | null }> {
  const db = new Database(path.join(home, '.spec-kitty', 'queue.db'), { readonly: true });
  try {
    return db.prepare('select id, event_id, kitty_adopted_at from queue order by id').all() as Array<{
      id: number;
      event_id: string;
      kitty_adopted_at: number | null;
    }>;
  } finally {
    db.close();
  }
}

const scope = { serverUrl: 'https://127.0.0.1:48443', username: 'maya.chen' };

describe('completePythonEnvelope: Python 2.0.0 envelopes completed to the kitty contract', () => {
  it.each(['4-lane', '7-lane'] as const)('every queued Python event passes the kitty envelope and payload check (%s)', (model) => {
    for (const e of pythonEvents) {
      const done = completePythonEnvelope(e, model);
      const r = checkEvent(done, 'kitty');
      expect(r.ok ? [] : r.issues.map((i) => `${String(e['event_type'])}: ${i.message}`)).toEqual([]);
      expect(done['lamport_clock']).toBe(e['lamport_clock']);
      expect(done['event_id']).toBe(e['event_id']);
      expect(typeof done['correlation_id']).toBe('string');
      expect(done['schema_version']).toMatch(/^\d+\.\d+\.\d+$/);
      expect(typeof done['data_tier']).toBe('number');
    }
  });

  it('correlates a caused event with its cause and a root event with itself; keeps the canonical lanes', () => {
    const created = pythonEvents.filter((e) => e['event_type'] === 'WPCreated').map((e) => completePythonEnvelope(e, '4-lane'));
    expect(new Set(created.map((e) => e['correlation_id']))).toEqual(new Set([pythonEvents[1]?.['causation_id']]));
    const root = completePythonEnvelope(pythonEvents[0] as Record<string, unknown>, '4-lane');
    expect(root['correlation_id']).toBe(root['event_id']);
    const claim = completePythonEnvelope(pythonEvents[4] as Record<string, unknown>, '4-lane');
    expect(claim['payload']).toMatchObject({
      from_lane: 'planned',
      to_lane: 'doing',
      canonical_from_lane: 'planned',
      canonical_to_lane: 'in_progress',
      lane_model: '4-lane',
    });
  });

  it('upper-cases ULIDs given in lower case and refuses an envelope without a usable event id', () => {
    const e = { ...(pythonEvents[0] as Record<string, unknown>), event_id: String(pythonEvents[0]?.['event_id']).toLowerCase() };
    expect(completePythonEnvelope(e, '4-lane')['event_id']).toBe(pythonEvents[0]?.['event_id']);
    expect(() => completePythonEnvelope({ ...e, event_id: 'not-an-id' }, '4-lane')).toThrow(/event_id/);
  });
});

describe('adoption of the Python queue when kitty opens its queue', () => {
  it('adopts all 17 pending events into a scoped queue, in Lamport order, once; Python rows are kept and marked', async () => {
    const home = pythonHome();
    expect(await pythonQueueInfo(home)).toMatchObject({ present: true, rows: 17, adopted: 0, waiting: 17 });
    const t = await openTest({ homeDir: home, scope });
    expect(t.warnings.map((w) => w.code)).toContain('QUEUE_PYTHON_ADOPTED');
    const stats = await t.queue.stats();
    expect(stats).toMatchObject({ depth: 17, adoptedFromPython: 17 });
    expect(stats.lamportClock).toBeGreaterThanOrEqual(17);
    const batch = await t.queue.claimBatch({ limit: 100 });
    expect(batch.events.map((e) => e.lamportClock)).toEqual(pythonEvents.map((e) => e['lamport_clock']));
    expect(batch.events.map((e) => e.eventId)).toEqual(pythonEvents.map((e) => e['event_id']));
    await t.queue.applyResults(
      batch.claimId as string,
      batch.events.map((e) => ({ eventId: e.eventId, status: 'success' as const })),
    );
    // A new kitty event comes after every adopted one.
    const next = await t.queue.enqueue({
      event_id: '01KAAAAAAAAAAAAAAAAAAAAAAA',
      event_type: 'HistoryAdded',
      aggregate_id: 'WP01',
      payload: {},
    });
    expect(next.lamport_clock).toBe(18);
    await t.queue.close();
    const rows = pythonRows(home);
    expect(rows).toHaveLength(17);
    expect(rows.every((r) => typeof r.kitty_adopted_at === 'number')).toBe(true);

    // Sent and gone from the outbox: opening again adopts nothing (nothing is sent twice).
    const again = await openTest({ homeDir: home, scope });
    expect((await again.queue.stats()).depth).toBe(1);
    expect(again.warnings.map((w) => w.code)).not.toContain('QUEUE_PYTHON_ADOPTED');
    await again.queue.close();
    expect(await pythonQueueInfo(home)).toMatchObject({ rows: 17, adopted: 17, waiting: 0 });
  });

  it('adopts into the logged-out queue sharing the same file (one transaction) and reports the file in listScopes', async () => {
    const home = pythonHome();
    const before = await listScopes(home);
    expect(before).toEqual([expect.objectContaining({ scope: null, error: null, pythonWaiting: 17, pending: 0 })]);
    const t = await openTest({ homeDir: home });
    expect(await t.queue.stats()).toMatchObject({ depth: 17, adoptedFromPython: 17 });
    await t.queue.close();
    const after = await listScopes(home);
    expect(after).toEqual([expect.objectContaining({ scope: null, error: null, pending: 17, pythonWaiting: 0 })]);
    expect(pythonRows(home)).toHaveLength(17);
  });

  it('adopts rows Python queues later, and a crash between storing and marking stores nothing twice', async () => {
    const home = pythonHome();
    await (await openTest({ homeDir: home, scope })).queue.close();
    const db = new Database(path.join(home, '.spec-kitty', 'queue.db'));
    const later = { ...(pythonEvents[5] as Record<string, unknown>), event_id: '01M8VM1000000000000000000Z', lamport_clock: 18 };
    db.prepare('insert into queue (event_id, event_type, data, timestamp, retry_count) values (?, ?, ?, ?, 0)').run(
      later['event_id'],
      'HistoryAdded',
      JSON.stringify(later),
      1796223300,
    );
    // As if kitty died after committing to its outbox but before marking Python's rows.
    db.prepare('update queue set kitty_adopted_at = null where id <= 3').run();
    db.close();
    const t = await openTest({ homeDir: home, scope });
    const stats = await t.queue.stats();
    expect(stats.depth).toBe(18);
    expect(stats.adoptedFromPython).toBe(18);
    expect(stats.lamportClock).toBeGreaterThanOrEqual(18);
    await t.queue.close();
    expect(await pythonQueueInfo(home)).toMatchObject({ rows: 18, adopted: 18, waiting: 0 });
  });

  it('leaves an unreadable Python row unmarked and says so, adopting the rest', async () => {
    const home = pythonHome();
    const db = new Database(path.join(home, '.spec-kitty', 'queue.db'));
    db.prepare("update queue set data = '{not json' where id = 2").run();
    db.close();
    const t = await openTest({ homeDir: home, scope });
    expect((await t.queue.stats()).depth).toBe(16);
    const w = t.warnings.find((x) => x.code === 'QUEUE_PYTHON_ADOPTED');
    expect(w?.message).toMatch(/1 row\(s\) could not be read/);
    await t.queue.close();
    expect(await pythonQueueInfo(home)).toMatchObject({ rows: 17, adopted: 16, waiting: 1 });
  });

  it('a kitty-only home is untouched, and a queue.db without Python rows is not written to', async () => {
    const home = tempDir({}, 'kitty-pyqueue-');
    const t = await openTest({ homeDir: home, scope });
    expect((await t.queue.stats()).adoptedFromPython).toBe(0);
    await t.queue.close();
    expect(await pythonQueueInfo(home)).toMatchObject({ present: false });
    writeFileSync(path.join(home, '.spec-kitty', 'config.toml'), '[sync]\nlane_model = "7-lane"\n');
    const logged = await openTest({ homeDir: home });
    expect(logged.warnings).toEqual([]);
    await logged.queue.close();
  });

  it('uses the lane model of ~/.spec-kitty/config.toml for adopted status events', async () => {
    const home = pythonHome();
    writeFileSync(path.join(home, '.spec-kitty', 'config.toml'), '[sync]\nserver_url = "https://127.0.0.1:48443"\nlane_model = "7-lane"\n');
    const t = await openTest({ homeDir: home, scope });
    const pending = await t.queue.listPending({ limit: 100 });
    const claim = pending.find((p) => p.eventId === pythonEvents[4]?.['event_id']);
    expect(claim?.envelope?.['payload']).toMatchObject({ to_lane: 'in_progress', lane_model: '7-lane' });
    await t.queue.close();
  });
});
