import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, createHttpTestServer, tempDir, type HttpTestServer } from '@kitty/test-utils';
import { createTokenProvider, login, normalizeServerUrl, syncNow, updateSyncConfig, writeCredentials } from '../src/index.js';
import { enqueue, idsOf } from './support.js';
import { openQueue } from '@kitty/queue';

// Issue 15: the error says what really happened, and its class follows the real cause.
afterAll(cleanupTempDirs);

let server: HttpTestServer;
beforeEach(async () => {
  server = await createHttpTestServer();
});
afterEach(async () => {
  await server.close();
});

/**
 * Fills `dir` with `fill()`, then makes it read-only for this process: a tmpfs mounted over it and remounted
 * read-only when running as root (root ignores permission bits), chmod 0500 otherwise. Returns the undo.
 */
function readOnlyDir(dir: string, fill: () => void = () => undefined): () => void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() === 0) {
    const mount = (...args: string[]) => spawnSync('mount', args, { encoding: 'utf8' });
    const m = mount('-t', 'tmpfs', '-o', 'size=256k,mode=700', 'tmpfs', dir);
    if (m.status !== 0) throw new Error(`this test needs a read-only directory; as root that takes mount (failed: ${m.stderr.trim()})`);
    fill();
    const ro = mount('-o', 'remount,ro', dir);
    if (ro.status !== 0) throw new Error(`remount read-only failed: ${ro.stderr.trim()}`);
    return () => void spawnSync('umount', [dir]);
  }
  fill();
  chmodSync(dir, 0o500);
  return () => chmodSync(dir, 0o700);
}

describe('honest errors', () => {
  it('a read-only home is CREDENTIALS_NOT_WRITABLE with the path, at once, not "locked by another process"', async () => {
    server.on('POST /api/v1/token/', { body: { access: 'acc-0', refresh: 'ref-0' } });
    const home = tempDir();
    const state = path.join(home, '.spec-kitty');
    const undo = readOnlyDir(state);
    try {
      const err = await login({ homeDir: home, serverUrl: server.url, now: () => new Date(), username: 'ada', password: 'pw' }).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: 'CREDENTIALS_NOT_WRITABLE', details: { path: state } });
      expect((err as Error).message).toContain(state);
      expect((err as Error).message).not.toMatch(/another/i);
      expect(server.requests).toHaveLength(0); // nothing sent when the answer could not be kept
    } finally {
      undo();
    }
  });

  it('a refresh that cannot be written reports the read-only home, not a lock', async () => {
    const home = tempDir();
    const now = () => new Date();
    const undo = readOnlyDir(path.join(home, '.spec-kitty'), () =>
      writeCredentials(home, {
        access: 'acc-0',
        refresh: 'ref-0',
        accessExpiresAt: new Date(0).toISOString(),
        refreshExpiresAt: null,
        username: 'ada',
        teamSlug: null,
        serverUrl: server.url,
      }),
    );
    try {
      const tokens = createTokenProvider({ homeDir: home, serverUrl: server.url, now });
      await expect(tokens.accessToken()).rejects.toMatchObject({ code: 'CREDENTIALS_NOT_WRITABLE' });
    } finally {
      undo();
    }
  });

  it.each([
    ['HTTP 500', { status: 500, body: 'boom' }],
    ['a connection reset', { destroy: true }],
  ])('a 401 whose refresh gets %s ends the run as offline, matching its message', async (_what, refreshAnswer) => {
    const home = tempDir();
    const now = () => new Date();
    updateSyncConfig(home, { server_url: server.url });
    server.on('POST /api/v1/token/', { body: { access: 'acc-0', refresh: 'ref-0' } });
    await login({ homeDir: home, serverUrl: server.url, now, username: 'ada', password: 'pw' });
    await enqueue(await openQueue({ homeDir: home, scope: { serverUrl: server.url, username: 'ada' }, now }), 2, now);
    server.on('POST /api/v1/events/batch/', { status: 401, body: { detail: 'expired' } });
    server.on('POST /api/v1/token/refresh/', refreshAnswer);
    const r = await syncNow({ homeDir: home, env: {}, now, retryDelayMs: 1 });
    expect(r).toMatchObject({ status: 'offline', stopReason: 'offline', remaining: 2, refreshes: 1 });
    expect(r.message).toMatch(/^Offline or server unavailable: the token refresh after HTTP 401 failed/);
    expect(idsOf(server.requests.find((q) => q.url === '/api/v1/events/batch/'))).toHaveLength(2);
  });

  it('a password in a server URL is never echoed', () => {
    let err: unknown;
    try {
      normalizeServerUrl('http://ada:hunter2secret@sync.example.com');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'INVALID_SERVER_URL' });
    const text = JSON.stringify({ message: (err as Error).message, details: (err as { details?: unknown }).details });
    expect(text).toContain('ada:***@sync.example.com');
    expect(text).not.toContain('hunter2secret');
  });
});
