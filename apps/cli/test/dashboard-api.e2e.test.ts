import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { alive, dashboardProject, get, openEvents, startDashboard, until } from './dashboard-helpers.js';
import { json } from './workflow-sandbox.js';

type Project = Awaited<ReturnType<typeof dashboardProject>>;

let p: Project;
let dash: Awaited<ReturnType<typeof startDashboard>>;
const started: Array<{ sb: Project; cwd: string }> = [];

beforeAll(async () => {
  p = await dashboardProject(4);
  expect(
    (await p.kitty(['agent', 'tasks', 'move-task', 'WP01', '--to', 'claimed', '--agent', 'claude', '--feature', '001-shop', '--json']))
      .code,
  ).toBe(0);
  dash = await startDashboard(p);
  started.push({ sb: p, cwd: p.project });
}, 180_000);

afterAll(async () => {
  for (const s of started) await s.sb.kitty(['dashboard', '--kill', '--json'], { cwd: s.cwd });
  cleanupTempDirs();
}, 120_000);

/** `agent tasks status --feature F --json` for the same state. */
async function cliStatus(feature: string): Promise<Record<string, any>> {
  const r = await p.kitty(['agent', 'tasks', 'status', '--feature', feature, '--json']);
  expect(r.code).toBe(0);
  return json(r);
}

/** Fields of the status document that depend on the clock (minutes since the last commit). */
const timeless = (doc: Record<string, any>) => ({
  ...doc,
  work_packages: doc['work_packages'].map(({ minutes_since_commit: _m, ...w }: Record<string, unknown>) => w),
});

