import { afterAll, describe, expect, it, jest } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { createGitPort, implementWorkPackage, markStatus, moveTask, reviewWorkPackage, type WorkflowError } from '../src/index.js';
import { GIT_ENV, porcelain, read, write } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);
// Many real git commands (or CLI spawns) per test; a loaded machine needs the room.
jest.setTimeout(180_000);

/** A feature whose WP04 (no dependencies) claude implemented and handed over for review. */
async function handedOver(options: { agents?: string } = {}) {
  const t = await withTasks({ agents: options.agents ?? 'claude,codex' });
  const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'claude' });
  await commitIn(impl.workspace_abs_path, 'docs/guide.md', '# Guide\n', 'docs(WP04): guide');
  await markStatus({ ...t.env(), taskIds: ['T005'], status: 'done' });
  const atImplemented = logEvents(t.dir, t.feature).length;
  await moveTask({ ...t.env(), wpId: 'WP04', to: 'for_review', agent: 'claude' });
  return { ...t, impl, atImplemented };
}

const wpText = (fdir: string) => read(fdir, 'tasks/WP04-docs.md');

describe('separation of duties: done needs a review held by someone other than the implementer', () => {
  it('refuses self-approval (no claim, self-claim) and approves after a second agent claims the review', async () => {
    const { dir, sg, feature, fdir, env } = await handedOver();
    const n = logEvents(dir, feature).length;
    // The implementer cannot approve without a claimed review…
    let e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'claude' }));
    expect(e.code).toBe('REVIEW_NOT_CLAIMED');
    expect(e.message).toMatch(/nobody has claimed its review/);
    expect(e.suggestions).toContain('spec-kitty agent workflow review WP04 --feature 001-checkout --agent codex');
    expect(e.suggestions).toContain('spec-kitty agent tasks move-task WP04 --to done --feature 001-checkout --agent codex');
    // …nor claim the review of its own work.
    e = await caught(reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' }));
    expect(e.code).toBe('SELF_REVIEW_NOT_ALLOWED');
    expect(e.suggestions[0]).toBe('spec-kitty agent workflow review WP04 --feature 001-checkout --agent codex');
    expect(logEvents(dir, feature)).toHaveLength(n);
    expect(await porcelain(sg)).toEqual([]);

    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    expect(wpText(fdir)).toMatch(/review_status: "in_review"[\s\S]*reviewed_by: "codex"/);
    // Still not the implementer's to approve: codex holds the review.
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'claude' }))).code).toBe('REVIEW_HELD_BY_OTHER');
    const done = await moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'codex' });
    expect(done.events.map((x) => `${x.from_lane}>${x.to_lane}:${x.force}`)).toEqual(['for_review>done:false']);
    expect(logEvents(dir, feature).at(-1)).toMatchObject({
      actor: 'codex',
      force: false,
      evidence: { review: { reviewer: 'codex', verdict: 'approved' } },
    });
    expect(wpText(fdir)).toMatch(/review_status: "approved"/);
    expect(await porcelain(sg)).toEqual([]);
  });

  it('the implementer moving from in_progress to done walks nothing and fabricates no approval', async () => {
    const t = await withTasks({ agents: 'claude,codex' });
    const impl = await implementWorkPackage({ ...t.env(), wpId: 'WP04', agent: 'claude' });
    await commitIn(impl.workspace_abs_path);
    await markStatus({ ...t.env(), taskIds: ['T005'], status: 'done' });
    const n = logEvents(t.dir, t.feature).length;
    const e = await caught(moveTask({ ...t.env(), wpId: 'WP04', to: 'done', agent: 'claude' }));
    expect(e.code).toBe('REVIEW_REQUIRED');
    expect(e.suggestions).toEqual([
      'spec-kitty agent tasks move-task WP04 --to for_review --feature 001-checkout --agent claude',
      'spec-kitty agent workflow review WP04 --feature 001-checkout --agent codex',
      'spec-kitty agent tasks move-task WP04 --to done --feature 001-checkout --agent claude --force --reason "<why>"',
    ]);
    expect(logEvents(t.dir, t.feature)).toHaveLength(n);
    expect(logEvents(t.dir, t.feature).some((x) => x.evidence !== null && x.evidence !== undefined)).toBe(false);
    expect(await porcelain(t.sg)).toEqual([]);
  });

  it('a held review cannot be approved or rejected by a third agent without force; force records who and why', async () => {
    const { dir, feature, fdir, env } = await handedOver({ agents: 'claude,codex,gemini' });
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    const n = logEvents(dir, feature).length;
    let e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'gemini' }));
    expect(e.code).toBe('REVIEW_HELD_BY_OTHER');
    expect(e.suggestions).toEqual([
      'spec-kitty agent tasks move-task WP04 --to done --feature 001-checkout --agent codex',
      'spec-kitty agent workflow review WP04 --feature 001-checkout --agent gemini --force --reason "taking over the review from codex: <why>"',
      'spec-kitty agent tasks move-task WP04 --to done --feature 001-checkout --agent gemini --force --reason "<why>"',
    ]);
    const fb = path.join(dir, '..', `fb-${path.basename(dir)}.md`);
    writeFileSync(fb, 'Needs an example.\n');
    e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'gemini', reviewFeedbackFile: fb }));
    expect(e.code).toBe('REVIEW_HELD_BY_OTHER');
    e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'in_progress', agent: 'gemini', reviewRef: 'PR#1' }));
    expect(e.code).toBe('REVIEW_HELD_BY_OTHER');
    expect(logEvents(dir, feature)).toHaveLength(n);
    // Force with a reason: one forced event whose evidence says forced, by gemini.
    const forced = await moveTask({
      ...env(),
      wpId: 'WP04',
      to: 'done',
      agent: 'gemini',
      force: true,
      reason: 'release today; codex is offline',
    });
    expect(forced.events).toEqual([expect.objectContaining({ from_lane: 'for_review', to_lane: 'done', force: true })]);
    expect(logEvents(dir, feature).at(-1)).toMatchObject({
      actor: 'gemini',
      force: true,
      reason: 'release today; codex is offline',
      evidence: { review: { reviewer: 'gemini', verdict: 'forced', reference: 'force: release today; codex is offline' } },
    });
    expect(wpText(fdir)).toMatch(/review_status: "forced"/);
  });

  it('the holder may take the review over with force; the reviewer who holds it rejects it', async () => {
    const { dir, feature, fdir, env } = await handedOver({ agents: 'claude,codex,gemini' });
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    expect((await caught(reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'gemini' }))).code).toBe('REVIEW_ALREADY_CLAIMED');
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'gemini', force: true, reason: 'codex is on leave' });
    expect(wpText(fdir)).toMatch(/reviewed_by: "gemini"/);
    expect(wpText(fdir)).toMatch(/forced: codex is on leave; taken over from codex/);
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'codex' }))).code).toBe('REVIEW_HELD_BY_OTHER');
    const fb = path.join(dir, '..', `fb2-${path.basename(dir)}.md`);
    writeFileSync(fb, 'Needs an example.\n');
    const r = await moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'gemini', reviewFeedbackFile: fb });
    expect(r.new_lane).toBe('planned');
    expect(logEvents(dir, feature).at(-1)).toMatchObject({ actor: 'gemini', from_lane: 'for_review', to_lane: 'planned' });
  });

  it('a new hand-over ends an old claim: the reviewer claims again', async () => {
    const { env, fdir } = await handedOver();
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    await moveTask({ ...env(), wpId: 'WP04', to: 'in_progress', agent: 'codex', reviewRef: 'PR#3 comment' });
    expect(wpText(fdir)).toMatch(/review_status: ""/);
    await moveTask({ ...env(), wpId: 'WP04', to: 'for_review', agent: 'claude' });
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'codex' }))).code).toBe('REVIEW_NOT_CLAIMED');
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' });
    expect((await moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'codex' })).new_lane).toBe('done');
  });

  it('self-review is a project setting (review.allow_self_review in .kittify/config.yaml), off by default', async () => {
    const { dir, sg, env } = await handedOver();
    expect((await caught(reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' }))).code).toBe('SELF_REVIEW_NOT_ALLOWED');
    const cfg = path.join(dir, '.kittify', 'config.yaml');
    writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}review:\n  allow_self_review: true\n`);
    await sg.add([cfg]);
    await sg.commit('allow self-review');
    await reviewWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' });
    const done = await moveTask({ ...env(), wpId: 'WP04', to: 'done', agent: 'claude' });
    expect(done.new_lane).toBe('done');
  });
});

describe('who is acting: --agent, else SPEC_KITTY_AGENT, else the git user; never a made-up "user"', () => {
  it('takes the actor from the environment variable, then from the git user, and refuses when there is none', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    const viaEnv = await moveTask({ ...env(dir, { env: { SPEC_KITTY_AGENT: 'gemini' } }), wpId: 'WP04', to: 'claimed' });
    expect(viaEnv.notes.join(' ')).toMatch(/Acting as 'gemini' \(from SPEC_KITTY_AGENT/);
    expect(logEvents(dir, feature).at(-1)?.actor).toBe('gemini');
    expect(read(fdir, 'tasks/WP04-docs.md')).toContain('agent: "gemini"');
    // The owner is gemini: the git user (another person) is refused without force.
    await sg.addConfig('user.name', 'Ada Lovelace');
    const e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'blocked' }));
    expect(e.code).toBe('AGENT_MISMATCH');
    expect(e.message).toMatch(/claimed by 'gemini', not 'Ada Lovelace' \(from the git user, as no --agent was given\)/);
    expect(e.suggestions[0]).toBe(
      'spec-kitty agent tasks move-task WP04 --to blocked --feature 001-checkout --agent "Ada Lovelace" --force --reason "<why>"',
    );
    const viaGit = await moveTask({ ...env(), wpId: 'WP03', to: 'blocked' });
    expect(viaGit.notes.join(' ')).toMatch(/Acting as 'Ada Lovelace' \(from the git user/);
    expect(logEvents(dir, feature).at(-1)?.actor).toBe('Ada Lovelace');
    // No flag, no variable, no git identity at all: refused, nothing written.
    await sg.raw(['config', '--unset', 'user.name']);
    const bare = createGitPort({ env: { ...GIT_ENV, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    const n = logEvents(dir, feature).length;
    const u = await caught(moveTask({ ...env(), git: bare, wpId: 'WP01', to: 'blocked' }));
    expect(u.code).toBe('ACTOR_UNKNOWN');
    expect(u.suggestions[0]).toBe('spec-kitty agent tasks move-task WP01 --to blocked --feature 001-checkout --agent claude');
    expect(logEvents(dir, feature)).toHaveLength(n);
    write(dir, {});
  });

  it('a second agent taking over claimed or in-progress work is refused unless --force --reason; the takeover is a forced event', async () => {
    const { dir, feature, fdir, env } = await withTasks();
    await moveTask({ ...env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    let e: WorkflowError = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'blocked', agent: 'codex' }));
    expect(e.code).toBe('AGENT_MISMATCH');
    e = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'blocked', agent: 'codex', force: true }));
    expect(e.code).toBe('AGENT_MISMATCH');
    expect(e.message).toMatch(/--force needs --reason to take it over/);
    const impl = await caught(implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex' }));
    expect(impl.code).toBe('AGENT_MISMATCH');
    expect(impl.suggestions[0]).toBe('spec-kitty implement WP04 --feature 001-checkout --agent codex --force --reason "<why>"');
    const taken = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'codex', force: true, reason: 'claude stopped responding' });
    expect(taken.lane).toBe('in_progress');
    expect(logEvents(dir, feature).at(-1)).toMatchObject({
      from_lane: 'claimed',
      to_lane: 'in_progress',
      force: true,
      actor: 'codex',
      reason: 'taken over from claude: claude stopped responding',
    });
    expect(read(fdir, 'tasks/WP04-docs.md')).toContain('agent: "codex"');
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'blocked', agent: 'claude' }))).code).toBe('AGENT_MISMATCH');
  });
});
