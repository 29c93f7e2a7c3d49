import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, gitRepo, tempDir } from '@kitty/test-utils';
import {
  branchHeadsFromFiles,
  currentBranchFromFiles,
  executableOnPath,
  headCommitFromFiles,
  locateFromFiles,
} from '../src/git/git-files.js';
import { createGitPort, type GitPort } from '../src/index.js';
import { GIT_ENV, sgit } from './helpers.js';

afterAll(cleanupTempDirs);

const uid = process.getuid?.() ?? 0;
const opts = { env: GIT_ENV, uid };
/** The adapter answering from files where it can (the default). */
const fast: GitPort = createGitPort({ env: GIT_ENV });
/** The adapter asking git for everything: the reference answer. */
const slow: GitPort = createGitPort({ env: GIT_ENV, readFiles: false });

/** Asserts that both adapters agree on every fact of `dir` (and on the given branches). */
async function sameAsGit(dir: string, branches: readonly string[] = ['main']): Promise<void> {
  expect(await fast.locate(dir)).toEqual(await slow.locate(dir));
  expect(await fast.currentBranch(dir)).toEqual(await slow.currentBranch(dir));
  expect(await fast.headCommit(dir)).toEqual(await slow.headCommit(dir));
  if ((await slow.locate(dir)) !== null)
    expect([...(await fast.branchHeads(dir, branches))]).toEqual([...(await slow.branchHeads(dir, branches))]);
}

async function repo(): Promise<{ dir: string; sha: string }> {
  const r = await gitRepo({ 'a.txt': 'a\n', 'sub/b.txt': 'b\n' });
  return { dir: realpathSync(r.dir), sha: (await sgit(r.dir).revparse(['HEAD'])).trim() };
}

