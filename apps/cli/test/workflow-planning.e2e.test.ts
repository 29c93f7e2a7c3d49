import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { runCli, type CliResult } from './helpers.js';
import { json, workflowSandbox } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

/** An isolated user (the workflow sandbox) whose CLI calls run synchronously. */
function sandbox() {
  const { root, project, env, git } = workflowSandbox('kitty-e2e-');
  const kitty = (args: string[], cwd = project): CliResult => runCli(args, { cwd, env });
  return { root, project, kitty, git };
}

const clean = (git: (a: string[]) => string): string => git(['status', '--porcelain', '--untracked-files=all']).trim();

const TASKS_MD = `# Work Packages: Login

## Work Package WP01: Schema (Priority: P0)

### Included Subtasks
- [ ] T001 Create the users table

## Work Package WP02: Login endpoint (Priority: P1)

### Included Subtasks
- [ ] T002 POST /login

### Dependencies
- Depends on WP01.
`;

const wp = (id: string, title: string) => `---
work_package_id: "${id}"
title: "${title}"
lane: "planned"
subtasks: []
phase: "Phase 1"
history: []
---
# Work Package Prompt: ${id} – ${title}

## Activity Log
`;

describe('planning flow through the built binary: init → create-feature → setup-plan → finalize-tasks', () => {
  it('runs end to end with one JSON document per call, the incumbent commit messages and a clean repository', () => {
    const { project, kitty, git } = sandbox();

    const init = kitty(['init', '--here', '--ai', 'claude,codex', '--non-interactive', '--json']);
    expect(init.code).toBe(0);
    expect(json(init)).toMatchObject({ result: 'success', agents: ['claude', 'codex'], git_initialized: true, commit_created: true });
    expect(readFileSync(path.join(project, '.claude/commands/spec-kitty.specify.md'), 'utf8')).toContain('$ARGUMENTS');
    expect(clean(git)).toBe('');

    const again = kitty(['init', '--here', '--json']);
    expect(again.code).toBe(0);
    expect(json(again)).toMatchObject({ commit_created: false, agents: ['claude', 'codex'] });

    const created = kitty(['agent', 'feature', 'create-feature', 'user-login', '--json']);
    expect(created.code).toBe(0);
    const feature = json(created);
    expect(feature).toMatchObject({ result: 'success', feature: '001-user-login', target_branch: 'main' });
    const fdir = feature['feature_dir'] as string;
    expect(fdir).toBe(path.join(project, 'kitty-specs/001-user-login'));
    expect(readFileSync(path.join(fdir, 'spec.md'), 'utf8')).toContain('# Feature Specification');
    expect(clean(git)).toBe('');

    writeFileSync(path.join(fdir, 'spec.md'), '# Spec: user login\n\n- FR-001: users log in.\n');
    git(['commit', '-qam', 'spec written by the agent']);

    const plan = kitty(['agent', 'feature', 'setup-plan', '--json']);
    expect(plan.code).toBe(0);
    expect(json(plan)).toMatchObject({
      result: 'success',
      feature_slug: '001-user-login',
      plan_file: path.join(fdir, 'plan.md'),
      plan_created: true,
      commit_created: true,
    });
    writeFileSync(path.join(fdir, 'plan.md'), '# Plan written by the agent\n');
    const planAgain = kitty(['agent', 'feature', 'setup-plan', '--feature', '001-user-login', '--json']);
    expect(json(planAgain)).toMatchObject({ plan_created: false, commit_created: false });
    expect(readFileSync(path.join(fdir, 'plan.md'), 'utf8')).toBe('# Plan written by the agent\n');
    git(['commit', '-qam', 'plan written by the agent']);

    writeFileSync(path.join(fdir, 'tasks.md'), TASKS_MD);
    writeFileSync(path.join(fdir, 'tasks/WP01-schema.md'), wp('WP01', 'Schema'));
    writeFileSync(path.join(fdir, 'tasks/WP02-login-endpoint.md'), wp('WP02', 'Login endpoint'));
    const fin = kitty(['agent', 'feature', 'finalize-tasks', '--json']);
    expect(fin.code).toBe(0);
    expect(json(fin)).toMatchObject({
      result: 'success',
      updated_wp_count: 2,
      commit_created: true,
      files_committed: [
        'kitty-specs/001-user-login/tasks.md',
        'kitty-specs/001-user-login/tasks/WP01-schema.md',
        'kitty-specs/001-user-login/tasks/WP02-login-endpoint.md',
      ],
    });
    expect(readFileSync(path.join(fdir, 'tasks/WP02-login-endpoint.md'), 'utf8')).toContain('lane: "planned"\ndependencies: [WP01]\n');

    const check = kitty(['agent', 'feature', 'check-prerequisites', '--include-tasks', '--json']);
    expect(check.code).toBe(0);
    expect(json(check)).toMatchObject({ valid: true, errors: [], feature_slug: '001-user-login' });

    expect(git(['log', '--format=%s']).trim().split('\n')).toEqual([
      'Add tasks for feature 001-user-login',
      'plan written by the agent',
      'Add plan for feature 001-user-login',
      'spec written by the agent',
      'Add meta for feature 001-user-login',
      'Add spec for feature 001-user-login',
      'Initial commit from Specify template',
    ]);
    expect(clean(git)).toBe('');
  });
});

