import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { repoRoot } from './helpers.js';

afterAll(cleanupTempDirs);

const MARK = '<!-- The block below runs as written against the packed package (apps/cli/test/packages-pack.e2e.test.ts). -->';

interface LibraryPackage {
  readonly dir: string;
  readonly name: string;
  readonly example: string | null;
  readonly private: boolean;
}

/** Every publishable library of packages/ with the example block of its README. */
function libraries(): LibraryPackage[] {
  const root = path.join(repoRoot, 'packages');
  return readdirSync(root)
    .filter((d) => existsSync(path.join(root, d, 'package.json')))
    .map((d) => {
      const dir = path.join(root, d);
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name: string; private?: boolean };
      const readme = existsSync(path.join(dir, 'README.md')) ? readFileSync(path.join(dir, 'README.md'), 'utf8') : '';
      const at = readme.indexOf(MARK);
      const block = at < 0 ? null : /```js\n([\s\S]*?)\n```/.exec(readme.slice(at));
      return { dir, name: pkg.name, example: block?.[1] ?? null, private: pkg.private === true };
    })
    .filter((p) => !p.private);
}

function run(cmd: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, [...args], {
    cwd,
    env: { ...process.env, npm_config_nodedir: process.env['npm_config_nodedir'] ?? '/usr', ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });
}

describe('every library packs, installs into an outside project, and its README example runs there', () => {
  const libs = libraries();

  it('has a README with a runnable example for every library', () => {
    expect(libs.length).toBeGreaterThanOrEqual(7);
    expect(libs.filter((l) => l.example === null).map((l) => l.name)).toEqual([]);
  });

  it('packs with pnpm (workspace ranges become versions), installs with npm from the tarballs alone, and runs each example', () => {
    const out = tempDir();
    const tarballs = new Map<string, string>();
    for (const lib of libs) {
      const r = run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', out], lib.dir);
      expect({ lib: lib.name, status: r.status, stderr: r.status === 0 ? '' : r.stderr }).toEqual({ lib: lib.name, status: 0, stderr: '' });
      const file = readdirSync(out).find((f) => f.startsWith(lib.name.replace('@', '').replace('/', '-')) && f.endsWith('.tgz'));
      expect(file).toBeDefined();
      tarballs.set(lib.name, path.join(out, file as string));
    }
    // An outside project that knows nothing of the workspace: every @kitty package comes from its tarball (the
    // overrides make the libraries' own @kitty dependencies resolve to the same tarballs, never to a registry).
    const app = path.join(out, 'outside-app');
    const deps = Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`]));
    const overrides = Object.fromEntries([...tarballs.keys()].map((name) => [name, `$${name}`]));
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'outside-app', private: true, type: 'module', dependencies: deps, overrides }, null, 2),
    );
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
    expect({ status: install.status, stderr: install.status === 0 ? '' : install.stderr.slice(-3000) }).toEqual({ status: 0, stderr: '' });
    for (const lib of libs) {
      const installed = JSON.parse(readFileSync(path.join(app, 'node_modules', lib.name, 'package.json'), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      // no workspace: protocol left in what was published
      expect(Object.values(installed.dependencies ?? {}).filter((v) => v.startsWith('workspace:'))).toEqual([]);
      const file = path.join(app, `example-${lib.name.split('/')[1]}.mjs`);
      writeFileSync(file, `${lib.example}\n`);
      const r = run(process.execPath, [file], app);
      expect({ lib: lib.name, status: r.status, stderr: r.stderr }).toEqual({ lib: lib.name, status: 0, stderr: '' });
      expect(r.stdout.trim()).not.toBe('');
    }
  }, 900_000);
});
