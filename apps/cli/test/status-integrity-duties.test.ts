import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { bin, type CliResult } from './helpers.js';
import { json, shopProject } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);
// Many real git commands (or CLI spawns) per test; a loaded machine needs the room.
jest.setTimeout(400_000);

/** A project with feature 001-shop and `n` finalized work packages (WP02 depends on WP01), agents claude, codex, gemini. */
async function project(n: number) {
  const sb = await shopProject(n, { prefix: 'kitty-integrity-', agents: 'claude,codex,gemini' });
  // `spec-kitty` on PATH for suggestions run literally through bash.
  const shimDir = path.join(sb.root, 'shim');
  mkdirSync(shimDir);
  writeFileSync(path.join(shimDir, 'spec-kitty'), `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
  chmodSync(path.join(shimDir, 'spec-kitty'), 0o755);
  /** Runs one line exactly as written, through bash, from `cwd` (bounded). */
  const bash = (line: string, cwd = sb.project): Promise<CliResult> =>
    new Promise((resolve) => {
      const child = spawn('bash', ['-c', line], {
        cwd,
        env: { ...process.env, NO_COLOR: '1', ...sb.env, PATH: `${shimDir}:${process.env['PATH'] ?? ''}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  const clean = (): string => sb.git(['status', '--porcelain', '--untracked-files=all']).trim();
  const lastEvent = (): Record<string, any> =>
    JSON.parse(readFileSync(path.join(sb.fdir, 'status.events.jsonl'), 'utf8').trim().split('\n').at(-1) as string) as Record<string, any>;
  return { ...sb, bash, clean, lastEvent };
}

/** The error document of a failed `--json` run. */
function failure(r: CliResult): { code: string; message: string; suggestions: string[] } {
  expect(r.code).not.toBe(0);
  return json(r)['error'] as { code: string; message: string; suggestions: string[] };
}

/** Commits the implementation of a work package in its worktree and checks its subtask. */
async function implementAndHandOver(p: Awaited<ReturnType<typeof project>>, wp: string, task: string, agent: string): Promise<void> {
  const ws = path.join(p.project, '.worktrees', `001-shop-${wp}`);
  writeFileSync(path.join(ws, `${wp.toLowerCase()}.txt`), `work of ${wp}\n`);
  p.git(['add', '.'], ws);
  p.git(['commit', '-m', `feat(${wp}): work`], ws);
  expect((await p.kitty(['agent', 'tasks', 'mark-status', task, '--status', 'done', '--json'])).code).toBe(0);
  const r = await p.kitty(['agent', 'tasks', 'move-task', wp, '--to', 'for_review', '--agent', agent, '--json']);
  expect({ code: r.code, err: r.code === 0 ? '' : r.stdout }).toEqual({ code: 0, err: '' });
}

describe('separation of duties through the built CLI', () => {
  it('self-approval is refused, a second agent approves, a held review needs force from a third; suggestions run as written', async () => {
    const p = await project(2);
    expect((await p.kitty(['implement', 'WP01', '--agent', 'claude', '--json'])).code).toBe(0);
    // Walking straight to done from in_progress fabricates nothing.
    let e = failure(await p.kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'claude', '--json']));
    expect(e.code).toBe('REVIEW_REQUIRED');
    await implementAndHandOver(p, 'WP01', 'T001', 'claude');

    e = failure(await p.kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'claude', '--json']));
    expect(e.code).toBe('REVIEW_NOT_CLAIMED');
    e = failure(await p.kitty(['agent', 'workflow', 'review', 'WP01', '--agent', 'claude', '--json']));
    expect(e.code).toBe('SELF_REVIEW_NOT_ALLOWED');
    expect(e.suggestions[0]).toBe('spec-kitty agent workflow review WP01 --feature 001-shop --agent codex');
    // The suggestion, literally: codex claims the review.
    const claim = await p.bash(`${e.suggestions[0]} --json`);
    expect({ code: claim.code, err: claim.code === 0 ? '' : claim.stdout + claim.stderr }).toEqual({ code: 0, err: '' });
    expect(json(claim)).toMatchObject({ wp_id: 'WP01', reviewer: 'codex' });

    // A third agent can neither approve nor reject the held review without force.
    e = failure(await p.kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'gemini', '--json']));
    expect(e.code).toBe('REVIEW_HELD_BY_OTHER');
    expect(e.suggestions[0]).toBe('spec-kitty agent tasks move-task WP01 --to done --feature 001-shop --agent codex');
    const holderApproves = e.suggestions[0] as string;
    const fb = path.join(p.root, 'feedback.md');
    writeFileSync(fb, 'Not like this.\n');
    e = failure(
      await p.kitty([
        'agent',
        'tasks',
        'move-task',
        'WP01',
        '--to',
        'planned',
        '--review-feedback-file',
        fb,
        '--agent',
        'gemini',
        '--json',
      ]),
    );
    expect(e.code).toBe('REVIEW_HELD_BY_OTHER');
    expect(p.clean()).toBe('');

    // The holder's approval, by running the suggestion as written.
    const ok = await p.bash(`${holderApproves} --json`);
    expect({ code: ok.code, err: ok.code === 0 ? '' : ok.stdout + ok.stderr }).toEqual({ code: 0, err: '' });
    expect(json(ok)).toMatchObject({ old_lane: 'for_review', new_lane: 'done' });
    expect(p.lastEvent()).toMatchObject({ actor: 'codex', force: false, evidence: { review: { reviewer: 'codex', verdict: 'approved' } } });
    expect(p.clean()).toBe('');
  });

  it('forced approval by a third agent is recorded as forced, by whom; takeover of claimed work needs --force --reason', async () => {
    const p = await project(1);
    expect((await p.kitty(['implement', 'WP01', '--agent', 'claude', '--json'])).code).toBe(0);
    let e = failure(await p.kitty(['implement', 'WP01', '--agent', 'codex', '--json']));
    expect(e.code).toBe('AGENT_MISMATCH');
    expect(e.suggestions[0]).toBe('spec-kitty implement WP01 --feature 001-shop --agent codex --force --reason "<why>"');
    e = failure(await p.kitty(['implement', 'WP01', '--agent', 'codex', '--force', '--json']));
    expect(e.code).toBe('AGENT_MISMATCH');
    const taken = await p.bash(`${e.suggestions[0]} --json`);
    expect({ code: taken.code, err: taken.code === 0 ? '' : taken.stdout + taken.stderr }).toEqual({ code: 0, err: '' });
    expect(p.lastEvent()).toMatchObject({ actor: 'codex', force: true, reason: 'taken over from claude: <why>' });
    await implementAndHandOver(p, 'WP01', 'T001', 'codex');
    expect((await p.kitty(['agent', 'workflow', 'review', 'WP01', '--agent', 'gemini', '--json'])).code).toBe(0);
    const forced = await p.kitty([
      'agent',
      'tasks',
      'move-task',
      'WP01',
      '--to',
      'done',
      '--agent',
      'claude',
      '--force',
      '--reason',
      'release blocker',
      '--json',
    ]);
    expect(forced.code).toBe(0);
    expect(p.lastEvent()).toMatchObject({
      actor: 'claude',
      force: true,
      reason: 'release blocker',
      evidence: { review: { reviewer: 'claude', verdict: 'forced' } },
    });
    // Without --agent and SPEC_KITTY_AGENT the git user acts (here the sandbox's GIT_AUTHOR_NAME): never a made-up "user".
    const viaEnv = await p.kitty(
      ['agent', 'tasks', 'move-task', 'WP01', '--to', 'in_progress', '--force', '--reason', 'reopen', '--json'],
      { env: { SPEC_KITTY_AGENT: 'gemini' } },
    );
    expect(viaEnv.code).toBe(0);
    expect(p.lastEvent()).toMatchObject({ actor: 'gemini' });
    expect(viaEnv.stderr).toMatch(/Acting as 'gemini' \(from SPEC_KITTY_AGENT/);
  });
});