describe('git facts from the file system (plain layouts), equal to what git says', () => {
  it('a normal repository, from its root and from a sub-directory', async () => {
    const { dir, sha } = await repo();
    for (const cwd of [dir, path.join(dir, 'sub')]) {
      expect(locateFromFiles(cwd, opts)).toEqual({
        topLevel: dir,
        gitDir: path.join(dir, '.git'),
        commonDir: path.join(dir, '.git'),
        mainRoot: dir,
        linkedWorktree: false,
      });
      expect(currentBranchFromFiles(cwd, opts)).toBe('main');
      expect(headCommitFromFiles(cwd, opts)).toBe(sha);
      expect(branchHeadsFromFiles(cwd, ['main', 'nope'], opts)).toEqual(
        new Map([
          ['main', sha],
          ['nope', null],
        ]),
      );
      await sameAsGit(cwd, ['main', 'nope']);
    }
  });

  it('a path through a symlink resolves to the real paths, as git reports them', async () => {
    const { dir } = await repo();
    const link = path.join(tempDir(), 'link');
    symlinkSync(dir, link);
    expect(locateFromFiles(path.join(link, 'sub'), opts)?.topLevel).toBe(dir);
    await sameAsGit(path.join(link, 'sub'));
  });

  it('a detached HEAD: no branch, HEAD is the commit', async () => {
    const { dir, sha } = await repo();
    await sgit(dir).raw(['checkout', '--quiet', '--detach']);
    expect(currentBranchFromFiles(dir, opts)).toBeNull();
    expect(headCommitFromFiles(dir, opts)).toBe(sha);
    await sameAsGit(dir);
  });

  it('packed refs, and a loose ref that is newer than its packed entry', async () => {
    const { dir, sha } = await repo();
    await sgit(dir).raw(['branch', 'side']);
    await sgit(dir).raw(['pack-refs', '--all']);
    expect(branchHeadsFromFiles(dir, ['main', 'side', 'nope'], opts)).toEqual(
      new Map([
        ['main', sha],
        ['side', sha],
        ['nope', null],
      ]),
    );
    expect(headCommitFromFiles(dir, opts)).toBe(sha);
    await sameAsGit(dir, ['main', 'side', 'nope']);
    writeFileSync(path.join(dir, 'c.txt'), 'c\n');
    await sgit(dir).add(['c.txt']);
    await sgit(dir).commit('next');
    const next = (await sgit(dir).revparse(['HEAD'])).trim();
    expect(headCommitFromFiles(dir, opts)).toBe(next);
    expect(branchHeadsFromFiles(dir, ['main', 'side'], opts)).toEqual(
      new Map([
        ['main', next],
        ['side', sha],
      ]),
    );
    await sameAsGit(dir, ['main', 'side']);
  });

  it('a linked worktree: its own HEAD, the shared refs, the main checkout as main root', async () => {
    const { dir, sha } = await repo();
    const wt = path.join(dir, '.worktrees', 'wp01');
    await sgit(dir).raw(['worktree', 'add', '--quiet', '-b', 'wp01', wt]);
    const loc = locateFromFiles(path.join(wt, 'sub'), opts);
    expect(loc).toEqual({
      topLevel: wt,
      gitDir: path.join(dir, '.git/worktrees/wp01'),
      commonDir: path.join(dir, '.git'),
      mainRoot: dir,
      linkedWorktree: true,
    });
    expect(currentBranchFromFiles(wt, opts)).toBe('wp01');
    expect(currentBranchFromFiles(dir, opts)).toBe('main');
    expect(branchHeadsFromFiles(wt, ['wp01', 'main'], opts)).toEqual(
      new Map([
        ['wp01', sha],
        ['main', sha],
      ]),
    );
    await sameAsGit(path.join(wt, 'sub'), ['wp01', 'main']);
    // A worktree outside the repository's directory.
    const outside = path.join(realpathSync(tempDir()), 'elsewhere');
    await sgit(dir).raw(['worktree', 'add', '--quiet', '--detach', outside]);
    expect(locateFromFiles(outside, opts)).toMatchObject({ topLevel: outside, mainRoot: dir, linkedWorktree: true });
    expect(currentBranchFromFiles(outside, opts)).toBeNull();
    await sameAsGit(outside, ['wp01']);
  });

  it('a repository without commits: the branch is known, HEAD is null', async () => {
    const dir = realpathSync(tempDir());
    await sgit(dir).init(['--initial-branch=main']);
    expect(currentBranchFromFiles(dir, opts)).toBe('main');
    expect(headCommitFromFiles(dir, opts)).toBeNull();
    expect(branchHeadsFromFiles(dir, ['main'], opts)).toEqual(new Map([['main', null]]));
    await sameAsGit(dir);
  });

  it('outside any repository: null, as git says', async () => {
    const dir = tempDir({ 'x.txt': 'x\n' });
    // null, or undefined where the temp dir is another file system than / (git then decides).
    expect([null, undefined]).toContain(locateFromFiles(dir, opts));
    expect(await fast.locate(dir)).toBeNull();
    expect(await slow.locate(dir)).toBeNull();
  });

  it('a commit made through the adapter returns the new HEAD (read back from the files)', async () => {
    const { dir } = await repo();
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    const sha = await fast.commit(dir, 'change a', ['a.txt']);
    expect(sha).toBe((await sgit(dir).revparse(['HEAD'])).trim());
    writeFileSync(path.join(dir, 'a.txt'), 'again\n');
    await sgit(dir).add(['a.txt']);
    expect(await fast.commitStaged(dir, 'again')).toBe((await sgit(dir).revparse(['HEAD'])).trim());
  });
});

