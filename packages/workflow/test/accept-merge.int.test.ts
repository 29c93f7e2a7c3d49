import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import {
  acceptFeature,
  implementWorkPackage,
  markStatus,
  mergeFeature,
  moveTask,
  reviewWorkPackage,
  type ImplementResult,
} from '../src/index.js';
import { porcelain, read, sgit, subjects, write } from './helpers.js';
import { caught, commitIn, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
// Each test drives real git repositories through many commands; a loaded CI machine needs the room.
jest.setTimeout(120_000);

const TWO = `# Work Packages: Checkout

## Work Package WP01: Schema

- [ ] T001 Create the tables

## Work Package WP02: API

- [ ] T002 POST /checkout

Depends on WP01.
`;

/** A feature with two work packages (WP02 on WP01), both implemented, committed and approved. */
async function finished(files: { wp1?: [string, string]; wp2?: [string, string] } = {}) {
  const t = await withTasks({ tasks: TWO });
  const { env, sg, fdir } = t;
  // Only WP01 and WP02 are in tasks.md; drop the other prompt files.
  await sg.rm([path.join(fdir, 'tasks/WP03-ui.md'), path.join(fdir, 'tasks/WP04-docs.md')]);
  await sg.commit('two work packages only');
  const impl: Record<string, ImplementResult> = {};
  for (const [wp, task, file] of [
    ['WP01', 'T001', files.wp1 ?? ['schema.sql', 'create table t;\n']],
    ['WP02', 'T002', files.wp2 ?? ['api.ts', 'export {};\n']],
  ] as const) {
    impl[wp] = await implementWorkPackage({ ...env(), wpId: wp, agent: 'claude' });
    await commitIn((impl[wp] as ImplementResult).workspace_abs_path, file[0], file[1], `feat(${wp}): work`);
    await markStatus({ ...env(), taskIds: [task], status: 'done' });
    await moveTask({ ...env(), wpId: wp, to: 'for_review', agent: 'claude' });
    await reviewWorkPackage({ ...env(), wpId: wp, agent: 'codex' });
    await moveTask({ ...env(), wpId: wp, to: 'done', agent: 'codex' });
  }
  return { ...t, impl };
}

describe('accept', () => {
  it('refuses while a work package is in progress, a subtask is open, a marker or a change is left, and writes nothing', async () => {
    const t = await withTasks({ tasks: TWO });
    await t.sg.rm([path.join(t.fdir, 'tasks/WP03-ui.md'), path.join(t.fdir, 'tasks/WP04-docs.md')]);
    await t.sg.commit('two work packages only');
    await implementWorkPackage({ ...t.env(), wpId: 'WP01', agent: 'claude' });
    write(t.fdir, { 'plan.md': '# Plan\n\n- storage: [NEEDS CLARIFICATION: which database?]\n' });
    const r = await acceptFeature({ ...t.env(), mode: 'local' });
    expect(r).toMatchObject({ result: 'not_ready', ok: false, accepted_at: null, commit_created: false });
    expect(r.summary.all_done).toBe(false);
    expect(r.summary.lanes).toMatchObject({ in_progress: ['WP01'], planned: ['WP02'] });
    expect(r.summary.unchecked_tasks).toEqual(['T001 (WP01, tasks.md:5)', 'T002 (WP02, tasks.md:9)']);
    expect(r.summary.needs_clarification).toEqual(['plan.md:3: - storage: [NEEDS CLARIFICATION: which database?]']);
    expect(r.summary.git_dirty).toEqual(['?? kitty-specs/001-checkout/plan.md']);
    expect(await subjects(t.sg, 1)).toEqual(['chore: WP01 claimed for implementation']);
  });

  it('accepts a complete feature: meta.json acceptance fields, commit "Accept <slug>", FeatureCompleted; tests must pass', async () => {
    const t = await finished();
    write(t.fdir, { 'plan.md': '# Plan\n' });
    await t.sg.add([path.join(t.fdir, 'plan.md')]);
    await t.sg.commit('plan');
    const failing = await acceptFeature({
      ...t.env(),
      tests: ['false'],
      runTest: async (cmd) => ({ exitCode: cmd === 'false' ? 1 : 0, output: 'boom' }),
    });
    expect(failing.summary.test_failures).toEqual(['false: exit 1 — boom']);
    expect(failing.ok).toBe(false);
    const check = await acceptFeature({ ...t.env(), mode: 'checklist' });
    expect(check).toMatchObject({ result: 'success', ok: true, accepted_at: null, commit_created: false });
    t.events.drafts.splice(0);
    const ok = await acceptFeature({ ...t.env(), actor: 'ada', tests: ['true'], runTest: async () => ({ exitCode: 0, output: '' }) });
    expect(ok).toMatchObject({ result: 'success', ok: true, mode: 'local', accepted_by: 'ada', commit_created: true });
    expect(await subjects(t.sg, 1)).toEqual(['Accept 001-checkout']);
    const meta = JSON.parse(read(t.fdir, 'meta.json')) as Record<string, unknown>;
    expect(meta).toMatchObject({
      accepted_by: 'ada',
      acceptance_mode: 'local',
      accepted_from_commit: ok.parent_commit,
      accepted_at: ok.accepted_at,
    });
    expect(meta['acceptance_history']).toHaveLength(1);
    expect(Object.keys(meta)).toEqual([...Object.keys(meta)].sort());
    expect(t.events.drafts.map((d) => [d.event_type, (d.payload as Record<string, unknown>)['total_wps']])).toEqual([
      ['FeatureCompleted', 2],
    ]);
    expect(await porcelain(t.sg)).toEqual([]);
    expect((await caught(acceptFeature({ ...t.env(), mode: 'yolo' }))).code).toBe('INVALID_OPTION');
  });
});

describe('merge', () => {
  it('dry run lists the plan; merges in dependency order, removes worktrees and branches, and a re-run only cleans up', async () => {
    const t = await finished();
    const dry = await mergeFeature({ ...t.env(), dryRun: true });
    expect(dry).toMatchObject({ result: 'dry_run', ready: true, target_branch: 'main', order: ['WP01', 'WP02'], merge_dir: t.dir });
    expect(dry.work_packages.map((w) => w.status)).toEqual(['pending', 'pending']);
    expect(await subjects(t.sg, 1)).toEqual(['chore: Move WP02 to done on spec 001 [codex]']);
    const r = await mergeFeature({ ...t.env() });
    expect(r.work_packages.map((w) => [w.wp_id, w.status])).toEqual([
      ['WP01', 'merged'],
      ['WP02', 'merged'],
    ]);
    expect(await subjects(t.sg, 2)).toEqual(['Merge WP02 from 001-checkout', 'Merge WP01 from 001-checkout']);
    expect(r.worktrees_removed).toEqual(['.worktrees/001-checkout-WP01', '.worktrees/001-checkout-WP02']);
    expect(r.branches_deleted).toEqual(['001-checkout-WP01', '001-checkout-WP02']);
    expect(readFileSync(path.join(t.dir, 'api.ts'), 'utf8')).toBe('export {};\n');
    expect(await porcelain(t.sg)).toEqual([]);
    const again = await mergeFeature({ ...t.env() });
    expect(again.work_packages.map((w) => w.status)).toEqual(['no_branch', 'no_branch']);
  });

  it('blocks on work not done and on uncommitted changes; never switches your checkout (temporary worktree); squash keeps branches', async () => {
    const t = await finished();
    await moveTask({ ...t.env(), wpId: 'WP02', to: 'in_progress', agent: 'codex', force: true, reason: 'one more fix' });
    write(t.impl['WP01']?.workspace_abs_path as string, { 'wip.txt': 'x\n' });
    const blocked = await mergeFeature({ ...t.env(), dryRun: true });
    expect(blocked.ready).toBe(false);
    expect(blocked.blockers.join('\n')).toMatch(/WP02 is in in_progress/);
    expect(blocked.blockers.join('\n')).toMatch(/001-checkout-WP01 has uncommitted changes \(wip\.txt\)/);
    expect((await caught(mergeFeature({ ...t.env() }))).code).toBe('MERGE_BLOCKED');
    await moveTask({ ...t.env(), wpId: 'WP02', to: 'done', agent: 'codex', force: true, reason: 'fixed' });
    writeFileSync(path.join(t.impl['WP01']?.workspace_abs_path as string, 'wip.txt'), '');
    await sgit(t.impl['WP01']?.workspace_abs_path as string).raw(['clean', '-fq']);
    await t.sg.raw(['switch', '-q', '-c', 'my-topic']);
    const r = await mergeFeature({ ...t.env(), strategy: 'squash', removeWorktree: false });
    expect(r.merge_dir).toBe(path.join(t.dir, '.worktrees', '001-checkout-merge-main'));
    expect(r.notes.join(' ')).toMatch(/merging in a temporary worktree/);
    expect((await t.sg.raw(['branch', '--show-current'])).trim()).toBe('my-topic');
    expect((await t.sg.raw(['log', '-2', '--format=%s', 'main'])).trim().split('\n')).toEqual([
      'Merge WP02 from 001-checkout',
      'Merge WP01 from 001-checkout',
    ]);
    expect(r.branches_kept.map((b) => b.branch)).toEqual(['001-checkout-WP01', '001-checkout-WP02']);
    expect(r.branches_kept[0]?.reason).toMatch(/squash-merged/);
    expect(existsSync(r.merge_dir)).toBe(false);
    expect(existsSync(t.impl['WP01']?.workspace_abs_path as string)).toBe(true);
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('stops on a conflict with the files named; --resume continues after the resolution, --abort gives up', async () => {
    const t = await finished({ wp1: ['shared.txt', 'one\n'], wp2: ['other.txt', 'two\n'] });
    write(t.dir, { 'shared.txt': 'main\n' });
    await t.sg.add(['shared.txt']);
    await t.sg.commit('main has its own shared.txt');
    const e = await caught(mergeFeature({ ...t.env() }));
    expect(e.code).toBe('MERGE_CONFLICT');
    expect(e.message).toMatch(/stopped at WP01 .*conflicting files: shared\.txt/);
    expect((await caught(mergeFeature({ ...t.env() }))).code).toBe('MERGE_BLOCKED');
    expect((await caught(mergeFeature({ ...t.env(), resume: true }))).code).toBe('MERGE_CONFLICT');
    write(t.dir, { 'shared.txt': 'resolved\n' });
    await t.sg.add(['shared.txt']);
    await t.sg.commit('resolve shared.txt');
    const r = await mergeFeature({ ...t.env(), resume: true });
    expect(r.work_packages.map((w) => w.status)).toEqual(['merged', 'merged']);
    expect(readFileSync(path.join(t.dir, 'other.txt'), 'utf8')).toBe('two\n');
    expect((await caught(mergeFeature({ ...t.env(), resume: true }))).code).toBe('MERGE_NOT_IN_PROGRESS');
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('--abort undoes a conflicting merge and clears its state', async () => {
    const t = await finished({ wp1: ['shared.txt', 'one\n'] });
    write(t.dir, { 'shared.txt': 'main\n' });
    await t.sg.add(['shared.txt']);
    await t.sg.commit('main has its own shared.txt');
    const head = (await t.sg.revparse(['HEAD'])).trim();
    await caught(mergeFeature({ ...t.env() }));
    const r = await mergeFeature({ ...t.env(), abort: true });
    expect(r.result).toBe('aborted');
    expect((await t.sg.revparse(['HEAD'])).trim()).toBe(head);
    expect(await porcelain(t.sg)).toEqual([]);
    expect((await caught(mergeFeature({ ...t.env(), abort: true }))).code).toBe('MERGE_NOT_IN_PROGRESS');
    expect((await caught(mergeFeature({ ...t.env(), strategy: 'rebase' }))).code).toBe('INVALID_OPTION');
  });
});
