import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { createEventFactory, type EventDraft, type StatusEvent } from '@kitty/events';
import { fixedClock, gitRepo, tempDir } from '@kitty/test-utils';
import {
  createGitPort,
  initProject,
  type EventsPort,
  type GitPort,
  type TemplateAsset,
  type TemplateSource,
  type InitResult,
} from '../src/index.js';

/** A git environment that does not depend on the machine: fixed identity, no signing, branch main. */
export const GIT_ENV: Record<string, string | undefined> = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Kitty Test',
  GIT_AUTHOR_EMAIL: 'kitty-test@example.invalid',
  GIT_COMMITTER_NAME: 'Kitty Test',
  GIT_COMMITTER_EMAIL: 'kitty-test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_COUNT: '3',
  GIT_CONFIG_KEY_0: 'commit.gpgsign',
  GIT_CONFIG_VALUE_0: 'false',
  GIT_CONFIG_KEY_1: 'init.defaultBranch',
  GIT_CONFIG_VALUE_1: 'main',
  GIT_CONFIG_KEY_2: 'core.hooksPath',
  GIT_CONFIG_VALUE_2: '/dev/null',
};

export const git: GitPort = createGitPort({ env: GIT_ENV });

/** simple-git for test assertions and setup, with the same fixed environment. */
export function sgit(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    allowEnvironment: Object.keys(GIT_ENV),
    unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeHooksPath: true },
  }).env(Object.fromEntries(Object.entries(GIT_ENV).filter((e): e is [string, string] => e[1] !== undefined)));
}
export const clock = fixedClock('2026-03-01T12:00:00.000Z');
export const machine = { hostname: 'test-host', username: 'tester' };
export const runtime = { cliVersion: '0.1.0', nodeVersion: 'v20.0.0', platform: 'linux', platformVersion: '6.0' };

export const SPEC_TEMPLATE = '# Feature Specification: [FEATURE NAME]\n\n## User Scenarios\n';
export const PLAN_TEMPLATE = '# Implementation Plan: [FEATURE]\n\n## Technical Context\n';

/** An in-memory template source with two missions and a few command templates. */
export function memoryTemplates(extra: Partial<Record<string, string>> = {}): TemplateSource & { notes: string[] } {
  const files: Record<string, string> = {
    'software-dev/spec-template.md': SPEC_TEMPLATE,
    'software-dev/plan-template.md': PLAN_TEMPLATE,
    'research/spec-template.md': '# Research spec\n',
    'research/plan-template.md': '# Research plan\n',
    ...Object.fromEntries(Object.entries(extra).filter((e): e is [string, string] => e[1] !== undefined)),
  };
  const commands: TemplateAsset[] = [
    {
      name: 'specify.md',
      text: '---\ndescription: Create a feature spec\nscripts:\n  sh: x\n---\nRun `spec-kitty agent feature create-feature` with $ARGUMENTS for __AGENT__.\n',
      origin: 'memory:specify.md',
    },
    {
      name: 'tasks-finalize.md',
      text: '---\ndescription: "Finalize \\"tasks\\""\n---\nFinalize: {ARGS}\n"""quotes"""\n',
      origin: 'memory:tasks-finalize.md',
    },
  ];
  const notes: string[] = [];
  return {
    notes,
    async missions() {
      return ['research', 'software-dev'];
    },
    async template(mission, name) {
      const text = files[`${mission}/${name}`];
      return text === undefined ? null : { name, text, origin: `memory:${mission}/${name}` };
    },
    async commandTemplates() {
      return commands;
    },
    takeNotes() {
      return notes.splice(0);
    },
  };
}

