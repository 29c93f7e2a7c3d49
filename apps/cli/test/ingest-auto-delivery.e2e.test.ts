import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanupTempDirs } from '@kitty/test-utils';
import { cliSandbox, ingestServerPerTest } from './ingest-server-process.js';

afterAll(cleanupTempDirs);

const startServer = ingestServerPerTest();

/** Polls `probe` until it returns a value (not undefined), at most `limitMs`; the wait is bounded, never asserted. */
async function eventually<T>(probe: () => Promise<T | undefined>, limitMs = 30_000): Promise<T | undefined> {
  const end = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('e2e: background delivery to the reference ingest server (the README flow)', () => {
  it('delivers what a workflow command queued without `sync now`, and leaves the queue empty', async () => {
    const sb = cliSandbox({ autoDeliver: true });
    const server = await startServer(['--user', 'ada:secret']);
    const srv = server;
    expect((await sb.kitty(['sync', 'server', srv.url])).code).toBe(0);
    expect((await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin'], 'secret\n')).code).toBe(0);
    expect((await sb.kitty(['init', '--here', '--ai', 'claude', '--non-interactive'])).code).toBe(0);
    expect((await sb.kitty(['agent', 'feature', 'create-feature', 'demo'])).code).toBe(0);

    const arrived = await eventually(async () => {
      const events = await srv.events();
      return events.some((e) => e.event['event_type'] === 'FeatureCreated') ? events : undefined;
    });
    expect(arrived?.map((e) => [e.event['event_type'], e.event['aggregate_id'], e.username])).toEqual([
      ['FeatureCreated', '001-demo', 'ada'],
    ]);
    const drained = await eventually(async () => {
      const status = JSON.parse((await sb.kitty(['sync', 'status', '--json'])).stdout) as { queue: { stats: { depth: number } | null } };
      return status.queue.stats?.depth === 0 ? status : undefined;
    });
    expect(drained?.queue.stats?.depth).toBe(0);
    const now = await sb.kitty(['sync', 'now']);
    expect(now.code).toBe(0);
    expect(now.stdout).toContain('Queue is empty');
    expect(await srv.events()).toHaveLength(1);
  }, 120_000);
});
