import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, createHttpTestServer, tempDir, type HttpTestServer, type RecordedRequest } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';
import { queueHistoryEvents } from './queue-helpers.js';

afterAll(cleanupTempDirs);

const ACCESS = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLWFjY2Vzcw';
const REFRESH = 'eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJyZWZyZXNoIn0.c2lnbmF0dXJlLXJlZnJlc2g';
const ACCESS2 = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEiLCJuIjoyfQ.c2lnbmF0dXJlLXR3bw';

let server: HttpTestServer;
let home: string;
const outputs: string[] = [];
beforeEach(async () => {
  server = await createHttpTestServer();
  server.on('POST /api/v1/token/', (req) =>
    (req.json as { password?: string }).password === 'hunter2'
      ? { body: { access: ACCESS, refresh: REFRESH, team_slug: 'team-a' } }
      : { status: 401, body: { detail: 'No active account' } },
  );
  server.on('POST /api/v1/token/refresh/', { body: { access: ACCESS2, refresh: REFRESH } });
  home = tempDir();
});
afterEach(async () => {
  await server.close();
});

const ids = (r: RecordedRequest | undefined) =>
  ((r?.json as { events?: Array<{ event_id: string }> })?.events ?? []).map((e) => e.event_id);
const batchRequests = () => server.requests.filter((r) => r.url === '/api/v1/events/batch/');

async function cli(args: string[], input?: string) {
  const r = await runCliAsync(args, { env: { HOME: home, SPEC_KITTY_ENABLE_SAAS_SYNC: '' }, ...(input === undefined ? {} : { input }) });
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function queueEvents(n: number): Promise<string[]> {
  return queueHistoryEvents(home, server.url, n);
}

async function setUp(n: number): Promise<string[]> {
  expect((await cli(['sync', 'server', server.url, '--json'])).code).toBe(0);
  const login = await cli(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'hunter2\n');
  expect(login.code).toBe(0);
  return queueEvents(n);
}

describe('spec-kitty auth', () => {
  it('logs in with --password-stdin, stores 0600 credentials, shows status, logs out', async () => {
    await cli(['sync', 'server', server.url]);
    const bad = await cli(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'wrong\n');
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout)).toMatchObject({ error: { code: 'INVALID_CREDENTIALS' } });
    const ok = await cli(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'hunter2\n');
    expect(JSON.parse(ok.stdout)).toMatchObject({ username: 'ada', team_slug: 'team-a', already_authenticated: false, teamSlug: 'team-a' });
    const cred = path.join(home, '.spec-kitty', 'credentials');
    expect(statSync(cred).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(cred)).mode & 0o777).toBe(0o700);
    const st = await cli(['auth', 'status']);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain('Authenticated');
    expect(st.stdout).toMatch(/Access token\s+valid/);
    const again = await cli(['auth', 'login', '-u', 'ada', '--password-stdin'], 'hunter2\n');
    expect(again.stderr).toContain('Already authenticated');
    expect((await cli(['auth', 'logout', '--json'])).stdout).toContain('"had_session": true');
    expect((await cli(['auth', 'status', '--json'])).code).toBe(3);
  });

  it('explains how to enable sync before logging in, and needs a password without a terminal', async () => {
    const withPassword = await cli(['sync', 'server', 'http://ada:hunter2@sync.example.com']);
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toContain('ada:***@sync.example.com'); // the password in a URL is never echoed
    const r = await cli(['auth', 'login', '-u', 'ada', '--password-stdin'], 'x\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('spec-kitty sync server');
    await cli(['sync', 'server', server.url]);
    const r2 = await cli(['auth', 'login', '-u', 'ada', '--json']);
    expect(r2.code).toBe(2);
    expect(JSON.parse(r2.stdout)).toMatchObject({ error: { code: 'USAGE', message: expect.stringContaining('--password-stdin') } });
  });
});

