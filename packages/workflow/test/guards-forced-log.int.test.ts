import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LANES, type Lane } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import { listTasks, materializeStatus, moveTask, tasksStatus, validateStatus } from '../src/index.js';
import { porcelain, read } from './helpers.js';
import { caught, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
// Many real git commands (or CLI spawns) per test; a loaded machine needs the room.
jest.setTimeout(180_000);

/** A walk from `start` that takes every ordered pair of lanes (self-moves included) exactly once (Hierholzer). */
function everyPair(start: Lane): Lane[] {
  const unused = new Map<Lane, Lane[]>(LANES.map((l) => [l, [...LANES]]));
  const stack: Lane[] = [start];
  const circuit: Lane[] = [];
  while (stack.length > 0) {
    const v = stack.at(-1) as Lane;
    const next = unused.get(v)?.pop();
    if (next === undefined) circuit.push(stack.pop() as Lane);
    else stack.push(next);
  }
  return circuit.reverse();
}

/** Every reader of the status log, each expected to succeed and agree with the log. */
async function readAll(t: Awaited<ReturnType<typeof withTasks>>, lane: Lane, full: boolean): Promise<void> {
  const list = await listTasks({ ...t.env() });
  expect(list.tasks.find((x) => x.work_package_id === 'WP04')?.lane).toBe(lane);
  const v = await validateStatus({ ...t.env() });
  expect({ passed: v.passed, errors: v.errors }).toEqual({ passed: true, errors: [] });
  if (!full) return;
  const board = await tasksStatus({ ...t.env() });
  expect(board.work_packages.find((w) => w.id === 'WP04')?.lane).toBe(lane);
  const m = await materializeStatus({ ...t.env() });
  expect(m.work_packages['WP04']?.lane).toBe(lane);
  // A writer on another work package reads the whole log too.
  const other = await moveTask({
    ...t.env(),
    wpId: 'WP03',
    to: list.tasks.find((x) => x.work_package_id === 'WP03')?.lane === 'blocked' ? 'planned' : 'blocked',
    agent: 'zed',
  });
  expect(other.changed).toBe(true);
}

describe('the log stays readable whatever forced moves write', () => {
  it('the reported sequence: forced for_review, then forced in_progress (review_ref null), leaves every command working', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'for_review', agent: 'claude', force: true, reason: 'a' });
    const back = await moveTask({ ...t.env(), wpId: 'WP01', to: 'in_progress', agent: 'claude', force: true, reason: 'b' });
    expect(back.events).toEqual([expect.objectContaining({ from_lane: 'for_review', to_lane: 'in_progress', force: true })]);
    const line = readFileSync(path.join(t.fdir, 'status.events.jsonl'), 'utf8').trim().split('\n').at(-1) as string;
    expect(JSON.parse(line)).toMatchObject({ from_lane: 'for_review', to_lane: 'in_progress', force: true, review_ref: null, reason: 'b' });
    expect((await listTasks({ ...t.env() })).tasks[0]).toMatchObject({ work_package_id: 'WP01', lane: 'in_progress' });
    expect((await tasksStatus({ ...t.env() })).by_lane).toMatchObject({ in_progress: 1 });
    expect(await validateStatus({ ...t.env() })).toMatchObject({ passed: true, error_count: 0 });
    expect((await materializeStatus({ ...t.env() })).work_packages['WP01']?.lane).toBe('in_progress');
    expect((await moveTask({ ...t.env(), wpId: 'WP04', to: 'blocked', agent: 'codex' })).new_lane).toBe('blocked');
    expect((await moveTask({ ...t.env(), wpId: 'WP01', to: 'blocked', agent: 'claude' })).new_lane).toBe('blocked');
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('replays every forced move between any two lanes (49 pairs) and reads back with every reader after each', async () => {
    const t = await withTasks();
    const walk = everyPair('planned');
    expect(walk).toHaveLength(LANES.length * LANES.length + 1);
    const fb = path.join(t.dir, '..', `fb-${path.basename(t.dir)}.md`);
    writeFileSync(fb, 'Rejected during the forced walk.\n');
    for (let i = 1; i < walk.length; i++) {
      const from = walk[i - 1] as Lane;
      const to = walk[i] as Lane;
      const r = await moveTask({
        ...t.env(),
        wpId: 'WP04',
        to,
        agent: 'ada',
        force: true,
        reason: `step ${i}: ${from} -> ${to}`,
        ...(from === 'for_review' && to === 'planned' ? { reviewFeedbackFile: fb } : {}),
      });
      expect(r.events.at(-1)).toMatchObject({ from_lane: from, to_lane: to, force: true });
      await readAll(t, to, i % 7 === 0 || i === walk.length - 1);
    }
    const mine = logEvents(t.dir, t.feature).filter((e) => e.wp_id === 'WP04');
    expect(new Set(mine.map((e) => `${e.from_lane}>${e.to_lane}`)).size).toBe(49);
    expect(await porcelain(t.sg)).toEqual([]);
  }, 240_000);
});

