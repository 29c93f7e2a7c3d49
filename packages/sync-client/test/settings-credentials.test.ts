import { afterAll, describe, expect, it } from '@jest/globals';
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import {
  DEFAULT_SERVER_URL,
  configPath,
  credentialsPath,
  isLoopbackHost,
  loadSyncSettings,
  normalizeServerUrl,
  parseExpiry,
  readCredentials,
  updateSyncConfig,
  writeCredentials,
} from '../src/index.js';

afterAll(cleanupTempDirs);

describe('server URLs', () => {
  it.each([
    ['https://sync.example.com/', 'https://sync.example.com'],
    ['  https://sync.example.com/base//  ', 'https://sync.example.com/base'],
    ['http://127.0.0.1:8123', 'http://127.0.0.1:8123'],
    ['http://[::1]:9000/', 'http://[::1]:9000'],
    ['http://localhost:3000', 'http://localhost:3000'],
  ])('accepts %p', (input, out) => expect(normalizeServerUrl(input)).toBe(out));

  it.each([
    ['http://api.example.com', /only allowed for loopback/],
    ['http://localhost.evil.com', /only allowed for loopback/],
    ['http://127.0.0.1.nip.io', /only allowed for loopback/],
    ['ftp://x.example.com', /scheme must be https/],
    ['https://user:pw@x.example.com', /user name or password/],
    ['https://x.example.com/?a=1', /query or fragment/],
    ['not a url', /not a URL/],
    ['', /empty/],
    [42, /empty/],
  ])('rejects %p naming the rule', (input, why) => {
    expect(() => normalizeServerUrl(input)).toThrow(why);
    expect(() => normalizeServerUrl(input)).toThrow(
      expect.objectContaining({ code: 'INVALID_SERVER_URL', suggestions: [expect.stringContaining('https')] }),
    );
  });

  it('knows loopback hosts exactly', () => {
    expect(isLoopbackHost('127.9.9.9')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('10.0.0.1')).toBe(false);
  });
});

