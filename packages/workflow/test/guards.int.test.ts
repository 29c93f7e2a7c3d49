import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { emitStatus, implementWorkPackage, markStatus, moveTask, reviewWorkPackage, type WorkflowError } from '../src/index.js';
import { porcelain, read, sgit, write } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);

const guardCodes = (e: WorkflowError): string[] =>
  ((e.details?.['guards'] as Array<{ code: string }> | undefined) ?? []).map((g) => g.code);

/** Asserts that a failed command changed nothing: same log, same files, clean repository. */
async function unchanged(dir: string, feature: string, sg: ReturnType<typeof sgit>, before: number): Promise<void> {
  expect(logEvents(dir, feature)).toHaveLength(before);
  expect(await porcelain(sg)).toEqual([]);
}

describe('guards of in_progress → for_review (real worktrees)', () => {
  it('subtasks, commits, clean worktree, no merge in progress, not behind the base, no planning edits: each fails, then passes', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    const impl = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' });
    const ws = impl.workspace_abs_path;
    const wsGit = sgit(ws);
    const n = logEvents(dir, feature).length;
    const move = () => moveTask({ ...env(ws), wpId: 'WP04', to: 'for_review', agent: 'claude' });

    let e = await caught(move());
    expect(e.code).toBe('TRANSITION_GUARD_FAILED');
    expect(guardCodes(e)).toEqual(['UNCHECKED_SUBTASKS', 'NO_COMMITS']);
    expect(e.suggestions).toContain('spec-kitty agent tasks mark-status T005 --status done');
    await unchanged(dir, feature, sg, n);

    await markStatus({ ...env(ws), taskIds: ['T005'], status: 'done' });
    await commitIn(ws, 'docs/guide.md', '# Guide\n', 'docs(WP04): guide');
    write(ws, { 'scratch.txt': 'wip\n' });
    e = await caught(move());
    expect(guardCodes(e)).toEqual(['DIRTY_WORKTREE']);
    expect(e.message).toMatch(/Uncommitted implementation changes in worktree \.worktrees\/.*-WP04: scratch\.txt/);
    await wsGit.add(['scratch.txt']);
    e = await caught(move());
    expect(e.message).toMatch(/Staged but uncommitted changes/);
    await wsGit.commit('feat(WP04): scratch');

    // A merge in progress in the worktree (its git dir holds MERGE_HEAD).
    const gitDir = (await wsGit.revparse(['--absolute-git-dir'])).trim();
    writeFileSync(path.join(gitDir, 'MERGE_HEAD'), (await wsGit.revparse(['HEAD'])).trim());
    e = await caught(move());
    expect(guardCodes(e)).toEqual(['OPERATION_IN_PROGRESS']);
    rmSync(path.join(gitDir, 'MERGE_HEAD'));

    // New work on the base branch (not just status commits) must be brought in first.
    write(dir, { 'README.md': '# changed on main\n' });
    await sg.add(['README.md']);
    await sg.commit('main moves on');
    e = await caught(move());
    expect(guardCodes(e)).toEqual(['BEHIND_BASE']);
    expect(e.message).toMatch(/main branch has new commits not in .*-WP04 \(changing README\.md\)/);
    await wsGit.raw(['merge', '--no-edit', 'main']);

    // Planning files edited on the WP branch (merging main above brought status files: those do not count).
    mkdirSync(path.join(ws, 'kitty-specs', feature), { recursive: true });
    write(ws, { [`kitty-specs/${feature}/spec.md`]: '# edited in the worktree\n' });
    await wsGit.raw(['add', '--sparse', '-f', `kitty-specs/${feature}/spec.md`]);
    await wsGit.commit('oops: planning edit');
    e = await caught(move());
    expect(guardCodes(e)).toEqual(['PLANNING_EDITS']);
    await wsGit.raw(['revert', '--no-edit', 'HEAD']);
    rmSync(path.join(ws, 'kitty-specs'), { recursive: true, force: true });

    const ok = await move();
    expect(ok).toMatchObject({ old_lane: 'in_progress', new_lane: 'for_review' });
    expect(logEvents(dir, feature).length).toBe(n + 1);
    expect(await porcelain(sg)).toEqual([]);
    expect(read(fdir, 'tasks.md')).toContain('- WP04: for_review');
  });

  it('walks planned → for_review hop by hop, checking each hop; force skips the walk and the guards', async () => {
    const { dir, feature, env } = await withTasks();
    const e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'for_review', agent: 'claude' }));
    expect(guardCodes(e)).toEqual(['UNCHECKED_SUBTASKS', 'NO_BRANCH']);
    expect(logEvents(dir, feature)).toHaveLength(0);
    const forced = await moveTask({
      ...env(),
      wpId: 'WP04',
      to: 'for_review',
      agent: 'claude',
      force: true,
      reason: 'docs were written elsewhere',
    });
    expect(forced.events.map((x) => [x.from_lane, x.to_lane, x.force])).toEqual([['planned', 'for_review', true]]);
    expect(logEvents(dir, feature).at(-1)).toMatchObject({
      force: true,
      reason: 'docs were written elsewhere',
      actor: 'claude',
      execution_mode: 'direct_repo',
    });
    await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude' });
    const back = await moveTask({ ...env(), wpId: 'WP01', to: 'planned', agent: 'claude', reason: 'restart' });
    expect(back.new_lane).toBe('planned');
    const walk = await moveTask({ ...env(), wpId: 'WP01', to: 'in_progress', agent: 'claude' });
    expect(walk.events.map((x) => `${x.from_lane}>${x.to_lane}`)).toEqual(['planned>claimed', 'claimed>in_progress']);
  });
});