describe('spec-kitty sync now', () => {
  it('syncs, prints the seed summary, and exits 0', async () => {
    const sent = await setUp(3);
    server.on('POST /api/v1/events/batch/', (req) => ({ body: { results: ids(req).map((id) => ({ event_id: id, status: 'success' })) } }));
    const r = await cli(['sync', 'now']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Synced: 3, Duplicates: 0, Failed: 0');
    expect(ids(batchRequests()[0])).toEqual(sent);
    const again = await cli(['sync', 'now']);
    expect(again.stdout).toContain('Queue is empty, nothing to sync.');
  });

  it('reports rejections by category with a next step, writes --report, and exits 5', async () => {
    const sent = await setUp(3);
    server.on('POST /api/v1/events/batch/', (req) => ({
      body: {
        results: ids(req).map((id, i) =>
          i === 1
            ? { event_id: id, status: 'rejected', error: 'missing required field error_type', code: 'schema_mismatch' }
            : { event_id: id, status: i === 2 ? 'duplicate' : 'success' },
        ),
      },
    }));
    const report = path.join(tempDir(), 'failures.json');
    const r = await cli(['sync', 'now', '--report', report]);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('Synced: 1, Duplicates: 1, Failed: 1 (schema_mismatch: 1)');
    expect(r.stdout).toMatch(/schema_mismatch: 1 -- Run `spec-kitty sync diagnose`/);
    const doc = JSON.parse(readFileSync(report, 'utf8')) as { failures: Array<Record<string, unknown>> };
    expect(doc.failures).toEqual([
      {
        event_id: sent[1],
        event_type: 'HistoryAdded',
        category: 'schema_mismatch',
        error: 'missing required field error_type',
        code: 'schema_mismatch',
      },
    ]);
  });

  it('shows 400 error and details', async () => {
    const sent = await setUp(1);
    server.on('POST /api/v1/events/batch/', {
      status: 400,
      body: { error: 'Batch validation failed', details: [{ event_id: '', error: 'x' }] },
    });
    const r = await cli(['sync', 'now', '--json']);
    const doc = JSON.parse(r.stdout) as { failures: Array<{ event_id: string; error: string }> };
    expect(r.code).toBe(5);
    expect(doc.failures).toEqual([
      expect.objectContaining({ event_id: sent[0], error: expect.stringMatching(/^Batch validation failed: \[/) }),
    ]);
  });

  it('refreshes on 401 and replays once', async () => {
    await setUp(2);
    server.on('POST /api/v1/events/batch/', (req) =>
      req.headers['authorization'] === `Bearer ${ACCESS}`
        ? { status: 401, body: { detail: 'expired' } }
        : { body: { results: ids(req).map((id) => ({ event_id: id, status: 'success' })) } },
    );
    const r = await cli(['sync', 'now', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', synced: 2, refreshes: 1 });
    expect(readFileSync(path.join(home, '.spec-kitty', 'credentials'), 'utf8')).toContain(ACCESS2);
  });

  it.each([
    [{ status: 403, body: { error: 'not in team' } }, 3, /HTTP 403.*not in team/],
    [{ status: 503, headers: { 'retry-after': '30' }, body: 'busy' }, 4, /retry after 30 s/],
    [{ status: 500, body: 'boom' }, 4, /Offline or server unavailable/],
    [{ destroy: true }, 4, /Offline or server unavailable/],
    [{ status: 200, body: '<html>' }, 1, /unexpected response from server/],
    [{ status: 302, headers: { location: 'https://elsewhere.example.com/' } }, 1, /HTTP 302.*not followed/],
  ])('keeps every event on %j and exits %i', async (answer, code, message) => {
    await setUp(2);
    server.on('POST /api/v1/events/batch/', answer);
    const r = await cli(['sync', 'now', '--json']);
    expect(r.code).toBe(code);
    const doc = JSON.parse(r.stdout) as { remaining: number; synced: number; failed: number; message: string };
    expect(doc).toMatchObject({ remaining: 2, synced: 0, failed: 0 });
    expect(doc.message).toMatch(message);
  });

  it('splits on 413', async () => {
    await setUp(4);
    server.on('POST /api/v1/events/batch/', (req) =>
      ids(req).length > 1 ? { status: 413 } : { body: { results: ids(req).map((id) => ({ event_id: id, status: 'success' })) } },
    );
    const r = await cli(['sync', 'now', '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok', synced: 4 });
  });

  it('says sync is disabled and how to enable it', async () => {
    const r = await cli(['sync', 'now']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('spec-kitty sync server');
  });
});

describe('spec-kitty sync status and dead', () => {
  it('shows queue health and a real connection check', async () => {
    await setUp(2);
    server.on('POST /api/v1/events/batch/', { body: { results: [] } });
    const r = await cli(['sync', 'status', '--check', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ enabled: true, queue: { stats: { depth: 2 } }, connection: { state: 'connected' } });
    const human = await cli(['sync', 'status']);
    expect(human.stdout).toMatch(/Queue\s+2 pending, 0 dead/);
    expect(human.stdout).toMatch(/Top event types\s+HistoryAdded 2/);
  });

  it('reports forbidden and unreachable servers with their exit codes', async () => {
    await setUp(0);
    server.on('POST /api/v1/events/batch/', { status: 403, body: { error: 'no' } });
    expect((await cli(['sync', 'status', '--check'])).code).toBe(3);
    server.on('POST /api/v1/events/batch/', { destroy: true });
    const r = await cli(['sync', 'status', '--check', '--json']);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ connection: { state: 'unreachable' } });
  });

  it('lists and re-queues dead events', async () => {
    const sent = await setUp(1);
    server.on('POST /api/v1/events/batch/', { status: 413 });
    await cli(['sync', 'now']);
    const dead = await cli(['sync', 'dead', '--json']);
    expect(JSON.parse(dead.stdout)).toMatchObject({ count: 1, events: [{ event_id: sent[0] }] });
    const rq = await cli(['sync', 'dead', '--requeue', sent[0] as string, '--json']);
    expect(JSON.parse(rq.stdout)).toMatchObject({ requeued: 1 });
    expect((await cli(['sync', 'dead', '--requeue'])).code).toBe(2);
  });
});

describe('spec-kitty sync diagnose', () => {
  it('passes valid queues and lists field, rule and value for invalid events (exit 2)', async () => {
    await setUp(2);
    const ok = await cli(['sync', 'diagnose', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ total: 2, valid: 2, invalid: 0 });
    const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now: () => new Date() });
    await q.enqueue({
      event_id: '01J0000000000000000000000Z',
      event_type: 'HistoryAdded',
      payload: { wp_id: 'WP01', entry_type: 'gossip' },
    });
    await q.close();
    const bad = await cli(['sync', 'diagnose']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toContain('Validated 3 event(s): 2 valid, 1 invalid');
    expect(bad.stdout).toMatch(/payload\.entry_type: expected must be note, review, error or comment; actual "gossip"/);
  });
});

describe('secrets', () => {
  it('never prints a token in any output of these tests', () => {
    const all = outputs.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [ACCESS, REFRESH, ACCESS2, 'hunter2']) expect(all).not.toContain(secret);
  });
});
