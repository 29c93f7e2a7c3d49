import { afterEach } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './helpers.js';
import { workflowSandbox } from './workflow-sandbox.js';

/**
 * One reference server per test: registers an `afterEach` that stops the server the test started, and returns the
 * function that starts it (the arguments of `startIngestProcess`).
 */
export function ingestServerPerTest(): typeof startIngestProcess {
  let running: IngestProcess | null = null;
  afterEach(async () => {
    await running?.stop();
    running = null;
  });
  return async (args, credentials) => (running = await startIngestProcess(args, credentials));
}

/** The reference server's launcher, as README.md documents it */
export const ingestBin = path.join(repoRoot, 'apps/ingest-server/bin/run.js');

/** The reference server running as a child process. */
export interface IngestProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the server wrote on stdout and stderr so far. */
  output(): string;
  /** Events the server holds, in arrival order (read through its API with basic credentials). */
  events(): Promise<Array<{ seq: number; username: string; event: Record<string, unknown> }>>;
  stop(): Promise<number | null>;
}

/** Starts `node apps/ingest-server/bin/run.js ARGS --port 0` and waits for its "listening on" line. */
export function startIngestProcess(args: readonly string[], credentials = 'ada:secret'): Promise<IngestProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ingestBin, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let started = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ingest server did not start: ${out}`));
    }, 20_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m && !started) {
        started = true;
        clearTimeout(timer);
        const url = m[1] as string;
        const auth = `Basic ${Buffer.from(credentials).toString('base64')}`;
        resolve({
          url,
          child,
          output: () => out,
          async events() {
            const r = await fetch(`${url}/api/v1/events/?limit=1000`, { headers: { authorization: auth } });
            if (r.status !== 200) throw new Error(`GET /api/v1/events/ answered ${r.status}`);
            return ((await r.json()) as { events: Array<{ seq: number; username: string; event: Record<string, unknown> }> }).events;
          },
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done(child.exitCode);
              child.once('exit', (code) => done(code));
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ingest server exited with ${code}: ${out}`));
    });
  });
}

/**
 * An isolated user for the CLI: temp HOME and runtime, fixed git identity, sync flag unset. Background delivery
 * after commands is off unless `autoDeliver` is set, so a test decides when `sync now` sends.
 */
export function cliSandbox(options: { readonly autoDeliver?: boolean } = {}) {
  const { root, home, project, env, kitty: run } = workflowSandbox('kitty-ingest-e2e-', options);
  const kitty = (args: string[], input?: string, cwd = project) => run(args, { cwd, ...(input === undefined ? {} : { input }) });
  return { root, home, project, env, kitty };
}

/** Copies the queue files (databases and their -wal/-shm) of a HOME aside, to put them back later. */
export function snapshotQueues(home: string): () => void {
  const dir = path.join(home, '.spec-kitty', 'queues');
  const saved = path.join(home, '..', 'queues-snapshot');
  rmSync(saved, { recursive: true, force: true });
  mkdirSync(saved);
  const names = existsSync(dir) ? readdirSync(dir).filter((n) => /\.db(-wal|-shm)?$/.test(n)) : [];
  for (const n of names) copyFileSync(path.join(dir, n), path.join(saved, n));
  return () => {
    for (const n of readdirSync(dir).filter((x) => /\.db(-wal|-shm)?$/.test(x))) rmSync(path.join(dir, n));
    for (const n of names) copyFileSync(path.join(saved, n), path.join(dir, n));
  };
}
