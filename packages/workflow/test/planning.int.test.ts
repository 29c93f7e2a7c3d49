import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { checkEvent } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import { checkPrerequisites, createFeature, finalizeTasks, setupPlan, type WorkflowError } from '../src/index.js';
import {
  filesOf,
  memoryEvents,
  memoryTemplates,
  newProject,
  PLAN_TEMPLATE,
  porcelain,
  read,
  subjects,
  wenv,
  wpFile,
  write,
} from './helpers.js';

afterAll(cleanupTempDirs);

/** A project with one feature created through create-feature. */
async function withFeature(slug = 'user-auth') {
  const p = await newProject();
  const f = await createFeature({ ...wenv(p.dir), slug, templates: memoryTemplates() });
  return { ...p, feature: f.feature, fdir: f.feature_dir };
}

const TASKS_MD = `# Work Packages: User Auth

## Work Package WP01: Schema (Priority: P0)

### Included Subtasks
- [x] T001 Create tables
- [ ] T002 [P] Indexes

### Dependencies
- None.

## Work Package WP02: Login API (Priority: P1)

### Included Subtasks
- [ ] T003 POST /login

### Dependencies
- Depends on WP01.

## Work Package WP03: Sessions

**Dependencies**: WP01, WP02
`;

async function caught(p: Promise<unknown>): Promise<WorkflowError> {
  try {
    await p;
  } catch (err) {
    return err as WorkflowError;
  }
  throw new Error('expected the call to fail');
}

describe('agent feature setup-plan', () => {
  it('creates plan.md from the mission template, commits it, and never overwrites an authored plan', async () => {
    const { dir, sg, feature, fdir } = await withFeature();
    const first = await setupPlan({ ...wenv(dir), templates: memoryTemplates() });
    expect(first).toMatchObject({
      result: 'success',
      feature_slug: feature,
      plan_file: path.join(fdir, 'plan.md'),
      feature_dir: fdir,
      spec_file: path.join(fdir, 'spec.md'),
      plan_created: true,
      commit_created: true,
    });
    expect(read(fdir, 'plan.md')).toBe(PLAN_TEMPLATE);
    expect(await subjects(sg, 1)).toEqual([`Add plan for feature ${feature}`]);
    expect(await filesOf(sg)).toEqual([`kitty-specs/${feature}/plan.md`]);
    expect(await porcelain(sg)).toEqual([]);

    writeFileSync(path.join(fdir, 'plan.md'), '# My real plan\n');
    const again = await setupPlan({ ...wenv(dir), feature, templates: memoryTemplates() });
    expect(again).toMatchObject({ plan_created: false, commit_created: false, commit_hash: null });
    expect(read(fdir, 'plan.md')).toBe('# My real plan\n');
    expect(again.notes.join(' ')).toContain('left unchanged');
  });

  it('commits a scaffold left uncommitted by an interrupted run, but no authored plan', async () => {
    const { dir, sg, fdir } = await withFeature();
    writeFileSync(path.join(fdir, 'plan.md'), PLAN_TEMPLATE);
    const r = await setupPlan({ ...wenv(dir), templates: memoryTemplates() });
    expect(r).toMatchObject({ plan_created: false, commit_created: true });
    expect(await porcelain(sg)).toEqual([]);
  });

  it('needs spec.md, and a feature it can determine', async () => {
    const { dir, sg, fdir } = await withFeature();
    await sg.rm([path.join(fdir, 'spec.md')]);
    await sg.commit('drop spec');
    expect(await caught(setupPlan({ ...wenv(dir), templates: memoryTemplates() }))).toMatchObject({
      code: 'SPEC_FILE_MISSING',
      details: { spec_file: path.join(fdir, 'spec.md') },
    });
    await createFeature({ ...wenv(dir), slug: 'second', templates: memoryTemplates() });
    const err = await caught(setupPlan({ ...wenv(dir), templates: memoryTemplates() }));
    expect(err.code).toBe('PLAN_CONTEXT_UNRESOLVED');
    expect(err.details).toMatchObject({
      candidate_features: [
        { feature_slug: '001-user-auth', spec_exists: false },
        { feature_slug: '002-second', spec_exists: true },
      ],
      suggested_commands: [
        'spec-kitty agent feature setup-plan --feature 001-user-auth --json',
        'spec-kitty agent feature setup-plan --feature 002-second --json',
      ],
    });
  });
});

