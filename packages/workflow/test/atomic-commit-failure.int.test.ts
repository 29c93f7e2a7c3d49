// Issue 14 "Done when" #3: a failing commit (a pre-commit hook that exits 1, and a missing git identity) for each
// writing command leaves nothing staged and no file changed, with a clear typed error; re-running after the fix
// works once. Real git repositories; the failing git is the same adapter with another environment.
import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  acceptFeature,
  createFeature,
  createGitPort,
  finalizeTasks,
  implementWorkPackage,
  initProject,
  markStatus,
  mergeFeature,
  moveTask,
  reviewWorkPackage,
  setupPlan,
  type GitPort,
} from '../src/index.js';
import { GIT_ENV, machine, memoryTemplates, newProject, runtime, sgit, wenv, wpFile, write } from './helpers.js';
import { caught, commitIn, TASKS_MD, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);

const hooks = tempDir({}, 'kitty-hooks-');
for (const h of ['pre-commit', 'pre-merge-commit']) {
  writeFileSync(path.join(hooks, h), '#!/bin/sh\necho "lint: trailing whitespace in staged files" >&2\nexit 1\n');
  chmodSync(path.join(hooks, h), 0o755);
}
const emptyHome = tempDir({}, 'kitty-nohome-');

/** Git with a pre-commit (and pre-merge-commit) hook that refuses every commit. */
const hookGit: GitPort = createGitPort({ env: { ...GIT_ENV, GIT_CONFIG_VALUE_2: hooks } });
/** Git without any identity: no user.* anywhere, HOME without .gitconfig, no system config, no guessing. */
const noIdentityEnv: Record<string, string | undefined> = Object.fromEntries(
  Object.entries(GIT_ENV).filter(([k]) => !/^GIT_(AUTHOR|COMMITTER)_|^EMAIL$/.test(k)),
);
const noIdentityGit: GitPort = createGitPort({
  env: {
    ...noIdentityEnv,
    HOME: emptyHome,
    XDG_CONFIG_HOME: emptyHome,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_COUNT: '4',
    GIT_CONFIG_KEY_3: 'user.useConfigOnly',
    GIT_CONFIG_VALUE_3: 'true',
  },
});

/** Everything that must be unchanged by a failed command: files (not .git), status, index, refs, worktrees. */
async function snapshot(dir: string): Promise<Record<string, unknown>> {
  const files: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      if (n === '.git') continue;
      const abs = path.join(d, n);
      const r = rel === '' ? n : `${rel}/${n}`;
      const st = statSync(abs);
      if (st.isDirectory()) {
        if (n === 'locks' && rel === '.kittify') continue; // lock directories come and go with each command
        files[`${r}/`] = 'dir';
        walk(abs, r);
      } else files[r] = createHash('sha256').update(readFileSync(abs)).digest('hex');
    }
  };
  walk(dir, '');
  let gitState: Record<string, string> = {};
  try {
    statSync(path.join(dir, '.git'));
    const g = sgit(dir);
    gitState = {
      status: await g.raw(['status', '--porcelain', '--untracked-files=all']),
      index: await g.raw(['ls-files', '--stage']),
      refs: await g.raw(['for-each-ref', '--format=%(refname) %(objectname)']),
      worktrees: await g.raw(['worktree', 'list', '--porcelain']),
    };
  } catch {
    gitState = { repo: 'none' };
  }
  return { files, ...gitState };
}

interface Case {
  readonly name: string;
  /** Builds the state before the command; returns the directory and how to run the command with a git. */
  setup(): Promise<{ dir: string; run: (git: GitPort) => Promise<unknown>; once: (dir: string) => Promise<void> }>;
}

const subjectsOf = async (dir: string): Promise<string[]> =>
  (await sgit(dir).raw(['log', '--format=%s'])).split('\n').filter((l) => l !== '');
const countOf = (list: string[], s: string): number => list.filter((x) => x === s).length;

const ONE = `# Work Packages: Checkout

## Work Package WP01: Schema

- [ ] T001 Create the tables
`;

