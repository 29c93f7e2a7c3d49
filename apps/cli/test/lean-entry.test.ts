import { afterAll, describe, expect, it } from '@jest/globals';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { leanInvocation } from '../src/launch.js';
import { repoRoot } from './helpers.js';
import { shopProject } from './workflow-sandbox.js';
import type { CliResult } from './helpers.js';

// ADR 0024: `--json` runs of the hot commands go through the bundle's lean.js without oclif. They must print
// exactly what the oclif path prints (stdout, stderr, exit code), for results and for errors, and every invocation
// oclif could treat in its own way must be left to oclif.
afterAll(cleanupTempDirs);

const bundleDir = path.join(repoRoot, 'apps/cli/dist/bundle');

describe('leanInvocation: which runs the lean entry takes', () => {
  const call = (argv: string[], env: Record<string, string> = {}, tty = false) => leanInvocation(bundleDir, argv, env, tty);

  it('takes plain --json runs of the commands lean.json lists, with oclif-shaped flags and words', () => {
    expect(call(['agent', 'tasks', 'list-tasks', '--json'])).toEqual({
      id: 'agent:tasks:list-tasks',
      input: { args: {}, flags: { json: true } },
    });
    expect(call(['agent', 'tasks', 'move-task', 'WP01', '--to', 'claimed', '--json', '--force', '--reason=x y'])).toEqual({
      id: 'agent:tasks:move-task',
      input: { args: { wp: 'WP01' }, flags: { json: true, to: 'claimed', force: true, reason: 'x y' } },
    });
    expect(call(['agent', 'feature', 'check-prerequisites', '--include-tasks', '--json', '--feature', '001-x'])?.input.flags).toEqual({
      json: true,
      feature: '001-x',
      'include-tasks': true,
    });
    expect(call(['agent', 'feature', 'create-feature', 'user-auth', '--json'])?.input.args).toEqual({ slug: 'user-auth' });
    expect(call(['sync', 'status', '--check', '--json'])).toEqual({
      id: 'sync:status',
      input: { args: {}, flags: { json: true, check: true } },
    });
    expect(call(['sync', 'status', '-c', '--json'])).toBeNull(); // short flags are oclif's
  });

  it('leaves to oclif everything it could print or parse in its own way', () => {
    const steps = [
      ['agent', 'tasks', 'list-tasks'], // no --json: human output, the "Next:" line
      ['agent', 'tasks', 'list-tasks', '--json', '--help'],
      ['agent', 'tasks', 'list-tasks', '--json', '-h'],
      ['agent', 'tasks', 'list-tasks', '--json', '--bogus'],
      ['agent', 'tasks', 'list-tasks', '--json', '--lane', 'a', '--lane', 'b'], // repeated
      ['agent', 'tasks', 'list-tasks', '--json', '--feature', ''], // empty value
      ['agent', 'tasks', 'list-tasks', '--json', '--feature', '--lane'], // a value that looks like a flag
      ['agent', 'tasks', 'list-tasks', '--json', '--json'],
      ['agent', 'tasks', 'list-tasks', '--json=true'],
      ['agent', 'tasks', 'list-tasks', '--json', 'extra'], // a word the command does not take
      ['agent', 'tasks', 'list-tasks', '--json', '--', '--lane'],
      ['agent', 'tasks', 'move-task', '--to', 'claimed', '--json'], // the required word is missing
      ['agent', 'tasks', 'move-task', 'WP01', '--json'], // the required flag is missing
      ['agent', 'tasks', 'status', '--json'], // not a lean command
      ['agent', 'tasks', '--json'],
      ['--json'],
    ];
    for (const argv of steps) expect([argv, call(argv)]).toEqual([argv, null]);
    const argv = ['agent', 'tasks', 'list-tasks', '--json'];
    expect(call(argv, {}, true)).toBeNull(); // a terminal: oclif may colour the JSON
    for (const env of [{ DEBUG: '*' }, { FORCE_COLOR: '1' }, { SPEC_KITTY_CONTENT_TYPE: 'json' }, { SPEC_KITTY_NO_LEAN: '1' }]) {
      expect([env, call(argv, env)]).toEqual([env, null]);
    }
    expect(call(argv, { SPEC_KITTY_NO_LEAN: '0' })).not.toBeNull();
  });

  it('steps aside when lean.json is missing, malformed or of another format', () => {
    const dir = tempDir({}, 'kitty-lean-json-');
    const argv = ['agent', 'tasks', 'list-tasks', '--json'];
    expect(leanInvocation(dir, argv, {}, false)).toBeNull();
    writeFileSync(path.join(dir, 'lean.json'), '{not json');
    expect(leanInvocation(dir, argv, {}, false)).toBeNull();
    const good = JSON.parse(readFileSync(path.join(bundleDir, 'lean.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'lean.json'), JSON.stringify({ ...good, format: 2 }));
    expect(leanInvocation(dir, argv, {}, false)).toBeNull();
    writeFileSync(path.join(dir, 'lean.json'), JSON.stringify(good));
    expect(leanInvocation(dir, argv, {}, false)).not.toBeNull();
  });
});

/** A run's output with what differs between two copies of one project (paths, times, hashes, ids) normalised. */
function normalised(r: CliResult, root: string): { code: number; stdout: string; stderr: string } {
  const n = (s: string) =>
    s
      .split(root)
      .join('<ROOT>')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<TIME>')
      .replace(/\b[0-9a-f]{40}\b/g, '<HASH>')
      .replace(/\b[0-9a-f]{7,12}\b/g, '<SHORT>')
      .replace(/\b[0-9A-HJKMNP-TV-Z]{26}\b/g, '<ULID>');
  return { code: r.code, stdout: n(r.stdout), stderr: n(r.stderr) };
}

describe('the lean entry prints what the oclif path prints', () => {
  it('for the read commands, their errors and for writes in two copies of one project', async () => {
    const sb = await shopProject(4, { prefix: 'kitty-lean-' });
    const oclif = { SPEC_KITTY_NO_LEAN: '1' };
    const same = async (args: string[]) => {
      const lean = await sb.kitty(args);
      const viaOclif = await sb.kitty(args, { env: oclif });
      expect({ args, ...lean }).toEqual({ args, ...viaOclif });
      return lean;
    };
    expect((await same(['agent', 'tasks', 'list-tasks', '--json'])).code).toBe(0);
    await same(['agent', 'tasks', 'list-tasks', '--json', '--lane', 'planned', '--feature', '001']);
    await same(['agent', 'tasks', 'list-tasks', '--json', '--lane', 'nonsense']);
    expect((await same(['agent', 'tasks', 'list-tasks', '--json', '--feature', '999'])).code).toBe(2);
    expect((await same(['agent', 'feature', 'check-prerequisites', '--include-tasks', '--json'])).code).toBe(0);
    await same(['agent', 'feature', 'check-prerequisites', '--paths-only', '--json']);
    await same(['agent', 'feature', 'check-prerequisites', '--json', '--feature', 'nope']);
    await same(['sync', 'status', '--json']);

    // Writes: the same command in two copies of the project, one per path.
    const twin = path.join(sb.root, 'twin');
    cpSync(sb.project, twin, { recursive: true });
    const pair = async (args: string[]) => {
      const lean = await sb.kitty(args);
      const viaOclif = await sb.kitty(args, { cwd: twin, env: oclif });
      expect({ args, ...normalised(lean, sb.project) }).toEqual({ args, ...normalised(viaOclif, twin) });
      return lean;
    };
    expect((await pair(['agent', 'tasks', 'move-task', 'WP01', '--to', 'claimed', '--agent', 'bot', '--json'])).code).toBe(0);
    // A guard refusal (WP02 depends on WP01, which is not done) and a lane that does not exist.
    expect((await pair(['agent', 'tasks', 'move-task', 'WP02', '--to', 'claimed', '--agent', 'bot', '--json'])).code).not.toBe(0);
    expect((await pair(['agent', 'tasks', 'move-task', 'WP03', '--to', 'sideways', '--json'])).code).toBe(2);
    expect((await pair(['agent', 'feature', 'create-feature', 'second-one', '--json'])).code).toBe(0);
    expect((await pair(['agent', 'feature', 'create-feature', 'Not_Kebab', '--json'])).code).toBe(2);
    // Both copies ended in the same state.
    const state = (dir: string) =>
      normalised({ code: 0, stdout: readFileSync(path.join(dir, 'kitty-specs/001-shop/status.json'), 'utf8'), stderr: '' }, dir);
    expect(state(sb.project)).toEqual(state(twin));
  }, 120_000);

  it('really runs without oclif: the bundle entry and its oclif chunk are never loaded', async () => {
    const sb = await shopProject(1, { prefix: 'kitty-lean-load-' });
    const log = path.join(sb.root, 'loaded.txt');
    const hooks = path.join(sb.root, 'hooks.mjs');
    writeFileSync(
      hooks,
      `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); }\n`,
    );
    const register = path.join(sb.root, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const env = { NODE_OPTIONS: `--import=${register}` };
    const loaded = async (extra: Record<string, string>) => {
      writeFileSync(log, '');
      const r = await sb.kitty(['agent', 'tasks', 'list-tasks', '--json'], { env: { ...env, ...extra } });
      expect(r.code).toBe(0);
      return readFileSync(log, 'utf8');
    };
    const lean = await loaded({});
    expect(lean).toMatch(/dist\/bundle\/lean\.js/);
    expect(lean).not.toMatch(/dist\/bundle\/index\.js/);
    // No file it loaded holds oclif (the bundler names each bundled module's path in a comment).
    const files = lean.split('\n').filter((u) => u.startsWith('file://'));
    expect(files.length).toBeGreaterThan(3);
    const withOclif = files.filter((u) => readFileSync(new URL(u), 'utf8').includes('node_modules/@oclif/core/'));
    expect(withOclif).toEqual([]);
    const viaOclif = await loaded({ SPEC_KITTY_NO_LEAN: '1' });
    expect(viaOclif).toMatch(/dist\/bundle\/index\.js/);
    expect(viaOclif).not.toMatch(/dist\/bundle\/lean\.js/);
    const oclifFiles = viaOclif.split('\n').filter((u) => u.startsWith('file://'));
    expect(oclifFiles.some((u) => readFileSync(new URL(u), 'utf8').includes('node_modules/@oclif/core/'))).toBe(true);
  }, 60_000);
});
