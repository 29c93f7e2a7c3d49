import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { findProjectRoot, resolveHome } from '../src/index.js';

afterAll(cleanupTempDirs);

describe('resolveHome', () => {
  it('uses ~/.kittify on Linux and macOS', () => {
    expect(resolveHome({ env: {}, homeDir: '/home/ana', platform: 'linux' })).toEqual({ home: '/home/ana/.kittify', source: 'default' });
    expect(resolveHome({ env: {}, homeDir: '/Users/ana', platform: 'darwin' }).home).toBe('/Users/ana/.kittify');
  });

  it('uses SPEC_KITTY_HOME verbatim (normalised) when set', () => {
    expect(resolveHome({ env: { SPEC_KITTY_HOME: '/opt/kitty//rt/' }, homeDir: '/home/ana', platform: 'linux' })).toEqual({
      home: '/opt/kitty/rt',
      source: 'SPEC_KITTY_HOME',
    });
    expect(resolveHome({ env: { SPEC_KITTY_HOME: '   ' }, homeDir: '/home/ana', platform: 'linux' }).source).toBe('default');
  });

  it('uses %LOCALAPPDATA%\\kittify\\kittify on Windows, with Windows separators', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' };
    expect(resolveHome({ env, homeDir: 'C:\\Users\\ana', platform: 'win32' }).home).toBe(
      'C:\\Users\\ana\\AppData\\Local\\kittify\\kittify',
    );
    expect(resolveHome({ env: {}, homeDir: 'C:\\Users\\ana', platform: 'win32' }).home).toBe(
      'C:\\Users\\ana\\AppData\\Local\\kittify\\kittify',
    );
    expect(resolveHome({ env: { SPEC_KITTY_HOME: 'D:\\kitty\\' }, homeDir: 'C:\\Users\\ana', platform: 'win32' }).home).toBe('D:\\kitty');
    expect(resolveHome({ env: { SPEC_KITTY_HOME: '/' }, homeDir: '/home/ana', platform: 'linux' }).home).toBe('/');
  });

  it('rejects a relative SPEC_KITTY_HOME with INVALID_SPEC_KITTY_HOME (per platform rules)', () => {
    expect(() => resolveHome({ env: { SPEC_KITTY_HOME: 'rt' }, homeDir: '/home/ana', platform: 'linux' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC_KITTY_HOME', details: { received: 'rt' } }),
    );
    expect(() => resolveHome({ env: { SPEC_KITTY_HOME: 'kitty\\rt' }, homeDir: 'C:\\Users\\ana', platform: 'win32' })).toThrow(
      expect.objectContaining({ code: 'INVALID_SPEC_KITTY_HOME' }),
    );
  });

  it('fails with HOME_NOT_FOUND and a fix when there is no home directory', () => {
    let caught: unknown;
    try {
      resolveHome({ env: {}, homeDir: undefined, platform: 'linux' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'HOME_NOT_FOUND' });
    expect((caught as { suggestions: string[] }).suggestions.join(' ')).toContain('SPEC_KITTY_HOME');
    expect(() => resolveHome({ env: {}, homeDir: '', platform: 'win32' })).toThrow(expect.objectContaining({ code: 'HOME_NOT_FOUND' }));
  });
});

describe('findProjectRoot', () => {
  it('walks up from a sub-directory to the folder holding .kittify/', () => {
    const root = tempDir({ '.kittify/config.yaml': '', 'src/deep/x.ts': '' });
    expect(findProjectRoot({ cwd: path.join(root, 'src', 'deep'), env: {}, home: '/nowhere/.kittify' })).toBe(root);
  });

  it('never takes the global runtime (~/.kittify) for a project, even from a folder inside the home', () => {
    const user = tempDir({ '.kittify/cache/version.lock': '0.1.0', 'code/app/readme.md': '' });
    expect(findProjectRoot({ cwd: path.join(user, 'code', 'app'), env: {}, home: path.join(user, '.kittify') })).toBeNull();
    expect(findProjectRoot({ cwd: user, env: {}, home: path.join(user, '.kittify') })).toBeNull();
  });

  it('answers the main checkout from inside a git worktree', () => {
    const main = tempDir({ '.kittify/config.yaml': '', '.git/HEAD': 'ref: refs/heads/main\n' });
    mkdirSync(path.join(main, '.git', 'worktrees', '001-x-WP01'), { recursive: true });
    writeFileSync(path.join(main, '.git', 'worktrees', '001-x-WP01', 'commondir'), '../..\n');
    const wt = path.join(main, '.worktrees', '001-x-WP01');
    mkdirSync(path.join(wt, '.kittify'), { recursive: true });
    writeFileSync(path.join(wt, '.git'), `gitdir: ${path.join(main, '.git', 'worktrees', '001-x-WP01')}\n`);
    expect(findProjectRoot({ cwd: path.join(wt), env: {}, home: '/nowhere' })).toBe(main);
  });

  it('honours SPECIFY_REPO_ROOT when it holds .kittify/, and returns null outside any project', () => {
    const root = tempDir({ '.kittify/config.yaml': '' });
    const elsewhere = tempDir();
    expect(findProjectRoot({ cwd: elsewhere, env: { SPECIFY_REPO_ROOT: root }, home: '/nowhere' })).toBe(root);
    expect(findProjectRoot({ cwd: elsewhere, env: { SPECIFY_REPO_ROOT: elsewhere }, home: '/nowhere' })).toBeNull();
  });
});
