import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkEvent, type EventDraft } from '@kitty/events';
import { cleanupTempDirs } from '@kitty/test-utils';
import { implementWorkPackage, markStatus, moveTask, reviewWorkPackage, openProject } from '../src/index.js';
import { feedbackPath } from '../src/project/scratch.js';
import { filesOf, git as gitPort, porcelain, read, sgit, subjects } from './helpers.js';
import { caught, commitIn, logEvents, withTasks } from './exec-helpers.js';

afterAll(cleanupTempDirs);

const types = (drafts: readonly EventDraft[]) =>
  drafts.map(
    (d) =>
      `${d.event_type}:${String((d.payload as Record<string, unknown>)['canonical_from_lane'] ?? '')}>${String((d.payload as Record<string, unknown>)['canonical_to_lane'] ?? '')}`,
  );

describe('implement → move-task for_review → review → done (library, real git)', () => {
  it('runs the whole loop with one commit per step, a clean repository and valid events', async () => {
    const { dir, sg, feature, fdir, env, events } = await withTasks();
    const impl = await implementWorkPackage({ ...env(), wpId: 'WP01', agent: 'claude', shellPid: '4242' });
    expect(impl).toMatchObject({
      workspace: `.worktrees/${feature}-WP01`,
      branch: `${feature}-WP01`,
      wp_id: 'WP01',
      base: 'main',
      status: 'created',
      lane: 'in_progress',
      claimed: true,
    });
    const ws = impl.workspace_abs_path;
    expect(existsSync(path.join(ws, 'kitty-specs'))).toBe(false);
    expect(await subjects(sg, 1)).toEqual(['chore: WP01 claimed for implementation']);
    expect((await filesOf(sg)).sort()).toEqual([
      `kitty-specs/${feature}/status.events.jsonl`,
      `kitty-specs/${feature}/status.json`,
      `kitty-specs/${feature}/tasks.md`,
      `kitty-specs/${feature}/tasks/WP01-schema.md`,
    ]);
    expect(await porcelain(sg)).toEqual([]);
    expect(logEvents(dir, feature).map((e) => `${e.from_lane}>${e.to_lane}`)).toEqual(['planned>claimed', 'claimed>in_progress']);
    expect(types(events.drafts)).toEqual(['WPStatusChanged:planned>claimed', 'WPStatusChanged:claimed>in_progress']);
    const wp1 = read(fdir, 'tasks/WP01-schema.md');
    expect(wp1).toContain('lane: "in_progress"');
    expect(wp1).toContain('agent: "claude"');
    expect(wp1).toMatch(/– claude – shell_pid=4242 – lane=in_progress – Started implementation/);
    expect(read(fdir, 'tasks.md')).toContain(
      '<!-- status-model:start -->\n## Canonical Status (Generated)\n- WP01: in_progress\n<!-- status-model:end -->\n',
    );

    const early = await caught(moveTask({ ...env(ws), wpId: 'WP01', to: 'for_review', agent: 'claude' }));
    expect(early.code).toBe('TRANSITION_GUARD_FAILED');
    expect((early.details?.['guards'] as Array<{ code: string }>).map((g) => g.code)).toEqual(['UNCHECKED_SUBTASKS', 'NO_COMMITS']);

    await commitIn(ws);
    await markStatus({ ...env(ws), taskIds: ['T001', 't002'], status: 'done' });
    expect(await subjects(sg, 1)).toEqual(['chore: Mark 2 subtasks as done on spec 001']);
    const toReview = await moveTask({ ...env(ws), wpId: 'WP01', to: 'for_review', agent: 'claude', note: 'ready' });
    expect(toReview).toMatchObject({ old_lane: 'in_progress', new_lane: 'for_review', changed: true, commit_created: true });
    expect(await subjects(sg, 1)).toEqual(['chore: Move WP01 to for_review on spec 001 [claude]']);

    const rev = await reviewWorkPackage({ ...env(), wpId: 'WP01', agent: 'codex' });
    expect(rev).toMatchObject({ wp_id: 'WP01', reviewer: 'codex', lane: 'for_review', base_branch: 'main' });
    expect(rev.commits.map((c) => c.subject)).toEqual(['feat: work']);
    expect(rev.diffstat).toContain('src/feature.txt');
    expect(readFileSync(rev.prompt_file, 'utf8')).toContain('+work');
    expect(await subjects(sg, 1)).toEqual(['chore: Start WP01 review [codex]']);

    const done = await moveTask({ ...env(), wpId: 'WP01', to: 'done', agent: 'codex' });
    expect(done).toMatchObject({ old_lane: 'for_review', new_lane: 'done' });
    const last = logEvents(dir, feature).at(-1);
    expect(last?.evidence?.review).toMatchObject({ reviewer: 'codex', verdict: 'approved' });
    expect(last?.evidence?.repos?.[0]).toMatchObject({ branch: `${feature}-WP01` });
    expect(read(fdir, 'tasks/WP01-schema.md')).toContain('review_status: "approved"');
    expect(await porcelain(sg)).toEqual([]);
    for (const d of events.drafts) expect(checkEvent({ ...d, lamport_clock: 1 })).toMatchObject({ ok: true });
  });

  it("events carry origin's repository (looked up while the command works), the branch and the commit just made; ErrorLogged too", async () => {
    const { sg, env, events } = await withTasks();
    await sg.addRemote('origin', 'https://github.com/acme/demo.git');
    const moved = await moveTask({ ...env(), wpId: 'WP04', to: 'claimed', agent: 'claude' });
    expect(events.drafts.at(-1)).toMatchObject({
      event_type: 'WPStatusChanged',
      git_branch: 'main',
      head_commit_sha: moved.commit_hash,
      repo_slug: 'acme/demo',
    });
    expect((await caught(moveTask({ ...env(), wpId: 'WP04', to: 'in_progress', agent: 'codex' }))).code).toBe('AGENT_MISMATCH');
    expect(events.drafts.at(-1)).toMatchObject({
      event_type: 'ErrorLogged',
      git_branch: 'main',
      head_commit_sha: moved.commit_hash,
      repo_slug: 'acme/demo',
    });
    await sg.removeRemote('origin');
    await moveTask({ ...env(), wpId: 'WP04', to: 'blocked', agent: 'claude' });
    expect(events.drafts.at(-1)).toMatchObject({ event_type: 'WPStatusChanged', repo_slug: null });
  });

  it('review rejection stores the feedback where every worktree reads it and marks the WP has_feedback', async () => {
    const { dir, sg, feature, fdir, env } = await withTasks();
    const impl = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' });
    await commitIn(impl.workspace_abs_path);
    await markStatus({ ...env(), taskIds: ['T005'], status: 'done' });
    await moveTask({ ...env(), wpId: 'WP04', to: 'for_review', agent: 'claude' });
    const noFeedback = await caught(moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex', force: true, reason: 'x' }));
    expect(noFeedback.code).toBe('INVALID_FEEDBACK');
    const fb = path.join(dir, '..', `fb-${path.basename(dir)}.md`);
    writeFileSync(fb, 'Please add tests for the empty cart.\n');
    const r = await moveTask({ ...env(), wpId: 'WP04', to: 'planned', agent: 'codex', reviewFeedbackFile: fb });
    expect(r).toMatchObject({ old_lane: 'for_review', new_lane: 'planned' });
    expect(r.review_feedback).toMatch(new RegExp(`^feedback://${feature}/WP04/`));
    const project = await openProject({ cwd: impl.workspace_abs_path, git: gitPort });
    expect(readFileSync(feedbackPath(project, r.review_feedback as string) as string, 'utf8')).toContain('empty cart');
    const wp = read(fdir, 'tasks/WP04-docs.md');
    expect(wp).toContain('review_status: "has_feedback"');
    expect(wp).toContain('## Review Feedback');
    expect(wp).toContain('Please add tests for the empty cart.');
    expect(logEvents(dir, feature).at(-1)).toMatchObject({ from_lane: 'for_review', to_lane: 'planned', review_ref: r.review_feedback });
    expect(await porcelain(sg)).toEqual([]);
    // The implementer picks it up again: the workspace is reused and the WP claimed again.
    const again = await implementWorkPackage({ ...env(), wpId: 'WP04', agent: 'claude' });
    expect(again).toMatchObject({ status: 'reused', claimed: true, lane: 'in_progress' });
    void sgit;
  });
});