describe('git facts from the file system: anything unusual is left to git', () => {
  it('a short name another ref would shadow (git prints heads/<name>)', async () => {
    const { dir } = await repo();
    await sgit(dir).raw(['tag', 'main']);
    expect(currentBranchFromFiles(dir, opts)).toBeUndefined();
    expect(await fast.currentBranch(dir)).toBe('heads/main');
    await sameAsGit(dir);
  });

  it('a submodule: its own git dir under the superproject, answered as git does', async () => {
    const { dir: lib } = await repo();
    const { dir } = await repo();
    // a local submodule needs file transport allowed for this one call (simple-git refuses to pass -c protocol.*)
    execFileSync('git', ['-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', lib, 'vendor/lib'], {
      cwd: dir,
      env: { ...process.env, ...GIT_ENV } as NodeJS.ProcessEnv,
      stdio: 'ignore',
    });
    await sgit(dir).commit('add submodule');
    const sub = path.join(dir, 'vendor', 'lib');
    await sameAsGit(sub);
    await sameAsGit(path.join(sub, 'sub'));
    await sameAsGit(dir);
    expect(await fast.locate(sub)).toMatchObject({ topLevel: sub, linkedWorktree: false });
  });

  it('core.bare set with git config, and a reftable repository where this git can make one', async () => {
    const { dir } = await repo();
    await sgit(dir).raw(['config', 'core.bare', 'true']);
    expect(locateFromFiles(dir, opts)).toBeUndefined();
    expect(await fast.locate(dir)).toEqual(await slow.locate(dir));
    await sgit(dir).raw(['config', 'core.bare', 'false']);
    await sameAsGit(dir);
    const rt = realpathSync(tempDir());
    let reftable = true;
    try {
      await sgit(rt).raw(['init', '--quiet', '--ref-format=reftable', '--initial-branch=main']);
    } catch {
      reftable = false; // git older than 2.45: the layout cannot occur; the refStorage config case below covers the guard
    }
    if (reftable) {
      writeFileSync(path.join(rt, 'a.txt'), 'a\n');
      await sgit(rt).add(['a.txt']);
      await sgit(rt).commit('first');
      expect(locateFromFiles(rt, opts)).toBeUndefined();
      await sameAsGit(rt);
    } else {
      expect(locateFromFiles(rt, opts)).toBeNull();
    }
  });

  it('core.worktree, config includes, bare settings and another ref storage', async () => {
    for (const extra of [
      '[core]\n\tworktree = /somewhere/else\n',
      '[include]\n\tpath = extra.config\n',
      '[core] bare\n',
      '[extensions]\n\trefStorage = reftable\n',
    ]) {
      const { dir } = await repo();
      appendFileSync(path.join(dir, '.git/config'), extra);
      expect(locateFromFiles(dir, opts)).toBeUndefined();
      expect(currentBranchFromFiles(dir, opts)).toBeUndefined();
      expect(headCommitFromFiles(dir, opts)).toBeUndefined();
      expect(branchHeadsFromFiles(dir, ['main'], opts)).toBeUndefined();
    }
  });

  it('per-worktree config (sparse checkout) is read too, and only what moves the work tree sends it to git', async () => {
    const { dir } = await repo();
    const wt = path.join(dir, '.worktrees', 'wp02');
    await sgit(dir).raw(['worktree', 'add', '--quiet', '-b', 'wp02', wt]);
    await sgit(wt).raw(['sparse-checkout', 'set', '--no-cone', '/*', '!/sub/']);
    expect(locateFromFiles(wt, opts)).toMatchObject({ topLevel: wt, linkedWorktree: true });
    await sameAsGit(wt, ['wp02']);
    await sgit(wt).raw(['config', '--worktree', 'core.worktree', dir]);
    expect(locateFromFiles(wt, opts)).toBeUndefined();
  });

  it('GIT_CEILING_DIRECTORIES, another owner, a bare repository, a missing directory', async () => {
    const { dir } = await repo();
    expect(locateFromFiles(path.join(dir, 'sub'), { env: { GIT_CEILING_DIRECTORIES: dir }, uid })).toBeUndefined();
    expect(locateFromFiles(dir, { env: {}, uid: uid + 1 })).toBeUndefined();
    expect(currentBranchFromFiles(dir, { env: {}, uid: uid + 1 })).toBeUndefined();
    expect(locateFromFiles(dir, { env: { SUDO_UID: '1000' }, uid: 0 })).toBeUndefined();
    const bare = realpathSync(tempDir());
    await sgit(bare).init(['--bare']);
    expect(locateFromFiles(bare, opts)).toBeUndefined();
    expect(await fast.locate(bare)).toEqual(await slow.locate(bare));
    expect(locateFromFiles(path.join(dir, 'no-such-dir'), opts)).toBeUndefined();
  });

  it('symbolic and malformed refs, an odd HEAD, a broken .git file, the inside of .git', async () => {
    const { dir, sha } = await repo();
    await sgit(dir).raw(['symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
    expect(branchHeadsFromFiles(dir, ['alias'], opts)).toBeUndefined();
    expect([...(await fast.branchHeads(dir, ['alias']))]).toEqual([...(await slow.branchHeads(dir, ['alias']))]);
    writeFileSync(path.join(dir, '.git/refs/heads/junk'), 'not a sha\n');
    expect(branchHeadsFromFiles(dir, ['junk'], opts)).toBeUndefined();
    expect(branchHeadsFromFiles(dir, ['bad..name'], opts)).toBeUndefined();
    writeFileSync(path.join(dir, '.git/HEAD'), 'ref:refs/heads/main\n');
    expect(currentBranchFromFiles(dir, opts)).toBeUndefined();
    expect(headCommitFromFiles(dir, opts)).toBeUndefined();
    expect(await fast.headCommit(dir)).toBe(sha);
    expect(locateFromFiles(path.join(dir, '.git', 'refs'), opts)).toBeUndefined();
    const other = tempDir();
    mkdirSync(path.join(other, 'w'));
    writeFileSync(path.join(other, 'w', '.git'), 'gitdir: ../nowhere\n');
    expect(locateFromFiles(path.join(other, 'w'), opts)).toBeUndefined();
    expect(await fast.locate(path.join(other, 'w'))).toEqual(await slow.locate(path.join(other, 'w')));
  });

  it('without git on PATH nothing is read from files, so a missing git is reported as before', async () => {
    const { dir } = await repo();
    expect(executableOnPath('git', GIT_ENV)).toBe(true);
    expect(executableOnPath('git', { PATH: tempDir() })).toBe(false);
    const noGit = createGitPort({ env: { ...GIT_ENV, PATH: tempDir() } });
    await expect(noGit.locate(dir)).rejects.toMatchObject({ code: 'GIT_NOT_AVAILABLE' });
    await expect(noGit.currentBranch(dir)).rejects.toMatchObject({ code: 'GIT_NOT_AVAILABLE' });
  });
});

describe('git adapter: processes', () => {
  it('a missing working directory is a git failure (not "git not found"), and git\'s own message is kept', async () => {
    const { dir } = await repo();
    const missing = path.join(dir, 'no-such-dir');
    expect(await slow.locate(missing)).toBeNull();
    await expect(slow.status(missing, ['.'])).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: expect.stringContaining('does not exist'),
    });
    await expect(fast.deleteBranch(dir, 'no-such-branch')).rejects.toMatchObject({
      code: 'GIT_FAILED',
      message: expect.stringContaining("branch 'no-such-branch' not found"),
    });
    expect(await fast.resolveCommit(dir, 'no-such-ref')).toBeNull();
  });

  it('runs at most four git processes at once and answers every call', async () => {
    const { dir, sha } = await repo();
    const log = path.join(tempDir(), 'log');
    const wrapper = path.join(tempDir(), 'git-wrapper.sh');
    writeFileSync(wrapper, `#!/bin/sh\necho start >> "${log}"\nsleep 0.3\necho end >> "${log}"\nexec git "$@"\n`);
    chmodSync(wrapper, 0o755);
    const counted = createGitPort({ env: GIT_ENV, binary: wrapper });
    const heads = await Promise.all(Array.from({ length: 10 }, () => counted.headCommit(dir)));
    expect(heads).toEqual(Array.from({ length: 10 }, () => sha));
    let now = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').trim().split('\n')) {
      now += line === 'start' ? 1 : -1;
      most = Math.max(most, now);
    }
    // Never more than four at once, and more than one (the calls are not serialised).
    expect(most).toBeLessThanOrEqual(4);
    expect(most).toBeGreaterThan(1);
  });
});
