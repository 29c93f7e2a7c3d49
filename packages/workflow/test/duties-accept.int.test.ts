import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { acceptFeature, implementWorkPackage, markStatus, moveTask, reviewWorkPackage, type TestRunner } from '../src/index.js';
import { GIT_ENV, porcelain, write } from './helpers.js';
import { caught, commitIn, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
// Many real git commands (or CLI spawns) per test; a loaded machine needs the room.
jest.setTimeout(180_000);

const TWO = `# Work Packages: Export

## Work Package WP01: Writer

- [ ] T001 Write the CSV writer

## Work Package WP02: Command

- [ ] T002 Add the export command

Depends on WP01.
`;

/** A real shell runner, as the CLI's (bounded). */
const sh: TestRunner = async (command, cwd) => {
  const r = spawnSync('sh', ['-c', command], { cwd, encoding: 'utf8', timeout: 30_000, env: GIT_ENV as NodeJS.ProcessEnv });
  return { exitCode: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
};

/** WP01 implemented (adding src/writer.txt on its branch), reviewed by codex and done; WP02 canceled with its subtask open. */
async function feature() {
  const t = await withTasks({ tasks: TWO, agents: 'claude,codex' });
  await t.sg.rm([path.join(t.fdir, 'tasks/WP03-ui.md'), path.join(t.fdir, 'tasks/WP04-docs.md')]);
  write(t.fdir, { 'plan.md': '# Plan\n' });
  await t.sg.add([path.join(t.fdir, 'plan.md')]);
  await t.sg.commit('two work packages, plan');
  const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP01', agent: 'claude' });
  await commitIn(impl.workspace_abs_path, 'src/writer.txt', 'csv writer\n', 'feat(WP01): writer');
  await markStatus({ ...t.env(), taskIds: ['T001'], status: 'done' });
  await moveTask({ ...t.env(), wpId: 'WP01', to: 'for_review', agent: 'claude' });
  await reviewWorkPackage({ ...t.env(), wpId: 'WP01', agent: 'codex' });
  await moveTask({ ...t.env(), wpId: 'WP01', to: 'done', agent: 'codex' });
  await moveTask({ ...t.env(), wpId: 'WP02', to: 'canceled', agent: 'claude' });
  return { ...t, impl };
}

describe('accept', () => {
  it('a canceled work package and its open subtasks do not block acceptance', async () => {
    const t = await feature();
    const r = await acceptFeature({ ...t.env(), mode: 'checklist' });
    expect(r.summary.lanes).toMatchObject({ done: ['WP01'], canceled: ['WP02'] });
    expect(r.summary.unchecked_tasks).toEqual([]);
    expect(r).toMatchObject({ ok: true, result: 'success', tests_ran_in: null });
    // A planned work package's open subtask still blocks.
    await moveTask({ ...t.env(), wpId: 'WP02', to: 'planned', agent: 'claude', force: true, reason: 'back in scope' });
    const blocked = await acceptFeature({ ...t.env(), mode: 'checklist' });
    expect(blocked.ok).toBe(false);
    expect(blocked.summary.unchecked_tasks).toEqual(['T002 (WP02, tasks.md:9)']);
  });

  it('--test runs where the merged result is: a temporary merge worktree that sees the code a work package added, removed afterwards', async () => {
    const t = await feature();
    expect(existsSync(path.join(t.dir, 'src/writer.txt'))).toBe(false);
    const r = await acceptFeature({
      ...t.env(),
      mode: 'local',
      tests: ['test -f src/writer.txt', 'grep -q "csv writer" src/writer.txt'],
      runTest: sh,
    });
    expect(r.summary.test_failures).toEqual([]);
    expect(r).toMatchObject({ ok: true, result: 'success', commit_created: true });
    expect(r.tests_ran_in).toMatchObject({ kind: 'merge-worktree', base: 'main', merged: ['001-checkout-WP01'], removed: true });
    expect(r.notes.join('\n')).toMatch(
      /Tests ran in a temporary merge worktree .*: main with 001-checkout-WP01 merged in \(removed again\)/,
    );
    expect(existsSync(r.tests_ran_in?.path as string)).toBe(false);
    // Nothing left behind: no temporary branch or worktree, a clean checkout still without the WP's file.
    expect(await t.sg.raw(['branch', '--list', 'kitty-accept-*'])).toBe('');
    expect((await t.sg.raw(['worktree', 'list'])).split('\n').filter((l) => l.includes('accept'))).toEqual([]);
    expect(existsSync(path.join(t.dir, 'src/writer.txt'))).toBe(false);
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('--test-in checkout runs in the main checkout (after merge) and says so; a failing test blocks; bad --test-in is refused', async () => {
    const t = await feature();
    const r = await acceptFeature({ ...t.env(), mode: 'checklist', tests: ['test -f src/writer.txt'], testIn: 'checkout', runTest: sh });
    expect(r.ok).toBe(false);
    expect(r.summary.test_failures).toEqual(['test -f src/writer.txt: exit 1']);
    expect(r.tests_ran_in).toMatchObject({ kind: 'checkout', path: t.dir, base: 'main', merged: [] });
    expect(r.notes.join('\n')).toMatch(/Tests ran in the main checkout/);
    const e = await caught(acceptFeature({ ...t.env(), mode: 'checklist', tests: ['true'], testIn: 'nowhere', runTest: sh }));
    expect(e.code).toBe('INVALID_OPTION');
    expect(e.suggestions[0]).toBe('spec-kitty accept --feature 001-checkout --test-in merge --test "true"');
  });

  it('a status change while the tests run is seen under the lock: nothing accepted, STATUS_CHANGED (a conflict) with the retry command', async () => {
    const t = await feature();
    const meta = path.join(t.fdir, 'meta.json');
    const before = readFileSync(meta, 'utf8');
    const runTest: TestRunner = async () => {
      // Another agent reopens WP01 while accept's tests run (accept does not hold the feature lock for them).
      await moveTask({ ...t.env(), wpId: 'WP01', to: 'in_progress', agent: 'claude', force: true, reason: 'found a bug' });
      return { exitCode: 0, output: 'ok' };
    };
    const err = await caught(acceptFeature({ ...t.env(), mode: 'local', tests: ['true'], runTest }));
    expect(err).toMatchObject({ code: 'STATUS_CHANGED', exitClass: 'conflict' });
    expect(String(err.message)).toContain('WP01 done → in_progress');
    expect(err.suggestions).toEqual(['spec-kitty accept --feature 001-checkout --mode local --test "true"']);
    expect(readFileSync(meta, 'utf8')).toBe(before);
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('two accepts at once: both recorded in acceptance_history (meta.json is read again under the lock)', async () => {
    const t = await feature();
    const runTest: TestRunner = async () => {
      const inner = await acceptFeature({ ...t.env(), mode: 'local', actor: 'codex' });
      expect(inner.ok).toBe(true);
      return { exitCode: 0, output: 'ok' };
    };
    const outer = await acceptFeature({ ...t.env(), mode: 'local', tests: ['true'], runTest, actor: 'claude' });
    expect(outer.ok).toBe(true);
    const m = JSON.parse(readFileSync(path.join(t.fdir, 'meta.json'), 'utf8')) as { acceptance_history: Array<{ accepted_by: string }> };
    expect(m.acceptance_history.map((h) => h.accepted_by)).toEqual(['codex', 'claude']);
  });
});
