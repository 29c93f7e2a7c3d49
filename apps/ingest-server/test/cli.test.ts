import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { main, type IngestServer } from '../src/index.js';
import { login, request } from './support.js';

afterAll(cleanupTempDirs);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) } };
}

async function run(args: string[]) {
  const c = io();
  const result = await main(args, c.io);
  return { ...c, result };
}

describe('kitty-ingest-server command line', () => {
  it('prints usage with --help and exits 0', async () => {
    const r = await run(['--help']);
    expect(r.result).toBe(0);
    expect(r.out.join('')).toContain('--user NAME:PASSWORD');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc', '--user', 'ada:x'], /--port needs a whole number/],
    [['--user', 'ada'], /expected NAME:PASSWORD/],
    [['--lane-model', '5-lane', '--user', 'a:b'], /--lane-model must be 4-lane or 7-lane/],
    [[], /No user can log in/],
    [['--users-file', '/nonexistent/users.txt'], /cannot read/],
  ])('exits 2 for %j with a clear message', async (args, message) => {
    const r = await run(args);
    expect(r.result).toBe(2);
    expect(r.err.join('')).toMatch(message);
  });

  it('starts with users from flags and a file, prints where it listens, never the passwords', async () => {
    const file = path.join(tempDir(), 'users.txt');
    writeFileSync(file, '# accounts\nbob:pa:ss\n\n');
    const r = await run([
      '--port',
      '0',
      '--user',
      'ada:secret',
      '--users-file',
      file,
      '--team',
      'acme',
      '--lane-model',
      '7-lane',
      '--quiet',
      '--no-rotate',
    ]);
    const server = r.result as IngestServer;
    try {
      const text = r.out.join('');
      expect(text).toContain(`kitty ingest server listening on ${server.url}`);
      expect(text).toContain('lane model 7-lane');
      expect(text).toContain('users: ada, bob');
      expect(text).not.toMatch(/secret|pa:ss/);
      const t = await login(server.url, 'bob', 'pa:ss');
      expect(t.team_slug).toBe('acme');
      expect(r.err.join('')).toBe('');
      expect((await request(`${server.url}/healthz`)).json.lane_model).toBe('7-lane');
    } finally {
      await server.close();
    }
  });

  it('logs requests on stderr unless --quiet, and warns about plain http off loopback', async () => {
    const r = await run(['--port', '0', '--allow-any-user', '--host', '0.0.0.0']);
    const server = r.result as IngestServer;
    try {
      expect(r.err.join('')).toContain('plain http');
      await login(`http://127.0.0.1:${server.port}`, 'anyone', 'pw');
      expect(r.err.join('')).toMatch(/POST \/api\/v1\/token\/ 200 anyone/);
    } finally {
      await server.close();
    }
  });
});
