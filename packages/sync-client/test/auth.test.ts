import { afterAll, afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupTempDirs, createHttpTestServer, fixedClock, tempDir, type HttpTestServer } from '@kitty/test-utils';
import { authStatus, createTokenProvider, credentialsPath, login, logout, readCredentials, writeCredentials } from '../src/index.js';

afterAll(cleanupTempDirs);

let server: HttpTestServer;
beforeEach(async () => {
  server = await createHttpTestServer();
});
afterEach(async () => {
  await server.close();
});

const here = path.dirname(fileURLToPath(import.meta.url));

function issueTokens(): void {
  let n = 0;
  server.on('POST /api/v1/token/', (req) => {
    const b = req.json as { username?: string; password?: string };
    if (b.username === 'ada' && b.password === 'secret')
      return { body: { access: 'acc-0', refresh: 'ref-0', access_lifetime: '900', team_slug: 'team-a' } };
    return { status: 401, body: { detail: 'No active account found with the given credentials' } };
  });
  server.on('POST /api/v1/token/refresh/', (req) => {
    const b = req.json as { refresh?: string };
    if (b.refresh !== `ref-${n}`) return { status: 401, body: { detail: 'Token is invalid or expired', code: 'token_not_valid' } };
    n += 1;
    return { body: { access: `acc-${n}`, refresh: `ref-${n}`, expires_in: 900 } };
  });
}

const refreshCalls = () => server.requests.filter((r) => r.url === '/api/v1/token/refresh/').length;

