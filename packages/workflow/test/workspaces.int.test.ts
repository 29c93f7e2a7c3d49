import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { implementWorkPackage, moveTask } from '../src/index.js';
import { filesOf, porcelain, read, sgit, subjects } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);

describe('implement: the base comes from the dependencies, checked with git ancestry', () => {
  it('no deps → target; one unmerged dep (done or not) → its branch; merged → target; several → merged together', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    // Uncommitted planning files are committed first (never a killed writer's temp file).
    writeFileSync(path.join(fdir, 'spec.md'), '# Spec written by the agent\n');
    const stray = path.join(fdir, 'tasks', '.WP01-schema.md.4242.abcd1234.tmp');
    writeFileSync(stray, 'half');
    const wp4 = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'a' });
    expect(wp4).toMatchObject({ base: 'main', base_branch: 'main', dependencies: [] });
    expect(await subjects(sg, 2)).toEqual(['chore: WP04 claimed for implementation', `chore: Planning artifacts for ${feature}`]);
    expect(await filesOf(sg, 'HEAD~1')).toEqual([`kitty-specs/${feature}/spec.md`]);
    expect(wp4.base_commit).toBe((await sg.revparse(['HEAD~1'])).trim());
    rmSync(stray);

    // WP02 depends on WP01, which has no branch yet.
    const notStarted = await caught(implementWorkPackage({ ...env(), wpId: 'WP02', agent: 'b' }));
    expect(notStarted.code).toBe('DEPENDENCY_NOT_STARTED');
    expect(existsSync(path.join(dir, '.worktrees', `${feature}-WP02`))).toBe(false);

    const wp1 = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' });
    await commitIn(wp1.workspace_abs_path, 'schema.sql', 'create table t;\n', 'feat(WP01): schema');
    // WP01 is done (approved) but not merged: WP02 must start from WP01's branch, not from main.
    await moveTask({ ...env(), wpId: 'WP01', to: 'done', agent: 'a', force: true, reason: 'approved elsewhere' });
    const wp2 = await implementWorkPackage({ ...env(), wpId: 'WP02', agent: 'b' });
    expect(wp2).toMatchObject({ base: `${feature}-WP01`, base_branch: `${feature}-WP01`, dependencies: ['WP01'] });
    expect(readFileSync(path.join(wp2.workspace_abs_path, 'schema.sql'), 'utf8')).toBe('create table t;\n');
    expect(read(fdir, 'tasks/WP02-api.md')).toContain(`base_branch: ${feature}-WP01`);
    await commitIn(wp2.workspace_abs_path, 'api.ts', 'export {};\n', 'feat(WP02): api');

    // WP03 depends on WP01 and WP02, both unmerged: a branch from WP01 with WP02 merged in.
    const wp3 = await implementWorkPackage({ ...env(), wpId: 'WP03', agent: 'c' });
    expect(wp3.base_branch).toBe(`${feature}-WP01`);
    expect(existsSync(path.join(wp3.workspace_abs_path, 'api.ts'))).toBe(true);
    expect(existsSync(path.join(wp3.workspace_abs_path, 'schema.sql'))).toBe(true);
    expect(wp3.notes.join(' ')).toMatch(/starts from .*-WP01 with .*-WP02 merged in/);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('a dependency merged into the target → the target; --base overrides; conflicting dependencies leave nothing behind', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    const wp1 = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' });
    await commitIn(wp1.workspace_abs_path, 'shared.txt', 'from WP01\n', 'feat(WP01)');
    await sg.raw(['merge', '--no-ff', '--no-edit', `${feature}-WP01`]);
    const wp2 = await implementWorkPackage({ ...env(), wpId: 'WP02', agent: 'b' });
    expect(wp2.base).toBe('main');
    expect(wp2.notes.join(' ')).toMatch(/merged into main; starting from main/);
    expect(readFileSync(path.join(wp2.workspace_abs_path, 'shared.txt'), 'utf8')).toBe('from WP01\n');

    // WP03 (deps WP01, WP02): WP01 is merged, WP02 is not and already contains WP01 → WP02's branch alone.
    await commitIn(wp2.workspace_abs_path, 'shared.txt', 'from WP02\n', 'feat(WP02)');
    const wp3 = await implementWorkPackage({ ...env(), wpId: 'WP03', agent: 'c' });
    expect(wp3.base).toBe(`${feature}-WP02`);

    // --base picks another work package's branch even without a declared dependency.
    const wp4 = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'd', base: 'WP02' });
    expect(wp4.base).toBe(`${feature}-WP02`);
    expect(wp4.notes.join(' ')).toMatch(/does not declare a dependency on WP02/);

    // Conflicting dependency branches: WP01 and WP02 both change shared.txt differently (WP01 changes it again).
    await commitIn(wp1.workspace_abs_path, 'shared.txt', 'WP01 again\n', 'feat(WP01) again');
    rmSync(path.join(dir, '.worktrees', `${feature}-WP03`), { recursive: true, force: true });
    await sg.raw(['worktree', 'prune']);
    await sg.raw(['branch', '-D', `${feature}-WP03`]);
    const conflict = await caught(implementWorkPackage({ ...env(), wpId: 'WP03', agent: 'c' }));
    expect(conflict.code).toBe('MERGE_BASE_CONFLICT');
    expect(conflict.message).toMatch(/conflicts in shared\.txt/);
    expect(existsSync(path.join(dir, '.worktrees', `${feature}-WP03`))).toBe(false);
    expect((await sg.raw(['branch', '--list', `${feature}-WP03`])).trim()).toBe('');
    expect(read(fdir, 'tasks/WP03-ui.md')).toContain('lane: "in_progress"'); // claimed by the earlier run, untouched
    expect(await porcelain(sg)).toEqual([]);
  });
});