describe('every guard refuses and passes through the built CLI; forced moves never brick the log', () => {
  it('dependencies and workspace guards name what they checked, and their suggestions work as written', async () => {
    const p = await project(3);
    expect((await p.kitty(['implement', 'WP01', '--agent', 'claude', '--json'])).code).toBe(0);
    const ws1 = path.join(p.project, '.worktrees', '001-shop-WP01');
    writeFileSync(path.join(ws1, 'wp01.txt'), 'started\n');
    p.git(['add', '.'], ws1);
    p.git(['commit', '-m', 'feat(WP01): start'], ws1);
    // WP02 depends on WP01 (in progress): a direct claim is refused; implement --base builds on WP01's branch.
    let e = failure(await p.kitty(['agent', 'tasks', 'move-task', 'WP02', '--to', 'claimed', '--agent', 'gemini', '--json']));
    expect(e.code).toBe('DEPENDENCIES_NOT_DONE');
    expect(e.suggestions[0]).toBe('spec-kitty implement WP02 --base WP01 --feature 001-shop --agent gemini');
    const based = await p.bash(`${e.suggestions[0]} --json`);
    expect({ code: based.code, err: based.code === 0 ? '' : based.stdout + based.stderr }).toEqual({ code: 0, err: '' });
    expect(json(based)).toMatchObject({ wp_id: 'WP02', base_branch: '001-shop-WP01', lane: 'in_progress' });
    expect(based.stderr).toMatch(/WP02 depends on WP01 \(not done: in_progress\): starting from its branch 001-shop-WP01/);
    // WP03 has no worktree: in_progress is refused, saying what was checked; implement (the suggestion) passes.
    e = failure(await p.kitty(['agent', 'tasks', 'move-task', 'WP03', '--to', 'doing', '--agent', 'gemini', '--json']));
    expect(e.code).toBe('WORKSPACE_MISSING');
    expect(e.message).toMatch(/Checked: a git worktree at \.worktrees\/001-shop-WP03 \(none registered\)/);
    const ws = await p.bash(`${e.suggestions[0]} --json`);
    expect({ code: ws.code, err: ws.code === 0 ? '' : ws.stdout + ws.stderr }).toEqual({ code: 0, err: '' });
    expect(json(ws)).toMatchObject({ wp_id: 'WP03', lane: 'in_progress' });
    expect(p.clean()).toBe('');
  });

  it('forced for_review → in_progress (review_ref null) leaves move-task, list-tasks, tasks status, validate and materialize working', async () => {
    const p = await project(2);
    for (const [to, reason] of [
      ['for_review', 'a'],
      ['in_progress', 'b'],
    ] as const) {
      const r = await p.kitty([
        'agent',
        'tasks',
        'move-task',
        'WP01',
        '--to',
        to,
        '--force',
        '--reason',
        reason,
        '--agent',
        'claude',
        '--json',
      ]);
      expect({ code: r.code, err: r.code === 0 ? '' : r.stdout }).toEqual({ code: 0, err: '' });
    }
    expect(p.lastEvent()).toMatchObject({ from_lane: 'for_review', to_lane: 'in_progress', review_ref: null, force: true });
    const readers: string[][] = [
      ['agent', 'tasks', 'list-tasks', '--json'],
      ['agent', 'tasks', 'status', '--json'],
      ['agent', 'status', 'validate', '--json'],
      ['agent', 'status', 'materialize', '--json'],
      ['agent', 'tasks', 'move-task', 'WP02', '--to', 'blocked', '--agent', 'codex', '--json'],
      ['agent', 'tasks', 'move-task', 'WP01', '--to', 'blocked', '--agent', 'claude', '--json'],
    ];
    for (const args of readers) {
      const r = await p.kitty(args);
      expect({ args: args.join(' '), code: r.code, err: r.code === 0 ? '' : r.stdout + r.stderr }).toEqual({
        args: args.join(' '),
        code: 0,
        err: '',
      });
      json(r);
    }
    expect(p.clean()).toBe('');
  });

  it('accept --test runs in a merge worktree that has the work package code; a canceled work package does not block', async () => {
    const p = await project(2);
    writeFileSync(path.join(p.fdir, 'plan.md'), '# Plan\n');
    writeFileSync(path.join(p.fdir, 'spec.md'), '# Spec\n\nExport the shop as CSV.\n');
    p.git(['add', '.']);
    p.git(['commit', '-m', 'plan']);
    expect((await p.kitty(['implement', 'WP01', '--agent', 'claude', '--json'])).code).toBe(0);
    await implementAndHandOver(p, 'WP01', 'T001', 'claude');
    expect((await p.kitty(['agent', 'workflow', 'review', 'WP01', '--agent', 'codex', '--json'])).code).toBe(0);
    expect((await p.kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'codex', '--json'])).code).toBe(0);
    expect((await p.kitty(['agent', 'tasks', 'move-task', 'WP02', '--to', 'canceled', '--agent', 'claude', '--json'])).code).toBe(0);
    expect(existsSync(path.join(p.project, 'wp01.txt'))).toBe(false);
    const r = await p.kitty(['accept', '--mode', 'local', '--test', 'test -f wp01.txt', '--json']);
    expect({ code: r.code, err: r.code === 0 ? '' : r.stdout + r.stderr }).toEqual({ code: 0, err: '' });
    const out = json(r);
    expect(out).toMatchObject({
      result: 'success',
      ok: true,
      tests_ran_in: { kind: 'merge-worktree', base: 'main', merged: ['001-shop-WP01'], removed: true },
    });
    expect(out['summary']['unchecked_tasks']).toEqual([]);
    const human = await p.kitty(['accept', '--mode', 'checklist', '--test', 'test -f wp01.txt', '--test-in', 'checkout']);
    expect(human.code).not.toBe(0);
    expect(human.stdout + human.stderr).toMatch(/Tests ran in the main checkout/);
    expect(p.clean()).toBe('');
  });
});
