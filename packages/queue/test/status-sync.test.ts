import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs } from '@kitty/test-utils';
import { draft, eid, openTest } from './helpers.js';

afterAll(cleanupTempDirs);

const project = {
  root: '/work/app',
  projectUuid: '11111111-1111-4111-8111-111111111111',
  startAt: '2026-03-01T11:00:00.000Z',
  backfill: false,
};
const cursor = (offset: number) => ({
  path: '/work/app/kitty-specs/001-x/status.events.jsonl',
  offset,
  tailHash: `h${offset}`,
  size: offset,
  mtimeMs: offset,
});

describe('status-log reconciliation bookkeeping', () => {
  it('queues unseen events once, remembers them after delivery, and stores cursors with the events', async () => {
    const { queue } = await openTest();
    expect(await queue.statusSyncState(project.root)).toEqual({ project: null, cursors: [] });

    const first = await queue.enqueueStatusEvents({ project, drafts: [draft(1), draft(2)], cursors: [cursor(100)] });
    expect(first).toEqual({ queued: 2, alreadySeen: 0 });
    const state = await queue.statusSyncState(project.root);
    expect(state.project).toMatchObject({ root: project.root, startAt: project.startAt, backfill: false });
    expect(state.cursors).toEqual([cursor(100)]);

    // Delivered and deleted: the ids stay seen, so reconciling the same log again queues nothing.
    const batch = await queue.claimBatch({ limit: 10 });
    await queue.applyResults(batch.claimId as string, [
      { eventId: eid(1), status: 'success' },
      { eventId: eid(2), status: 'success' },
    ]);
    expect((await queue.stats()).depth).toBe(0);
    const again = await queue.enqueueStatusEvents({ project, drafts: [draft(1), draft(2), draft(3)], cursors: [cursor(150)] });
    expect(again).toEqual({ queued: 1, alreadySeen: 2 });
    expect((await queue.listPending()).map((p) => p.eventId)).toEqual([eid(3)]);
    expect((await queue.seenEventIds([eid(1), eid(3), eid(9)])).size).toBe(2);

    // A later registration never moves an existing start point.
    await queue.enqueueStatusEvents({ project: { ...project, startAt: '2030-01-01T00:00:00.000Z' }, drafts: [], cursors: [cursor(200)] });
    expect((await queue.statusSyncState(project.root)).project?.startAt).toBe(project.startAt);
    expect((await queue.statusSyncProjects()).map((p) => p.root)).toEqual([project.root]);
    // `sync status --json` shows it through the queue's stats: where the project starts, backfill or not.
    expect((await queue.stats()).reconciledProjects).toEqual([{ root: project.root, startAt: project.startAt, backfill: false }]);
    await queue.close();
  });

  it('is all or nothing: a failed enqueue leaves neither events, seen ids nor cursors', async () => {
    const { queue } = await openTest();
    const bad = { event_id: eid(5), event_type: 'X', payload: { big: 'x'.repeat(70 * 1024) } };
    await expect(queue.enqueueStatusEvents({ project, drafts: [draft(4), bad], cursors: [cursor(10)] })).rejects.toMatchObject({
      code: 'QUEUE_EVENT_TOO_LARGE',
    });
    expect(await queue.statusSyncState(project.root)).toEqual({ project: null, cursors: [] });
    expect((await queue.seenEventIds([eid(4)])).size).toBe(0);
    expect((await queue.stats()).depth).toBe(0);
    await queue.close();
  });

  it('settled ids are remembered without being queued', async () => {
    const { queue } = await openTest();
    await queue.enqueueStatusEvents({ project, drafts: [], settled: [eid(7)], cursors: [cursor(1)] });
    expect((await queue.seenEventIds([eid(7)])).has(eid(7))).toBe(true);
    expect((await queue.stats()).depth).toBe(0);
    await expect(queue.enqueueStatusEvents({ project: { ...project, root: '' }, drafts: [], cursors: [] })).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
    await queue.close();
  });
});
