import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkEvent } from '@kitty/events';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { repoRoot } from './helpers.js';
import { json, shopProject } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

const workflowDist = pathToFileURL(path.join(repoRoot, 'packages/workflow/dist/index.js')).href;
// The status-log appender is internal to @kitty/workflow (not in its public index): the test loads its module.
// So is the atomic file writer the kill test drives.
const filesDist = pathToFileURL(path.join(repoRoot, 'packages/workflow/dist/files/files.js')).href;
const statusLogDist = pathToFileURL(path.join(repoRoot, 'packages/workflow/dist/status/status-log.js')).href;
const incumbent = path.join(repoRoot, 'fixtures/events/spec-kitty@v2.0.0/tests/cross_branch/fixtures');

/** A project with feature 001-shop and `n` finalized work packages, set up through the CLI. */
async function project(n: number) {
  const sb = await shopProject(n, { prefix: 'kitty-wf-rel-' });
  expect(sb.git(['status', '--porcelain', '--untracked-files=all'])).toBe('');
  return sb;
}

/** Runs a node ES module script in a child process; resolves with its exit code and output (bounded). */
function node(script: string, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('concurrent agents on one feature', () => {
  it('four agents moving four work packages at once: every event kept, every file whole, one commit each', async () => {
    const { kitty, git, fdir } = await project(4);
    const ids = ['WP01', 'WP02', 'WP03', 'WP04'];
    const results = await Promise.all(
      ids.map((id, i) =>
        kitty(['agent', 'tasks', 'move-task', id, '--to', i % 2 === 0 ? 'claimed' : 'blocked', '--agent', `agent-${i}`, '--json']),
      ),
    );
    for (const r of results) expect({ code: r.code, err: r.code === 0 ? '' : r.stderr }).toEqual({ code: 0, err: '' });
    expect(results.map((r) => json(r)['new_lane'])).toEqual(['claimed', 'blocked', 'claimed', 'blocked']);
    const log = readFileSync(path.join(fdir, 'status.events.jsonl'), 'utf8');
    expect(log.endsWith('\n')).toBe(true);
    const events = log
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, string>);
    expect(events.map((e) => e['wp_id']).sort()).toEqual(ids);
    expect(new Set(events.map((e) => e['event_id'])).size).toBe(4);
    const snap = JSON.parse(readFileSync(path.join(fdir, 'status.json'), 'utf8')) as {
      event_count: number;
      summary: Record<string, number>;
    };
    expect(snap).toMatchObject({ event_count: 4, summary: { claimed: 2, blocked: 2 } });
    expect(json(await kitty(['agent', 'status', 'validate', '--json']))).toMatchObject({ passed: true, error_count: 0, warning_count: 0 });
    expect(git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
    expect(git(['log', '--format=%s', '-4']).trim().split('\n').sort()).toEqual(
      ids.map((id, i) => `chore: Move ${id} to ${i % 2 === 0 ? 'claimed' : 'blocked'} on spec 001 [agent-${i}]`).sort(),
    );
  }, 180_000);

  it('reliability row 37: 8 processes × 500 appends to one status log: 4000 whole lines, none lost', async () => {
    const root = tempDir({}, 'kitty-append-');
    const dir = path.join(root, 'kitty-specs', '001-shop');
    mkdirSync(dir, { recursive: true });
    const script = `
      const { appendStatusEvents } = await import(${JSON.stringify(statusLogDist)});
      const [root, file, worker] = process.argv.slice(-3);
      const A = '0123456789ABCDEFGHJKMNPQRS';
      for (let i = 0; i < 500; i++) {
        const id = ('01JF' + A[Number(worker)] + String(i).padStart(21, '0')).slice(0, 26);
        appendStatusEvents(root, file, [{ event_id: id, feature_slug: '001-shop', wp_id: 'WP0' + (1 + Number(worker) % 9), from_lane: 'planned', to_lane: 'claimed',
          at: '2026-01-01T00:00:00+00:00', actor: 'worker-' + worker + '-' + 'x'.repeat(200), force: false, reason: null, execution_mode: 'worktree', review_ref: null, evidence: null }]);
      }`;
    const file = path.join(dir, 'status.events.jsonl');
    const runs = await Promise.all(Array.from({ length: 8 }, (_, w) => node(script, [root, file, String(w)], 120_000)));
    for (const r of runs) expect(r).toEqual({ code: 0, out: '' });
    const { readStatusLog } = (await import(workflowDist)) as typeof import('../../../packages/workflow/dist/index.js');
    const log = readStatusLog(root, { slug: '001-shop', number: '001', dir, relDir: 'kitty-specs/001-shop' });
    expect(log.events).toHaveLength(4000);
    expect(log.tail).toBeNull();
    expect(new Set(log.events.map((e) => e.event_id)).size).toBe(4000);
    for (let w = 0; w < 8; w++) expect(log.events.filter((e) => e.actor.startsWith(`worker-${w}-`))).toHaveLength(500);
  }, 180_000);

  it('reliability row 24: kill -9 during a work-package write leaves the old or the new file, never a torn one', async () => {
    const root = tempDir({}, 'kitty-kill-');
    const file = path.join(root, 'kitty-specs', '001-shop', 'tasks', 'WP01-big.md');
    mkdirSync(path.dirname(file), { recursive: true });
    const body = (c: string) => `---\nwork_package_id: "WP01"\nlane: "planned"\n---\n# WP01\n\n${c.repeat(4 * 1024 * 1024)}\n`;
    writeFileSync(file, body('o'));
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(filesDist)});
      const [root, file] = process.argv.slice(-2);
      const body = (c) => '---\\nwork_package_id: "WP01"\\nlane: "planned"\\n---\\n# WP01\\n\\n' + c.repeat(4 * 1024 * 1024) + '\\n';
      const texts = [body('a'), body('b')];
      process.stdout.write('ready\\n');
      for (let i = 0; ; i++) writeFileAtomic(root, file, texts[i % 2]);`;
    const allowed = new Set(['o', 'a', 'b'].map((c) => body(c)));
    for (let round = 0; round < 12; round++) {
      await new Promise<void>((resolve) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', root, file], {
          stdio: ['ignore', 'pipe', 'ignore'],
        });
        const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), 5 + ((round * 37) % 120)));
        child.on('close', () => {
          clearTimeout(guard);
          resolve();
        });
      });
      const text = readFileSync(file, 'utf8');
      expect({ round, whole: allowed.has(text), length: text.length }).toEqual({ round, whole: true, length: body('o').length });
    }
    // Temp files of killed writers (write-file-atomic's `<file>.<n>`) are never read as the file, and the next
    // write of that file removes them.
    const { writeFileAtomic } = (await import(filesDist)) as { writeFileAtomic: (root: string, file: string, text: string) => void };
    writeFileAtomic(root, file, body('o'));
    expect(readFileSync(file, 'utf8')).toBe(body('o'));
    expect(readdirSync(path.dirname(file))).toEqual(['WP01-big.md']);
  }, 180_000);
});

describe('workflow commands through the CLI: errors, sync trouble, incumbent logs', () => {
  it('guard failures and bad ids are one JSON error document with exit 2; traversal creates nothing', async () => {
    const { root, kitty, git, fdir } = await project(2);
    const guard = await kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'for_review', '--agent', 'claude', '--json']);
    expect(guard.code).toBe(2);
    const err = json(guard)['error'] as Record<string, any>;
    expect(err).toMatchObject({ code: 'TRANSITION_GUARD_FAILED', hint: 'spec-kitty agent tasks mark-status T001 --status done' });
    expect(err['details']['guards'].map((g: { code: string }) => g.code)).toEqual(['UNCHECKED_SUBTASKS', 'NO_BRANCH']);
    for (const bad of ['../x', 'WP01/../../etc', '/etc/passwd', 'WP100', '%2e%2e']) {
      const r = await kitty(['agent', 'tasks', 'move-task', bad, '--to', 'claimed', '--json']);
      expect({ bad, code: r.code, err: json(r)['error']['code'] }).toEqual({ bad, code: 2, err: 'INVALID_WP_ID' });
    }
    const feat = await kitty(['implement', 'WP01', '--feature', '../../etc', '--json']);
    expect({ code: feat.code, err: json(feat)['error']['code'] }).toEqual({ code: 2, err: 'INVALID_FEATURE_SLUG' });
    expect((await kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'in_review', '--json'])).code).toBe(2);
    expect((await kitty(['agent', 'tasks', 'validate-workflow', 'WP07', '--json'])).code).toBe(2);
    expect(readdirSync(root).sort()).toEqual(['home', 'project']);
    expect(git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
    // Invalid data: the result document, exit 2.
    const wp2 = path.join(fdir, 'tasks', 'WP02-part-2.md');
    writeFileSync(wp2, readFileSync(wp2, 'utf8').replace('lane: "planned"', 'lane: "paused"'));
    const invalid = await kitty(['agent', 'tasks', 'validate-workflow', 'WP02', '--json']);
    expect(invalid.code).toBe(2);
    expect(json(invalid)).toMatchObject({ valid: false, task_id: 'WP02', errors: [expect.stringMatching(/Invalid lane 'paused'/)] });
    expect(json(await kitty(['agent', 'tasks', 'validate-workflow', 'WP01', '--json']))).toMatchObject({ valid: true });
    expect((await kitty(['agent', 'status', 'validate', '--json'])).code).toBe(0);
  }, 120_000);

  it('reliability row 34: with sync on and the queue unusable, a lane change still succeeds and says so on stderr', async () => {
    const { home, kitty, git, fdir } = await project(2);
    writeFileSync(path.join(home, '.spec-kitty'), 'a file where the queue directory should be\n');
    const r = await kitty(['agent', 'tasks', 'move-task', 'WP02', '--to', 'blocked', '--agent', 'claude', '--json'], {
      env: { SPEC_KITTY_ENABLE_SAAS_SYNC: '1' },
    });
    expect(r.code).toBe(0);
    expect(json(r)).toMatchObject({ new_lane: 'blocked', events_queued: 0, commit_created: true });
    expect(r.stderr).toMatch(/sync: 1 lane change\(s\) were not queued now: .*committed in the status log.*Your command itself succeeded/);
    expect(readFileSync(path.join(fdir, 'tasks/WP02-part-2.md'), 'utf8')).toContain('lane: "blocked"');
    expect(git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
  }, 120_000);

  it('the sync payload follows the configured lane model: 7-lane keeps the canonical lanes, 4-lane (default) collapses', async () => {
    const { home, kitty } = await project(2);
    mkdirSync(path.join(home, '.spec-kitty'), { recursive: true });
    writeFileSync(path.join(home, '.spec-kitty', 'config.toml'), '[sync]\nlane_model = "7-lane"\n');
    const sync = { SPEC_KITTY_ENABLE_SAAS_SYNC: '1' };
    expect(
      json(await kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'claimed', '--agent', 'claude', '--json'], { env: sync })),
    ).toMatchObject({ events_queued: 1 });
    writeFileSync(path.join(home, '.spec-kitty', 'config.toml'), '[sync]\n');
    expect(
      json(await kitty(['agent', 'tasks', 'move-task', 'WP02', '--to', 'blocked', '--agent', 'claude', '--json'], { env: sync })),
    ).toMatchObject({ events_queued: 1 });
    const q = await openQueue({ homeDir: home, scope: null, now: () => new Date() });
    const pending = await q.listPending({ limit: 100 });
    await q.close();
    const payloads = pending.filter((p) => p.eventType === 'WPStatusChanged').map((p) => p.envelope?.payload as Record<string, unknown>);
    expect(payloads.map((p) => [p['wp_id'], p['lane_model'], p['from_lane'], p['to_lane'], p['canonical_to_lane']])).toEqual([
      ['WP01', '7-lane', 'planned', 'claimed', 'claimed'],
      ['WP02', '4-lane', 'planned', 'doing', 'blocked'],
    ]);
    for (const p of pending) expect(checkEvent(p.envelope)).toMatchObject({ ok: true });
  }, 120_000);

  it("agent status materialize on the incumbent's log writes the incumbent's snapshot; validate accepts it", async () => {
    const { project: dir, kitty, git } = await project(1);
    const fdir = path.join(dir, 'kitty-specs', '099-parity-test');
    mkdirSync(fdir, { recursive: true });
    copyFileSync(path.join(incumbent, 'sample_events.jsonl'), path.join(fdir, 'status.events.jsonl'));
    git(['add', '-A']);
    git(['commit', '-qm', 'incumbent log']);
    const r = await kitty(['agent', 'status', 'materialize', '--feature', '099-parity-test', '--json']);
    expect(r.code).toBe(0);
    const { materialized_at, commit_created, commit_hash, files_committed, ...snap } = json(r);
    expect(snap).toEqual(JSON.parse(readFileSync(path.join(incumbent, 'expected_snapshot.json'), 'utf8')));
    expect(files_committed).toEqual(['kitty-specs/099-parity-test/status.json']);
    expect(typeof materialized_at).toBe('string');
    expect(commit_created && typeof commit_hash === 'string').toBe(true);
    const onDisk = JSON.parse(readFileSync(path.join(fdir, 'status.json'), 'utf8')) as Record<string, unknown>;
    expect({ ...onDisk, materialized_at: null }).toEqual({ ...snap, materialized_at: null });
    expect(existsSync(path.join(fdir, 'status.json'))).toBe(true);
    expect(json(await kitty(['agent', 'status', 'validate', '--feature', '099-parity-test', '--json']))).toMatchObject({
      passed: true,
      event_count: 10,
    });
    expect(git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
  }, 120_000);
});
