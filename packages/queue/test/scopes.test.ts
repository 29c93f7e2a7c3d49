import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs, tempDir } from '@kitty/test-utils';
import { listScopes, scopeServerUrl, queuePath, scopeKey } from '../src/index.js';
import { draft, openTest } from './helpers.js';

afterAll(() => cleanupTempDirs());

const ADA = { serverUrl: 'https://kitty.example.com', username: 'ada' };
const BOB = { serverUrl: 'https://kitty.example.com', username: 'bob' };

describe('queue file per scope', () => {
  it('uses ~/.spec-kitty/queue.db logged out and queues/queue-<sha16>.db per server + account', () => {
    const home = tempDir();
    expect(queuePath(home)).toBe(path.join(home, '.spec-kitty', 'queue.db'));
    expect(queuePath(home, null)).toBe(path.join(home, '.spec-kitty', 'queue.db'));
    const sha16 = createHash('sha256').update('https://kitty.example.com\nada').digest('hex').slice(0, 16);
    expect(scopeKey(ADA)).toBe(sha16);
    expect(queuePath(home, ADA)).toBe(path.join(home, '.spec-kitty', 'queues', `queue-${sha16}.db`));
    // Spelling variants of the same server and account share one file; different accounts do not.
    expect(queuePath(home, { serverUrl: 'HTTPS://Kitty.Example.com:443/', username: ' Ada ' })).toBe(queuePath(home, ADA));
    expect(queuePath(home, BOB)).not.toBe(queuePath(home, ADA));
    expect(scopeServerUrl('http://127.0.0.1:8000/base//?q=1#x')).toBe('http://127.0.0.1:8000/base');
  });

  it('refuses bad scopes and home directories with QUEUE_INVALID_ARGUMENT', () => {
    const home = tempDir();
    for (const scope of [
      { serverUrl: 'ftp://kitty.example.com', username: 'ada' },
      { serverUrl: 'not a url', username: 'ada' },
      { serverUrl: 'https://kitty.example.com', username: '  ' },
      { serverUrl: 'https://kitty.example.com' },
    ]) {
      expect(() => queuePath(home, scope as never)).toThrow(expect.objectContaining({ code: 'QUEUE_INVALID_ARGUMENT' }));
    }
    expect(() => queuePath('')).toThrow(expect.objectContaining({ code: 'QUEUE_INVALID_ARGUMENT' }));
    expect(() => queuePath('relative')).toThrow(expect.objectContaining({ code: 'QUEUE_INVALID_ARGUMENT' }));
  });

  it('records the scope inside the file and lists every queue of a home with its counts', async () => {
    const home = tempDir();
    expect(await listScopes(home)).toEqual([]);
    const out = await openTest({ homeDir: home });
    await out.queue.enqueueMany([draft(1), draft(2)]);
    const ada = await openTest({ homeDir: home, scope: { serverUrl: 'https://Kitty.example.com/', username: 'Ada' } });
    expect(ada.queue.scope).toEqual(ADA);
    expect(ada.queue.path).toBe(queuePath(home, ADA));
    await ada.queue.enqueue(draft(3));
    expect((await ada.queue.stats()).scope).toEqual(ADA);
    await out.queue.close();
    await ada.queue.close();
    const scopes = await listScopes(home);
    expect(scopes).toEqual([
      { path: queuePath(home), scope: null, pending: 2, dead: 0, bytes: expect.any(Number), error: null },
      { path: queuePath(home, ADA), scope: ADA, pending: 1, dead: 0, bytes: expect.any(Number), error: null },
    ]);
    // A damaged file is reported, not repaired, by listScopes.
    writeFileSync(queuePath(home), 'this is not a database at all, just some text long enough to be a header'.repeat(3));
    const before = readFileSync(queuePath(home));
    const listed = await listScopes(home);
    expect(listed[0]).toMatchObject({ path: queuePath(home), pending: null, error: expect.any(String) });
    expect(readFileSync(queuePath(home))).toEqual(before);
  });

  it('refuses a file that records another scope (QUEUE_SCOPE_MISMATCH)', async () => {
    const home = tempDir();
    const ada = await openTest({ homeDir: home, scope: ADA });
    await ada.queue.close();
    mkdirSync(path.dirname(queuePath(home, BOB)), { recursive: true });
    copyFileSync(queuePath(home, ADA), queuePath(home, BOB));
    await expect(openTest({ homeDir: home, scope: BOB })).rejects.toMatchObject({ code: 'QUEUE_SCOPE_MISMATCH' });
  });
});

describe('the Lamport clock never goes back when a new scope file appears', () => {
  it('seeds a new file from the highest clock of the other queues in the same home', async () => {
    const home = tempDir();
    const out = await openTest({ homeDir: home });
    await out.queue.enqueueMany([1, 2, 3, 4, 5].map((n) => draft(n)));
    await out.queue.close();
    const ada = await openTest({ homeDir: home, scope: ADA });
    expect(await ada.queue.clock.read()).toBe(5);
    await ada.queue.clock.update(() => 20);
    expect((await ada.queue.enqueue(draft(6))).lamport_clock).toBe(21);
    await ada.queue.close();
    const bob = await openTest({ homeDir: home, scope: BOB });
    expect((await bob.queue.enqueue(draft(7))).lamport_clock).toBe(22);
    await bob.queue.close();
    // An existing file keeps its own clock (it is not pulled up by its neighbours on every open).
    const again = await openTest({ homeDir: home });
    expect(await again.queue.clock.read()).toBe(5);
    await again.queue.close();
  });

  it("continues above the Python CLI's ~/.spec-kitty/clock.json", async () => {
    const home = tempDir({
      '.spec-kitty/clock.json': JSON.stringify({ value: 41, node_id: 'abcdefabcdef', updated_at: '2026-01-01T00:00:00+00:00' }),
    });
    const t = await openTest({ homeDir: home });
    expect((await t.queue.enqueue(draft(1))).lamport_clock).toBe(42);
    await t.queue.close();
    writeFileSync(path.join(home, '.spec-kitty', 'clock.json'), JSON.stringify({ value: 100 }));
    const again = await openTest({ homeDir: home });
    expect((await again.queue.enqueue(draft(2))).lamport_clock).toBe(101);
    await again.queue.close();
    writeFileSync(path.join(home, '.spec-kitty', 'clock.json'), '{ not json');
    const third = await openTest({ homeDir: home });
    expect((await third.queue.enqueue(draft(3))).lamport_clock).toBe(102);
    expect(third.warnings).toEqual([]);
    await third.queue.close();
  });
});
