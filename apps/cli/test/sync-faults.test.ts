import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { runCliAsync } from './async-cli.js';
import { queueHistoryEvents } from './queue-helpers.js';

// Issue 15 through the built CLI: a stalled body, an echoed opaque token and a half answer each end the run
// within its deadline with the right message and exit code, and nothing is lost.
afterAll(cleanupTempDirs);

const ACCESS = 'opaqueAccess9Qx2Lm7Wv';
const REFRESH = 'opaqueRefresh4Hk8Zp3Tn';
const PASSWORD = 'pw-Rt5-secret';

type Batch = (ids: string[], res: import('node:http').ServerResponse) => void;

let server: Server | undefined;
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A loopback server: token endpoints answer opaque tokens; the batch route is `batch`. */
async function start(batch: Batch): Promise<{ url: string; batches: () => number }> {
  let n = 0;
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (req.url?.startsWith('/api/v1/token/')) {
        const creds = JSON.parse(raw.toString('utf8') || '{}') as { username?: string; password?: string };
        if (creds.username === 'echo') {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `cannot log in ${creds.username} with password ${creds.password}` }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access: ACCESS, refresh: REFRESH, team_slug: 'team-a' }));
        return;
      }
      n += 1;
      const body = JSON.parse((req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8')) as {
        events: Array<{ event_id: string }>;
      };
      batch(
        body.events.map((e) => e.event_id),
        res,
      );
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}`, batches: () => n };
}

async function setUp(url: string, count: number) {
  const home = tempDir();
  const env = { HOME: home, SPEC_KITTY_ENABLE_SAAS_SYNC: '', SPEC_KITTY_AUTO_DELIVER: '0' };
  const cli = (args: string[], input?: string) => runCliAsync(args, { env, timeoutMs: 60_000, ...(input === undefined ? {} : { input }) });
  expect((await cli(['sync', 'server', url])).code).toBe(0);
  // Short bounds, set the way a user would.
  const cfg = path.join(home, '.spec-kitty', 'config.toml');
  writeFileSync(cfg, `${readFileSync(cfg, 'utf8')}request_timeout_seconds = 1\nrun_deadline_seconds = 6\n`);
  expect((await cli(['auth', 'login', '-u', 'ada', '--password-stdin'], `${PASSWORD}\n`)).code).toBe(0);
  const ids = await queueHistoryEvents(home, url, count);
  const pending = async () => {
    const qq = await openQueue({ homeDir: home, scope: { serverUrl: url, username: 'ada' }, now: () => new Date() });
    try {
      return (await qq.stats()).depth;
    } finally {
      await qq.close();
    }
  };
  return { home, cli, ids, pending };
}

describe('sync now against faulty servers (built CLI)', () => {
  it('a body that stalls after the headers: exit 4 (offline) within the deadline, events kept', async () => {
    const s = await start((_ids, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"results": [');
    });
    const { cli, pending } = await setUp(s.url, 3);
    const r = await cli(['sync', 'now', '--json']);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ status: 'offline', synced: 0, remaining: 3 });
    expect(String(doc['message'])).toMatch(/did not answer in time|run deadline/);
    expect(doc['stop_reason']).toMatch(/^(offline|deadline)$/);
    expect(await pending()).toBe(3);
  }, 90_000);

  it('a server echoing the opaque tokens (and, at login, the password): never printed (human or JSON) nor stored', async () => {
    const s = await start((ids, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          results: ids.map((id) => ({ event_id: id, status: 'rejected', error: `token ${ACCESS} refresh ${REFRESH} not allowed` })),
        }),
      );
    });
    const { home, cli, ids, pending } = await setUp(s.url, 2);
    const report = path.join(tempDir(), 'report.json');
    const human = await cli(['sync', 'now', '--report', report]);
    expect(human.code).toBe(5);
    const json = await cli(['sync', 'now', '--json']); // nothing due (backoff): still no secret anywhere
    const status = await cli(['sync', 'status', '--json']);
    const dead = await cli(['sync', 'dead', '--json']);
    // A login whose server echoes the password in its error: the password is masked too.
    const echoed = await cli(['auth', 'login', '-u', 'echo', '--force', '--password-stdin'], `${PASSWORD}\n`);
    const echoedJson = await cli(['auth', 'login', '-u', 'echo', '--force', '--password-stdin', '--json'], `${PASSWORD}\n`);
    expect(echoed.code).toBe(4);
    expect(echoed.stderr).toContain('cannot log in echo with password ***');
    const queues = path.join(home, '.spec-kitty', 'queues');
    const everything = [
      human.stdout,
      human.stderr,
      json.stdout,
      json.stderr,
      status.stdout,
      dead.stdout,
      echoed.stdout,
      echoed.stderr,
      echoedJson.stdout,
      readFileSync(report, 'utf8'),
      ...readdirSync(queues).map((f) => readFileSync(path.join(queues, f)).toString('latin1')),
    ].join('\n');
    expect(everything).toContain(ids[0]);
    expect(everything).toContain('not allowed');
    for (const secret of [ACCESS, REFRESH, PASSWORD]) expect(everything).not.toContain(secret);
    expect(await pending()).toBe(2);
  }, 90_000);

  it('a 200 that answers half the events: exit 5, status incomplete, the missing ids named and kept', async () => {
    let unanswered = new Set<string>();
    const s = await start((ids, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: ids.filter((id) => !unanswered.has(id)).map((id) => ({ event_id: id, status: 'success' })) }));
    });
    const { cli, ids, pending } = await setUp(s.url, 4);
    unanswered = new Set(ids.slice(2));
    const r = await cli(['sync', 'now', '--json']);
    expect(r.code).toBe(5);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'incomplete', synced: 2, remaining: 2, missing_event_ids: ids.slice(2) });
    const human = await cli(['sync', 'now']);
    expect(human.code).toBe(5);
    expect(human.stdout).toContain(ids[2]);
    expect(await pending()).toBe(2);
    expect(s.batches()).toBe(2);
  }, 90_000);

  it('a server that refuses every size with 413: the circuit breaker ends the run (exit 1), nothing lost', async () => {
    const s = await start((_ids, res) => {
      res.writeHead(413, { 'content-type': 'application/json' });
      res.end('{"error":"too large"}');
    });
    const { cli, pending } = await setUp(s.url, 300);
    const r = await cli(['sync', 'now', '--json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { stop_reason: string; dead_lettered: number; remaining: number; message: string };
    expect(doc.stop_reason).toBe('circuit_breaker');
    expect(doc.message).toMatch(/refused 16 requests in a row/);
    expect(doc.remaining + doc.dead_lettered).toBe(300);
    expect(s.batches()).toBe(16);
    expect(await pending()).toBe(doc.remaining);
  }, 90_000);
});