describe('sync settings', () => {
  it('is disabled by default and says how to enable', () => {
    const home = tempDir();
    expect(loadSyncSettings({ homeDir: home, env: {} })).toMatchObject({
      enabled: false,
      serverUrl: null,
      reason: 'no server URL configured',
      laneModel: '4-lane',
      maxQueueSize: 100000,
    });
  });

  it('is enabled by a configured server URL, or by the flag with the default server', () => {
    const home = tempDir();
    updateSyncConfig(home, { server_url: 'http://127.0.0.1:9/' });
    expect(loadSyncSettings({ homeDir: home, env: {} })).toMatchObject({
      enabled: true,
      serverUrl: 'http://127.0.0.1:9',
      serverUrlSource: 'config',
    });
    const other = tempDir();
    expect(loadSyncSettings({ homeDir: other, env: { SPEC_KITTY_ENABLE_SAAS_SYNC: ' Yes ' } })).toMatchObject({
      enabled: true,
      serverUrl: DEFAULT_SERVER_URL,
      serverUrlSource: 'default',
    });
    expect(loadSyncSettings({ homeDir: home, env: { SPEC_KITTY_ENABLE_SAAS_SYNC: '0' } })).toMatchObject({
      enabled: false,
      reason: expect.stringContaining('turned off'),
    });
  });

  it('keeps other keys when updating and writes 0600', () => {
    const home = tempDir();
    mkdirSync(path.join(home, '.spec-kitty'));
    writeFileSync(configPath(home), '[ui]\ntheme = "dark"\n[sync]\nmax_queue_size = 500\n');
    updateSyncConfig(home, { server_url: 'https://s.example.com', lane_model: '7-lane' });
    const text = readFileSync(configPath(home), 'utf8');
    expect(text).toContain('theme = "dark"');
    expect(loadSyncSettings({ homeDir: home, env: {} })).toMatchObject({
      maxQueueSize: 500,
      laneModel: '7-lane',
      serverUrl: 'https://s.example.com',
    });
    expect(statSync(configPath(home)).mode & 0o777).toBe(0o600);
  });

  it('treats an invalid config as defaults with a warning, and refuses to overwrite it', () => {
    const home = tempDir();
    mkdirSync(path.join(home, '.spec-kitty'));
    writeFileSync(configPath(home), '[sync\nserver_url = "x"\n');
    const s = loadSyncSettings({ homeDir: home, env: {} });
    expect(s.enabled).toBe(false);
    expect(s.warnings[0]).toMatch(/config\.toml:1:\d+: invalid TOML/);
    expect(() => updateSyncConfig(home, { server_url: 'https://s.example.com' })).toThrow(
      expect.objectContaining({ code: 'CONFIG_UNREADABLE' }),
    );
    expect(readFileSync(configPath(home), 'utf8')).toBe('[sync\nserver_url = "x"\n');
  });

  it('warns about bad values and keeps defaults', () => {
    const home = tempDir();
    mkdirSync(path.join(home, '.spec-kitty'));
    writeFileSync(
      configPath(home),
      '[sync]\nserver_url = "http://evil.example.com"\nmax_queue_size = -3\nlane_model = "9"\nauto_deliver = "yes"\n',
    );
    const s = loadSyncSettings({ homeDir: home, env: {} });
    expect(s).toMatchObject({ enabled: false, maxQueueSize: 100000, laneModel: '4-lane', autoDeliver: true });
    expect(s.warnings).toHaveLength(4);
    expect(() => updateSyncConfig(home, { max_queue_size: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_SETTING' }));
  });

  it('lets the environment turn automatic delivery off', () => {
    const home = tempDir();
    expect(loadSyncSettings({ homeDir: home, env: { SPEC_KITTY_AUTO_DELIVER: 'off' } }).autoDeliver).toBe(false);
  });
});

describe('credentials file', () => {
  const creds = {
    access: 'acc-token-1',
    refresh: 'ref-token-1',
    accessExpiresAt: '2026-03-01T12:15:00.000Z',
    refreshExpiresAt: '2026-03-08T12:00:00.000Z',
    username: 'ada',
    teamSlug: 'team-a',
    serverUrl: 'https://s.example.com',
  };

  it('round-trips with mode 0600 in a 0700 directory, in the incumbent layout', () => {
    const home = tempDir();
    writeCredentials(home, creds);
    expect(readCredentials(home)).toMatchObject({ status: 'present', credentials: creds, warnings: [] });
    expect(statSync(credentialsPath(home)).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(credentialsPath(home))).mode & 0o777).toBe(0o700);
    const text = readFileSync(credentialsPath(home), 'utf8');
    expect(text).toMatch(
      /\[tokens\][\s\S]*access = "acc-token-1"[\s\S]*\[user\][\s\S]*username = "ada"[\s\S]*\[server\][\s\S]*url = "https:\/\/s.example.com"/,
    );
  });

  it('reads files written by the Python CLI: naive UTC expiries and an [expiries] table', () => {
    const home = tempDir();
    mkdirSync(path.join(home, '.spec-kitty'), { mode: 0o700 });
    writeFileSync(
      credentialsPath(home),
      '[tokens]\naccess = "a"\nrefresh = "r"\naccess_expires_at = "2026-02-12T10:15:00.123456"\n[expiries]\nrefresh_expires_at = "2026-02-19T10:00:00+00:00"\n[user]\nusername = "bob"\n[server]\nurl = "https://x.example.com"\n',
      { mode: 0o600 },
    );
    expect(readCredentials(home)).toMatchObject({
      status: 'present',
      credentials: {
        accessExpiresAt: '2026-02-12T10:15:00.123Z',
        refreshExpiresAt: '2026-02-19T10:00:00.000Z',
        teamSlug: null,
        username: 'bob',
      },
    });
    expect(parseExpiry('garbage')).toBeNull();
  });

  it.each([
    ['syntax error', '[tokens\naccess = 1', /not valid TOML at line 1/],
    ['empty file', '', /no \[tokens\] access and refresh/],
    ['wrong types', '[tokens]\naccess = 1\nrefresh = true\n', /no \[tokens\] access and refresh/],
    ['BOM then garbage', '\uFEFF= = =', /not valid TOML/],
  ])('treats a corrupt file (%s) as logged out without echoing it', (_name, content, why) => {
    const home = tempDir();
    mkdirSync(path.join(home, '.spec-kitty'), { mode: 0o700 });
    writeFileSync(credentialsPath(home), content, { mode: 0o600 });
    const state = readCredentials(home);
    expect(state.status).toBe('corrupt');
    expect(state.status === 'corrupt' && state.problem).toMatch(why);
    expect(readFileSync(credentialsPath(home), 'utf8')).toBe(content);
  });

  it('warns about a world-readable file and fixes the mode on the next write', () => {
    if (process.getuid?.() === 0 && process.platform === 'win32') return;
    const home = tempDir();
    writeCredentials(home, creds);
    chmodSync(credentialsPath(home), 0o644);
    const state = readCredentials(home);
    expect(state.status === 'present' && state.warnings[0]).toMatch(/readable by other users \(mode 644\)/);
    writeCredentials(home, creds);
    expect(statSync(credentialsPath(home)).mode & 0o777).toBe(0o600);
  });

  it('refuses a symlink that leaves ~/.spec-kitty', () => {
    const home = tempDir();
    const outside = tempDir();
    writeFileSync(path.join(outside, 'stolen'), '[tokens]\naccess="a"\nrefresh="r"\n');
    mkdirSync(path.join(home, '.spec-kitty'), { mode: 0o700 });
    symlinkSync(path.join(outside, 'stolen'), credentialsPath(home));
    expect(() => readCredentials(home)).toThrow(expect.objectContaining({ code: 'CREDENTIALS_UNSAFE' }));
    expect(() => writeCredentials(home, creds)).toThrow(expect.objectContaining({ code: 'CREDENTIALS_UNSAFE' }));
  });
});
