import { afterAll, describe, expect, it } from '@jest/globals';
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkEvent, checkPayload, type EventDraft } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import {
  addHistory,
  emitStatus,
  implementWorkPackage,
  listTasks,
  markStatus,
  materializeStatus,
  moveTask,
  reviewWorkPackage,
  tasksStatus,
  validateStatus,
  validateWorkflow,
} from '../src/index.js';
import { filesOf, memoryEvents, porcelain, read, subjects } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);

const payload = (d: EventDraft) => d.payload as Record<string, unknown>;

describe('sync emission: after the local write, never failing the command', () => {
  it('queues WPStatusChanged per hop in the 4-lane model with the full transition payload; valid against the schemas', async () => {
    const { env, events } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP04', to: 'for_review', agent: 'claude', force: true, reason: 'written elsewhere' });
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    await moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'codex' });
    await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude' });
    const status = events.drafts.filter((d) => d.event_type === 'WPStatusChanged');
    expect(status.map((d) => [payload(d)['from_lane'], payload(d)['to_lane'], payload(d)['canonical_to_lane']])).toEqual([
      ['planned', 'for_review', 'for_review'],
      ['for_review', 'done', 'done'],
      ['planned', 'doing', 'claimed'],
      ['doing', 'doing', 'in_progress'],
    ]);
    expect(payload(status[0] as EventDraft)).toMatchObject({
      feature_slug: '001-checkout',
      wp_id: 'WP04',
      actor: 'claude',
      force: true,
      reason: 'written elsewhere',
      execution_mode: 'direct_repo',
      lane_model: '4-lane',
    });
    expect(payload(status[1] as EventDraft)['evidence']).toMatchObject({
      review: { reviewer: 'codex', verdict: 'approved' },
      repos: [{ repo: expect.any(String), branch: expect.any(String), commit: expect.stringMatching(/^[0-9a-f]{40}$/) }],
    });
    for (const d of events.drafts) {
      expect(checkEvent({ ...d, lamport_clock: 7 })).toMatchObject({ ok: true });
      if (d.event_type === 'WPStatusChanged') {
        const p = payload(d);
        expect(
          checkPayload('WPStatusChanged', { ...p, from_lane: p['canonical_from_lane'], to_lane: p['canonical_to_lane'] }, 'library'),
        ).toMatchObject({ ok: true });
      }
    }
  });

  it('a queue that fails leaves the command successful with a note; the local change is complete', async () => {
    const failing = memoryEvents({ fail: 'database is locked' });
    const { sg, fdir, env } = await withTasks({ events: failing });
    const before = failing.prepared;
    const r = await moveTask({ ...env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    expect(r).toMatchObject({ changed: true, events_queued: 0, commit_created: true });
    expect(failing.prepared - before).toBe(1); // told once, while committing; its throwing changed nothing
    expect(r.notes.join(' ')).toMatch(/could not queue WPStatusChanged \(database is locked\); the local change is complete/);
    expect(read(fdir, 'tasks/WP01-schema.md')).toContain('lane: "claimed"');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('a failing command queues ErrorLogged (validation, with the work package and agent) and still fails', async () => {
    const { env, events } = await withTasks();
    const e = await caught(moveTask({ ...env(), wpId: 'WP01', to: 'for_review', agent: 'claude', force: true }));
    expect(e.code).toBe('FORCE_NEEDS_ACTOR_AND_REASON');
    expect(events.drafts.map((d) => d.event_type)).toEqual(['ErrorLogged']);
    expect(payload(events.drafts[0] as EventDraft)).toMatchObject({
      error_type: 'validation',
      wp_id: 'WP01',
      agent_id: 'claude',
      error_message: expect.stringMatching(/^move-task: Force transitions require actor and reason/),
    });
  });
});

describe('history and subtasks', () => {
  it('add-history commits an Activity Log line with the current lane and queues HistoryAdded', async () => {
    const { sg, fdir, env, events } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP02', to: 'blocked', agent: 'codex' });
    events.drafts.splice(0);
    const r = await addHistory({ ...env(), wpId: 'wp2', note: 'Waiting for the payment API key', agent: 'codex', shellPid: '99' });
    expect(r).toMatchObject({ task_id: 'WP02', lane: 'blocked', note: 'Waiting for the payment API key' });
    expect(read(fdir, 'tasks/WP02-api.md')).toMatch(/– codex – shell_pid=99 – lane=blocked – Waiting for the payment API key\n/);
    expect(await subjects(sg, 1)).toEqual(['chore: Add history to WP02 on spec 001 [codex]']);
    expect(await filesOf(sg)).toEqual(['kitty-specs/001-checkout/tasks/WP02-api.md']);
    expect(events.drafts.map((d) => [d.event_type, payload(d)['wp_id'], payload(d)['entry_type'], payload(d)['author']])).toEqual([
      ['HistoryAdded', 'WP02', 'note', 'codex'],
    ]);
    expect((await caught(addHistory({ ...env(), wpId: 'WP02', note: '  ' }))).code).toBe('INVALID_OPTION');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('mark-status ticks and unticks subtasks in tasks.md, names the right work package, and reports unknown ids', async () => {
    const { sg, fdir, env, events } = await withTasks();
    const r = await markStatus({ ...env(), taskIds: ['T003', 'T001', 'T999'], status: 'done', agent: 'claude' });
    expect(r).toMatchObject({ updated: ['T003', 'T001'], not_found: ['T999'], count: 2, work_packages: { T001: 'WP01', T003: 'WP02' } });
    const tasks = read(fdir, 'tasks.md');
    expect(tasks).toContain('- [x] T001 Create the tables');
    expect(tasks).toContain('- [x] T003 POST /checkout');
    expect(tasks).toContain('- [ ] T002 [P] Add indexes');
    expect(await subjects(sg, 1)).toEqual(['chore: Mark 2 subtasks as done on spec 001']);
    expect(events.drafts.map((d) => [payload(d)['wp_id'], payload(d)['entry_content']])).toEqual([
      ['WP02', 'Subtask T003 marked as done'],
      ['WP01', 'Subtask T001 marked as done'],
    ]);
    const back = await markStatus({ ...env(), taskIds: ['T001'], status: 'pending' });
    expect(back.commit_hash).not.toBeNull();
    expect(read(fdir, 'tasks.md')).toContain('- [ ] T001 Create the tables');
    expect(await subjects(sg, 1)).toEqual(['chore: Mark T001 as pending on spec 001']);
    expect((await caught(markStatus({ ...env(), taskIds: ['T998'], status: 'done' }))).code).toBe('UNKNOWN_SUBTASK');
    expect((await caught(markStatus({ ...env(), taskIds: ['T001'], status: 'finished' }))).code).toBe('INVALID_OPTION');
    expect((await caught(markStatus({ ...env(), taskIds: ['../x'], status: 'done' }))).code).toBe('INVALID_OPTION');
    expect(await porcelain(sg)).toEqual([]);
  });
});

describe('read-only views: list-tasks, validate-workflow, status board', () => {
  it('list-tasks shows the lanes of the log, filters by lane (aliases too); status shows the board with stale work', async () => {
    const { sg, env } = await withTasks();
    const impl = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude' });
    await moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'a', force: true, reason: 'x' });
    const all = await listTasks({ ...env() });
    expect(all.tasks.map((t) => [t.work_package_id, t.lane])).toEqual([
      ['WP01', 'in_progress'],
      ['WP02', 'planned'],
      ['WP03', 'planned'],
      ['WP04', 'done'],
    ]);
    expect(all.tasks[1]).toMatchObject({
      title: 'API',
      relative_path: 'kitty-specs/001-checkout/tasks/WP02-api.md',
      dependencies: ['WP01'],
    });
    expect((await listTasks({ ...env(), lane: 'doing' })).tasks.map((t) => t.work_package_id)).toEqual(['WP01']);
    expect((await caught(listTasks({ ...env(), lane: 'nope' }))).code).toBe('INVALID_LANE');

    await commitIn(impl.workspace_abs_path);
    const fresh = await tasksStatus({ ...env(), staleThresholdMinutes: 10 });
    expect(fresh).toMatchObject({
      feature: '001-checkout',
      total_wps: 4,
      by_lane: { planned: 2, in_progress: 1, done: 1 },
      lane_counts: { planned: 2, in_progress: 1, done: 1, claimed: 0, for_review: 0, blocked: 0, canceled: 0 },
      progress_percentage: 25,
      stale_wps: 0,
      stale_wp_ids: [],
    });
    expect(Object.keys(fresh.by_lane).sort()).toEqual(['done', 'in_progress', 'planned']);
    expect(fresh.work_packages[0]).toMatchObject({ id: 'WP01', worktree_exists: true, is_stale: false });
    // An hour later (by the injected clock) the in-progress work package counts as stale.
    const later = await tasksStatus({ ...env(), now: () => new Date(Date.now() + 60 * 60_000) });
    expect(later.stale_wp_ids).toEqual(['WP01']);
    expect(later.stale_wps).toBe(1);
    expect(await porcelain(sg)).toEqual([]);

    // Claimed without a workspace (a direct move), and a workspace whose directory is gone: no worktree, not stale.
    await moveTask({ ...env(), wpId: 'WP02', to: 'claimed', agent: 'b', force: true, reason: 'claimed before WP01 is done' });
    rmSync(impl.workspace_abs_path, { recursive: true, force: true });
    const gone = await tasksStatus({ ...env(), now: () => new Date(Date.now() + 60 * 60_000) });
    expect(gone.work_packages.slice(0, 2)).toMatchObject([
      { id: 'WP01', lane: 'in_progress', worktree_exists: false, minutes_since_commit: null, is_stale: false },
      { id: 'WP02', lane: 'claimed', worktree_exists: false, minutes_since_commit: null, is_stale: false },
    ]);
    expect(gone.stale_wp_ids).toEqual([]);
  });

  it('validate-workflow reports missing fields, bad lanes and drift from the log; malformed frontmatter is reported, never rewritten', async () => {
    const { sg, fdir, env } = await withTasks();
    expect(await validateWorkflow({ ...env(), wpId: 'WP01' })).toMatchObject({ valid: true, errors: [], lane: 'planned' });
    await moveTask({ ...env(), wpId: 'WP01', to: 'claimed', agent: 'a' });
    const p = path.join(fdir, 'tasks/WP01-schema.md');
    writeFileSync(p, readFileSync(p, 'utf8').replace('lane: "claimed"', 'lane: "doing"'));
    const drift = await validateWorkflow({ ...env(), wpId: 'WP01' });
    expect(drift.valid).toBe(false);
    expect(drift.errors.join(' ')).toMatch(/disagrees with the status log \('claimed'\)/);
    writeFileSync(
      p,
      readFileSync(p, 'utf8')
        .replace('lane: "doing"', 'lane: "paused"')
        .replace(/^title: .*$/m, ''),
    );
    const bad = await validateWorkflow({ ...env(), wpId: 'WP01' });
    expect(bad.errors).toEqual(expect.arrayContaining(['Missing required field: title', expect.stringMatching(/Invalid lane 'paused'/)]));

    // Row 35: a broken frontmatter is named with its position; the other work packages keep working.
    const broken = path.join(fdir, 'tasks/WP02-api.md');
    writeFileSync(broken, '---\nwork_package_id: WP02\ntitle: [unclosed\n---\n# WP02\n');
    const before = readFileSync(broken, 'utf8');
    const listed = await listTasks({ ...env() });
    expect(listed.tasks.map((t) => t.work_package_id)).toEqual(['WP01', 'WP03', 'WP04']);
    expect(listed.notes.join(' ')).toMatch(/WP02-api\.md:4:1: Flow sequence/);
    expect((await validateWorkflow({ ...env(), wpId: 'WP02' })).errors.join(' ')).toMatch(/WP02-api\.md:4:1/);
    const e = await caught(moveTask({ ...env(), wpId: 'WP02', to: 'claimed', agent: 'a' }));
    expect(e.code).toBe('INVALID_FRONTMATTER');
    expect(readFileSync(broken, 'utf8')).toBe(before);
    expect(await porcelain(sg)).toEqual([
      ' M kitty-specs/001-checkout/tasks/WP01-schema.md',
      ' M kitty-specs/001-checkout/tasks/WP02-api.md',
    ]);
  });
});

describe('agent status emit | materialize | validate, and the torn log', () => {
  it('repairs a torn last line before appending, commits the repair with the change, and validates clean', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    const log = path.join(fdir, 'status.events.jsonl');
    appendFileSync(log, '{"actor":"claude","at":"2026-03-01T12:0');
    const r = await moveTask({ ...env(), wpId: 'WP01', to: 'blocked', agent: 'claude' });
    expect(r.notes.join('\n')).toMatch(/ignored a torn last line/);
    expect(r.notes.join('\n')).toMatch(/removed the torn fragment on line 2/);
    expect(logEvents(dir, feature).map((x) => x.to_lane)).toEqual(['claimed', 'blocked']);
    expect(readFileSync(log, 'utf8').endsWith('}\n')).toBe(true);
    expect(await porcelain(sg)).toEqual([]);
    expect(await validateStatus({ ...env() })).toMatchObject({ passed: true, error_count: 0, event_count: 2 });
  });

  it('a bad line in the middle stops every writer with its line number; materialize --force rebuilds from the valid lines', async () => {
    const { sg, fdir, env } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP01', to: 'claimed', agent: 'claude' });
    await moveTask({ ...env(), wpId: 'WP04', to: 'blocked', agent: 'claude' });
    const log = path.join(fdir, 'status.events.jsonl');
    const [l1, l2] = readFileSync(log, 'utf8').trim().split('\n');
    writeFileSync(log, `${l1}\n{"oops": true}\n${l2}\n`);
    await sg.add([log]);
    await sg.commit('hand edit');
    const e = await caught(moveTask({ ...env(), wpId: 'WP02', to: 'claimed', agent: 'claude' }));
    expect(e.code).toBe('INVALID_STATUS_LOG');
    expect(e.message).toMatch(/status\.events\.jsonl:2:1: invalid status event on line 2/);
    expect((await caught(materializeStatus({ ...env() }))).code).toBe('INVALID_STATUS_LOG');
    const v = await validateStatus({ ...env() });
    expect(v.passed).toBe(false);
    expect(v.errors[0]).toMatch(/:2:1: invalid status event/);
    writeFileSync(path.join(fdir, 'status.json'), '{}\n');
    await sg.add([path.join(fdir, 'status.json')]);
    await sg.commit('break the snapshot');
    const m = await materializeStatus({ ...env(), force: true });
    expect(m).toMatchObject({ event_count: 2, summary: { claimed: 1, blocked: 1 }, commit_created: true });
    expect(m.notes.join(' ')).toMatch(/Skipped .*status\.events\.jsonl:2/);
    expect(JSON.parse(read(fdir, 'status.json')) as object).toMatchObject({ event_count: 2 });
    expect(await porcelain(sg)).toEqual([]);
  });

  it('emit records exactly one move; materialize repairs drifted views; validate names each drift', async () => {
    const { sg, fdir, env, events } = await withTasks();
    const r = await emitStatus({ ...env(), wpId: 'WP03', to: 'blocked', actor: 'ada', reason: 'needs design' });
    expect(r).toMatchObject({
      wp_id: 'WP03',
      from_lane: 'planned',
      to_lane: 'blocked',
      actor: 'ada',
      event_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    });
    expect(events.drafts.filter((d) => d.event_type === 'WPStatusChanged')).toHaveLength(1);
    expect((await caught(emitStatus({ ...env(), wpId: 'WP03', to: 'for_review', actor: 'ada' }))).code).toBe('ILLEGAL_TRANSITION');
    expect((await caught(emitStatus({ ...env(), wpId: 'WP03', to: 'done', actor: 'ada', evidenceJson: '{nope' }))).code).toBe(
      'INVALID_OPTION',
    );

    const wp = path.join(fdir, 'tasks/WP03-ui.md');
    writeFileSync(wp, readFileSync(wp, 'utf8').replace('lane: "blocked"', 'lane: "done"'));
    writeFileSync(path.join(fdir, 'tasks.md'), read(fdir, 'tasks.md').replace('- WP03: blocked', '- WP03: done'));
    await sg.add(['.']);
    await sg.commit('hand-edited lanes');
    const v = await validateStatus({ ...env() });
    expect(v.errors.join(' ')).toMatch(/WP03-ui\.md: frontmatter lane "done" but the log says blocked/);
    expect(v.warnings.join(' ')).toMatch(/status block is out of date/);
    const m = await materializeStatus({ ...env() });
    expect([...m.files_committed].sort()).toEqual(['kitty-specs/001-checkout/tasks.md', 'kitty-specs/001-checkout/tasks/WP03-ui.md']);
    expect(read(fdir, 'tasks/WP03-ui.md')).toContain('lane: "blocked"');
    expect(await validateStatus({ ...env() })).toMatchObject({ passed: true, warning_count: 0 });
    const again = await materializeStatus({ ...env() });
    expect(again.commit_created).toBe(false);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('a project from the Python CLI (lane in the frontmatter, no log) is bootstrapped with a forced event first', async () => {
    const { dir, feature, fdir, env } = await withTasks();
    const p = path.join(fdir, 'tasks/WP01-schema.md');
    writeFileSync(p, readFileSync(p, 'utf8').replace('lane: "planned"', 'lane: "doing"'));
    const r = await moveTask({ ...env(), wpId: 'WP01', to: 'blocked', agent: 'claude' });
    expect(r.events.map((x) => [x.from_lane, x.to_lane, x.force])).toEqual([
      ['planned', 'in_progress', true],
      ['in_progress', 'blocked', false],
    ]);
    expect(logEvents(dir, feature)[0]?.reason).toMatch(/bootstrap from frontmatter lane in_progress/);
    expect(read(fdir, 'tasks/WP01-schema.md')).toContain('lane: "blocked"');
  });
});

describe('git index.lock during a lane change (reliability row 41)', () => {
  it('waits for a lock that goes away; a lock that stays fails with its path and puts every file back', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    const lock = path.join(dir, '.git', 'index.lock');
    writeFileSync(lock, '');
    let waits = 0;
    const r = await moveTask({
      ...env(),
      sleep: async () => {
        waits += 1;
        if (waits === 2) unlinkSync(lock);
      },
      wpId: 'WP01',
      to: 'claimed',
      agent: 'claude',
    });
    expect(r.commit_created).toBe(true);
    expect(waits).toBeGreaterThanOrEqual(2);

    const before = {
      log: read(fdir, 'status.events.jsonl'),
      snap: read(fdir, 'status.json'),
      wp: read(fdir, 'tasks/WP01-schema.md'),
      tasks: read(fdir, 'tasks.md'),
    };
    writeFileSync(lock, '');
    const e = await caught(moveTask({ ...env(), sleep: async () => undefined, wpId: 'WP01', to: 'blocked', agent: 'claude' }));
    expect(e.code).toBe('GIT_INDEX_LOCKED');
    expect(e.message).toContain(lock);
    expect(existsSync(lock)).toBe(true);
    unlinkSync(lock);
    expect({
      log: read(fdir, 'status.events.jsonl'),
      snap: read(fdir, 'status.json'),
      wp: read(fdir, 'tasks/WP01-schema.md'),
      tasks: read(fdir, 'tasks.md'),
    }).toEqual(before);
    expect(await porcelain(sg)).toEqual([]);
    expect(logEvents(dir, feature).map((x) => x.to_lane)).toEqual(['claimed']);
    expect(statSync(path.join(fdir, 'status.events.jsonl')).size).toBe(Buffer.byteLength(before.log));
  });
});

describe('review claim', () => {
  it('needs a work package in for_review, refuses a second reviewer without --force, and picks the first waiting one', async () => {
    const { sg, fdir, env, events } = await withTasks();
    expect((await caught(reviewWorkPackage({ ...env(), agent: 'codex' }))).code).toBe('NO_WORK_PACKAGE_AVAILABLE');
    expect((await caught(reviewWorkPackage({ ...env(), wpId: 'WP01', agent: 'codex' }))).code).toBe('WP_NOT_FOR_REVIEW');
    await moveTask({ ...env(), wpId: 'WP03', to: 'for_review', agent: 'claude', force: true, reason: 'setup' });
    events.drafts.splice(0);
    const r = await reviewWorkPackage({ ...env(), agent: 'codex' });
    expect(r).toMatchObject({ wp_id: 'WP03', workspace: null, commits: [], lane: 'for_review' });
    expect(r.notes.join(' ')).toMatch(/has no branch/);
    expect(read(fdir, 'tasks/WP03-ui.md')).toMatch(/review_status: "in_review"[\s\S]*reviewed_by: "codex"/);
    expect(events.drafts.map((d) => [d.event_type, payload(d)['entry_type'], payload(d)['author']])).toEqual([
      ['HistoryAdded', 'review', 'codex'],
    ]);
    expect((await caught(reviewWorkPackage({ ...env(), wpId: 'WP03', agent: 'gemini' }))).code).toBe('REVIEW_ALREADY_CLAIMED');
    expect((await caught(reviewWorkPackage({ ...env(), wpId: 'WP03', agent: 'gemini', force: true }))).code).toBe('FORCE_NEEDS_REASON');
    expect((await reviewWorkPackage({ ...env(), wpId: 'WP03', agent: 'gemini', force: true, reason: 'codex is away' })).reviewer).toBe(
      'gemini',
    );
    // Only the reviewer holding the review approves it; a missing --agent is not that reviewer.
    expect((await caught(moveTask({ ...env(), wpId: 'WP03', to: 'done', agent: 'codex' }))).code).toBe('REVIEW_HELD_BY_OTHER');
    expect(['ACTOR_UNKNOWN', 'REVIEW_HELD_BY_OTHER']).toContain((await caught(moveTask({ ...env(), wpId: 'WP03', to: 'done' }))).code);
    const done = await moveTask({ ...env(), wpId: 'WP03', to: 'done', agent: 'gemini' });
    expect(done.new_lane).toBe('done');
    expect(await porcelain(sg)).toEqual([]);
  });
});