describe('lines an older build wrote: read tolerantly, repaired by materialize --repair', () => {
  it('understood lines are read with a warning and rewritten; unreadable lines stop writers until materialize --force --repair', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'blocked', agent: 'claude' });
    const log = path.join(t.fdir, 'status.events.jsonl');
    const [l1, l2] = readFileSync(log, 'utf8').trim().split('\n') as [string, string];
    // As another build might write it: lower-case id, alias and case in the lanes, wp id without padding.
    const old = {
      ...JSON.parse(l2),
      event_id: (JSON.parse(l2).event_id as string).toLowerCase(),
      from_lane: 'Planned',
      to_lane: 'blocked',
      wp_id: 'wp4',
    };
    writeFileSync(log, `${l1}\n${JSON.stringify(old)}\n`);
    await t.sg.add([log]);
    await t.sg.commit('written by another build');

    const moved = await moveTask({ ...t.env(), wpId: 'WP02', to: 'blocked', agent: 'codex' });
    expect(moved.notes.join('\n')).toMatch(
      /:2: read an older line tolerantly \(event_id .* read as .*; wp_id "wp4" read as WP04; from_lane "Planned" read as planned\)/,
    );
    expect((await listTasks({ ...t.env() })).tasks.find((x) => x.work_package_id === 'WP04')?.lane).toBe('blocked');
    const before = await validateStatus({ ...t.env() });
    expect(before.passed).toBe(true);
    expect(before.warnings.join('\n')).toMatch(/materialize --repair rewrites it/);

    const repaired = await materializeStatus({ ...t.env(), repair: true });
    expect(repaired).toMatchObject({ repaired_lines: [2], removed_lines: [], commit_created: true });
    expect(JSON.parse(read(t.fdir, 'status.events.jsonl').split('\n')[1] as string)).toMatchObject({
      wp_id: 'WP04',
      from_lane: 'planned',
      event_id: JSON.parse(l2).event_id,
    });
    expect((await validateStatus({ ...t.env() })).warning_count).toBe(0);
    expect(await porcelain(t.sg)).toEqual([]);

    // A line nobody can understand: writers stop with the exact command that helps, and it helps.
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"oops": true}\n`);
    await t.sg.add([log]);
    await t.sg.commit('hand edit');
    const e = await caught(moveTask({ ...t.env(), wpId: 'WP03', to: 'blocked', agent: 'codex' }));
    expect(e.code).toBe('INVALID_STATUS_LOG');
    expect(e.suggestions).toContain('spec-kitty agent status materialize --feature 001-checkout --force --repair');
    const cleaned = await materializeStatus({ ...t.env(), force: true, repair: true });
    expect(cleaned.removed_lines).toEqual([4]);
    expect(cleaned.notes.join('\n')).toMatch(/removed an unreadable line \(git history keeps it\)/);
    expect((await moveTask({ ...t.env(), wpId: 'WP03', to: 'blocked', agent: 'codex' })).new_lane).toBe('blocked');
    expect(await validateStatus({ ...t.env() })).toMatchObject({ passed: true, warning_count: 0 });
    expect(await porcelain(t.sg)).toEqual([]);
  });
});
