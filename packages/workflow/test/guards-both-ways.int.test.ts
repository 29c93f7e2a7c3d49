import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeLaneModel } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import { emitStatus, implementWorkPackage, markStatus, moveTask, reviewWorkPackage, type WorkflowError } from '../src/index.js';
import { porcelain } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
// Many real git commands (or CLI spawns) per test; a loaded machine needs the room.
jest.setTimeout(180_000);

/** Runs a failing call and checks that it changed nothing (same log length, clean repository). */
async function refused(t: Awaited<ReturnType<typeof withTasks>>, p: Promise<unknown>): Promise<WorkflowError> {
  const n = logEvents(t.dir, t.feature).length;
  const e = await caught(p);
  expect(logEvents(t.dir, t.feature)).toHaveLength(n);
  expect(await porcelain(t.sg)).toEqual([]);
  return e;
}

describe('every guard of the lane model refuses without its input and passes with it', () => {
  it('covers every guard and rule of the model (the list below is the model)', () => {
    const m = describeLaneModel();
    const guards = new Set(Object.values(m.transitions).flatMap((t) => Object.values(t)));
    expect([...guards].sort()).toEqual([
      'actor',
      'none',
      'reason',
      'review_approval',
      'review_feedback',
      'review_ref',
      'subtasks_and_implementation',
      'workspace_context',
    ]);
    expect(Object.keys(m.rules).sort()).toEqual(['dependencies', 'review_held', 'separation_of_duties']);
  });

  it('actor (planned → claimed): a blank actor is refused, a named one passes', async () => {
    const t = await withTasks();
    const e = await refused(t, emitStatus({ ...t.env(), wpId: 'WP04', to: 'claimed', actor: '  ' }));
    expect(e.code).toBe('TRANSITION_GUARD_FAILED');
    expect(e.message).toMatch(/requires actor identity/);
    expect((await emitStatus({ ...t.env(), wpId: 'WP04', to: 'claimed', actor: 'claude' })).to_lane).toBe('claimed');
  });

  it('workspace_context (claimed → in_progress): no worktree is refused, saying what was checked; a worktree passes', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    const e = await refused(t, moveTask({ ...t.env(), wpId: 'WP04', to: 'doing', agent: 'claude' }));
    expect(e.code).toBe('WORKSPACE_MISSING');
    expect(e.message).toMatch(
      /Checked: a git worktree at \.worktrees\/001-checkout-WP04 \(none registered\); branch 001-checkout-WP04 does not exist either/,
    );
    expect(e.details?.['checked']).toMatchObject({ worktree: '.worktrees/001-checkout-WP04', registered: false, branch_exists: false });
    expect(e.suggestions[0]).toBe('spec-kitty implement WP04 --feature 001-checkout --agent claude');
    // The suggestion, as written (library call of the same command): creates the workspace and moves on.
    const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'claude' });
    expect(impl).toMatchObject({ lane: 'in_progress', status: 'created' });
    // With the worktree present, move-task's own claimed → in_progress passes too.
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'planned', agent: 'claude', reason: 'restart' });
    const ok = await moveTask({ ...t.env(), wpId: 'WP04', to: 'doing', agent: 'claude' });
    expect(ok.events.map((x) => `${x.from_lane}>${x.to_lane}`)).toEqual(['planned>claimed', 'claimed>in_progress']);
    expect(logEvents(t.dir, t.feature).at(-1)).toMatchObject({ execution_mode: 'worktree' });
    // emit refuses too unless a workspace context is named.
    await moveTask({ ...t.env(), wpId: 'WP03', to: 'claimed', agent: 'codex', force: true, reason: 'setup' });
    expect((await refused(t, emitStatus({ ...t.env(), wpId: 'WP03', to: 'in_progress', actor: 'codex' }))).message).toMatch(
      /requires workspace context/,
    );
  });

  it('dependencies (planned → claimed): unfinished dependencies are refused unless the workspace is built on them, naming the base branch', async () => {
    const t = await withTasks();
    // A dependency without any branch: implement refuses (nothing to build on).
    expect((await refused(t, implementWorkPackage({ ...t.env(), wpId: 'WP02', agent: 'gemini' }))).code).toBe('DEPENDENCY_NOT_STARTED');
    const wp1 = await implementWorkPackage({ ...t.env(), wpId: 'WP01', agent: 'claude' });
    await commitIn(wp1.workspace_abs_path, 'schema.sql', 'create table t;\n', 'feat(WP01): schema');
    const e = await refused(t, moveTask({ ...t.env(), wpId: 'WP02', to: 'claimed', agent: 'codex' }));
    expect(e.code).toBe('DEPENDENCIES_NOT_DONE');
    expect(e.message).toMatch(/WP02 depends on WP01 \(in_progress\), not done yet/);
    expect(e.suggestions[0]).toBe('spec-kitty implement WP02 --base WP01 --feature 001-checkout --agent codex');
    // The incumbent's semantics: implement starts it from the dependency's branch and says so.
    const wp2 = await implementWorkPackage({ ...t.env(), wpId: 'WP02', base: 'WP01', agent: 'codex' });
    expect(wp2).toMatchObject({ base_branch: '001-checkout-WP01', lane: 'in_progress' });
    expect(wp2.notes.join('\n')).toMatch(/WP02 depends on WP01 \(not done: in_progress\): starting from its branch 001-checkout-WP01/);
    // A dependency that is done (or canceled) no longer blocks a direct claim.
    await moveTask({ ...t.env(), wpId: 'WP01', to: 'canceled', agent: 'claude' });
    await moveTask({ ...t.env(), wpId: 'WP02', to: 'planned', agent: 'codex', reason: 'restart' });
    expect((await moveTask({ ...t.env(), wpId: 'WP02', to: 'claimed', agent: 'codex' })).new_lane).toBe('claimed');
  });

  it('subtasks_and_implementation (in_progress → for_review): unchecked subtasks and no commits are refused; done work passes', async () => {
    const t = await withTasks();
    const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'claude' });
    const e = await refused(t, moveTask({ ...t.env(), wpId: 'WP04', to: 'for_review', agent: 'claude' }));
    expect((e.details?.['guards'] as Array<{ code: string }>).map((g) => g.code)).toEqual(['UNCHECKED_SUBTASKS', 'NO_COMMITS']);
    expect(e.suggestions).toContain(
      'spec-kitty agent tasks move-task WP04 --to for_review --feature 001-checkout --agent claude --force --reason "<why>"',
    );
    await commitIn(impl.workspace_abs_path);
    await markStatus({ ...t.env(), taskIds: ['T005'], status: 'done' });
    expect((await moveTask({ ...t.env(), wpId: 'WP04', to: 'for_review', agent: 'claude' })).new_lane).toBe('for_review');
  });

  it('review_approval (for_review → done): evidence and a claimed review are required; both given, it passes', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'for_review', agent: 'claude', force: true, reason: 'setup' });
    expect(
      (
        await refused(
          t,
          emitStatus({ ...t.env(), wpId: 'WP04', to: 'done', actor: 'codex', evidenceJson: '{"review":{"verdict":"approved"}}' }),
        )
      ).message,
    ).toMatch(/missing: reviewer, reference/);
    const noClaim = await refused(
      t,
      emitStatus({
        ...t.env(),
        wpId: 'WP04',
        to: 'done',
        actor: 'codex',
        evidenceJson: '{"review":{"reviewer":"codex","verdict":"approved","reference":"PR#1"}}',
      }),
    );
    expect(noClaim.message).toMatch(/requires a review claimed by a reviewer/);
    await reviewWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'codex' });
    const ok = await emitStatus({
      ...t.env(),
      wpId: 'WP04',
      to: 'done',
      actor: 'codex',
      evidenceJson: '{"review":{"reviewer":"codex","verdict":"approved","reference":"PR#1"}}',
    });
    expect(ok.to_lane).toBe('done');
  });

  it('review_ref (for_review → in_progress) and review_feedback (for_review → planned): refused without, passing with', async () => {
    const t = await withTasks();
    await moveTask({ ...t.env(), wpId: 'WP04', to: 'for_review', agent: 'claude', force: true, reason: 'setup' });
    expect((await refused(t, moveTask({ ...t.env(), wpId: 'WP04', to: 'in_progress', agent: 'codex' }))).message).toMatch(
      /requires a review reference/,
    );
    expect((await moveTask({ ...t.env(), wpId: 'WP04', to: 'in_progress', agent: 'codex', reviewRef: 'PR#2 comment 1' })).new_lane).toBe(
      'in_progress',
    );
    await moveTask({ ...t.env(), wpId: 'WP03', to: 'for_review', agent: 'claude', force: true, reason: 'setup' });
    const e = await refused(t, moveTask({ ...t.env(), wpId: 'WP03', to: 'planned', agent: 'codex' }));
    expect(e.code).toBe('INVALID_FEEDBACK');
    expect(e.suggestions[0]).toBe(
      'spec-kitty agent tasks move-task WP03 --to planned --feature 001-checkout --agent codex --review-feedback-file feedback.md',
    );
    const fb = path.join(t.dir, '..', `fb-${path.basename(t.dir)}.md`);
    writeFileSync(fb, 'Add the missing page.\n');
    expect((await moveTask({ ...t.env(), wpId: 'WP03', to: 'planned', agent: 'codex', reviewFeedbackFile: fb })).new_lane).toBe('planned');
  });

  it('reason (in_progress → planned): refused without, passing with', async () => {
    const t = await withTasks();
    await implementWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'claude' });
    expect((await refused(t, moveTask({ ...t.env(), wpId: 'WP04', to: 'planned', agent: 'claude' }))).message).toMatch(
      /in_progress -> planned requires a reason/,
    );
    expect((await moveTask({ ...t.env(), wpId: 'WP04', to: 'planned', agent: 'claude', reason: 'wrong approach' })).new_lane).toBe(
      'planned',
    );
  });
});
