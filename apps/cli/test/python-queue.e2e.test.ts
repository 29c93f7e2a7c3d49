import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs, pythonReferenceDir } from '@kitty/test-utils';
import { cliSandbox, ingestServerPerTest } from './ingest-server-process.js';

afterAll(cleanupTempDirs);

const startServer = ingestServerPerTest();

const reference = pythonReferenceDir(path.dirname(fileURLToPath(import.meta.url)));
const pythonEvents = readFileSync(path.join(reference, 'home/queue-data.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Puts Python's ~/.spec-kitty (queue.db, clock.json, config.toml, credentials) into the sandbox HOME. */
function installPythonHome(home: string, files: readonly string[] = ['queue.db', 'clock.json', 'config.toml']): void {
  mkdirSync(path.join(home, '.spec-kitty'), { recursive: true });
  for (const f of files) {
    copyFileSync(path.join(reference, 'home/.spec-kitty', f), path.join(home, '.spec-kitty', f));
    chmodSync(path.join(home, '.spec-kitty', f), 0o600); // the fixture copies are read-only; Python leaves these 0600/0644
  }
}

function pythonRows(home: string): Array<{ event_id: string; kitty_adopted_at: number | null }> {
  const db = new Database(path.join(home, '.spec-kitty', 'queue.db'), { readonly: true });
  try {
    return db.prepare('select event_id, kitty_adopted_at from queue order by id').all() as Array<{
      event_id: string;
      kitty_adopted_at: number | null;
    }>;
  } finally {
    db.close();
  }
}

function pythonColumns(home: string): string[] {
  const db = new Database(path.join(home, '.spec-kitty', 'queue.db'), { readonly: true });
  try {
    return (db.prepare("select name from pragma_table_info('queue')").all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    db.close();
  }
}

const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

describe('the Python spec-kitty 2.0.0 queue: adopted by kitty, delivered once', () => {
  it('sync status works on a Python-only queue.db (logged in, logged out) and says how many events wait', async () => {
    const sb = cliSandbox();
    installPythonHome(sb.home, ['queue.db', 'clock.json', 'config.toml', 'credentials']);
    const loggedIn = await sb.kitty(['sync', 'status', '--json']);
    expect(loggedIn.code).toBe(0);
    const s = json(loggedIn.stdout);
    expect(s['other_queues']).toEqual([expect.objectContaining({ error: null, python_waiting: 17 })]);
    expect(s['warnings'].join('\n')).toMatch(/17 event\(s\) queued by the Python spec-kitty/);
    expect(pythonColumns(sb.home)).not.toContain('kitty_adopted_at'); // status only reads

    const out = cliSandbox();
    installPythonHome(out.home, ['queue.db', 'clock.json']);
    const loggedOut = await out.kitty(['sync', 'status', '--json']);
    expect(loggedOut.code).toBe(0);
    // Logged out, kitty's queue is queue.db itself: reading it is its first use, so Python's events are adopted.
    expect(json(loggedOut.stdout)['queue']['stats']).toMatchObject({ depth: 17, adopted_from_python: 17 });
  });

  it('sync status works on a queue.db shared by both CLIs and reports the adopted count', async () => {
    const sb = cliSandbox();
    installPythonHome(sb.home, ['queue.db', 'clock.json']);
    const q = await openQueue({ homeDir: sb.home, now: () => new Date() }); // kitty's logged-out queue = the same file
    await q.close();
    const r = await sb.kitty(['sync', 'status', '--json']);
    expect(r.code).toBe(0);
    const stats = json(r.stdout)['queue']['stats'];
    expect(stats).toMatchObject({ depth: 17, adopted_from_python: 17 });
    const text = await sb.kitty(['sync', 'status']);
    expect(text.stdout).toMatch(/From Python\s+17 event\(s\) adopted/);
    expect(pythonRows(sb.home)).toHaveLength(17);
  });

  it('every pending Python event reaches the loopback ingest server exactly once, accepted, in Lamport order', async () => {
    const sb = cliSandbox();
    const server = await startServer(
      ['--user', 'maya.chen:tidal-Lantern-42', '--team', 'northwind-labs', '--db', path.join(sb.root, 'ingest.db')],
      'maya.chen:tidal-Lantern-42',
    );
    expect((await sb.kitty(['sync', 'server', server.url])).code).toBe(0);
    const login = await sb.kitty(['auth', 'login', '-u', 'maya.chen', '--password-stdin'], 'tidal-Lantern-42\n');
    expect(login.code).toBe(0);
    // The user switches from Python: its queue (17 pending events, clock at 17) appears in the logged-in HOME.
    installPythonHome(sb.home, ['queue.db', 'clock.json']);
    const first = await sb.kitty(['sync', 'now', '--json']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/Adopted 17 pending event\(s\) queued by the Python spec-kitty/);
    const received = await server.events();
    expect(received.map((e) => e.event['event_id'])).toEqual(pythonEvents.map((e) => e['event_id']));
    expect(received.map((e) => e.event['lamport_clock'])).toEqual(pythonEvents.map((e) => e['lamport_clock']));
    for (const e of received)
      expect(e.event).toMatchObject({
        schema_version: expect.any(String),
        data_tier: expect.any(Number),
        correlation_id: expect.any(String),
      });

    // Again: nothing left, nothing re-adopted, nothing sent twice; Python's rows are still there, marked.
    const second = await sb.kitty(['sync', 'now', '--json']);
    expect(second.code).toBe(0);
    expect(await server.events()).toHaveLength(17);
    const rows = pythonRows(sb.home);
    expect(rows).toHaveLength(17);
    expect(rows.every((r) => typeof r.kitty_adopted_at === 'number')).toBe(true);
    const status = await sb.kitty(['sync', 'status', '--json']);
    expect(json(status.stdout)['queue']['stats']).toMatchObject({ depth: 0, adopted_from_python: 17 });
  });

  it('sync server --unset removes the server URL and turns sync off', async () => {
    const sb = cliSandbox();
    installPythonHome(sb.home, ['config.toml']);
    const r = await sb.kitty(['sync', 'server', '--unset', '--json']);
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ server_url: null, enabled: false, changed: true });
    expect(readFileSync(path.join(sb.home, '.spec-kitty', 'config.toml'), 'utf8')).not.toMatch(/server_url/);
  });
});