describe('workflow commands: errors are one JSON document with error.code/message/hint', () => {
  it('bad slugs exit 2 and create nothing', () => {
    const { root, kitty, git } = sandbox();
    kitty(['init', '--here', '--ai', 'claude', '--json']);
    for (const slug of ['../escape', '/etc/passwd', 'x'.repeat(300), 'CON', 'Uѕer']) {
      const r = kitty(['agent', 'feature', 'create-feature', slug, '--json']);
      expect(r.code).toBe(2);
      const err = json(r)['error'] as Record<string, unknown>;
      expect(err).toMatchObject({ code: 'INVALID_FEATURE_SLUG' });
      expect(typeof err['hint']).toBe('string');
    }
    expect(execFileSync('ls', [root], { encoding: 'utf8' }).trim().split('\n').sort()).toEqual(['home', 'project']);
    expect(clean(git)).toBe('');
  });

  it('several features: a machine-readable candidate list instead of a guess; worktree cwd resolves the main repository', () => {
    const { project, kitty, git } = sandbox();
    kitty(['init', '--here', '--ai', 'claude', '--json']);
    kitty(['agent', 'feature', 'create-feature', 'alpha', '--json']);
    kitty(['agent', 'feature', 'create-feature', 'beta', '--json']);
    const r = kitty(['agent', 'feature', 'setup-plan', '--json']);
    expect(r.code).toBe(1);
    const err = json(r)['error'] as {
      code: string;
      details: { candidate_features: Array<{ feature_slug: string }>; suggested_commands: string[] };
    };
    expect(err.code).toBe('PLAN_CONTEXT_UNRESOLVED');
    expect(err.details.candidate_features.map((c) => c.feature_slug)).toEqual(['001-alpha', '002-beta']);
    expect(err.details.suggested_commands[0]).toBe('spec-kitty agent feature setup-plan --feature 001-alpha --json');

    const wt = path.join(project, '.worktrees/002-beta-WP01');
    git(['worktree', 'add', '-q', '-b', '002-beta-WP01', wt]);
    const fromWt = kitty(['agent', 'feature', 'check-prerequisites', '--json'], wt);
    expect(fromWt.code).toBe(0);
    expect(json(fromWt)).toMatchObject({ feature_slug: '002-beta', feature_dir: path.join(project, 'kitty-specs/002-beta') });
    const refused = kitty(['agent', 'feature', 'create-feature', 'gamma', '--json'], wt);
    expect(refused.code).toBe(1);
    expect(json(refused)).toMatchObject({ error: { code: 'INSIDE_WORKTREE' } });
  });

  it('malformed tasks.md and frontmatter are reported as path:line:col; nothing is rewritten', () => {
    const { project, kitty } = sandbox();
    kitty(['init', '--here', '--ai', 'claude', '--json']);
    kitty(['agent', 'feature', 'create-feature', 'broken', '--json']);
    const fdir = path.join(project, 'kitty-specs/001-broken');
    const badWp = '---\nwork_package_id: WP01\nlane: planned\nlane: done\n---\n';
    writeFileSync(path.join(fdir, 'tasks.md'), '## Work Package WP01: A\n\n## Work Package WP02: B\nDepends on WP02\n');
    writeFileSync(path.join(fdir, 'tasks/WP01-a.md'), badWp);
    writeFileSync(path.join(fdir, 'tasks/WP02-b.md'), wp('WP02', 'B'));
    const r = kitty(['agent', 'feature', 'finalize-tasks', '--json']);
    expect(r.code).toBe(2);
    const err = json(r)['error'] as { code: string; message: string; details: { problems: Array<{ text: string }> } };
    expect(err.code).toBe('INVALID_FRONTMATTER');
    expect(err.details.problems.map((p) => p.text)).toEqual(['kitty-specs/001-broken/tasks/WP01-a.md:4:1: Map keys must be unique']);
    expect(readFileSync(path.join(fdir, 'tasks/WP01-a.md'), 'utf8')).toBe(badWp);

    writeFileSync(path.join(fdir, 'tasks/WP01-a.md'), wp('WP01', 'A'));
    const cyc = kitty(['agent', 'feature', 'finalize-tasks', '--json']);
    expect(cyc.code).toBe(2);
    expect(json(cyc)).toMatchObject({
      error: {
        code: 'INVALID_DEPENDENCIES',
        details: { problems: [{ text: 'kitty-specs/001-broken/tasks.md:4:12: WP02 cannot depend on itself' }] },
      },
    });

    const check = kitty(['agent', 'feature', 'check-prerequisites', '--include-tasks', '--json']);
    expect(check.code).toBe(0);
    expect(json(check)).toMatchObject({ valid: false, errors: ['kitty-specs/001-broken/tasks.md:4:12: WP02 cannot depend on itself'] });
  });

  it('outside a project, and init without agents, still print exactly one JSON document', () => {
    const { root, kitty } = sandbox();
    const outside = kitty(['agent', 'feature', 'check-prerequisites', '--json'], root);
    expect(outside.code).toBe(1);
    expect(json(outside)).toMatchObject({ error: { code: 'NOT_A_PROJECT' } });
    const noAi = kitty(['init', '--here', '--non-interactive', '--json']);
    expect(noAi.code).toBe(2);
    expect(json(noAi)).toMatchObject({ error: { code: 'MISSING_AGENTS' } });
    const human = kitty(['agent', 'feature', 'create-feature', 'x'], root);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toContain('Could not locate project root');
  });
});