/** An events port over a real event factory that keeps what it is given in memory. */
export function memoryEvents(options: { fail?: string } = {}): EventsPort & { drafts: EventDraft[]; prepared: number } {
  const drafts: EventDraft[] = [];
  return {
    drafts,
    prepared: 0,
    prepare() {
      this.prepared += 1; // counted before failing: a failing prepare must not fail the command
      if (options.fail !== undefined) throw new Error(options.fail);
    },
    createFactory(ctx) {
      return createEventFactory({ nodeId: 'a1b2c3d4e5f6', now: clock.now, context: { ...ctx, teamSlug: 'local' } });
    },
    async enqueue(list) {
      if (options.fail !== undefined) throw new Error(options.fail);
      drafts.push(...list);
      return { queued: list.length, notes: [] };
    },
  };
}

/** The environment every workflow call gets in tests. */
export function wenv(cwd: string, extra: { env?: Record<string, string | undefined>; events?: EventsPort } = {}) {
  return { cwd, env: extra.env ?? {}, now: clock.now, git, ...(extra.events ? { events: extra.events } : {}) };
}

/** A fresh project: a temp dir set up by `initProject` (git init included). */
export async function newProject(agents = 'claude', parent?: string): Promise<{ dir: string; sg: SimpleGit; init: InitResult }> {
  const dir = parent === undefined ? tempDir({}, 'kitty-wf-') : path.join(parent, 'project');
  mkdirSync(dir, { recursive: true });
  const init = await initProject({
    ...wenv(dir),
    here: true,
    ai: agents,
    nonInteractive: true,
    templates: memoryTemplates(),
    machine,
    runtime,
    newUuid: () => '11111111-2222-4333-8444-555555555555',
  });
  return { dir, sg: sgit(dir), init };
}

/** A repository with a commit, set up by the test-utils helper (not by init). */
export async function plainRepo(tree: Record<string, string> = { 'README.md': '# app\n' }) {
  return gitRepo(tree);
}

/** `git status --porcelain` lines, sorted (empty means clean). */
export async function porcelain(sg: SimpleGit): Promise<string[]> {
  return (await sg.raw(['status', '--porcelain', '--untracked-files=all']))
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

/** Subjects of the last `n` commits, newest first. */
export async function subjects(sg: SimpleGit, n = 10): Promise<string[]> {
  const out = await sg.raw(['log', `-${n}`, '--format=%s']);
  return out.split('\n').filter((l) => l !== '');
}

/** Files of one commit. */
export async function filesOf(sg: SimpleGit, rev = 'HEAD'): Promise<string[]> {
  const out = await sg.raw(['show', '--name-only', '--format=', rev]);
  return out
    .split('\n')
    .filter((l) => l !== '')
    .sort();
}

/** Writes files under `root` (paths relative, parents created). */
export function write(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

export const read = (root: string, rel: string): string => readFileSync(path.join(root, rel), 'utf8');

/** A work-package prompt file in the Python CLI's template layout. */
export function wpFile(id: string, title: string, extra = ''): string {
  return `---
work_package_id: "${id}"
title: "${title}"
lane: "planned"  # do not edit by hand
${extra}subtasks:
  - "T001"
phase: "Phase 1 - Setup"
assignee: ""
agent: ""
shell_pid: ""
review_status: ""
reviewed_by: ""
history:
  - timestamp: "2026-02-01T00:00:00Z"
    lane: "planned"
    agent: "system"
    shell_pid: ""
    action: "Prompt generated via /spec-kitty.tasks"
---
# Work Package Prompt: ${id} – ${title}

## Activity Log

- 2026-02-01T00:00:00Z – system – lane=planned – Prompt created.
`;
}

/** Status event number `n` of feature 001-demo (WP01 planned → claimed by claude at 10:nn), with `over` applied. */
export const statusEvent = (n: number, over: Partial<StatusEvent> = {}): StatusEvent =>
  ({
    event_id: `01JFAA00000000000000000${String(n).padStart(3, '0')}`,
    feature_slug: '001-demo',
    wp_id: 'WP01',
    from_lane: 'planned',
    to_lane: 'claimed',
    at: `2026-01-15T10:${String(n).padStart(2, '0')}:00+00:00`,
    actor: 'claude',
    force: false,
    reason: null,
    execution_mode: 'worktree',
    review_ref: null,
    evidence: null,
    ...over,
  }) as StatusEvent;
