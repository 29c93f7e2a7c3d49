import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { openQueue } from '@kitty/queue';
import { cleanupTempDirs } from '@kitty/test-utils';
import { repoRoot } from './helpers.js';
import { cliSandbox, startIngestProcess, type IngestProcess } from './ingest-server-process.js';
import { writeTasks } from './workflow-sandbox.js';

afterAll(cleanupTempDirs);

let server: IngestProcess | null = null;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      c();
    } catch {
      // best effort: the next cleanup still runs
    }
  }
  await server?.stop();
  server = null;
});

const isRoot = process.getuid?.() === 0;
const json = (stdout: string) => JSON.parse(stdout) as Record<string, any>;

function tryMount(args: string[]): boolean {
  if (!isRoot) return false;
  try {
    execFileSync('mount', args, { stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}
const umount = (dir: string) => execFileSync('umount', [dir], { stdio: 'ignore', timeout: 10_000 });

/**
 * A logged-in user with sync on, a project with one feature of six work packages, and the reference ingest server.
 * `queues` is mounted as a small tmpfs first when `tmpfsQueues` is set (and this process may mount).
 */
async function setup(options: { readonly tmpfsQueues?: boolean } = {}) {
  const sb = cliSandbox();
  const queues = path.join(sb.home, '.spec-kitty', 'queues');
  mkdirSync(queues, { recursive: true, mode: 0o700 });
  const tmpfs = options.tmpfsQueues === true && tryMount(['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', queues]);
  if (tmpfs) cleanups.push(() => umount(queues));
  server = await startIngestProcess(['--user', 'ada:secret', '--team', 'acme', '--db', path.join(sb.root, 'ingest.db')]);
  const ok = async (args: string[], extra: { env?: NodeJS.ProcessEnv } = {}) => {
    const r = await run(args, extra);
    expect({ args, code: r.code, stderr: r.code === 0 ? '' : r.stderr }).toEqual({ args, code: 0, stderr: '' });
    return r;
  };
  const run = (args: string[], extra: { env?: NodeJS.ProcessEnv } = {}) =>
    extra.env === undefined
      ? sb.kitty(args)
      : import('./async-cli.js').then((m) => m.runCliAsync(args, { cwd: sb.project, env: { ...sb.env, ...extra.env }, timeoutMs: 60_000 }));
  await ok(['sync', 'server', server.url, '--json']);
  const login = await sb.kitty(['auth', 'login', '-u', 'ada', '--password-stdin', '--json'], 'secret\n');
  expect(login.code).toBe(0);
  await ok(['init', '--here', '--ai', 'claude', '--non-interactive', '--json']);
  const created = await ok(['agent', 'feature', 'create-feature', 'shop', '--json']);
  const featureDir = json(created.stdout)['feature_dir'] as string;
  writeTasks(featureDir, 6);
  await ok(['agent', 'feature', 'finalize-tasks', '--json']);
  const logFile = path.join(featureDir, 'status.events.jsonl');
  /** Event ids of every committed lane change (the status log at HEAD). */
  const committedIds = (): string[] => {
    const text = execFileSync('git', ['show', `HEAD:${path.relative(sb.project, logFile)}`], {
      cwd: sb.project,
      encoding: 'utf8',
      env: { ...process.env, ...sb.env },
    });
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { event_id: string }).event_id);
  };
  /** Lane-change event ids the server holds, with how many times each arrived. */
  const serverCounts = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    for (const e of await (server as IngestProcess).events()) {
      if (e.event['event_type'] !== 'WPStatusChanged') continue;
      const id = e.event['event_id'] as string;
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  };
  /** After the fault: every committed lane change reached the server exactly once by event_id. */
  const expectAllDeliveredOnce = async () => {
    const counts = await serverCounts();
    const ids = committedIds();
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter((id) => counts.get(id) !== 1)).toEqual([]);
    expect([...counts.keys()].filter((id) => !ids.includes(id))).toEqual([]);
  };
  const move = (wp: string, to: string, env?: NodeJS.ProcessEnv) =>
    run(['agent', 'tasks', 'move-task', wp, '--to', to, '--agent', 'claude', '--json'], env === undefined ? {} : { env });
  const queueFile = () => {
    const names = readdirSync(queues).filter((n) => /^queue-[0-9a-f]{16}\.db$/.test(n));
    expect(names).toHaveLength(1);
    return path.join(queues, names[0] as string);
  };
  /** `sync now --json` ran and sent (its status, not its exit code: see the report about exit classes). */
  const syncNow = async () => {
    const r = await run(['sync', 'now', '--json']);
    expect({ status: json(r.stdout)['status'], failed: json(r.stdout)['failed'] }).toEqual({ status: 'ok', failed: 0 });
    return r;
  };
  return {
    sb,
    url: server.url,
    queues,
    tmpfs,
    ok,
    run,
    move,
    syncNow,
    committedIds,
    serverCounts,
    expectAllDeliveredOnce,
    queueFile,
    logFile,
  };
}

