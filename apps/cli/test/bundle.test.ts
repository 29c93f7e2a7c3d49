import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { freshBundleUrl, leanOutput, oclifPlatform } from '../src/launch.js';
import { repoRoot, runCli } from './helpers.js';

afterAll(cleanupTempDirs);

const appDir = path.join(repoRoot, 'apps/cli');
const bundleDir = path.join(appDir, 'dist/bundle');

/** A fake bundle directory: index.js built at `builtAt`, watching two input files. */
function fakeBundle(builtAt: number, inputs: Record<string, number | null>) {
  const root = tempDir({}, 'kitty-launch-');
  const dir = path.join(root, 'app/dist/bundle');
  mkdirSync(dir, { recursive: true });
  const watch: string[] = [];
  for (const [name, mtime] of Object.entries(inputs)) {
    const file = path.join(root, name);
    watch.push(path.relative(dir, file));
    if (mtime === null) continue;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{}');
    utimesSync(file, mtime, mtime);
  }
  writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify({ watch }));
  writeFileSync(path.join(dir, 'index.js'), 'export {};\n');
  utimesSync(path.join(dir, 'index.js'), builtAt, builtAt);
  return dir;
}

describe('freshBundleUrl: when bin/run.js may use the bundle', () => {
  const T = 1_700_000_000; // seconds

  it('uses a bundle that is newer than every input, and ignores inputs that do not exist', () => {
    const dir = fakeBundle(T, {
      'plugins/a/dist/.tsbuildinfo': T - 60,
      'plugins/a/package.json': T - 3600,
      'plugins/gone/package.json': null,
    });
    expect(freshBundleUrl(dir, {})).toBe(pathToFileURL(path.join(dir, 'index.js')).href);
    expect(freshBundleUrl(pathToFileURL(`${dir}/`), {})).toBe(pathToFileURL(path.join(dir, 'index.js')).href);
  });

  it('refuses a bundle older than one of its inputs (a plugin rebuilt after it)', () => {
    const dir = fakeBundle(T, { 'plugins/a/dist/.tsbuildinfo': T + 1, 'plugins/a/package.json': T - 3600 });
    expect(freshBundleUrl(dir, {})).toBeNull();
  });

  it('is turned off by SPEC_KITTY_NO_BUNDLE (1/true/yes), not by 0, false or empty', () => {
    const dir = fakeBundle(T, { 'x/package.json': T - 1 });
    for (const v of ['1', 'true', 'yes']) expect(freshBundleUrl(dir, { SPEC_KITTY_NO_BUNDLE: v })).toBeNull();
    for (const v of ['0', 'false', 'FALSE', '']) expect(freshBundleUrl(dir, { SPEC_KITTY_NO_BUNDLE: v })).not.toBeNull();
  });

  it('refuses a missing bundle, a missing or malformed inputs.json, and non-string entries', () => {
    expect(freshBundleUrl(path.join(tempDir({}, 'kitty-launch-'), 'nothing'), {})).toBeNull();
    const dir = fakeBundle(T, { 'x/package.json': T - 1 });
    writeFileSync(path.join(dir, 'inputs.json'), '{not json');
    expect(freshBundleUrl(dir, {})).toBeNull();
    writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify({ watch: 'x' }));
    expect(freshBundleUrl(dir, {})).toBeNull();
    writeFileSync(path.join(dir, 'inputs.json'), JSON.stringify({ watch: [42] }));
    expect(freshBundleUrl(dir, {})).toBeNull();
  });
});