describe('spec-kitty dashboard through the built CLI', () => {
  it('starts one dashboard per project in the background, with the incumbent metadata file, and reuses it', async () => {
    expect(dash).toMatchObject({ url: `http://127.0.0.1:${dash.port}`, project_path: p.project, reused: false });
    expect(dash.port).toBeGreaterThanOrEqual(9237);
    expect(alive(dash.pid)).toBe(true);
    const lines = readFileSync(path.join(p.project, '.kittify/.dashboard'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(dash.url);
    expect(lines[1]).toBe(String(dash.port));
    expect(lines[2]).toMatch(/^[0-9a-f]{32}$/);
    expect(lines[3]).toBe(String(dash.pid));
    const again = await startDashboard(p);
    expect(again).toEqual({ ...dash, reused: true });
    // The metadata file stays out of git.
    expect(p.git(['status', '--porcelain', '--untracked-files=all']).trim()).toBe('');
  });

  it('is reused from a worktree of the project (the main checkout is served)', async () => {
    const wt = path.join(p.project, '.worktrees', '001-shop-WP01');
    p.git(['worktree', 'add', '-q', '-b', '001-shop-WP01', wt]);
    const fromWorktree = await startDashboard(p, wt);
    expect(fromWorktree).toEqual({ ...dash, reused: true });
    const health = await get(`${dash.url}/api/health`);
    expect(health.body).toMatchObject({ status: 'ok', project_path: p.project, pid: dash.pid, port: dash.port });
  });

  it('answers every API route with the JSON the CLI builds for the same state', async () => {
    const token = readFileSync(path.join(p.project, '.kittify/.dashboard'), 'utf8').split('\n')[2] as string;
    expect((await get(`${dash.url}/api/health?token=${token}`)).body).toMatchObject({ token_ok: true, project_path: p.project });
    expect((await get(`${dash.url}/api/health?token=${'0'.repeat(32)}`)).body).toMatchObject({ token_ok: false });

    for (const feature of ['001-shop', '002-empty']) {
      const cli = await cliStatus(feature);
      const kanban = await get(`${dash.url}/api/kanban/${feature}`);
      expect(kanban.status).toBe(200);
      expect(timeless(kanban.body)).toEqual(timeless(cli));
      const full = await get(`${dash.url}/api/feature/${feature}`);
      expect(timeless(full.body.kanban)).toEqual(timeless(cli));
      expect(full.body.overview).toMatchObject({
        feature,
        total_wps: cli['total_wps'],
        by_lane: cli['by_lane'],
        progress_percentage: cli['progress_percentage'],
        status_log_readable: true,
        problems: [],
      });
      // Per package: the same lanes, titles and dependencies as the CLI.
      expect(full.body.overview.work_packages.map((w: any) => [w.id, w.lane, w.title, w.dependencies])).toEqual(
        cli['work_packages'].map((w: any) => [w.id, w.lane, w.title, w.dependencies]),
      );
    }

    const list = await get(`${dash.url}/api/features`);
    expect(list.status).toBe(200);
    expect(list.body.project_path).toBe(p.project);
    expect(list.body.features.map((f: any) => f.feature)).toEqual(['001-shop', '002-empty']);
    const shop = list.body.features[0];
    const cli = await cliStatus('001-shop');
    expect(shop).toMatchObject({
      total_wps: 4,
      by_lane: cli['by_lane'],
      progress_percentage: cli['progress_percentage'],
      workflow: { specify: 'complete', tasks: 'complete', implement: 'in_progress' },
    });
    expect(shop.artifacts.spec).toMatchObject({ exists: true, path: 'kitty-specs/001-shop/spec.md' });
    expect(shop.artifacts.data_model).toMatchObject({ exists: false, modified_at: null });
    expect(list.body.lanes.lanes).toEqual(['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled']);
    expect(list.body.lanes.collapse_7_to_4.claimed).toBe('doing');

    const facts = (await get(`${dash.url}/api/feature/001-shop`)).body.overview.work_packages;
    expect(facts.find((w: any) => w.id === 'WP02')).toMatchObject({
      dependencies: ['WP01'],
      waiting_on: ['WP01'],
      ready: false,
      subtasks_total: 1,
      subtasks_done: 0,
    });
    expect(facts.find((w: any) => w.id === 'WP03')).toMatchObject({ ready: true, waiting_on: [] });
    expect(facts.find((w: any) => w.id === 'WP01')).toMatchObject({
      lane: 'claimed',
      agent: 'claude',
      worktree: '.worktrees/001-shop-WP01',
      worktree_exists: true,
      last_event: { from_lane: 'planned', to_lane: 'claimed', actor: 'claude' },
    });

    const wp = await get(`${dash.url}/api/wp/001-shop/WP01`);
    expect(wp.status).toBe(200);
    expect(wp.body).toMatchObject({ id: 'WP01', lane: 'claimed', title: 'Part 1', file: 'kitty-specs/001-shop/tasks/WP01-part-1.md' });
    expect(wp.body.events.map((e: any) => e.to_lane)).toEqual(['claimed']);
    expect(wp.body.activity.at(-1)).toMatchObject({ agent: 'claude', lane: 'claimed' });
    expect(wp.body.html).toContain('<h1>Work Package Prompt: WP01 – Part 1</h1>');

    const art = await get(`${dash.url}/api/artifact/001-shop/tasks`);
    expect(art.body).toMatchObject({ feature: '001-shop', artifact: 'tasks', path: 'kitty-specs/001-shop/tasks.md' });
    expect(art.body.html).toContain('Work Package WP01');
    expect((await get(`${dash.url}/api/artifact/001-shop/plan`)).status).toBe(404);

    const sync = await get(`${dash.url}/api/sync`);
    expect(sync.body).toMatchObject({ enabled: false, queue_depth: 0, error: null });
    const diag = await get(`${dash.url}/api/diagnostics`);
    expect(diag.body).toMatchObject({ project_path: p.project, features: 2, work_packages: 4, problems: [] });

    const page = await get(`${dash.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.text).toContain('<script src="/app.js"');
    expect(page.text).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/); // no CDN
    expect((await get(`${dash.url}/app.js`)).headers['content-type']).toContain('javascript');
  });

  it('answers unknown things with 404 JSON, and refuses other origins, writes and a shutdown without the token', async () => {
    expect((await get(`${dash.url}/api/kanban/999-nope`)).body.error.code).toBe('UNKNOWN_FEATURE');
    expect((await get(`${dash.url}/api/wp/001-shop/WP99`)).status).toBe(404);
    expect((await get(`${dash.url}/api/nothing`)).status).toBe(404);
    expect((await get(`${dash.url}/api/features`, { Host: `evil.example:${dash.port}` })).status).toBe(403);
    expect((await get(`${dash.url}/api/features`, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`${dash.url}/api/features`, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await get(`${dash.url}/api/features`, { Origin: dash.url })).status).toBe(200);
    expect((await get(`${dash.url}/api/features`, {}, 'POST')).status).toBe(405);
    expect((await get(`${dash.url}/api/shutdown`)).status).toBe(403);
    expect((await get(`${dash.url}/api/shutdown?token=${'a'.repeat(32)}`)).status).toBe(403);
    expect((await get(`${dash.url}/api/health`)).status).toBe(200);
    expect(alive(dash.pid)).toBe(true);
  });

  it('pushes lane changes made with the CLI on the event stream, as the same document tasks status prints', async () => {
    const stream = openEvents(dash.url);
    try {
      await stream.ready;
      const moved = await p.kitty([
        'agent',
        'tasks',
        'move-task',
        'WP03',
        '--to',
        'claimed',
        '--agent',
        'codex',
        '--feature',
        '001-shop',
        '--json',
      ]);
      expect(moved.code).toBe(0);
      const e = await stream.waitFor(
        (x) =>
          x.event === 'feature' &&
          x.data.feature === '001-shop' &&
          x.data.payload.kanban.work_packages.some((w: any) => w.id === 'WP03' && w.lane === 'claimed'),
      );
      expect(timeless(e.data.payload.kanban)).toEqual(timeless(await cliStatus('001-shop')));
      expect(e.data.summary.by_lane.claimed).toBe(2);
      expect(e.data.payload.overview.recent_events[0]).toMatchObject({ wp_id: 'WP03', to_lane: 'claimed', actor: 'codex' });
      // A second change, a different lane (WP03 has no worktree here, so the move is forced with a reason).
      expect(
        (
          await p.kitty([
            'agent',
            'tasks',
            'move-task',
            'WP03',
            '--to',
            'in_progress',
            '--agent',
            'codex',
            '--force',
            '--reason',
            'dashboard test: no worktree needed',
            '--feature',
            '001-shop',
            '--json',
          ])
        ).code,
      ).toBe(0);
      await stream.waitFor(
        (x) => x.event === 'feature' && x.data.payload.kanban.work_packages.some((w: any) => w.id === 'WP03' && w.lane === 'in_progress'),
      );
      // A new feature appears on the stream's feature list.
      expect((await p.kitty(['agent', 'feature', 'create-feature', 'later', '--json'])).code).toBe(0);
      await stream.waitFor((x) => x.event === 'features' && x.data.features.some((f: any) => f.feature === '003-later'));
    } finally {
      stream.close();
    }
  });

  it('tasks status names the running dashboard (human output, stderr) and not in --json', async () => {
    const human = await p.kitty(['agent', 'tasks', 'status', '--feature', '001-shop']);
    expect(human.code).toBe(0);
    expect(human.stderr).toContain(`Live board: ${dash.url}`);
    const doc = await p.kitty(['agent', 'tasks', 'status', '--feature', '001-shop', '--json']);
    expect(doc.stderr).not.toContain('Live board');
  });

  it('--kill stops it gracefully and clears the metadata; a second --kill finds nothing', async () => {
    const killed = await p.kitty(['dashboard', '--kill', '--json']);
    expect(killed.code).toBe(0);
    expect(json(killed)).toEqual({
      stopped: true,
      port: dash.port,
      pid: dash.pid,
      message: `Dashboard stopped and metadata cleared (port ${dash.port}).`,
    });
    expect(await until(() => !alive(dash.pid))).toBe(true);
    expect(existsSync(path.join(p.project, '.kittify/.dashboard'))).toBe(false);
    const again = await p.kitty(['dashboard', '--kill']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('No dashboard metadata found.');
    expect((await p.kitty(['agent', 'tasks', 'status', '--feature', '001-shop'])).stderr).not.toContain('Live board');
  });

  it('after a SIGKILLed server, the stale metadata is replaced by a new dashboard', async () => {
    const first = await startDashboard(p);
    expect(first.reused).toBe(false);
    process.kill(first.pid, 'SIGKILL');
    expect(await until(() => !alive(first.pid))).toBe(true);
    expect(existsSync(path.join(p.project, '.kittify/.dashboard'))).toBe(true);
    const second = await startDashboard(p);
    expect(second.reused).toBe(false);
    expect(second.pid).not.toBe(first.pid);
    expect((await get(`${second.url}/api/health`)).body.pid).toBe(second.pid);
    const killed = json(await p.kitty(['dashboard', '--kill', '--json']));
    expect(killed['stopped']).toBe(true);
    expect(await until(() => !alive(second.pid))).toBe(true);
  });

  it('--port N listens there and --open hands the URL to the desktop opener', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer().listen(0, '127.0.0.1', () => {
        const a = srv.address();
        srv.close(() => resolve(typeof a === 'object' && a !== null ? a.port : 0));
      });
    });
    const bin = path.join(p.root, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    const opened = path.join(p.root, 'opened.txt');
    writeFileSync(path.join(bin, 'xdg-open'), `#!/bin/sh\necho "$1" > "${opened}"\n`, { mode: 0o755 });
    const r = await p.kitty(['dashboard', '--port', String(port), '--open', '--json'], {
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}` },
    });
    expect(r.code).toBe(0);
    const info = json(r);
    expect(info).toMatchObject({ url: `http://127.0.0.1:${port}`, port, reused: false });
    expect(await until(() => existsSync(opened) && readFileSync(opened, 'utf8').trim() !== '')).toBe(true);
    expect(readFileSync(opened, 'utf8').trim()).toBe(`http://127.0.0.1:${port}`);
    expect(json(await p.kitty(['dashboard', '--kill', '--json']))['stopped']).toBe(true);
    expect(await until(() => !alive(info['pid'] as number))).toBe(true);
  });

  it('rejects a bad --port as a usage error', async () => {
    const r = await p.kitty(['dashboard', '--port', '70000', '--json']);
    expect(r.code).toBe(2);
    expect(json(r)['error']).toMatchObject({ code: 'INVALID_PORT' });
  });
});
