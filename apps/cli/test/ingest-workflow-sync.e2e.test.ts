import { afterAll, describe, expect, it } from '@jest/globals';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs } from '@kitty/test-utils';
import { cliSandbox, snapshotQueues, ingestServerPerTest } from './ingest-server-process.js';

afterAll(cleanupTempDirs);

const startServer = ingestServerPerTest();

const TASKS_MD = `# Work Packages: Demo

## Work Package WP01: Schema (Priority: P0)

### Included Subtasks
- [ ] T001 Create the table

## Work Package WP02: Endpoint (Priority: P1)

### Included Subtasks
- [ ] T002 Add the endpoint

### Dependencies
- Depends on WP01.
`;

const wpFile = (id: string, title: string) => `---
work_package_id: "${id}"
title: "${title}"
lane: "planned"
subtasks: []
phase: "Phase 1"
history: []
---
# Work Package Prompt: ${id} – ${title}
`;

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

/**
 * The "done when" scenario through the built binaries, on one machine: the reference server started
 * with its documented command, then `sync server`, `auth login`, workflow commands that queue events
 * (create-feature → FeatureCreated, finalize-tasks → one WPCreated per work package), `sync now`, a re-send
 * after lost acknowledgements (duplicates) and `contract verify`. Background delivery is off here so that the
 * test decides when events are sent; ingest-auto-delivery.e2e.test.ts covers it switched on.
 */
describe('e2e: reference ingest server ← spec-kitty workflow commands and sync', () => {
  it('syncs exactly what the workflow commands queued, handles a re-send as duplicates, and passes contract verify', async () => {
    const sb = cliSandbox();
    const server = await startServer(['--user', 'ada:secret', '--team', 'acme', '--db', path.join(sb.root, 'ingest.db')]);
    const url = server.url;

    expect((await sb.kitty(['sync', 'server', url, '--json'])).code).toBe(0);
    const login = await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'secret\n');
    expect(login.code).toBe(0);
    expect(json(login.stdout)).toMatchObject({ username: 'ada', teamSlug: 'acme', serverUrl: url });

    // Workflow commands.
    const init = await sb.kitty(['init', '--here', '--ai', 'claude', '--non-interactive', '--json']);
    expect(init.code).toBe(0);
    const created = await sb.kitty(['agent', 'feature', 'create-feature', 'demo', '--json']);
    expect(created.code).toBe(0);
    const fdir = json(created.stdout)['feature_dir'] as string;
    writeFileSync(path.join(fdir, 'tasks.md'), TASKS_MD);
    writeFileSync(path.join(fdir, 'tasks/WP01-schema.md'), wpFile('WP01', 'Schema'));
    writeFileSync(path.join(fdir, 'tasks/WP02-endpoint.md'), wpFile('WP02', 'Endpoint'));
    const fin = await sb.kitty(['agent', 'feature', 'finalize-tasks', '--json']);
    expect(fin.code).toBe(0);
    // A lane change: implement claims WP01 (WPStatusChanged events, 4-lane payloads, which the server checks).
    const impl = await sb.kitty(['implement', 'WP01', '--agent', 'claude', '--json']);
    expect(impl.code).toBe(0);

    // What they queued, read from the queue itself.
    const q = await openQueue({ homeDir: sb.home, scope: { serverUrl: url, username: 'ada' }, now: () => new Date() });
    const pending = await q.listPending({ limit: 1000 });
    await q.close();
    const queued = pending.map((p) => p.eventId);
    const types = pending.map((p) => p.eventType);
    expect(types.slice(0, 3)).toEqual(['FeatureCreated', 'WPCreated', 'WPCreated']);
    expect(types.length).toBeGreaterThan(3);
    expect(types.slice(3).every((t) => t === 'WPStatusChanged')).toBe(true);
    expect(pending.every((p) => (p.envelope as Record<string, unknown> | null)?.['team_slug'] === 'acme')).toBe(true);

    const restore = snapshotQueues(sb.home);
    const sync = await sb.kitty(['sync', 'now', '--json']);
    const result = json(sync.stdout);
    expect(sync.code).toBe(0);
    expect(result).toMatchObject({ status: 'ok', synced: queued.length, failed: 0, remaining: 0 });
    const held = await server.events();
    expect(held.map((e) => e.event['event_id'])).toEqual(queued);
    expect(held[0]?.event).toMatchObject({
      event_type: 'FeatureCreated',
      aggregate_id: '001-demo',
      payload: { feature_slug: '001-demo', feature_number: '001' },
    });
    expect(new Set(held.slice(1, 3).map((e) => e.event['causation_id'])).size).toBe(1);
    expect(held.find((e) => e.event['event_type'] === 'WPStatusChanged')?.event).toMatchObject({
      payload: { wp_id: 'WP01', lane_model: '4-lane' },
    });
    expect(held.every((e) => e.username === 'ada')).toBe(true);
    const status = await sb.kitty(['sync', 'status', '--check', '--json']);
    expect(status.code).toBe(0);
    expect(json(status.stdout)).toMatchObject({
      queue: { stats: { depth: 0, dead: 0 } },
      connection: { state: 'connected' },
      healthy: true,
    });

    // The acknowledgements are lost (queue files restored as they were before the sync): a re-send is all duplicates.
    restore();
    const again = await sb.kitty(['sync', 'now', '--json']);
    expect(again.code).toBe(0);
    expect(json(again.stdout)).toMatchObject({ synced: 0, duplicates: queued.length, failed: 0, remaining: 0 });
    expect(await server.events()).toHaveLength(queued.length);

    const verify = await sb.kitty(['contract', 'verify', url, '-u', 'ada', '--password-stdin', '--json'], 'secret\n');
    expect(verify.code).toBe(0);
    const report = json(verify.stdout);
    expect(report).toMatchObject({ ok: true, failed: 0, warned: 0 });
    expect(report['cases'].filter((c: { outcome: string }) => c.outcome !== 'pass')).toEqual([]);
  }, 120_000);
});
