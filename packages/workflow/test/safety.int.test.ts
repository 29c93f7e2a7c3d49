import { afterAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { createFeature, finalizeTasks } from '../src/index.js';
import { commitFiles } from '../src/git/commit.js';
import { featureLockPath, withLock } from '../src/files/lock.js';
import { readTextFile, writeFileAtomic, MAX_PLANNING_FILE_BYTES } from '../src/files/files.js';
import { git, memoryTemplates, newProject, porcelain, read, wenv, write, wpFile } from './helpers.js';

afterAll(cleanupTempDirs);

describe('git index.lock (reliability row 41)', () => {
  it('retries while another git holds index.lock and succeeds once it is released', async () => {
    const { dir, sg } = await newProject();
    const lock = path.join(dir, '.git/index.lock');
    writeFileSync(lock, '');
    const release = setTimeout(() => unlinkSync(lock), 400);
    try {
      const r = await createFeature({ ...wenv(dir), slug: 'after-lock', templates: memoryTemplates() });
      expect(r.commits).toHaveLength(2);
    } finally {
      clearTimeout(release);
    }
    expect(await porcelain(sg)).toEqual([]);
  });

  it('gives up with GIT_INDEX_LOCKED naming the lock, and never deletes it', async () => {
    const { dir } = await newProject();
    write(dir, { 'notes.md': 'x\n' });
    const lock = path.join(dir, '.git/index.lock');
    writeFileSync(lock, '');
    const pauses: number[] = [];
    const err = await commitFiles(git, dir, dir, [path.join(dir, 'notes.md')], 'add notes', {
      lockWaitMs: 1000,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GIT_INDEX_LOCKED', details: { lockPath: lock } });
    expect((err as Error).message).toContain('index.lock');
    expect(existsSync(lock)).toBe(true);
    expect(pauses.length).toBeGreaterThan(2);
    expect(pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000);
  });

  it('commits nothing when the files are unchanged', async () => {
    const { dir } = await newProject();
    expect(await commitFiles(git, dir, dir, [path.join(dir, '.kittify/config.yaml')], 'noop')).toEqual({
      commit_created: false,
      commit_hash: null,
      files_committed: [],
    });
  });
});

describe('per-feature lock (DESIGN 3.8)', () => {
  it('serialises holders and times out with LOCK_TIMEOUT while held', async () => {
    const root = tempDir();
    const lock = featureLockPath(root, '001-x');
    const order: string[] = [];
    let releaseFirst: () => void = () => undefined;
    const first = withLock(lock, async () => {
      order.push('first:start');
      await new Promise<void>((r) => {
        releaseFirst = r;
      });
      order.push('first:end');
    });
    await new Promise((r) => setTimeout(r, 50));
    await expect(withLock(lock, async () => order.push('never'), { waitMs: 300, what: 'feature 001-x' })).rejects.toMatchObject({
      code: 'LOCK_TIMEOUT',
    });
    const second = withLock(lock, async () => order.push('second'), { waitMs: 5000 });
    releaseFirst();
    await Promise.all([first, second]);
    expect(order).toEqual(['first:start', 'first:end', 'second']);
    expect(existsSync(lock)).toBe(false);
  });

  it('two finalize-tasks runs on one feature do not interleave', async () => {
    const { dir, sg } = await newProject();
    const f = await createFeature({ ...wenv(dir), slug: 'busy', templates: memoryTemplates() });
    write(f.feature_dir, {
      'tasks.md': '## WP01\n## WP02\nDepends on WP01\n',
      'tasks/WP01-a.md': wpFile('WP01', 'A'),
      'tasks/WP02-b.md': wpFile('WP02', 'B'),
    });
    const [a, b] = await Promise.all([finalizeTasks({ ...wenv(dir) }), finalizeTasks({ ...wenv(dir) })]);
    expect([a.commit_created, b.commit_created].sort()).toEqual([false, true]);
    expect(await porcelain(sg)).toEqual([]);
  });
});

describe('atomic, guarded file writes (rows 24, 35, 38)', () => {
  it('refuses to overwrite a file that changed since it was read', () => {
    const root = tempDir({ 'a.md': 'one\n' });
    const file = path.join(root, 'a.md');
    const sha = createHash('sha256').update('one\n').digest('hex');
    writeFileSync(file, 'two\n');
    expect(() => writeFileAtomic(root, file, 'three\n', { expectedSha256: sha })).toThrow(
      expect.objectContaining({ code: 'FILE_CHANGED_ON_DISK' }),
    );
    expect(readFileSync(file, 'utf8')).toBe('two\n');
  });

  it('keeps the file mode and a byte-order mark, and leaves no temp file', () => {
    const root = tempDir({ 'run.sh': 'echo\n' });
    const file = path.join(root, 'run.sh');
    chmodSync(file, 0o750);
    writeFileAtomic(root, file, 'echo hi\n', { bom: true });
    expect(statSync(file).mode & 0o777).toBe(0o750);
    expect(readFileSync(file).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const read1 = readTextFile(file, 'run.sh');
    expect(read1.file?.bom).toBe(true);
    expect(read1.file?.text).toBe('echo hi\n');
    expect(readdirSync(root)).toEqual(['run.sh']);
  });

  it('never writes through a symlink that leads out of the project', () => {
    const root = tempDir();
    const outside = tempDir({ 'target.md': 'outside\n' });
    symlinkSync(path.join(outside, 'target.md'), path.join(root, 'link.md'));
    expect(() => writeFileAtomic(root, path.join(root, 'link.md'), 'x')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
    expect(() => writeFileAtomic(root, path.join(root, '../escape.md'), 'x')).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
    expect(read(outside, 'target.md')).toBe('outside\n');
  });

  it('reports files that are too large, not UTF-8 or binary, with a position, without reading them as text', () => {
    const root = tempDir();
    const big = path.join(root, 'big.md');
    writeFileSync(big, Buffer.alloc(MAX_PLANNING_FILE_BYTES + 1, 0x61));
    expect(readTextFile(big, 'big.md').problems).toMatchObject([{ code: 'FILE_TOO_LARGE', line: 1, col: 1 }]);
    const latin1 = path.join(root, 'l.md');
    writeFileSync(latin1, Buffer.from([0x61, 0x0a, 0x62, 0xe9, 0x0a]));
    expect(readTextFile(latin1, 'l.md').problems).toMatchObject([{ code: 'NOT_UTF8', line: 2, col: 2 }]);
    const bin = path.join(root, 'b.md');
    writeFileSync(bin, 'ab\0c');
    expect(readTextFile(bin, 'b.md').problems).toMatchObject([{ code: 'NUL_BYTE', line: 1, col: 3 }]);
  });
});

describe('temp files of killed writers (row 24)', () => {
  it('removes the temps a killed writer left beside the target on the next write, and nothing else', () => {
    const root = tempDir();
    const target = path.join(root, 'WP01-x.md');
    writeFileSync(target, 'old');
    // write-file-atomic's temp names: `<file>.<number>`.
    const stale = path.join(root, 'WP01-x.md.3735928559');
    const mine = path.join(root, 'WP01-x.md.bak');
    const other = path.join(root, 'other.md.3735928559');
    for (const f of [stale, mine, other]) writeFileSync(f, 'partial');
    writeFileAtomic(root, target, 'new');
    expect(readFileSync(target, 'utf8')).toBe('new');
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(mine)).toBe(true);
    expect(existsSync(other)).toBe(true);
  });
});

describe('projects inside a larger repository, symlinks, and no git', () => {
  it('a project in a sub-directory of a monorepo commits its own paths and reports them relative to the project', async () => {
    const { gitRepo } = await import('@kitty/test-utils');
    const { initProject, checkPrerequisites } = await import('../src/index.js');
    const { machine, runtime, sgit } = await import('./helpers.js');
    const repo = await gitRepo({ 'README.md': '# mono\n', 'services/api/main.ts': 'export {}\n' });
    const sub = path.join(repo.dir, 'services/api');
    const init = await initProject({
      ...wenv(sub),
      here: true,
      ai: 'claude',
      force: true,
      nonInteractive: true,
      templates: memoryTemplates(),
      machine,
      runtime,
    });
    expect(init.files_committed).toEqual(['.claudeignore', '.gitignore', '.kittify/config.yaml', '.kittify/metadata.yaml', '.mcp.json']);
    const f = await createFeature({ ...wenv(sub), slug: 'mono', templates: memoryTemplates() });
    expect(f.feature_dir).toBe(path.join(sub, 'kitty-specs/001-mono'));
    const sg = sgit(repo.dir);
    expect((await sg.raw(['show', '--name-only', '--format=', 'HEAD'])).trim()).toBe('services/api/kitty-specs/001-mono/meta.json');
    expect(await porcelain(sg)).toEqual([]);
    expect((await checkPrerequisites({ ...wenv(repo.dir), env: { SPECIFY_REPO_ROOT: sub } })).feature_slug).toBe('001-mono');
  });

  it('skips feature directories that are symlinks leading out of kitty-specs/', async () => {
    const { listFeatures } = await import('../src/index.js');
    const root = tempDir({ 'kitty-specs/001-real/spec.md': '# x\n' });
    const outside = tempDir({ 'spec.md': 'secret\n' });
    symlinkSync(outside, path.join(root, 'kitty-specs/002-evil'));
    expect(listFeatures(root).map((f) => f.slug)).toEqual(['001-real']);
  });

  it('read-only commands work without git on PATH', async () => {
    const { checkPrerequisites, createGitPort } = await import('../src/index.js');
    const root = tempDir({ '.kittify/config.yaml': 'agents:\n  available: [claude]\n', 'kitty-specs/001-solo/spec.md': '# spec\n' });
    const noGit = createGitPort({ binary: path.join(root, 'no-such-git') });
    const r = await checkPrerequisites({ ...wenv(path.join(root, 'kitty-specs')), git: noGit });
    expect(r).toMatchObject({ valid: true, feature_slug: '001-solo' });
    await expect(createFeature({ ...wenv(root), git: noGit, slug: 'x', templates: memoryTemplates() })).rejects.toMatchObject({
      code: 'NOT_A_GIT_REPO',
    });
  });
});
