import { afterAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupTempDirs } from '@kitty/test-utils';
import { cliSandbox, ingestServerPerTest } from './ingest-server-process.js';
import { writeTasks } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

const startServer = ingestServerPerTest();

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

describe('a lane change whose reason and agent are over the 64 KiB event limit', () => {
  it('is committed in full, queued with the documented truncation, and delivered (never dropped)', async () => {
    const sb = cliSandbox();
    const server = await startServer(['--user', 'ada:secret', '--team', 'acme', '--db', path.join(sb.root, 'ingest.db')]);
    expect((await sb.kitty(['sync', 'server', server.url, '--json'])).code).toBe(0);
    expect((await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'secret\n')).code).toBe(0);
    expect((await sb.kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--json'])).code).toBe(0);
    const created = await sb.kitty(['agent', 'feature', 'create-feature', 'shop', '--json']);
    const featureDir = json(created.stdout)['feature_dir'] as string;
    writeTasks(featureDir, 2);
    expect((await sb.kitty(['agent', 'feature', 'finalize-tasks', '--json'])).code).toBe(0);

    const reason = 'why '.repeat(25_000); // 100,000 characters
    const agent = `agent-${'x'.repeat(70_000)}`;
    const moved = await sb.kitty([
      'agent',
      'tasks',
      'move-task',
      'WP01',
      '--to',
      'claimed',
      '--agent',
      agent,
      '--reason',
      reason,
      '--json',
    ]);
    expect(moved.code).toBe(0);
    expect(json(moved.stdout)['events_queued']).toBe(1);
    expect(moved.stderr).toMatch(/the synced copy is truncated, the status log keeps the full text/);
    const line = JSON.parse(
      readFileSync(path.join(featureDir, 'status.events.jsonl'), 'utf8').trim().split('\n').pop() as string,
    ) as Record<string, any>;
    expect(line['reason']).toBe(reason);

    const sync = await sb.kitty(['sync', 'now', '--json']);
    expect(json(sync.stdout)).toMatchObject({ status: 'ok', failed: 0 });
    const got = (await server.events()).filter((e) => e.event['event_type'] === 'WPStatusChanged');
    expect(got.map((e) => e.event['event_id'])).toEqual([line['event_id']]);
    const payload = got[0]?.event['payload'] as Record<string, string>;
    expect(payload['reason']).toMatch(
      /^(why ){10}.*… \[truncated by spec-kitty: kept \d+ of 100000 characters; the full text is in status\.events\.jsonl\]$/s,
    );
    expect(Buffer.byteLength(JSON.stringify(got[0]?.event))).toBeLessThanOrEqual(64 * 1024);
  }, 300_000);
});
