import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_ENVELOPE_BYTES, createEventFactory, type EventDraft, type StatusEvent } from '@kitty/events';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { createGitPort, fitEnvelope, reconcileStatusLogs, type StatusLogCursor, type StatusSyncStore } from '../src/index.js';
import { serializeStatusEvent } from '../src/status/status-log.js';
import { statusEvent as ev } from './helpers.js';

afterAll(cleanupTempDirs);

const line = (e: StatusEvent) => `${serializeStatusEvent(e)}\n`;

/** The sync side as a plain in-memory store (the CLI's is the SQLite queue, tested in @kitty/queue). */
function memoryStore() {
  const seen = new Set<string>();
  const cursors = new Map<string, StatusLogCursor>();
  let project: { startAt: string | null; backfill: boolean } | null = null;
  const queued: EventDraft[] = [];
  let commits = 0;
  const store: StatusSyncStore = {
    state: async () => ({ project, cursors: [...cursors.values()] }),
    seen: async (ids) => new Set(ids.filter((id) => seen.has(id))),
    commit: async (input) => {
      commits++;
      project ??= { startAt: input.project.startAt, backfill: input.project.backfill };
      let n = 0;
      for (const d of input.drafts) {
        if (seen.has(d.event_id)) continue;
        seen.add(d.event_id);
        queued.push(d);
        n++;
      }
      for (const id of input.settled) seen.add(id);
      for (const c of input.cursors) cursors.set(c.path, c);
      return { queued: n, alreadySeen: input.drafts.length - n };
    },
  };
  return { store, queued, seen, commits: () => commits, cursors };
}

const context = {
  projectUuid: '11111111-1111-4111-8111-111111111111',
  projectSlug: 'demo',
  gitBranch: 'main',
  headCommitSha: null,
  repoSlug: null,
};

function project() {
  const root = tempDir({}, 'kitty-status-sync-');
  const dir = path.join(root, 'kitty-specs', '001-demo');
  mkdirSync(dir, { recursive: true });
  const factory = createEventFactory({
    nodeId: 'abcdef012345',
    now: () => new Date('2026-01-15T12:00:00Z'),
    context: { ...context, teamSlug: 'acme' },
  });
  const mem = memoryStore();
  const run = (over: { startAt?: Date; backfill?: boolean } = {}) =>
    reconcileStatusLogs({
      root,
      store: mem.store,
      git: createGitPort(),
      context,
      factory: () => factory,
      startAt: over.startAt ?? new Date('2026-01-15T10:03:00Z'),
      backfill: over.backfill ?? false,
    });
  return { root, log: path.join(dir, 'status.events.jsonl'), mem, run, factory };
}

describe('reconcileStatusLogs', () => {
  it('starts at the recorded start point, uses the log ids and times, and reads only what was appended', async () => {
    const p = project();
    writeFileSync(p.log, [1, 2, 3, 4].map((n) => line(ev(n))).join(''));
    const first = await p.run();
    expect(first).toMatchObject({ queued: 2, beforeStart: 2, registered: true, startAt: '2026-01-15T10:03:00.000Z', logsRead: 1 });
    expect(p.mem.queued.map((d) => [d.event_id, d['timestamp'], d['correlation_id']])).toEqual([
      [ev(3).event_id, '2026-01-15T10:03:00.000Z', p.factory.correlationId],
      [ev(4).event_id, '2026-01-15T10:04:00.000Z', p.factory.correlationId],
    ]);

    // Nothing new: the log is not read and nothing is written.
    const commits = p.mem.commits();
    expect(await p.run({ startAt: new Date('2030-01-01T00:00:00Z') })).toMatchObject({
      queued: 0,
      logsRead: 0,
      registered: false,
      startAt: '2026-01-15T10:03:00.000Z',
    });
    expect(p.mem.commits()).toBe(commits);

    // An append plus a torn line: only the complete new line is read; the torn one waits for its line break.
    appendFileSync(p.log, line(ev(5)) + serializeStatusEvent(ev(6)).slice(0, 40));
    expect(await p.run()).toMatchObject({ queued: 1, alreadySeen: 0, logsRead: 1 });
    appendFileSync(p.log, `${serializeStatusEvent(ev(6)).slice(40)}\n`);
    expect(await p.run()).toMatchObject({ queued: 1, alreadySeen: 0 });
    expect(p.mem.queued.map((d) => d.event_id)).toEqual([3, 4, 5, 6].map((n) => ev(n).event_id));
  });

  it('a rewritten log (another branch checked out) is read again from the start; seen ids are not queued twice', async () => {
    const p = project();
    writeFileSync(p.log, [3, 4].map((n) => line(ev(n))).join(''));
    await p.run();
    writeFileSync(p.log, [3, 7, 4, 8].map((n) => line(ev(n, n === 7 ? { wp_id: 'WP02' } : {}))).join(''));
    const r = await p.run();
    expect(r).toMatchObject({ queued: 2, alreadySeen: 2 });
    expect(p.mem.queued.map((d) => d.event_id)).toEqual([3, 4, 7, 8].map((n) => ev(n).event_id));
  });

  it('backfill queues the whole history of a project seen for the first time', async () => {
    const p = project();
    writeFileSync(p.log, [1, 2, 3].map((n) => line(ev(n))).join(''));
    expect(await p.run({ backfill: true })).toMatchObject({ queued: 3, beforeStart: 0, startAt: null });
  });

  it('a done without evidence is settled with a note, bad lines are noted, nothing blocks the rest', async () => {
    const p = project();
    writeFileSync(p.log, line(ev(3, { from_lane: 'for_review', to_lane: 'done' })) + 'not json\n' + line(ev(4)));
    const r = await p.run();
    expect(r.queued).toBe(1);
    expect(p.mem.seen.has(ev(3).event_id)).toBe(true);
    expect(r.notes.join('\n')).toMatch(/no repository evidence/);
    expect(r.notes.join('\n')).toMatch(/1 line\(s\) of .* are not valid status events/);
  });
});

describe('fitEnvelope (the truncation rule of ADR 0012)', () => {
  it('leaves small envelopes alone and cuts the longest free-text field of a big one to fit', () => {
    const p = project();
    const small = p.factory.wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'planned',
      to: 'claimed',
      actor: 'a',
      executionMode: 'worktree',
    });
    expect(fitEnvelope(small)).toEqual({ draft: small, truncated: false });
    const big = p.factory.wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'planned',
      to: 'claimed',
      actor: 'é'.repeat(40_000),
      reason: 'r'.repeat(90_000),
      executionMode: 'worktree',
    });
    const fitted = fitEnvelope(big);
    expect(fitted?.truncated).toBe(true);
    const payload = (fitted?.draft as { payload: Record<string, string> }).payload;
    expect(Buffer.byteLength(JSON.stringify({ ...fitted?.draft, lamport_clock: 2 ** 40 }))).toBeLessThanOrEqual(MAX_ENVELOPE_BYTES);
    expect(payload['reason']).toMatch(
      /… \[truncated by spec-kitty: kept \d+ of 90000 characters; the full text is in status\.events\.jsonl\]$/,
    );
    expect(payload['actor']?.startsWith('éé')).toBe(true);
  });
});
