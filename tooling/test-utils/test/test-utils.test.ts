import { afterAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { cleanupTempDirs, createHttpTestServer, fixedClock, gitRepo, tempDir } from '../src/index.js';

afterAll(cleanupTempDirs);

describe('test-utils', () => {
  it('tempDir writes a tree and cleanup removes it', () => {
    const dir = tempDir({ 'a/b.txt': 'hi', empty: null });
    expect(readFileSync(path.join(dir, 'a/b.txt'), 'utf8')).toBe('hi');
    expect(existsSync(path.join(dir, 'empty'))).toBe(true);
  });

  it('gitRepo makes a real repository with commits on main', async () => {
    const repo = await gitRepo({ 'README.md': '# x\n' });
    const sha = await repo.commit({ 'src/a.ts': 'export {}\n' }, 'add a');
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect((await repo.git.branchLocal()).current).toBe('main');
    expect((await repo.git.log()).total).toBe(2);
    expect((await repo.git.status()).isClean()).toBe(true);
  });

  it('the HTTP server records gzipped JSON and answers scripted responses', async () => {
    const server = await createHttpTestServer();
    try {
      server.on('POST /api', (req) => ({ status: 201, body: { echo: req.json } }));
      const res = await fetch(`${server.url}/api?x=1`, {
        method: 'POST',
        headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' },
        body: gzipSync(JSON.stringify({ a: 1 })),
      });
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ echo: { a: 1 } });
      expect(server.requests[0]?.json).toEqual({ a: 1 });
      expect((await fetch(`${server.url}/nope`)).status).toBe(404);
      server.on('GET /drop', { destroy: true });
      await expect(fetch(`${server.url}/drop`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it('fixedClock only moves when told', () => {
    const clock = fixedClock('2026-02-01T00:00:00Z');
    expect(clock.now().toISOString()).toBe('2026-02-01T00:00:00.000Z');
    clock.advance(1500);
    expect(clock.nowMs()).toBe(Date.parse('2026-02-01T00:00:01.500Z'));
    expect(() => fixedClock('nope')).toThrow('not an ISO timestamp');
  });
});