/** A feature with one work package, implemented (a commit on its branch) and moved to for_review. */
async function inReview() {
  const t = await withTasks({ tasks: ONE });
  await t.sg.rm([path.join(t.fdir, 'tasks/WP02-api.md'), path.join(t.fdir, 'tasks/WP03-ui.md'), path.join(t.fdir, 'tasks/WP04-docs.md')]);
  await t.sg.commit('one work package only');
  const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP01', agent: 'claude' });
  await commitIn(impl.workspace_abs_path, 'schema.sql', 'create table t;\n', 'feat(WP01): schema');
  await markStatus({ ...t.env(), taskIds: ['T001'], status: 'done' });
  await moveTask({ ...t.env(), wpId: 'WP01', to: 'for_review', agent: 'claude' });
  return t;
}

const CASES: Case[] = [
  {
    name: 'init',
    async setup() {
      const dir = tempDir({}, 'kitty-init-');
      const run = (git: GitPort) =>
        initProject({
          ...wenv(dir),
          git,
          here: true,
          ai: 'claude',
          nonInteractive: true,
          templates: memoryTemplates(),
          machine,
          runtime,
          newUuid: () => '11111111-2222-4333-8444-555555555555',
        });
      return { dir, run, once: async (d) => expect(countOf(await subjectsOf(d), 'Initial commit from Specify template')).toBe(1) };
    },
  },
  {
    name: 'create-feature',
    async setup() {
      const { dir } = await newProject();
      return {
        dir,
        run: (git) => createFeature({ ...wenv(dir), git, slug: 'demo', templates: memoryTemplates() }),
        once: async (d) => expect(readdirSync(path.join(d, 'kitty-specs'))).toEqual(['001-demo']),
      };
    },
  },
  {
    name: 'setup-plan',
    async setup() {
      const { dir } = await newProject();
      await createFeature({ ...wenv(dir), slug: 'demo', templates: memoryTemplates() });
      return {
        dir,
        run: (git) => setupPlan({ ...wenv(dir), git, templates: memoryTemplates() }),
        once: async (d) => expect(countOf(await subjectsOf(d), 'Add plan for feature 001-demo')).toBe(1),
      };
    },
  },
  {
    name: 'finalize-tasks',
    async setup() {
      const { dir } = await newProject();
      const f = await createFeature({ ...wenv(dir), slug: 'checkout', templates: memoryTemplates() });
      write(f.feature_dir, {
        'tasks.md': TASKS_MD,
        'tasks/WP01-schema.md': wpFile('WP01', 'Schema'),
        'tasks/WP02-api.md': wpFile('WP02', 'API'),
        'tasks/WP03-ui.md': wpFile('WP03', 'UI'),
        'tasks/WP04-docs.md': wpFile('WP04', 'Docs'),
      });
      return {
        dir,
        run: (git) => finalizeTasks({ ...wenv(dir), git }),
        once: async (d) => expect(countOf(await subjectsOf(d), 'Add tasks for feature 001-checkout')).toBe(1),
      };
    },
  },
  {
    name: 'implement',
    async setup() {
      const t = await withTasks();
      return {
        dir: t.dir,
        run: (git) => implementWorkPackage({ ...t.env(), git, wpId: 'WP01', agent: 'claude' }),
        once: async (d) => expect(countOf(await subjectsOf(d), 'chore: WP01 claimed for implementation')).toBe(1),
      };
    },
  },
  {
    name: 'move-task',
    async setup() {
      const t = await withTasks();
      return {
        dir: t.dir,
        run: (git) => moveTask({ ...t.env(), git, wpId: 'WP04', to: 'canceled', agent: 'claude', force: true, reason: 'out of scope' }),
        once: async (d) => expect((await subjectsOf(d)).filter((s) => s.includes('WP04')).length).toBe(1),
      };
    },
  },
  {
    name: 'mark-status',
    async setup() {
      const t = await withTasks();
      const before = (await subjectsOf(t.dir)).length;
      return {
        dir: t.dir,
        run: (git) => markStatus({ ...t.env(), git, taskIds: ['T001'], status: 'done' }),
        once: async (d) => expect((await subjectsOf(d)).length).toBe(before + 1),
      };
    },
  },
  {
    name: 'review',
    async setup() {
      const t = await inReview();
      const before = (await subjectsOf(t.dir)).length;
      return {
        dir: t.dir,
        run: (git) => reviewWorkPackage({ ...t.env(), git, wpId: 'WP01', agent: 'codex' }),
        once: async (d) => expect((await subjectsOf(d)).length).toBe(before + 1),
      };
    },
  },
  {
    name: 'accept',
    async setup() {
      const t = await withTasks();
      await markStatus({ ...t.env(), taskIds: ['T001', 'T002', 'T003', 'T004', 'T005'], status: 'done' });
      for (const wp of ['WP01', 'WP02', 'WP03', 'WP04'])
        await moveTask({ ...t.env(), wpId: wp, to: 'canceled', agent: 'claude', force: true, reason: 'descoped' });
      write(t.fdir, { 'plan.md': '# Plan\n' });
      await t.sg.add([path.join(t.fdir, 'plan.md')]);
      await t.sg.commit('plan');
      expect((await acceptFeature({ ...t.env(), mode: 'checklist' })).summary).toMatchObject({ all_done: true });
      return {
        dir: t.dir,
        run: (git) => acceptFeature({ ...t.env(), git, actor: 'ada', mode: 'local' }),
        once: async (d) => expect(countOf(await subjectsOf(d), 'Accept 001-checkout')).toBe(1),
      };
    },
  },
  {
    name: 'merge',
    async setup() {
      const t = await inReview();
      await moveTask({ ...t.env(), wpId: 'WP01', to: 'done', agent: 'codex', force: true, reason: 'reviewed in the test' });
      return {
        dir: t.dir,
        run: (git) => mergeFeature({ ...t.env(), git }),
        once: async (d) => expect(countOf(await subjectsOf(d), 'Merge WP01 from 001-checkout')).toBe(1),
      };
    },
  },
];