describe('the other guards, force rules and ownership', () => {
  it('each guarded move fails without its input and passes with it; nothing is written on failure', async () => {
    const { dir, sg, feature, env } = await withTasks();
    const n0 = logEvents(dir, feature).length;
    // planned → claimed needs an actor.
    let e = await caught(emitStatus({ ...env(), wpId: 'WP01', to: 'claimed', actor: '' }));
    expect(e.code).toBe('TRANSITION_GUARD_FAILED');
    expect(e.message).toMatch(/requires actor identity/);
    await unchanged(dir, feature, sg, n0);
    expect((await emitStatus({ ...env(), wpId: 'WP01', to: 'claimed', actor: 'claude' })).to_lane).toBe('claimed');
    // claimed → in_progress needs a workspace context: a worktree, or one named explicitly.
    e = await caught(emitStatus({ ...env(), wpId: 'WP01', to: 'in_progress', actor: 'claude' }));
    expect(e.message).toMatch(/requires workspace context/);
    expect(
      (
        await emitStatus({
          ...env(),
          wpId: 'WP01',
          to: 'in_progress',
          actor: 'claude',
          workspaceContext: 'direct_repo:here',
          executionMode: 'direct_repo',
        })
      ).to_lane,
    ).toBe('in_progress');
    // in_progress → planned needs a reason.
    e = await caught(moveTask({ ...env(), wpId: 'WP01', to: 'planned', agent: 'claude' }));
    expect(e.message).toMatch(/in_progress -> planned requires a reason/);
    expect((await moveTask({ ...env(), wpId: 'WP01', to: 'planned', agent: 'claude', reason: 'picked the wrong package' })).new_lane).toBe(
      'planned',
    );
    // in_progress → for_review with explicit guard inputs (emit): both must be true.
    await emitStatus({ ...env(), wpId: 'WP02', to: 'claimed', actor: 'codex', force: true, reason: 'WP01 is not done; test setup' });
    await emitStatus({ ...env(), wpId: 'WP02', to: 'in_progress', actor: 'codex', workspaceContext: 'direct_repo:here' });
    e = await caught(
      emitStatus({
        ...env(),
        wpId: 'WP02',
        to: 'for_review',
        actor: 'codex',
        subtasksComplete: false,
        implementationEvidencePresent: true,
      }),
    );
    expect(e.message).toMatch(/requires completed subtasks/);
    e = await caught(
      emitStatus({
        ...env(),
        wpId: 'WP02',
        to: 'for_review',
        actor: 'codex',
        subtasksComplete: true,
        implementationEvidencePresent: false,
      }),
    );
    expect(e.message).toMatch(/requires implementation evidence/);
    await emitStatus({
      ...env(),
      wpId: 'WP02',
      to: 'for_review',
      actor: 'codex',
      subtasksComplete: true,
      implementationEvidencePresent: true,
    });
    // for_review → in_progress needs a review reference.
    e = await caught(emitStatus({ ...env(), wpId: 'WP02', to: 'in_progress', actor: 'ada' }));
    expect(e.message).toMatch(/requires a review reference/);
    await emitStatus({ ...env(), wpId: 'WP02', to: 'in_progress', actor: 'ada', reviewRef: 'PR#7 comment 3' });
    await emitStatus({
      ...env(),
      wpId: 'WP02',
      to: 'for_review',
      actor: 'codex',
      subtasksComplete: true,
      implementationEvidencePresent: true,
    });
    // for_review → done needs reviewer, verdict and reference (emit takes the evidence as given).
    e = await caught(emitStatus({ ...env(), wpId: 'WP02', to: 'done', actor: 'ada', evidenceJson: '{"review":{"verdict":"approved"}}' }));
    expect(e.message).toMatch(/requires evidence \(reviewer identity, verdict and approval reference\); missing: reviewer, reference/);
    await reviewWorkPackage({ ...env(), wpId: 'WP02', agent: 'ada' });
    const done = await moveTask({ ...env(), wpId: 'WP02', to: 'done', agent: 'ada', approvalRef: 'PR#7' });
    expect(done.new_lane).toBe('done');
    expect(logEvents(dir, feature).at(-1)?.evidence).toMatchObject({ review: { reviewer: 'ada', verdict: 'approved', reference: 'PR#7' } });
    // done is terminal: leaving it needs force, and force needs a reason.
    e = await caught(moveTask({ ...env(), wpId: 'WP02', to: 'in_progress', agent: 'ada' }));
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    e = await caught(moveTask({ ...env(), wpId: 'WP02', to: 'in_progress', agent: 'ada', force: true }));
    expect(e.code).toBe('FORCE_NEEDS_ACTOR_AND_REASON');
    const reopened = await moveTask({ ...env(), wpId: 'WP02', to: 'in_progress', agent: 'ada', force: true, reason: 'regression found' });
    expect(reopened.events).toEqual([expect.objectContaining({ from_lane: 'done', to_lane: 'in_progress', force: true })]);
    // blocked ↔ planned, and canceled is terminal.
    expect((await moveTask({ ...env(), wpId: 'WP03', to: 'blocked', agent: 'ada' })).new_lane).toBe('blocked');
    expect((await moveTask({ ...env(), wpId: 'WP03', to: 'planned', agent: 'ada' })).new_lane).toBe('planned');
    expect((await moveTask({ ...env(), wpId: 'WP04', to: 'canceled', agent: 'ada' })).new_lane).toBe('canceled');
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'ada' }))).code).toBe('ILLEGAL_TRANSITION');
    // Bad lane names are input errors.
    expect((await caught(moveTask({ ...env(), wpId: 'WP03', to: 'in_review' }))).code).toBe('INVALID_LANE');
    expect((await caught(moveTask({ ...env(), wpId: 'WP09', to: 'claimed' }))).code).toBe('UNKNOWN_WORK_PACKAGE');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('a second agent is refused while the first implements; --force with a reason takes over', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude' });
    const n = logEvents(dir, feature).length;
    const e = await caught(implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'codex' }));
    expect(e.code).toBe('AGENT_MISMATCH');
    expect(e.message).toMatch(/being implemented by 'claude', not 'codex'/);
    expect((await caught(moveTask({ ...env(), wpId: 'WP01', to: 'blocked', agent: 'codex' }))).code).toBe('AGENT_MISMATCH');
    await unchanged(dir, feature, sg, n);
    const again = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude' });
    expect(again).toMatchObject({ status: 'reused', claimed: false, lane: 'in_progress' });
    expect((await caught(implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'codex', force: true }))).code).toBe('AGENT_MISMATCH');
    const taken = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'codex', force: true, reason: 'claude is stuck' });
    expect(taken.status).toBe('reused');
    expect(logEvents(dir, feature).at(-1)).toMatchObject({
      from_lane: 'in_progress',
      to_lane: 'in_progress',
      force: true,
      actor: 'codex',
      reason: 'taken over from claude: claude is stuck',
    });
    expect(readFileSync(path.join(fdir, 'tasks/WP01-schema.md'), 'utf8')).toContain('agent: "codex"');
    expect((await moveTask({ ...env(), wpId: 'WP01', to: 'blocked', agent: 'codex' })).new_lane).toBe('blocked');
  });

  it('review rejection needs non-empty feedback, even with --force', async () => {
    const { dir, feature, env } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP04', to: 'for_review', agent: 'claude', force: true, reason: 'setup' });
    const n = logEvents(dir, feature).length;
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex' }))).code).toBe('INVALID_FEEDBACK');
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex', force: true, reason: 'r' }))).code).toBe(
      'INVALID_FEEDBACK',
    );
    const empty = path.join(dir, '..', `empty-${path.basename(dir)}.md`);
    writeFileSync(empty, '  \n');
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex', reviewFeedbackFile: empty }))).message).toMatch(
      /empty/,
    );
    expect(
      (await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex', reviewFeedbackFile: `${empty}.missing` }))).message,
    ).toMatch(/does not exist/);
    expect(logEvents(dir, feature)).toHaveLength(n);
  });
});
