import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openQueue, queuePath } from '@kitty/queue';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  claimDeliveryMarker,
  createSyncEmitter,
  deliveryLogPath,
  deliveryPidPath,
  runBackgroundDelivery,
  scheduleDelivery,
  STALE_MARKER_MS,
  updateSyncConfig,
  type SyncEmitter,
} from '../src/index.js';
import { answerAll, idsOf, loggedInHome, loggedInHomeAt, startFaultServer, startServer } from './support.js';

afterAll(cleanupTempDirs);
const here = path.dirname(fileURLToPath(import.meta.url));
const worker = { execPath: process.execPath, args: [path.join(here, 'fixtures/deliver.mjs')] };
const ctx = {
  projectUuid: '550e8400-e29b-41d4-a716-446655440000',
  projectSlug: 'demo',
  gitBranch: 'main',
  headCommitSha: null,
  repoSlug: null,
};

let server: Awaited<ReturnType<typeof startServer>>;
beforeEach(async () => {
  server = await startServer();
});
afterEach(async () => {
  await server.close();
});

/** Polls `check` every 50 ms for at most `ms`. */
async function waitFor(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}

async function emitter(home: string, env: Record<string, string> = {}): Promise<SyncEmitter> {
  return createSyncEmitter({
    homeDir: home,
    env: { HOME: home, ...env },
    now: () => new Date(),
    hostname: 'h',
    username: 'u',
    delivery: { command: worker, selfPid: process.pid },
  });
}

async function pending(home: string): Promise<number> {
  const q = await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now: () => new Date() });
  try {
    return (await q.stats()).depth;
  } finally {
    await q.close();
  }
}

const noMarker = (home: string) => () => !existsSync(deliveryPidPath(queuePath(home, { serverUrl: server.url, username: 'ada' })));

