import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from '@jest/globals';
import { tempDir } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';
import type { CliResult } from './helpers.js';

/**
 * An isolated user and project for workflow CLI tests: temp HOME and runtime, a fixed git identity, no system or
 * global git config, sync off unless a test turns it on, and no background delivery unless `autoDeliver`. Every CLI
 * call is bounded.
 */
export function workflowSandbox(prefix = 'kitty-wf-cli-', options: { readonly autoDeliver?: boolean } = {}) {
  const root = tempDir({}, prefix);
  const home = path.join(root, 'home');
  const project = path.join(root, 'project');
  mkdirSync(home);
  mkdirSync(project);
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    USERPROFILE: home,
    SPEC_KITTY_HOME: path.join(home, '.kittify'),
    SPEC_KITTY_NON_INTERACTIVE: '1',
    SPEC_KITTY_ENABLE_SAAS_SYNC: '',
    SPEC_KITTY_AUTO_DELIVER: options.autoDeliver === true ? '1' : '0',
    SPECIFY_FEATURE: '',
    SPECIFY_REPO_ROOT: '',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: path.join(home, 'gitconfig'),
    GIT_AUTHOR_NAME: 'E2E',
    GIT_AUTHOR_EMAIL: 'e2e@example.invalid',
    GIT_COMMITTER_NAME: 'E2E',
    GIT_COMMITTER_EMAIL: 'e2e@example.invalid',
  };
  writeFileSync(path.join(home, 'gitconfig'), '[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n');
  const kitty = (args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> =>
    runCliAsync(args, {
      cwd: options.cwd ?? project,
      env: { ...env, ...options.env },
      timeoutMs: 60_000,
      ...(options.input === undefined ? {} : { input: options.input }),
    });
  const git = (args: string[], cwd = project): string =>
    execFileSync('git', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });
  return { root, home, project, env, kitty, git };
}

/**
 * A sandbox project set up through the CLI: `init` (agents `agents`, default claude), feature 001-shop with `n`
 * finalized work packages (WP02 depends on WP01). `fdir` is the feature's directory.
 */
export async function shopProject(n: number, options: { readonly prefix?: string; readonly agents?: string } = {}) {
  const sb = workflowSandbox(options.prefix);
  for (const args of [
    ['init', '--here', '--ai', options.agents ?? 'claude', '--json'],
    ['agent', 'feature', 'create-feature', 'shop', '--json'],
  ])
    expect((await sb.kitty(args)).code).toBe(0);
  const fdir = path.join(sb.project, 'kitty-specs', '001-shop');
  writeTasks(fdir, n);
  expect((await sb.kitty(['agent', 'feature', 'finalize-tasks', '--json'])).code).toBe(0);
  return { ...sb, fdir };
}

/** The whole of stdout must be exactly one JSON document. */
export function json(r: CliResult): Record<string, any> {
  const text = r.stdout.trim();
  expect(text.startsWith('{') && text.endsWith('}')).toBe(true);
  return JSON.parse(text) as Record<string, any>;
}

/** A tasks.md with `n` work packages (one subtask each); WP02 depends on WP01. */
export function tasksMd(n: number): string {
  let s = '# Work Packages: Shop\n';
  for (let i = 1; i <= n; i++) {
    const id = `WP${String(i).padStart(2, '0')}`;
    s += `\n## Work Package ${id}: Part ${i} (Priority: P1)\n\n### Included Subtasks\n- [ ] T${String(i).padStart(3, '0')} Build part ${i}\n`;
    if (i === 2) s += '\n### Dependencies\n- Depends on WP01.\n';
  }
  return s;
}

/** A work-package prompt file in the incumbent's template layout. */
export function wpPrompt(i: number): string {
  const id = `WP${String(i).padStart(2, '0')}`;
  return `---
work_package_id: "${id}"
title: "Part ${i}"
lane: "planned"
subtasks: ["T${String(i).padStart(3, '0')}"]
phase: "Phase 1"
assignee: ""
agent: ""
shell_pid: ""
review_status: ""
reviewed_by: ""
history: []
---
# Work Package Prompt: ${id} – Part ${i}

## Review Feedback

*No feedback yet.*

## Activity Log

- 2026-01-01T00:00:00Z – system – lane=planned – Prompt generated via /spec-kitty.tasks
`;
}

/** Writes tasks.md and `n` prompt files into a feature directory. */
export function writeTasks(featureDir: string, n: number): void {
  writeFileSync(path.join(featureDir, 'tasks.md'), tasksMd(n));
  for (let i = 1; i <= n; i++) writeFileSync(path.join(featureDir, 'tasks', `WP${String(i).padStart(2, '0')}-part-${i}.md`), wpPrompt(i));
}