/** Another process holding an exclusive lock on a SQLite file until released (killed). */
function holdLock(file: string): Promise<{ release: () => Promise<void> }> {
  const script = `const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.exec('BEGIN EXCLUSIVE'); console.log('locked'); setInterval(() => {}, 1000);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, file], {
      cwd: path.join(repoRoot, 'apps/cli'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the lock holder did not start: ${out}`));
    }, 30_000);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) {
        clearTimeout(timer);
        resolve({
          release: () =>
            new Promise((done) => {
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
  });
}

// Each scenario spawns the CLI a dozen times; on a loaded machine that takes minutes (bounded at 5).
describe('reconciliation from the committed status log: no lane change is lost when queueing fails', () => {
  it('SIGKILL between the commit and the enqueue: the next command queues it, sync now delivers every lane change once', async () => {
    const t = await setup();
    expect(json((await t.move('WP01', 'claimed')).stdout)['events_queued']).toBeGreaterThan(0);
    const before = t.committedIds();
    // WP03: no dependencies (WP02 depends on WP01, so claiming it is refused before any commit).
    const killed = await t.move('WP03', 'claimed', { SPEC_KITTY_FAULT: 'kill-before-enqueue' });
    expect(killed.code).not.toBe(0);
    // The lane change is committed, but not queued.
    const ids = t.committedIds();
    expect(ids.slice(0, -1)).toEqual(before);
    const killedId = ids[ids.length - 1] as string;
    expect(readFileSync(t.logFile, 'utf8')).toContain(killedId);
    const q = await openQueue({ homeDir: t.sb.home, scope: { serverUrl: t.url, username: 'ada' }, now: () => new Date() });
    expect(q.path).toBe(t.queueFile());
    expect((await q.seenEventIds([killedId])).size).toBe(0);
    await q.close();

    const next = json((await t.move('WP04', 'claimed')).stdout);
    expect(next['events_queued']).toBe(2); // its own lane change and the killed command's
    await t.syncNow();
    await t.expectAllDeliveredOnce();
    // Reconciling again (another command, another sync) sends nothing twice. in_progress needs the workspace:
    // implement creates it and commits WP01's move to in_progress.
    const started = t.committedIds().length;
    await t.ok(['implement', 'WP01', '--agent', 'claude', '--json']);
    expect(t.committedIds().length).toBeGreaterThan(started);
    await t.syncNow();
    await t.expectAllDeliveredOnce();
  }, 300_000);

  it('SIGKILL between the commit and the enqueue: sync now alone queues it from the log and delivers it once', async () => {
    const t = await setup();
    expect((await t.move('WP01', 'claimed')).code).toBe(0);
    const before = t.committedIds();
    const killed = await t.move('WP03', 'claimed', { SPEC_KITTY_FAULT: 'kill-before-enqueue' });
    expect(killed.code).not.toBe(0);
    const ids = t.committedIds();
    expect(ids.slice(0, -1)).toEqual(before);
    const killedId = ids[ids.length - 1] as string;
    const first = await t.syncNow();
    expect(json(first.stdout)['reconciled_from_log']).toBe(1);
    expect(first.stderr).toContain('from the status log');
    await t.expectAllDeliveredOnce();
    expect((await t.serverCounts()).get(killedId)).toBe(1);
    // A second sync finds nothing new in the log and sends nothing twice: the queue is empty.
    const again = json((await t.run(['sync', 'now', '--json'])).stdout);
    expect({ status: again['status'], failed: again['failed'], reconciled: again['reconciled_from_log'] }).toEqual({
      status: 'empty',
      failed: 0,
      reconciled: 0,
    });
    await t.expectAllDeliveredOnce();
  }, 300_000);

  it('the queue locked by another process beyond the busy timeout during a move', async () => {
    const t = await setup();
    expect((await t.move('WP01', 'claimed')).code).toBe(0);
    const lock = await holdLock(t.queueFile());
    let locked;
    try {
      locked = await t.move('WP03', 'claimed'); // WP02 depends on WP01: its claim would be refused
    } finally {
      await lock.release();
    }
    expect(locked.code).toBe(0);
    expect(json(locked.stdout)['events_queued']).toBe(0);
    expect(locked.stderr).toMatch(/locked by another process/);
    expect(locked.stderr).toMatch(/next command or `spec-kitty sync now` queues them/);
    expect((await t.move('WP04', 'claimed')).code).toBe(0);
    await t.syncNow();
    await t.expectAllDeliveredOnce();
  }, 300_000);

  it('a read-only home (a read-only bind mount as root, else chmod): the move succeeds, nothing is lost', async () => {
    const t = await setup();
    expect((await t.move('WP01', 'claimed')).code).toBe(0);
    const dir = path.join(t.sb.home, '.spec-kitty');
    const mounted = tryMount(['--bind', t.sb.home, t.sb.home]) && tryMount(['-o', 'remount,bind,ro', t.sb.home]);
    let r;
    try {
      if (!mounted) {
        chmodSync(t.queues, 0o500);
        chmodSync(dir, 0o500);
      }
      r = await t.move('WP03', 'claimed'); // WP02 depends on WP01: its claim would be refused
    } finally {
      if (mounted) umount(t.sb.home);
      else {
        chmodSync(dir, 0o700);
        chmodSync(t.queues, 0o700);
      }
    }
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/read-only|cannot be written/);
    expect(r.stderr).not.toMatch(/report it|CREDENTIALS_LOCKED/);
    expect((await t.move('WP04', 'claimed')).code).toBe(0);
    await t.syncNow();
    await t.expectAllDeliveredOnce();
  }, 300_000);

  it('a full disk under the queue (a small tmpfs as root, else an unwritable queue file): delivered once the space is back', async () => {
    const t = await setup({ tmpfsQueues: true });
    expect((await t.move('WP01', 'claimed')).code).toBe(0);
    const file = t.queueFile();
    const filler = path.join(t.queues, 'filler');
    if (t.tmpfs) {
      // Fill the file system to the last block.
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4096'], { stdio: 'ignore', timeout: 30_000 });
      } catch {
        // dd stops with "No space left on device": that is the point
      }
    } else {
      chmodSync(file, 0o400);
      chmodSync(t.queues, 0o500);
    }
    let r;
    try {
      r = await t.move('WP03', 'claimed'); // WP02 depends on WP01: its claim would be refused
    } finally {
      if (t.tmpfs) rmSync(filler, { force: true });
      else {
        chmodSync(t.queues, 0o700);
        chmodSync(file, 0o600);
      }
    }
    expect(r.code).toBe(0);
    expect(json(r.stdout)['events_queued']).toBe(0);
    expect(r.stderr).toMatch(t.tmpfs ? /No space left on the disk/ : /read-only|cannot be written/);
    expect(r.stderr).not.toMatch(/disk I\/O error/);
    expect((await t.move('WP04', 'claimed')).code).toBe(0);
    await t.syncNow();
    await t.expectAllDeliveredOnce();
  }, 300_000);
});