describe('automatic delivery', () => {
  it('returns before the server answers, and the events arrive shortly after', async () => {
    const { home } = await loggedInHome(server, 0);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    let answered = false;
    server.on('POST /api/v1/events/batch/', async (req) => {
      await gate;
      answered = true;
      return answerAll()(req);
    });
    const em = await emitter(home);
    const f = em.createFactory(ctx);
    const r = await em.enqueue([f.historyAdded({ wpId: 'WP01', content: 'a' }), f.historyAdded({ wpId: 'WP01', content: 'b' })]);
    expect(r).toMatchObject({ queued: 2, delivery: { started: true, reason: 'started' } });
    expect(answered).toBe(false); // the command is done while the server still holds the request
    await waitFor(() => server.batchRequests().length === 1);
    release();
    await waitFor(noMarker(home));
    expect(await pending(home)).toBe(0);
    expect(readFileSync(deliveryLogPath(home), 'utf8')).toMatch(/status=ok synced=2/);
  });

  it('starts one delivery process for two commands in a row', async () => {
    const { home } = await loggedInHome(server, 0);
    server.on('POST /api/v1/events/batch/', async (req) => {
      await new Promise((r) => setTimeout(r, 400));
      return answerAll()(req);
    });
    const em = await emitter(home);
    const f = em.createFactory(ctx);
    const first = await em.enqueue([f.historyAdded({ wpId: 'WP01', content: 'a' })]);
    const second = await em.enqueue([f.historyAdded({ wpId: 'WP01', content: 'b' })]);
    expect(first.delivery).toMatchObject({ started: true });
    expect(second.delivery).toMatchObject({ started: false, reason: 'already_running' });
    await waitFor(noMarker(home));
    const log = readFileSync(deliveryLogPath(home), 'utf8').trim().split('\n');
    expect(log.filter((l) => l.includes('status='))).toHaveLength(1);
    const delivered = server.batchRequests().flatMap((q) => idsOf(q));
    expect(new Set(delivered).size).toBe(delivered.length); // nothing sent twice
  });

  it('loses nothing while the server is down; the next command delivers everything', async () => {
    const { home } = await loggedInHome(server, 0);
    server.on('POST /api/v1/events/batch/', { status: 503, body: 'down' });
    const em = await emitter(home);
    const f = em.createFactory(ctx);
    await em.enqueue([f.historyAdded({ wpId: 'WP01', content: 'a' })]);
    await waitFor(noMarker(home));
    expect(readFileSync(deliveryLogPath(home), 'utf8')).toMatch(/status=offline .*1 event\(s\) kept for later/);
    expect(await pending(home)).toBe(1);
    // The server recovers; the next command's delivery runs after the 503's default 30 s wait (its clock is ahead).
    server.on('POST /api/v1/events/batch/', answerAll());
    const later = await createSyncEmitter({
      homeDir: home,
      env: { HOME: home },
      now: () => new Date(),
      hostname: 'h',
      username: 'u',
      delivery: { command: { execPath: process.execPath, args: [path.join(here, 'fixtures/deliver-later.mjs')] }, selfPid: process.pid },
    });
    await later.enqueue([later.createFactory(ctx).historyAdded({ wpId: 'WP01', content: 'b' })]);
    await waitFor(noMarker(home));
    expect(await pending(home)).toBe(0);
    // While down, the one event went out once per attempt (the client retries a 503 without Retry-After);
    // afterwards both events were delivered.
    const sent = server.batchRequests().flatMap(idsOf);
    expect(new Set(sent).size).toBe(2);
    expect(sent.length).toBe(3 + 2);
  });

  it('does not start when turned off, logged out, or disabled', async () => {
    const { home } = await loggedInHome(server, 0);
    const off = await emitter(home, { SPEC_KITTY_AUTO_DELIVER: '0' });
    expect((await off.enqueue([off.createFactory(ctx).historyAdded({ wpId: 'WP01', content: 'x' })])).delivery).toMatchObject({
      started: false,
      reason: 'auto_deliver_off',
    });
    updateSyncConfig(home, { auto_deliver: false });
    const cfgOff = await emitter(home);
    expect((await cfgOff.enqueue([cfgOff.createFactory(ctx).historyAdded({ wpId: 'WP01', content: 'y' })])).delivery?.reason).toBe(
      'auto_deliver_off',
    );
    const loggedOut = tempDir();
    updateSyncConfig(loggedOut, { server_url: server.url });
    const lo = await emitter(loggedOut);
    expect((await lo.enqueue([lo.createFactory(ctx).historyAdded({ wpId: 'WP01', content: 'z' })])).delivery?.reason).toBe('not_logged_in');
    expect(server.batchRequests()).toHaveLength(0);
    expect(scheduleDelivery({ homeDir: tempDir(), env: {}, command: worker, queueFile: '/nonexistent', selfPid: process.pid }).reason).toBe(
      'disabled',
    );
  });

  it('replaces a stale marker left by a crashed delivery', async () => {
    const home = tempDir();
    const file = path.join(home, 'q.db');
    writeFileSync(deliveryPidPath(file), '999999999');
    expect(claimDeliveryMarker(file, process.pid)).toBe(true);
    expect(claimDeliveryMarker(file, process.pid + 1)).toBe(false);
  });

  it('takes over a marker far older than any delivery, even when its pid is alive again (reused)', () => {
    const file = path.join(tempDir(), 'q.db');
    writeFileSync(deliveryPidPath(file), String(process.pid)); // a live pid
    const nowMs = Date.now();
    expect(claimDeliveryMarker(file, 4242, nowMs)).toBe(false);
    const old = new Date(nowMs - STALE_MARKER_MS - 60_000);
    utimesSync(deliveryPidPath(file), old, old);
    expect(claimDeliveryMarker(file, 4242, nowMs)).toBe(true);
    expect(readFileSync(deliveryPidPath(file), 'utf8')).toBe('4242');
  });

  it('ends by its deadline against a server that never answers, removes its marker and keeps the events', async () => {
    const silent = await startFaultServer();
    try {
      silent.setBatch(() => ({ kind: 'never-answer' }));
      const { home, queue } = await loggedInHomeAt(silent.url, 2);
      const r = await runBackgroundDelivery({ homeDir: home, env: {}, now: () => new Date(), pid: process.pid, deadlineMs: 1_500 });
      expect(r).toMatchObject({ status: 'offline', stopReason: 'deadline', remaining: 2 });
      expect(existsSync(deliveryPidPath(queuePath(home, { serverUrl: silent.url, username: 'ada' })))).toBe(false);
      expect(readFileSync(deliveryLogPath(home), 'utf8')).toMatch(/status=offline .*run deadline/);
      const q = await queue();
      expect((await q.stats()).depth).toBe(2);
      await q.close();
    } finally {
      await silent.close();
    }
  }, 30_000);
});