describe.each(CASES)('$name with a failing commit', (c) => {
  it('a pre-commit hook that exits 1, then no git identity: nothing staged, no file changed, a typed error naming the fix; the re-run after the fix works once', async () => {
    const s = await c.setup();
    const before = await snapshot(s.dir);
    for (const [badGit, code, fix] of [
      [hookGit, 'GIT_HOOK_REJECTED', 'lint: trailing whitespace'],
      [noIdentityGit, 'GIT_IDENTITY_MISSING', 'git config --global user.email'],
    ] as const) {
      const err = await caught(s.run(badGit));
      expect(err.code).toBe(code);
      expect([err.message, ...err.suggestions].join('\n')).toContain(fix);
      expect(err.message).toContain('put back');
      expect(await snapshot(s.dir)).toEqual(before);
      if (before['repo'] !== 'none')
        expect(readdirSync(path.join(s.dir, '.git', 'spec-kitty', 'tx')).filter((n) => n.endsWith('.json'))).toEqual([]);
    }
    await s.run(createGitPort({ env: GIT_ENV }));
    await s.once(s.dir);
    expect((await sgit(s.dir).raw(['status', '--porcelain', '--untracked-files=all'])).split('\n').filter((l) => l !== '')).toEqual([]);
  });
});

describe('rollback details', () => {
  it('init in a new directory that fails removes the directory it created (no half-made project init then refuses)', async () => {
    const parent = tempDir();
    const err = await caught(
      initProject({
        ...wenv(parent),
        git: noIdentityGit,
        path: 'fresh',
        ai: 'claude',
        nonInteractive: true,
        templates: memoryTemplates(),
        machine,
        runtime,
      }),
    );
    expect(err.code).toBe('GIT_IDENTITY_MISSING');
    expect(readdirSync(parent)).toEqual([]);
    const ok = await initProject({
      ...wenv(parent),
      path: 'fresh',
      ai: 'claude',
      nonInteractive: true,
      templates: memoryTemplates(),
      machine,
      runtime,
    });
    expect(ok.commit_created).toBe(true);
  });
});