describe('leanOutput: what bin/run.js prints without oclif', () => {
  const PH = '\u0000UA\u0000';
  const fastDir = (fast: unknown) => {
    const dir = tempDir({}, 'kitty-lean-');
    writeFileSync(path.join(dir, 'fast.json'), JSON.stringify(fast));
    return dir;
  };
  const good = {
    format: 1,
    nameVersion: 'spec-kitty/9.9.9',
    versionFlags: ['--version', '-V'],
    rootHelp: { help: `H\nVERSION\n  ${PH}\n`, none: `N\n  ${PH}\n`, placeholder: PH },
  };
  const ua = () => `spec-kitty/9.9.9 ${oclifPlatform()}-${process.arch === 'ia32' ? 'x86' : process.arch} node-${process.version}`;

  it('prints the version for any version flag that comes first alone, and the root help for --help or nothing', () => {
    if (oclifPlatform() === null) return; // WSL-like host: the lean entry always steps aside (tested below).
    const dir = fastDir(good);
    expect(leanOutput(dir, ['--version'], {}, false)).toBe(`${ua()}\n`);
    expect(leanOutput(dir, ['-V'], {}, true)).toBe(`${ua()}\n`);
    expect(leanOutput(dir, ['--help'], {}, false)).toBe(`H\nVERSION\n  ${ua()}\n`);
    expect(leanOutput(dir, [], {}, false)).toBe(`N\n  ${ua()}\n`);
  });

  it('steps aside whenever oclif could print something else', () => {
    const dir = fastDir(good);
    expect(leanOutput(dir, ['--help'], {}, true)).toBeNull(); // a terminal: colours, width
    expect(leanOutput(dir, [], { FORCE_COLOR: '1' }, false)).toBeNull();
    expect(leanOutput(dir, ['--help'], { OCLIF_COLUMNS: '120' }, false)).toBeNull();
    expect(leanOutput(dir, ['--version'], { DEBUG: '*' }, false)).toBeNull();
    expect(leanOutput(dir, ['--version', '--verbose'], {}, false)).toBeNull();
    expect(leanOutput(dir, ['sync', '--help'], {}, false)).toBeNull();
    expect(leanOutput(dir, ['-v'], {}, false)).toBeNull();
    expect(leanOutput(path.join(dir, 'missing'), ['--version'], {}, false)).toBeNull();
    expect(leanOutput(fastDir({ ...good, format: 2 }), ['--version'], {}, false)).toBeNull();
    writeFileSync(path.join(dir, 'fast.json'), '{broken');
    expect(leanOutput(dir, ['--version'], {}, false)).toBeNull();
  });

  it('is what the built CLI prints for --version, --help and no arguments, through both paths', () => {
    for (const args of [['--version'], ['--help'], []]) {
      const lean = runCli(args);
      const oclif = runCli(args, { env: { SPEC_KITTY_NO_BUNDLE: '1' } });
      const viaBundle = runCli(args, { env: { DEBUG: 'nothing-matches' } });
      expect({ args, code: lean.code, stdout: lean.stdout, stderr: lean.stderr }).toEqual({
        args,
        code: oclif.code,
        stdout: oclif.stdout,
        stderr: oclif.stderr,
      });
      expect(viaBundle.stdout).toBe(lean.stdout);
    }
    expect(runCli(['--help'], { env: { OCLIF_COLUMNS: '50' } }).stdout).toBe(
      runCli(['--help'], { env: { OCLIF_COLUMNS: '50', SPEC_KITTY_NO_BUNDLE: '1' } }).stdout,
    );
  });
});

describe('the bundled build (apps/cli/dist/bundle) is the CLI the plugins make', () => {
  it('was built, and bin/run.js runs it exactly while it is fresh', () => {
    expect(existsSync(path.join(bundleDir, 'index.js'))).toBe(true);
    // In a shared checkout another build may have touched a package since; then the plugin path must run.
    const fresh = freshBundleUrl(bundleDir, {}) !== null;
    const r = runCli(['--version'], { env: { DEBUG: 'oclif:config' } });
    expect(r.code).toBe(0);
    if (fresh) expect(r.stderr).toContain(`loading core plugin from ${bundleDir}`);
    else expect(r.stderr).not.toContain(bundleDir);
    const off = runCli(['--version'], { env: { DEBUG: 'oclif:config', SPEC_KITTY_NO_BUNDLE: '1' } });
    expect(off.code).toBe(0);
    expect(off.stderr).not.toContain(bundleDir);
    expect(off.stdout).toBe(r.stdout);
  });

  it('has exactly the commands oclif finds in the plugins, each with the same flags, args and texts', () => {
    // oclif's own view of the plugins, in a plain node process (as the CLI's fallback path sees them).
    const script = `import { Config } from '@oclif/core';
const c = await Config.load({ root: process.cwd() });
const out = {};
for (const cmd of c.commands) out[cmd.id] = { flags: Object.keys(cmd.flags).sort(), args: Object.keys(cmd.args), description: cmd.description ?? null, summary: cmd.summary ?? null };
process.stdout.write(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: appDir, encoding: 'utf8', timeout: 60_000 });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    const fromPlugins = JSON.parse(r.stdout) as Record<string, unknown>;
    const manifest = JSON.parse(readFileSync(path.join(bundleDir, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, { flags: Record<string, unknown>; args: Record<string, unknown>; description?: string; summary?: string }>;
    };
    const fromBundle = Object.fromEntries(
      Object.entries(manifest.commands).map(([id, b]) => [
        id,
        { flags: Object.keys(b.flags).sort(), args: Object.keys(b.args), description: b.description ?? null, summary: b.summary ?? null },
      ]),
    );
    expect(Object.keys(fromBundle).sort()).toEqual(Object.keys(fromPlugins).sort());
    expect(fromBundle).toEqual(fromPlugins);
  });

  it('prints the same help, topic help and command output as the plugin path', () => {
    const topics = new Set(
      runCli(['--help'])
        .stdout.split('\n')
        .filter((l) => /^ {2}\S/.test(l))
        .map((l) => l.trim().split(/\s+/)[0] ?? ''),
    );
    expect(topics.has('sync')).toBe(true);
    const cases = [
      ['--help'],
      ...[...topics].map((t) => [t, '--help']),
      ['agent', 'feature', '--help'],
      ['sync', 'now', '--help'],
      ['events', 'lanes', '--json'],
      ['no-such-command'],
    ];
    for (const args of cases) {
      const bundled = runCli(args);
      const plain = runCli(args, { env: { SPEC_KITTY_NO_BUNDLE: '1' } });
      expect({ args, code: bundled.code, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({
        args,
        code: plain.code,
        stdout: plain.stdout,
        stderr: plain.stderr,
      });
    }
  });
});
