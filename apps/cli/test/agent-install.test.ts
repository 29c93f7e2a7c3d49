import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '@kitty/test-utils';
import { repoRoot } from './helpers.js';

/**
 * The README's set-up puts the CLI on PATH through scripts/install-cli.sh (setup.sh's last step): a packed,
 * self-contained tarball installed with `npm install -g`. Here it goes into a temp prefix, and a plain bash
 * with nothing but that prefix's bin and node's directory on PATH must find and run it.
 */
describe('spec-kitty on PATH', () => {
  it('installs with npm into a prefix and runs from a bare shell, as spec-kitty and as kitty', () => {
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('npm uninstall -g spec-kitty');
    expect(readFileSync(path.join(repoRoot, 'scripts/setup.sh'), 'utf8')).toContain('./scripts/install-cli.sh');
    const root = tempDir({}, 'kitty-install-');
    const prefix = path.join(root, 'prefix');
    const home = path.join(root, 'home');
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOME: home,
      npm_config_prefix: prefix,
      npm_config_cache: path.join(root, 'npm-cache'),
      npm_config_update_notifier: 'false',
    };
    const install = spawnSync('bash', [path.join(repoRoot, 'scripts/install-cli.sh')], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(install.stderr).toContain(`installed in ${path.join(prefix, 'bin')}`);
    expect(install.status).toBe(0);
    expect(existsSync(path.join(prefix, 'bin/spec-kitty'))).toBe(true);
    // Only the prefix and node: no workspace, no pnpm, no repository on PATH or as cwd.
    const bare = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}`, HOME: home };
    const version = spawnSync('bash', ['-c', 'spec-kitty --version'], { cwd: root, env: bare, encoding: 'utf8', timeout: 30_000 });
    expect(version.stderr).toBe('');
    expect(version.stdout).toMatch(/^spec-kitty\/\d+\.\d+\.\d+ /);
    expect(version.status).toBe(0);
    // The alias, and a command that loads the runtime resolver (outside the bundle) and its assets.
    const missions = spawnSync('bash', ['-c', 'kitty config --show-origin --json'], {
      cwd: root,
      env: { ...bare, SPEC_KITTY_HOME: path.join(home, '.kittify') },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(missions.status).toBe(0);
    expect(missions.stdout).toContain('software-dev');
    // Removal, as the README says.
    const remove = spawnSync('npm', ['uninstall', '-g', 'spec-kitty'], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
    expect(remove.status).toBe(0);
    expect(existsSync(path.join(prefix, 'bin/spec-kitty'))).toBe(false);
  });
});