describe('login and logout', () => {
  it('stores tokens 0600 with expiries from the server lifetimes, and logs out', async () => {
    issueTokens();
    const home = tempDir();
    const clock = fixedClock('2026-03-01T12:00:00Z');
    const r = await login({ homeDir: home, serverUrl: server.url, now: clock.now, username: 'ada', password: 'secret' });
    expect(r).toMatchObject({
      username: 'ada',
      teamSlug: 'team-a',
      accessExpiresAt: '2026-03-01T12:15:00.000Z',
      refreshExpiresAt: '2026-03-08T12:00:00.000Z',
    });
    expect(statSync(credentialsPath(home)).mode & 0o777).toBe(0o600);
    expect(server.requests[0]?.json).toEqual({ username: 'ada', password: 'secret' });
    expect(authStatus({ homeDir: home, serverUrl: server.url, now: clock.now })).toMatchObject({ state: 'active', username: 'ada' });
    expect(logout(home)).toMatchObject({ hadSession: true, username: 'ada' });
    expect(logout(home)).toMatchObject({ hadSession: false });
    expect(authStatus({ homeDir: home, serverUrl: server.url, now: clock.now }).state).toBe('logged_out');
  });

  it('maps wrong passwords, server errors, garbage and an unreachable server to typed errors', async () => {
    issueTokens();
    const home = tempDir();
    const base = { homeDir: home, serverUrl: server.url, now: () => new Date(), username: 'ada' };
    await expect(login({ ...base, password: 'nope' })).rejects.toMatchObject({ code: 'INVALID_CREDENTIALS' });
    server.on('POST /api/v1/token/', { status: 503, body: 'down for maintenance' });
    await expect(login({ ...base, password: 'secret' })).rejects.toMatchObject({
      code: 'SERVER_UNAVAILABLE',
      message: expect.stringContaining('HTTP 503'),
    });
    server.on('POST /api/v1/token/', { status: 200, body: '<html>hi</html>' });
    await expect(login({ ...base, password: 'secret' })).rejects.toMatchObject({ code: 'UNEXPECTED_RESPONSE' });
    server.on('POST /api/v1/token/', { status: 200, body: { access: 'a' } });
    await expect(login({ ...base, password: 'secret' })).rejects.toMatchObject({ code: 'UNEXPECTED_RESPONSE' });
    await expect(login({ ...base, password: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    const closed = await createHttpTestServer();
    await closed.close();
    await expect(login({ ...base, serverUrl: closed.url, password: 'secret' })).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
    expect(readCredentials(home).status).toBe('missing');
  });
});

describe('token provider', () => {
  async function loggedIn(clock = fixedClock('2026-03-01T12:00:00Z')) {
    issueTokens();
    const home = tempDir();
    await login({ homeDir: home, serverUrl: server.url, now: clock.now, username: 'ada', password: 'secret' });
    return { home, clock };
  }

  it('uses a fresh token without network, refreshes an expired one once (rotating)', async () => {
    const { home, clock } = await loggedIn();
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now: clock.now });
    expect(await p.accessToken()).toBe('acc-0');
    clock.advance(15 * 60_000);
    expect(await p.accessToken()).toBe('acc-1');
    expect(await p.accessToken()).toBe('acc-1');
    expect(p.refreshCount).toBe(1);
    expect(readCredentials(home)).toMatchObject({ credentials: { access: 'acc-1', refresh: 'ref-1', teamSlug: 'team-a' } });
  });

  it('refreshes within the leeway and after a 401 rejected the token', async () => {
    const { home, clock } = await loggedIn();
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now: clock.now });
    clock.advance(14.5 * 60_000);
    expect(await p.accessToken()).toBe('acc-1');
    expect(await p.accessToken({ rejected: 'acc-1' })).toBe('acc-2');
    expect(refreshCalls()).toBe(2);
  });

  it('works with servers that do not rotate refresh tokens', async () => {
    const { home, clock } = await loggedIn();
    server.on('POST /api/v1/token/refresh/', { body: { access: 'acc-new' } });
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now: clock.now });
    clock.advance(20 * 60_000);
    expect(await p.accessToken()).toBe('acc-new');
    expect(readCredentials(home)).toMatchObject({ credentials: { refresh: 'ref-0', refreshExpiresAt: '2026-03-08T12:00:00.000Z' } });
  });

  it('says "session expired" when the refresh is refused and leaves the file untouched', async () => {
    const { home, clock } = await loggedIn();
    server.on('POST /api/v1/token/refresh/', { status: 401, body: { code: 'token_not_valid' } });
    const before = readFileSync(credentialsPath(home), 'utf8');
    clock.advance(20 * 60_000);
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now: clock.now });
    await expect(p.accessToken()).rejects.toMatchObject({
      code: 'SESSION_EXPIRED',
      message: expect.stringContaining('spec-kitty auth login'),
    });
    expect(readFileSync(credentialsPath(home), 'utf8')).toBe(before);
  });

  it('keeps the old tokens when the refresh cannot reach the server', async () => {
    const { home, clock } = await loggedIn();
    server.on('POST /api/v1/token/refresh/', { destroy: true });
    clock.advance(20 * 60_000);
    const before = readFileSync(credentialsPath(home), 'utf8');
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now: clock.now });
    await expect(p.accessToken()).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
    server.on('POST /api/v1/token/refresh/', { status: 502, body: 'bad gateway' });
    await expect(p.accessToken()).rejects.toMatchObject({ code: 'SERVER_UNAVAILABLE' });
    expect(readFileSync(credentialsPath(home), 'utf8')).toBe(before);
  });

  it('never sends tokens to a server other than the one that issued them', async () => {
    const { home, clock } = await loggedIn();
    const other = await createHttpTestServer();
    try {
      const p = createTokenProvider({ homeDir: home, serverUrl: other.url, now: clock.now });
      await expect(p.accessToken()).rejects.toMatchObject({ code: 'TOKEN_SERVER_MISMATCH' });
      expect(authStatus({ homeDir: home, serverUrl: other.url, now: clock.now }).state).toBe('other_server');
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('reports logged-out, corrupt and fully expired sessions', async () => {
    const home = tempDir();
    const now = () => new Date('2026-03-01T12:00:00Z');
    const p = createTokenProvider({ homeDir: home, serverUrl: server.url, now });
    await expect(p.accessToken()).rejects.toMatchObject({ code: 'NOT_AUTHENTICATED' });
    writeCredentials(home, {
      access: 'a',
      refresh: 'r',
      accessExpiresAt: '2026-01-01T00:00:00Z',
      refreshExpiresAt: '2026-01-02T00:00:00Z',
      username: 'u',
      teamSlug: null,
      serverUrl: server.url,
    });
    await expect(p.accessToken()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' });
    expect(authStatus({ homeDir: home, serverUrl: server.url, now }).state).toBe('expired');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(credentialsPath(home), 'garbage = = =');
    await expect(p.accessToken()).rejects.toMatchObject({
      code: 'CREDENTIALS_CORRUPT',
      message: expect.stringContaining(credentialsPath(home)),
    });
    expect(refreshCalls()).toBe(0);
  });

  it('makes exactly one refresh request when 8 processes race with an expired token', async () => {
    issueTokens();
    const home = tempDir();
    // Logged in 20 minutes ago: the access token is expired, the refresh token valid and single-use.
    await login({
      homeDir: home,
      serverUrl: server.url,
      now: () => new Date(Date.now() - 20 * 60_000),
      username: 'ada',
      password: 'secret',
    });
    server.on('POST /api/v1/token/refresh/', async (req) => {
      await new Promise((r) => setTimeout(r, 150)); // a slow server widens the race window
      const b = req.json as { refresh?: string };
      if (b.refresh !== 'ref-0') return { status: 401, body: { code: 'token_not_valid' } };
      return { body: { access: 'acc-1', refresh: 'ref-1' } };
    });
    const child = () =>
      new Promise<{ token?: string; error?: string }>((resolve, reject) => {
        const c = spawn(process.execPath, [path.join(here, 'fixtures/get-token.mjs'), home, server.url], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => c.kill('SIGKILL'), 20_000);
        c.on('exit', () => {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(out) as { token?: string });
          } catch (e) {
            reject(e);
          }
        });
      });
    const results = await Promise.all(Array.from({ length: 8 }, child));
    expect(results).toEqual(Array.from({ length: 8 }, () => ({ token: 'acc-1', refreshes: expect.any(Number) })));
    expect(refreshCalls()).toBe(1);
  });
});