describe('feature detection', () => {
  it('--feature > SPECIFY_FEATURE > branch > cwd > the only feature; among several check-prerequisites and writing commands ask', async () => {
    const { dir, sg } = await withFeature('alpha');
    const only = await checkPrerequisites({ ...wenv(dir) });
    expect(only.feature_slug).toBe('001-alpha');
    await createFeature({ ...wenv(dir), slug: 'beta', templates: memoryTemplates() });
    await createFeature({ ...wenv(dir), slug: 'gamma', templates: memoryTemplates() });

    // check-prerequisites asks, as the Python CLI does (ADR 0016 amendment), and so does a writing command.
    const refused = await caught(checkPrerequisites({ ...wenv(dir) }));
    expect(refused.code).toBe('FEATURE_CONTEXT_UNRESOLVED');
    expect((refused.details?.['candidate_features'] as Array<{ spec_exists: boolean }>).map((c) => c.spec_exists)).toEqual([
      true,
      true,
      true,
    ]);
    const ambiguous = await caught(finalizeTasks({ ...wenv(dir) }));
    expect(ambiguous.code).toBe('FEATURE_CONTEXT_UNRESOLVED');
    expect((ambiguous.details?.['candidate_features'] as Array<{ feature_slug: string }>).map((c) => c.feature_slug)).toEqual([
      '001-alpha',
      '002-beta',
      '003-gamma',
    ]);

    expect((await checkPrerequisites({ ...wenv(path.join(dir, 'kitty-specs/002-beta/research')) })).feature_slug).toBe('002-beta');
    expect((await checkPrerequisites({ ...wenv(dir, { env: { SPECIFY_FEATURE: '003-gamma' } }) })).feature_slug).toBe('003-gamma');
    expect((await checkPrerequisites({ ...wenv(dir, { env: { SPECIFY_FEATURE: '003-gamma' } }), feature: '001-alpha' })).feature_slug).toBe(
      '001-alpha',
    );
    expect((await checkPrerequisites({ ...wenv(dir), feature: '002' })).feature_slug).toBe('002-beta');

    await sg.checkoutLocalBranch('002-beta');
    // The branch wins over the directory.
    expect((await checkPrerequisites({ ...wenv(path.join(dir, 'kitty-specs/001-alpha')) })).feature_slug).toBe('002-beta');
    await sg.checkout('main');

    expect(await caught(checkPrerequisites({ ...wenv(dir), feature: '009-nope' }))).toMatchObject({
      code: 'UNKNOWN_FEATURE',
      details: { available_features: ['001-alpha', '002-beta', '003-gamma'] },
    });
    expect(await caught(checkPrerequisites({ ...wenv(dir), feature: '../001-alpha' }))).toMatchObject({ code: 'INVALID_FEATURE_SLUG' });
  });

  it('works from inside a worktree: resolves the main repository and the feature from the WP branch', async () => {
    const { dir, sg, fdir } = await withFeature('wt-feature');
    const wt = path.join(dir, '.worktrees/001-wt-feature-WP01');
    await sg.raw(['worktree', 'add', '-b', '001-wt-feature-WP01', wt]);
    mkdirSync(path.join(wt, 'src/deep'), { recursive: true });
    const r = await checkPrerequisites({ ...wenv(path.join(wt, 'src/deep')) });
    expect(r.feature_slug).toBe('001-wt-feature');
    expect(r.feature_dir).toBe(fdir);
    const plan = await setupPlan({ ...wenv(wt), templates: memoryTemplates() });
    expect(plan.plan_file).toBe(path.join(fdir, 'plan.md'));
    expect(await porcelain(sg)).toEqual([]);
  });

  it('reports no features with remediation', async () => {
    const { dir } = await newProject();
    const err = await caught(setupPlan({ ...wenv(dir), templates: memoryTemplates() }));
    expect(err).toMatchObject({ code: 'PLAN_CONTEXT_UNRESOLVED', details: { candidate_features: [] } });
    expect(err.suggestions.join(' ')).toContain('create-feature');
  });
});

describe('agent feature check-prerequisites', () => {
  it('reports what exists; valid:false for missing required files; never writes', async () => {
    const { dir, sg, fdir, feature } = await withFeature();
    const r = await checkPrerequisites({ ...wenv(dir) });
    expect(r).toMatchObject({
      valid: true,
      errors: [],
      feature_slug: feature,
      paths: { feature_dir: fdir, spec_file: path.join(fdir, 'spec.md'), tasks_dir: path.join(fdir, 'tasks') },
    });
    expect(r.paths.plan_file).toBeUndefined();
    const t = await checkPrerequisites({ ...wenv(dir), includeTasks: true });
    expect(t).toMatchObject({ valid: false, errors: ['Missing required file: tasks.md'] });
    expect(await porcelain(sg)).toEqual([]);
  });

  it('with --include-tasks reports malformed tasks.md and frontmatter as path:line:col and leaves them untouched', async () => {
    const { dir, fdir, feature } = await withFeature();
    const badWp = '---\nwork_package_id: WP01\nlane: planned\nlane: done\n---\n# x\n';
    write(fdir, {
      'tasks.md': '## Work Package WP1: bad\n',
      'tasks/WP01-a.md': badWp,
      'tasks/WP02-b.md': '---\nwork_package_id: WP03\n---\n',
    });
    const r = await checkPrerequisites({ ...wenv(dir), includeTasks: true });
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([
      `kitty-specs/${feature}/tasks.md:1:17: invalid work package id "WP1" in a heading (must be WP and two digits, like WP01)`,
      `kitty-specs/${feature}/tasks/WP01-a.md:4:1: Map keys must be unique`,
      `kitty-specs/${feature}/tasks/WP02-b.md:2:1: work_package_id is "WP03" but the file name says WP02`,
    ]);
    expect(read(fdir, 'tasks/WP01-a.md')).toBe(badWp);
  });
});

