import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupTempDirs } from '@kitty/test-utils';
import { openQueue } from '../src/index.js';
import { draft, openTest } from './helpers.js';

afterAll(cleanupTempDirs);

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'claim-and-hang.mjs');

/** Starts a real process that claims `limit` events and hangs; resolves once it has claimed. */
function claimAndHang(home: string, host: string, limit: number): Promise<{ pid: number; kill: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, home, host, String(limit)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the claimer did not claim in time: ${out}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/claimed \d+/.test(out)) {
        clearTimeout(timer);
        resolve({
          pid: child.pid as number,
          kill: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  });
}

describe('leases record their owner (pid, host)', () => {
  it('a claim whose process was killed is released at once by the next claimer on the same host', async () => {
    const t = await openTest({ host: 'box-a', now: () => new Date() });
    await t.queue.enqueueMany(Array.from({ length: 30 }, (_, i) => draft(i + 1)));
    // One event waits for its retry time: it must not be counted as leased.
    const first = await t.queue.claimBatch({ limit: 1 });
    await t.queue.applyResults(first.claimId as string, [
      { eventId: first.events[0]?.eventId as string, status: 'rejected', error: 'bad' },
    ]);

    const claimer = await claimAndHang(t.home, 'box-a', 20);
    let stats = await t.queue.stats();
    expect(stats).toMatchObject({ inFlight: 20, leasedByGoneProcess: 0, backingOff: 1 });
    await claimer.kill();
    stats = await t.queue.stats();
    expect(stats).toMatchObject({ inFlight: 20, leasedByGoneProcess: 20, backingOff: 1 });

    const next = await t.queue.claimBatch({ limit: 100, pid: process.pid });
    expect(next.releasedStale).toBe(20);
    expect(next.events).toHaveLength(29); // 20 released + 9 never claimed; the rejected one waits for its retry
    await t.queue.close();
  });

  it('claims of another host or of a live process are left to their lease', async () => {
    const t = await openTest({ host: 'box-a', now: () => new Date() });
    await t.queue.enqueueMany(Array.from({ length: 10 }, (_, i) => draft(i + 1)));
    const other = await claimAndHang(t.home, 'box-b', 5);
    try {
      const alive = await claimAndHang(t.home, 'box-a', 3);
      try {
        const next = await t.queue.claimBatch({ limit: 100, pid: process.pid });
        expect(next.releasedStale).toBe(0);
        expect(next.events).toHaveLength(2);
      } finally {
        await alive.kill();
      }
    } finally {
      await other.kill();
    }
    // Killed on box-b: this host cannot judge a pid of another machine.
    const q = await openQueue({ homeDir: t.home, now: () => new Date(), host: 'box-a' });
    const again = await q.claimBatch({ limit: 100, pid: process.pid });
    expect(again.releasedStale).toBe(3);
    expect(again.events).toHaveLength(3);
    await q.close();
    await t.queue.close();
  });
});
