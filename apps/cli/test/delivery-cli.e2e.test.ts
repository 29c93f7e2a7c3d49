import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, createHttpTestServer, type HttpTestServer, type RecordedRequest } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';
import { workflowSandbox } from './workflow-sandbox.js';

// Issue 10: events reach the server without `sync now`, and never slow a command down.
afterAll(cleanupTempDirs);

let server: HttpTestServer;
beforeEach(async () => {
  server = await createHttpTestServer();
  server.on('POST /api/v1/token/', { body: { access: 'delivery-access', refresh: 'delivery-refresh', team_slug: 'acme' } });
});
afterEach(async () => {
  await server.close();
});

const ids = (r: RecordedRequest) => (r.json as { events?: Array<{ event_id: string; event_type: string }> })?.events ?? [];
const batches = () => server.requests.filter((r) => r.url === '/api/v1/events/batch/');
const answerAll = (req: RecordedRequest) => ({ body: { results: ids(req).map((e) => ({ event_id: e.event_id, status: 'success' })) } });

async function waitFor(check: () => boolean | Promise<boolean>, ms = 45_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('condition not met in time');
}

async function sandbox(extraEnv: Record<string, string> = {}) {
  // The workflow sandbox, with background delivery at its default (on) unless `extraEnv` says otherwise.
  const { home, project, env: base } = workflowSandbox('kitty-delivery-');
  const env: NodeJS.ProcessEnv = { ...base, SPEC_KITTY_AUTO_DELIVER: '', ...extraEnv };
  const kitty = (args: string[], input?: string) => runCliAsync(args, { cwd: project, env, ...(input === undefined ? {} : { input }) });
  expect((await kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--json'])).code).toBe(0);
  expect((await kitty(['sync', 'server', server.url])).code).toBe(0);
  expect((await kitty(['auth', 'login', '-u', 'ada', '--password-stdin'], 'pw\n')).code).toBe(0);
  const queueFile = () => {
    const dir = path.join(home, '.spec-kitty', 'queues');
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /^queue-[0-9a-f]{16}\.db$/.test(f))
          .map((f) => path.join(dir, f))[0]
      : undefined;
  };
  const markerGone = () => {
    const q = queueFile();
    return q === undefined || !existsSync(`${q}.deliver.pid`);
  };
  const pending = async () => {
    const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now: () => new Date() });
    try {
      return (await q.stats()).depth;
    } finally {
      await q.close();
    }
  };
  const log = () => {
    const f = path.join(home, '.spec-kitty', 'logs', 'delivery.log');
    return existsSync(f) ? readFileSync(f, 'utf8') : '';
  };
  return { home, kitty, markerGone, pending, log };
}

describe('automatic delivery through the CLI', () => {
  it('returns before a slow server answers; the FeatureCreated event arrives shortly after', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let answered = false;
    server.on('POST /api/v1/events/batch/', async (req) => {
      await gate;
      answered = true;
      return answerAll(req);
    });
    const s = await sandbox();
    const r = await s.kitty(['agent', 'feature', 'create-feature', 'user-login', '--json']);
    expect(r.code).toBe(0);
    expect(answered).toBe(false); // the command finished while the server was still holding the request
    await waitFor(() => batches().length === 1);
    expect(ids(batches()[0] as RecordedRequest).map((e) => e.event_type)).toEqual(['FeatureCreated']);
    release();
    await waitFor(s.markerGone);
    expect(await s.pending()).toBe(0);
    expect(s.log()).toMatch(/status=ok synced=1/);
  }, 120_000);

  it('starts one delivery process for two commands in a row', async () => {
    // The server holds the first batch until both commands are done, so the first delivery is still running.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    server.on('POST /api/v1/events/batch/', async (req) => {
      await gate;
      return answerAll(req);
    });
    const s = await sandbox();
    expect((await s.kitty(['agent', 'feature', 'create-feature', 'first-thing', '--json'])).code).toBe(0);
    expect((await s.kitty(['agent', 'feature', 'create-feature', 'second-thing', '--json'])).code).toBe(0);
    release();
    await waitFor(s.markerGone);
    expect(
      s
        .log()
        .split('\n')
        .filter((l) => l.includes('status=')),
    ).toHaveLength(1);
    // The one delivery sent both commands' events, each once.
    const sent = batches().flatMap((b) => ids(b).map((e) => e.event_id));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toHaveLength(2);
    expect(await s.pending()).toBe(0);
  }, 120_000);

  it('loses nothing while the server is down; the next command delivers everything', async () => {
    server.on('POST /api/v1/events/batch/', { destroy: true });
    const s = await sandbox();
    expect((await s.kitty(['agent', 'feature', 'create-feature', 'offline-work', '--json'])).code).toBe(0);
    await waitFor(s.markerGone);
    expect(await s.pending()).toBe(1);
    expect(s.log()).toMatch(/status=offline/);
    server.on('POST /api/v1/events/batch/', answerAll);
    expect((await s.kitty(['agent', 'feature', 'create-feature', 'back-online', '--json'])).code).toBe(0);
    await waitFor(async () => s.markerGone() && (await s.pending()) === 0);
    const delivered = batches()
      .filter((b) => b.json !== undefined)
      .flatMap((b) => ids(b).map((e) => e.event_type));
    expect(delivered.filter((t) => t === 'FeatureCreated').length).toBeGreaterThanOrEqual(2);
    const st = await s.kitty(['sync', 'status', '--json']);
    expect(JSON.parse(st.stdout)).toMatchObject({ last_sync: { trigger: 'background', status: 'ok' } });
  }, 120_000);

  it('does nothing in the background when turned off; the events wait for sync now', async () => {
    server.on('POST /api/v1/events/batch/', answerAll);
    const s = await sandbox({ SPEC_KITTY_AUTO_DELIVER: '0' });
    expect((await s.kitty(['agent', 'feature', 'create-feature', 'quiet-mode', '--json'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(batches()).toHaveLength(0);
    expect(await s.pending()).toBe(1);
    const now = await s.kitty(['sync', 'now', '--json']);
    expect(JSON.parse(now.stdout)).toMatchObject({ status: 'ok', synced: 1 });
  }, 120_000);
});
