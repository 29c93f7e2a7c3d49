import { afterAll, describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import {
  checkPrerequisites,
  createFeature,
  finalizeTasks,
  implementWorkPackage,
  listDependents,
  listTasks,
  nextStep,
  setupPlan,
  WorkflowError,
} from '../src/index.js';
import { memoryTemplates, newProject, sgit, wenv, wpFile, write } from './helpers.js';

afterAll(cleanupTempDirs);

async function twoFeatures() {
  const { dir, sg } = await newProject('claude,codex');
  const templates = memoryTemplates();
  await createFeature({ ...wenv(dir), slug: 'alpha', templates });
  await createFeature({ ...wenv(dir), slug: 'beta', templates });
  return { dir, sg, templates };
}

const caught = async (p: Promise<unknown>): Promise<WorkflowError> => {
  try {
    await p;
  } catch (e) {
    if (e instanceof WorkflowError) return e;
    throw e;
  }
  throw new Error('expected a WorkflowError');
};

describe('feature detection agents can rely on', () => {
  it('resolves --feature by number, by name and by unambiguous prefix; an ambiguous one lists candidates and the exact retry', async () => {
    const { dir } = await twoFeatures();
    expect((await listTasks({ ...wenv(dir), feature: '001' })).feature_slug).toBe('001-alpha');
    expect((await listTasks({ ...wenv(dir), feature: 'beta' })).feature_slug).toBe('002-beta');
    expect((await listTasks({ ...wenv(dir), feature: 'al' })).feature_slug).toBe('001-alpha');
    await createFeature({ ...wenv(dir), slug: 'alpine', templates: memoryTemplates() });
    const e = await caught(
      listTasks({ ...wenv(dir), feature: 'alp', argv: ['agent', 'tasks', 'list-tasks', '--feature', 'alp', '--json'] }),
    );
    expect(e.code).toBe('FEATURE_CONTEXT_UNRESOLVED');
    expect((e.details as Record<string, unknown>)['candidate_features']).toHaveLength(2);
    expect((e.details as Record<string, unknown>)['suggested_commands']).toEqual([
      'spec-kitty agent tasks list-tasks --feature 001-alpha --json',
      'spec-kitty agent tasks list-tasks --feature 003-alpine --json',
    ]);
    const unknown = await caught(listTasks({ ...wenv(dir), feature: 'zeta' }));
    expect(unknown.code).toBe('UNKNOWN_FEATURE');
  });

  it('guesses the latest incomplete feature only for safe read-only commands, with a note; check-prerequisites and writing commands ask, naming the exact retry', async () => {
    const { dir } = await twoFeatures();
    const listed = await listTasks(wenv(dir));
    expect(listed.feature_slug).toBe('002-beta');
    expect(listed.notes.join('\n')).toMatch(/Auto-selected latest incomplete feature: 002-beta/);
    // check-prerequisites refuses to guess, as the incumbent (ADR 0016 amendment): the retry as typed plus --feature.
    const check = await caught(checkPrerequisites({ ...wenv(dir), argv: ['agent', 'feature', 'check-prerequisites', '--json'] }));
    expect(check.code).toBe('FEATURE_CONTEXT_UNRESOLVED');
    expect(check.suggestions).toEqual(['spec-kitty agent feature check-prerequisites --feature 002-beta --json']);
    expect(check.details?.['suggested_commands']).toEqual([
      'spec-kitty agent feature check-prerequisites --feature 001-alpha --json',
      'spec-kitty agent feature check-prerequisites --feature 002-beta --json',
    ]);
    const e = await caught(setupPlan({ ...wenv(dir), templates: memoryTemplates(), argv: ['agent', 'feature', 'setup-plan', '--json'] }));
    expect(e.code).toBe('PLAN_CONTEXT_UNRESOLVED');
    expect(e.suggestions).toEqual(['spec-kitty agent feature setup-plan --feature 002-beta --json']);
    // An accepted feature is complete: the guess moves to the other one.
    write(path.join(dir, 'kitty-specs/002-beta'), { 'meta.json': '{"feature_slug":"002-beta","accepted_at":"2026-03-01T12:00:00Z"}' });
    expect((await listTasks(wenv(dir))).feature_slug).toBe('001-alpha');
  });

  it('SPECIFY_FEATURE beats the branch; inside a kitty-specs folder the folder decides', async () => {
    const { dir } = await twoFeatures();
    expect((await listTasks(wenv(dir, { env: { SPECIFY_FEATURE: '001' } }))).feature_slug).toBe('001-alpha');
    expect((await listTasks(wenv(path.join(dir, 'kitty-specs/001-alpha')))).feature_slug).toBe('001-alpha');
  });
});

describe('next', () => {
  it('walks plan → tasks → implement and reports ready work packages and dependents', async () => {
    const { dir } = await twoFeatures();
    const templates = memoryTemplates();
    const f = { feature: '001-alpha', templates };
    let n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n).toMatchObject({ kind: 'step', action: 'specify', feature_slug: '001-alpha' });
    write(path.join(dir, 'kitty-specs/001-alpha'), { 'spec.md': '# Spec\n\nGiven x, when y, then z.\n' });
    n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n).toMatchObject({ kind: 'step', action: 'plan', commands: ['spec-kitty agent feature setup-plan --feature 001-alpha --json'] });
    await sgit(dir)
      .add('.')
      .then(() => sgit(dir).commit('spec'));
    await setupPlan({ ...wenv(dir), feature: '001', templates });
    n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n.mission_state).toBe('tasks_outline');
    write(path.join(dir, 'kitty-specs/001-alpha'), {
      'tasks.md':
        '# Tasks\n\n## Work Package WP01: A\n\n- [ ] T001 a\n\n## Work Package WP02: B\n\n- [ ] T002 b\n\n## Work Package WP03: C\n\nDepends on WP01, WP02.\n\n- [ ] T003 c\n',
      'tasks/WP01-a.md': wpFile('WP01', 'A'),
      'tasks/WP02-b.md': wpFile('WP02', 'B'),
      'tasks/WP03-c.md': wpFile('WP03', 'C'),
    });
    n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n).toMatchObject({
      mission_state: 'tasks_finalize',
      commands: ['spec-kitty agent feature finalize-tasks --feature 001-alpha --json'],
    });
    await finalizeTasks({ ...wenv(dir), feature: '001' });
    n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n).toMatchObject({
      kind: 'step',
      action: 'implement',
      wp_id: 'WP01',
      commands: ['spec-kitty implement WP01 --agent claude --feature 001-alpha --json'],
    });
    expect(n.ready_wps.map((w) => w.wp_id)).toEqual(['WP01', 'WP02']);
    expect(n.progress).toMatchObject({ total_wps: 3, done_wps: 0 });
    await implementWorkPackage({ ...wenv(dir), wpId: 'WP01', feature: '001', agent: 'claude' });
    n = await nextStep({ ...wenv(dir), agent: 'claude', ...f });
    expect(n).toMatchObject({ action: 'implement', wp_id: 'WP01', workspace_path: path.join(dir, '.worktrees/001-alpha-WP01') });
    expect(n.commands.at(-1)).toBe(
      'spec-kitty agent tasks move-task WP01 --to for_review --agent claude --feature 001-alpha --note "Ready for review" --json',
    );
    const other = await nextStep({ ...wenv(dir), agent: 'codex', ...f });
    expect(other).toMatchObject({ action: 'implement', wp_id: 'WP02' });
    expect(await listDependents({ ...wenv(dir), wpId: 'WP01', feature: '001' })).toMatchObject({ dependents: ['WP03'], depends_on: [] });
    const blocked = await nextStep({ ...wenv(dir), agent: 'codex', result: 'blocked', ...f });
    expect(blocked.kind).toBe('blocked');
    await expect(nextStep({ ...wenv(dir), agent: 'codex', result: 'maybe', ...f })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(nextStep({ ...wenv(dir), agent: 'bad agent', ...f })).rejects.toMatchObject({ code: 'INVALID_OPTION' });
  });
});