describe('agent feature finalize-tasks', () => {
  async function withTasks() {
    const ctx = await withFeature();
    write(ctx.fdir, {
      'tasks.md': TASKS_MD,
      'tasks/WP01-schema.md': wpFile('WP01', 'Schema'),
      'tasks/WP02-login-api.md': wpFile('WP02', 'Login API', 'dependencies: []  # filled by finalize-tasks\n'),
      'tasks/WP03-sessions.md': wpFile('WP03', 'Sessions'),
    });
    return ctx;
  }

  it('writes real YAML dependency lists with minimal diffs, commits tasks.md and tasks/ in one commit', async () => {
    const { dir, sg, fdir, feature } = await withTasks();
    const before = read(fdir, 'tasks/WP02-login-api.md');
    const r = await finalizeTasks({ ...wenv(dir) });
    expect(r).toMatchObject({
      result: 'success',
      feature_slug: feature,
      updated_wp_count: 3,
      tasks_dir: path.join(fdir, 'tasks'),
      commit_created: true,
    });
    expect(r.files_committed).toEqual([
      `kitty-specs/${feature}/tasks.md`,
      `kitty-specs/${feature}/tasks/WP01-schema.md`,
      `kitty-specs/${feature}/tasks/WP02-login-api.md`,
      `kitty-specs/${feature}/tasks/WP03-sessions.md`,
    ]);
    expect(await subjects(sg, 1)).toEqual([`Add tasks for feature ${feature}`]);
    expect(r.commit_hash).toBe((await sg.revparse(['HEAD'])).trim());
    const wp2 = read(fdir, 'tasks/WP02-login-api.md');
    // Only the dependencies line changed; the inline comment, quoting and key order are kept.
    expect(wp2).toBe(before.replace('dependencies: []  # filled by finalize-tasks', 'dependencies: [WP01]  # filled by finalize-tasks'));
    const wp3 = read(fdir, 'tasks/WP03-sessions.md');
    expect(wp3).toBe(
      wpFile('WP03', 'Sessions').replace(
        'lane: "planned"  # do not edit by hand\n',
        'lane: "planned"  # do not edit by hand\ndependencies: [WP01, WP02]\n',
      ),
    );
    expect(parse(read(fdir, 'tasks/WP01-schema.md').split('---')[1] as string).dependencies).toEqual([]);
    expect(r.work_packages).toEqual([
      {
        id: 'WP01',
        title: 'Schema',
        dependencies: [],
        subtasks: ['T001', 'T002'],
        file: `kitty-specs/${feature}/tasks/WP01-schema.md`,
        updated: true,
      },
      {
        id: 'WP02',
        title: 'Login API',
        dependencies: ['WP01'],
        subtasks: ['T003'],
        file: `kitty-specs/${feature}/tasks/WP02-login-api.md`,
        updated: true,
      },
      {
        id: 'WP03',
        title: 'Sessions',
        dependencies: ['WP01', 'WP02'],
        subtasks: [],
        file: `kitty-specs/${feature}/tasks/WP03-sessions.md`,
        updated: true,
      },
    ]);
    expect(await porcelain(sg)).toEqual([]);

    const again = await finalizeTasks({ ...wenv(dir) });
    expect(again).toMatchObject({ updated_wp_count: 0, commit_created: false, commit_hash: null, files_committed: [] });
  });

  it('emits one WPCreated per committed work package, sharing one causation id', async () => {
    const { dir, feature } = await withTasks();
    const events = memoryEvents();
    const r = await finalizeTasks({ ...wenv(dir, { events }) });
    expect(r.events_queued).toBe(3);
    expect(events.drafts.map((d) => [d.event_type, d.aggregate_id, (d.payload as { dependencies: string[] }).dependencies])).toEqual([
      ['WPCreated', 'WP01', []],
      ['WPCreated', 'WP02', ['WP01']],
      ['WPCreated', 'WP03', ['WP01', 'WP02']],
    ]);
    const causes = new Set(events.drafts.map((d) => d.causation_id));
    expect(causes.size).toBe(1);
    expect([...causes][0]).toMatch(/^[0-9A-Z]{26}$/);
    expect(events.drafts[0]?.payload).toMatchObject({ feature_slug: feature, title: 'Schema' });
    for (const d of events.drafts) expect(checkEvent({ ...d, lamport_clock: 1 }).ok).toBe(true);
    const rerun = memoryEvents();
    await finalizeTasks({ ...wenv(dir, { events: rerun }) });
    expect(rerun.drafts).toEqual([]);
  });

  it('rejects unknown, self and circular dependencies with file:line:col, writing nothing', async () => {
    const { dir, sg, fdir, feature } = await withTasks();
    await sg.add('.');
    await sg.commit('agent wrote tasks');
    const tasks = `## WP01\nDepends on WP01\n\n## WP02\nDepends on WP99\n\n## WP03\nDepends on WP02\n\n### Dependencies\n- WP03\n`;
    writeFileSync(path.join(fdir, 'tasks.md'), tasks);
    const wp = (n: string) => readFileSync(path.join(fdir, `tasks/${n}`), 'utf8');
    const snapshot = ['WP01-schema.md', 'WP02-login-api.md', 'WP03-sessions.md'].map(wp);
    const err = await caught(finalizeTasks({ ...wenv(dir) }));
    expect(err.code).toBe('INVALID_DEPENDENCIES');
    const shown = `kitty-specs/${feature}/tasks.md`;
    expect((err.details?.['problems'] as Array<{ text: string }>).map((p) => p.text)).toEqual([
      `${shown}:2:12: WP01 cannot depend on itself`,
      `${shown}:5:12: WP02 depends on WP99, which is not defined (known work packages: WP01, WP02, WP03)`,
      `${shown}:11:3: WP03 cannot depend on itself`,
    ]);
    writeFileSync(path.join(fdir, 'tasks.md'), '## WP01\nDepends on WP03\n## WP02\n## WP03\nDepends on WP01\n');
    const cyc = await caught(finalizeTasks({ ...wenv(dir) }));
    expect(cyc.message).toContain(`${shown}:2:12: circular dependency WP01 → WP03 → WP01 (written at ${shown}:2:12, ${shown}:5:12)`);
    expect(['WP01-schema.md', 'WP02-login-api.md', 'WP03-sessions.md'].map(wp)).toEqual(snapshot);
    expect(await porcelain(sg)).toEqual([` M kitty-specs/${feature}/tasks.md`]);
  });

  it('rejects malformed tasks.md or frontmatter, naming every problem, and rewrites nothing', async () => {
    const { dir, fdir, feature } = await withTasks();
    writeFileSync(path.join(fdir, 'tasks/WP03-sessions.md'), '---\nwork_package_id: WP03\ntitle: [unclosed\n---\n');
    const err = await caught(finalizeTasks({ ...wenv(dir) }));
    expect(err.code).toBe('INVALID_FRONTMATTER');
    expect(err.message).toContain(`kitty-specs/${feature}/tasks/WP03-sessions.md:4:1: Flow sequence`);
    expect(read(fdir, 'tasks/WP02-login-api.md')).toContain('dependencies: []  # filled');
    writeFileSync(path.join(fdir, 'tasks.md'), `${TASKS_MD}\n## Work Package WP02: twice\n`);
    const tm = await caught(finalizeTasks({ ...wenv(dir) }));
    expect(tm.code).toBe('INVALID_TASKS_FILE');
    expect(tm.message).toContain(`kitty-specs/${feature}/tasks.md:24:17: WP02 has a second section here`);
    expect(tm.message).toContain('2 problems');
  });

  it('keeps frontmatter dependencies of work packages tasks.md does not mention, and repairs the old string form', async () => {
    const { dir, fdir } = await withFeature();
    write(fdir, {
      'tasks.md': '## WP01: One\n',
      'tasks/WP01-one.md': wpFile('WP01', 'One'),
      'tasks/WP02-two.md': wpFile('WP02', 'Two', 'dependencies: "[\'WP01\']"\n'),
    });
    const r = await finalizeTasks({ ...wenv(dir) });
    expect(r.work_packages.find((w) => w.id === 'WP02')?.dependencies).toEqual(['WP01']);
    expect(read(fdir, 'tasks/WP02-two.md')).toContain('dependencies: [WP01]\n');
    expect(r.warnings.join('\n')).toContain('WP02 has no section in tasks.md');
  });

  it('needs a tasks/ directory', async () => {
    const { dir, sg, fdir } = await withFeature();
    await sg.rm([path.join(fdir, 'tasks/.gitkeep'), path.join(fdir, 'tasks/README.md')]);
    await sg.commit('no tasks');
    expect(await caught(finalizeTasks({ ...wenv(dir) }))).toMatchObject({ code: 'TASKS_DIR_MISSING' });
  });
});