describe('implement: worktree edge cases (reliability row 42)', () => {
  it('a workspace deleted by hand is pruned and recreated on the same branch; a foreign directory is refused', async () => {
    const { dir, sg, feature, env } = await withTasks();
    const first = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'a' });
    const sha = await commitIn(first.workspace_abs_path);
    rmSync(first.workspace_abs_path, { recursive: true, force: true });
    const again = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'a' });
    expect(again.status).toBe('created');
    expect(again.notes.join(' ')).toMatch(/deleted by hand; pruned/);
    expect(again.notes.join(' ')).toMatch(/already exists; the workspace checks it out as it is/);
    expect((await sgit(again.workspace_abs_path).revparse(['HEAD'])).trim()).toBe(sha);

    const foreign = path.join(dir, '.worktrees', `${feature}-WP01`);
    mkdirSync(foreign, { recursive: true });
    writeFileSync(path.join(foreign, 'notes.txt'), 'mine\n');
    const e = await caught(implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' }));
    expect(e.code).toBe('WORKSPACE_PATH_EXISTS');
    expect(readFileSync(path.join(foreign, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(await porcelain(sg)).toEqual([]);
  });

  it('refuses a branch checked out elsewhere and a locked missing worktree with their own codes; refuses to run inside a worktree', async () => {
    const { dir, sg, feature, env } = await withTasks();
    const elsewhere = path.join(tempDir({}, 'kitty-other-'), 'wt');
    await sg.raw(['worktree', 'add', '-b', `${feature}-WP04`, elsewhere, 'main']);
    const inUse = await caught(implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'a' }));
    expect(inUse.code).toBe('WORKTREE_BRANCH_IN_USE');
    expect(inUse.message).toContain(elsewhere);

    const wp1 = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' });
    const inside = await caught(implementWorkPackage({ ...env(wp1.workspace_abs_path), wpId: 'WP01', agent: 'a' }));
    expect(inside.code).toBe('INSIDE_WORKTREE');
    await sg.raw(['worktree', 'lock', wp1.workspace_abs_path]);
    rmSync(wp1.workspace_abs_path, { recursive: true, force: true });
    const locked = await caught(implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' }));
    expect(locked.code).toBe('WORKTREE_LOCKED');
    expect(locked.suggestions.join(' ')).toMatch(/git worktree unlock/);
    expect(logEvents(dir, feature).filter((x) => x.wp_id === 'WP04')).toHaveLength(0);
  });

  it('works in a project whose path has spaces and non-ASCII letters', async () => {
    const parent = path.join(tempDir({}, 'kitty-ws-'), 'Mes projets été');
    mkdirSync(parent, { recursive: true });
    const { sg, env } = await withTasks({ parent });
    const r = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'a' });
    expect(r.workspace_abs_path.startsWith(parent)).toBe(true);
    await commitIn(r.workspace_abs_path);
    await moveTask({
      ...env(r.workspace_abs_path),
      wpId: 'WP04',
      to: 'for_review',
      agent: 'a',
      force: true,
      reason: 'no subtasks to tick here',
    });
    expect(await porcelain(sg)).toEqual([]);
  });

  it('two implements at once (different work packages) both succeed, serialised by the locks', async () => {
    const { dir, sg, feature, env } = await withTasks();
    const [a, b] = await Promise.all([
      implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'a' }),
      implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'b' }),
    ]);
    expect([a.status, b.status]).toEqual(['created', 'created']);
    expect(
      logEvents(dir, feature)
        .map((x) => `${x.wp_id}:${x.to_lane}`)
        .sort(),
    ).toEqual(['WP01:claimed', 'WP01:in_progress', 'WP04:claimed', 'WP04:in_progress']);
    expect(await porcelain(sg)).toEqual([]);
    expect((await sg.raw(['worktree', 'list'])).split('\n').filter((l) => l.includes('.worktrees'))).toHaveLength(2);
  });
});
