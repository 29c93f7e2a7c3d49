import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkEvent } from '@kitty/events';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, createHttpTestServer, type HttpTestServer } from '@kitty/test-utils';
import { json, workflowSandbox, writeTasks } from './workflow-sandbox.js';

// @e2e — issue 7 "done when": the whole spec-driven loop through the built binary, in a temp repository, with
// sync on against a loopback server (background delivery off, so the queued events can be read).
afterAll(cleanupTempDirs);

let server: HttpTestServer;
beforeEach(async () => {
  server = await createHttpTestServer();
  server.on('POST /api/v1/token/', { body: { access: 'smoke-access', refresh: 'smoke-refresh', team_slug: 'acme' } });
});
afterEach(async () => {
  await server.close();
});

describe('e2e smoke: init → create-feature → spec → setup-plan → tasks → finalize-tasks → implement → commit → for_review → review → done', () => {
  it('leaves every artifact, the final lanes, a clean repository and the queued events', async () => {
    const { home, kitty, git } = workflowSandbox('kitty-smoke-');
    const ok = async (args: string[], options: { cwd?: string; input?: string } = {}) => {
      const r = await kitty(args, options);
      if (r.code !== 0) throw new Error(`spec-kitty ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
      return r;
    };

    expect(json(await ok(['init', '--here', '--ai', 'claude', '--non-interactive', '--json']))).toMatchObject({
      result: 'success',
      git_initialized: true,
    });
    await ok(['sync', 'server', server.url]);
    await ok(['auth', 'login', '-u', 'ada', '--password-stdin'], { input: 'pw\n' });

    const created = json(await ok(['agent', 'feature', 'create-feature', 'smoke-test', '--json']));
    expect(created).toMatchObject({ feature: '001-smoke-test', target_branch: 'main', events_queued: 1 });
    const fdir = created['feature_dir'] as string;
    writeFileSync(path.join(fdir, 'spec.md'), '# Spec: smoke test\n\n- FR-001: the loop works.\n');

    expect(json(await ok(['agent', 'feature', 'setup-plan', '--feature', '001-smoke-test', '--json']))).toMatchObject({
      plan_created: true,
      commit_created: true,
    });
    writeTasks(fdir, 2);
    const fin = json(await ok(['agent', 'feature', 'finalize-tasks', '--json']));
    expect(fin).toMatchObject({ updated_wp_count: 2, commit_created: true, events_queued: 2 });

    const impl = json(await ok(['implement', 'WP01', '--agent', 'claude', '--json']));
    expect(impl).toMatchObject({
      workspace: '.worktrees/001-smoke-test-WP01',
      branch: '001-smoke-test-WP01',
      wp_id: 'WP01',
      base: 'main',
      status: 'created',
      lane: 'in_progress',
      claimed: true,
      events_queued: 2,
    });
    const ws = impl['workspace_abs_path'] as string;
    expect(existsSync(path.join(ws, 'kitty-specs'))).toBe(false);

    writeFileSync(path.join(ws, 'smoke.txt'), 'implemented\n');
    git(['add', 'smoke.txt'], ws);
    git(['commit', '-qm', 'feat(WP01): smoke'], ws);
    expect(json(await ok(['agent', 'tasks', 'mark-status', 'T001', '--status', 'done', '--json'], { cwd: ws }))).toMatchObject({
      updated: ['T001'],
      work_packages: { T001: 'WP01' },
    });
    const review = json(
      await ok(['agent', 'tasks', 'move-task', 'WP01', '--to', 'for_review', '--agent', 'claude', '--note', 'ready for review', '--json'], {
        cwd: ws,
      }),
    );
    expect(review).toMatchObject({ old_lane: 'in_progress', new_lane: 'for_review', commit_created: true, events_queued: 1 });

    const claimed = json(await ok(['agent', 'workflow', 'review', 'WP01', '--agent', 'codex', '--json']));
    expect(claimed).toMatchObject({ wp_id: 'WP01', reviewer: 'codex', base_branch: 'main', diff_truncated: false });
    expect(claimed['commits']).toEqual([expect.objectContaining({ subject: 'feat(WP01): smoke' })]);
    expect(readFileSync(claimed['prompt_file'] as string, 'utf8')).toContain('+implemented');
    const approved = json(
      await ok(['agent', 'tasks', 'move-task', 'WP01', '--to', 'done', '--agent', 'codex', '--note', 'approved', '--json']),
    );
    expect(approved).toMatchObject({ old_lane: 'for_review', new_lane: 'done', events_queued: 1 });

    // Artifacts.
    for (const f of [
      'spec.md',
      'plan.md',
      'meta.json',
      'tasks.md',
      'tasks/WP01-part-1.md',
      'tasks/WP02-part-2.md',
      'status.events.jsonl',
      'status.json',
    ])
      expect(existsSync(path.join(fdir, f))).toBe(true);
    const log = readFileSync(path.join(fdir, 'status.events.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(log.map((e) => `${e['from_lane']}>${e['to_lane']}`)).toEqual([
      'planned>claimed',
      'claimed>in_progress',
      'in_progress>for_review',
      'for_review>done',
    ]);
    expect(log[3]).toMatchObject({ actor: 'codex', evidence: { review: { reviewer: 'codex', verdict: 'approved' } } });
    const snapshot = JSON.parse(readFileSync(path.join(fdir, 'status.json'), 'utf8')) as Record<string, any>;
    expect(snapshot).toMatchObject({
      feature_slug: '001-smoke-test',
      event_count: 4,
      summary: { done: 1 },
      work_packages: { WP01: { lane: 'done', actor: 'codex' } },
    });
    const wp1 = readFileSync(path.join(fdir, 'tasks/WP01-part-1.md'), 'utf8');
    expect(wp1).toContain('lane: "done"');
    expect(wp1).toContain('review_status: "approved"');
    expect(wp1).toMatch(/– codex – shell_pid=\d+ – lane=done – approved/);
    expect(readFileSync(path.join(fdir, 'tasks.md'), 'utf8')).toContain('- [x] T001 Build part 1');
    expect(readFileSync(path.join(fdir, 'tasks.md'), 'utf8')).toContain(
      '<!-- status-model:start -->\n## Canonical Status (Generated)\n- WP01: done\n<!-- status-model:end -->',
    );

    // Final lanes, through the CLI.
    const list = json(await ok(['agent', 'tasks', 'list-tasks', '--json']));
    expect(list['tasks'].map((t: Record<string, unknown>) => [t['work_package_id'], t['lane']])).toEqual([
      ['WP01', 'done'],
      ['WP02', 'planned'],
    ]);
    expect(json(await ok(['agent', 'tasks', 'status', '--json']))).toMatchObject({
      total_wps: 2,
      progress_percentage: 50,
      by_lane: { done: 1, planned: 1 },
    });
    expect(json(await ok(['agent', 'status', 'validate', '--json']))).toMatchObject({ passed: true, event_count: 4 });

    // A clean repository, in the main checkout and in the workspace.
    expect(git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
    expect(git(['status', '--porcelain', '--untracked-files=all'], ws).trim()).toBe('');
    expect(git(['log', '--format=%s', '-8']).trim().split('\n')).toEqual([
      'chore: Move WP01 to done on spec 001 [codex]',
      'chore: Start WP01 review [codex]',
      'chore: Move WP01 to for_review on spec 001 [claude]',
      'chore: Mark T001 as done on spec 001',
      'chore: WP01 claimed for implementation',
      'chore: Planning artifacts for 001-smoke-test',
      'Add tasks for feature 001-smoke-test',
      'Add plan for feature 001-smoke-test',
    ]);

    // The queued events: what each command emitted, in order, every envelope valid against kitty's schemas.
    const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now: () => new Date() });
    const pending = await q.listPending({ limit: 1000 });
    await q.close();
    const summary = pending.map((p) => {
      const pl = (p.envelope?.payload ?? {}) as Record<string, unknown>;
      return p.eventType === 'WPStatusChanged'
        ? `${p.eventType} ${String(pl['wp_id'])} ${String(pl['canonical_from_lane'])}>${String(pl['canonical_to_lane'])} (${String(pl['from_lane'])}>${String(pl['to_lane'])})`
        : `${p.eventType}${pl['wp_id'] === undefined ? '' : ` ${String(pl['wp_id'])}`}`;
    });
    expect(summary).toEqual([
      'FeatureCreated',
      'WPCreated WP01',
      'WPCreated WP02',
      'WPStatusChanged WP01 planned>claimed (planned>doing)',
      'WPStatusChanged WP01 claimed>in_progress (doing>doing)',
      'HistoryAdded WP01',
      'WPStatusChanged WP01 in_progress>for_review (doing>for_review)',
      'HistoryAdded WP01',
      'WPStatusChanged WP01 for_review>done (for_review>done)',
    ]);
    for (const p of pending)
      expect({ id: p.eventId, check: checkEvent(p.envelope) }).toEqual({ id: p.eventId, check: expect.objectContaining({ ok: true }) });
    const done = pending.at(-1)?.envelope?.payload as Record<string, any>;
    expect(done).toMatchObject({
      feature_slug: '001-smoke-test',
      actor: 'codex',
      force: false,
      execution_mode: 'worktree',
      lane_model: '4-lane',
      evidence: { review: { reviewer: 'codex', verdict: 'approved' }, repos: [{ branch: '001-smoke-test-WP01' }] },
    });
    expect(new Set(pending.map((p) => p.envelope?.project_uuid)).size).toBe(1);
    expect(pending.every((p) => p.envelope?.team_slug === 'acme')).toBe(true);

    // Nothing was sent (delivery off) and no background process was left behind.
    expect(server.requests.filter((r) => r.url === '/api/v1/events/batch/')).toHaveLength(0);
    const queues = path.join(home, '.spec-kitty', 'queues');
    expect(readdirSync(queues).filter((f) => f.endsWith('.deliver.pid'))).toEqual([]);
  }, 240_000);
});
