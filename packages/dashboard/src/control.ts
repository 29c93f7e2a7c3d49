import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import type { GitPort } from '@kitty/workflow';
import { DashboardError } from './errors.js';
import { dashboardLogPath, readMetadata, removeMetadata, type DashboardMetadata } from './metadata.js';

/** How the command starts the background server: spawns it detached and returns its pid. */
export type LaunchServer = (request: {
  readonly root: string;
  readonly port: number | null;
  readonly token: string;
  readonly logFile: string;
}) => Promise<{ readonly pid: number }> | { readonly pid: number };

/** The process table, as a parameter (tests and the command pass the real one). */
export interface ProcessPort {
  /** Whether a process with this id exists. */
  alive(pid: number): boolean;
  /** Sends a signal; false when there is no such process. */
  kill(pid: number, signal: 'SIGTERM' | 'SIGKILL'): boolean;
  /** The command line of a process when the platform tells it (Linux /proc), else null. */
  commandLine(pid: number): string | null;
  /** Waits `ms` milliseconds. */
  sleep(ms: number): Promise<void>;
}

/** What `spec-kitty dashboard [--json]` prints. */
export interface DashboardInfo {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly project_path: string;
  /** True when a dashboard of this project was already running and is reused. */
  readonly reused: boolean;
  readonly notes: readonly string[];
}

/** What `spec-kitty dashboard --kill [--json]` prints. */
export interface DashboardStopResult {
  readonly stopped: boolean;
  readonly port: number | null;
  readonly pid: number | null;
  readonly message: string;
  readonly notes: readonly string[];
}

interface ControlOptions {
  readonly cwd: string;
  /** The user's home (the server's log goes to ~/.spec-kitty/logs/). */
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly git: GitPort;
  readonly processes: ProcessPort;
}

/** GET a JSON document from the dashboard on loopback; null when it does not answer in time. */
export function getJson(url: string, timeoutMs = 1500): Promise<{ status: number; body: Record<string, unknown> | null } | null> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'GET', timeout: timeoutMs, agent: false, headers: { Accept: 'application/json', Connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> });
          } catch {
            resolve({ status: res.statusCode ?? 0, body: null });
          }
        });
        res.on('error', () => resolve(null));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end();
  });
}

/** Whether the dashboard in `m` answers for the project at `root` with the same token. */
export async function isHealthy(m: DashboardMetadata, root: string, timeoutMs = 1500): Promise<boolean> {
  const r = await getJson(`${m.url}/api/health?token=${m.token}`, timeoutMs);
  return r !== null && r.status === 200 && r.body?.['token_ok'] === true && r.body['project_path'] === root;
}

const looksLikeDashboard = (p: ProcessPort, pid: number): boolean => {
  const cmd = p.commandLine(pid);
  return cmd === null || /dashboard/.test(cmd);
};

/**
 * `spec-kitty dashboard`: the project's dashboard, reused when `.kittify/.dashboard` names one that answers for
 * this project with its token, else started in the background by `launch` (a detached process that outlives the
 * command) and waited for until it answers (at most `startTimeoutMs`, default 20 s). A metadata file naming a
 * dead process is removed; a live process that does not answer is stopped first. One dashboard per project:
 * concurrent calls are serialised by a lock.
 */
export async function ensureDashboard(
  options: ControlOptions & { readonly port?: number | undefined; readonly launch: LaunchServer; readonly startTimeoutMs?: number },
): Promise<DashboardInfo> {
  if (options.port !== undefined && (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535)) {
    throw new DashboardError('INVALID_PORT', `Invalid port specified: ${String(options.port)}. Use a value between 1 and 65535.`, {
      suggestions: ['spec-kitty dashboard --port 9237'],
    });
  }
  const { openProject } = await import('@kitty/workflow');
  const project = await openProject(options);
  const root = project.root;
  const p = options.processes;
  return withDashboardLock(root, async () => {
    const notes: string[] = [];
    const { metadata, malformed } = readMetadata(root);
    if (malformed) {
      notes.push('Removed an unreadable .kittify/.dashboard.');
      removeMetadata(root);
    }
    if (metadata !== null) {
      if (await isHealthy(metadata, root)) {
        if (options.port === undefined || options.port === metadata.port)
          return { url: metadata.url, port: metadata.port, pid: metadata.pid, project_path: root, reused: true, notes };
        notes.push(`Stopping the dashboard on port ${metadata.port} to start one on port ${options.port}.`);
        await stopProcess(metadata, p);
      } else if (p.alive(metadata.pid) && looksLikeDashboard(p, metadata.pid)) {
        notes.push(`The dashboard process ${metadata.pid} did not answer; stopped it.`);
        await stopProcess(metadata, p);
      }
      removeMetadata(root);
    }
    const token = randomBytes(16).toString('hex');
    const logFile = dashboardLogPath(options.homeDir, root);
    const { pid } = await options.launch({ root, port: options.port ?? null, token, logFile });
    const deadline = (options.startTimeoutMs ?? 20_000) / 50;
    for (let i = 0; i < deadline; i++) {
      const now = readMetadata(root).metadata;
      if (now !== null && now.token === token && (await isHealthy(now, root)))
        return { url: now.url, port: now.port, pid: now.pid, project_path: root, reused: false, notes };
      if (!p.alive(pid)) break;
      await p.sleep(50);
    }
    const alive = p.alive(pid);
    if (alive) p.kill(pid, 'SIGTERM');
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n') : '';
    throw new DashboardError(
      'DASHBOARD_START_FAILED',
      `The dashboard server (pid ${pid}) ${alive ? 'did not answer in time' : 'exited'} before it was ready${log === '' ? '.' : `:\n${log}`}`,
      {
        suggestions: [`Read ${logFile} for details.`, 'spec-kitty dashboard --port <free port>'],
        details: { pid, log_file: logFile },
      },
    );
  });
}

/** Runs `fn` holding `.kittify/locks/dashboard.lock` (the shared lock wrapper: a dead holder's lock is taken over). */
async function withDashboardLock<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const { withFileLock } = await import('@kitty/io');
  return withFileLock(path.join(root, '.kittify', 'locks', 'dashboard.lock'), () => fn(), { what: 'the dashboard', waitMs: 30_000 });
}

async function stopProcess(m: DashboardMetadata, p: ProcessPort): Promise<boolean> {
  await getJson(`${m.url}/api/shutdown?token=${m.token}`, 2000);
  for (let i = 0; i < 60 && p.alive(m.pid); i++) await p.sleep(50);
  if (!p.alive(m.pid)) return true;
  if (!looksLikeDashboard(p, m.pid)) return false;
  p.kill(m.pid, 'SIGTERM');
  for (let i = 0; i < 40 && p.alive(m.pid); i++) await p.sleep(50);
  if (p.alive(m.pid)) p.kill(m.pid, 'SIGKILL');
  return true;
}

/**
 * `spec-kitty dashboard --kill`: asks the project's dashboard to shut down with its token, then stops the
 * process if it is still there, and clears `.kittify/.dashboard`.
 */
export async function stopDashboard(options: ControlOptions): Promise<DashboardStopResult> {
  const { openProject } = await import('@kitty/workflow');
  const project = await openProject(options);
  const root = project.root;
  const p = options.processes;
  const { metadata, malformed } = readMetadata(root);
  if (metadata === null) {
    if (malformed) removeMetadata(root);
    return {
      stopped: false,
      port: null,
      pid: null,
      message: malformed ? 'The dashboard metadata was unreadable and has been cleared.' : 'No dashboard metadata found.',
      notes: [],
    };
  }
  const wasAlive = p.alive(metadata.pid);
  const healthy = await isHealthy(metadata, root);
  if (!wasAlive && !healthy) {
    removeMetadata(root);
    return {
      stopped: false,
      port: metadata.port,
      pid: metadata.pid,
      message: 'Dashboard was already stopped. Metadata has been cleared.',
      notes: [],
    };
  }
  const ok = await stopProcess(metadata, p);
  removeMetadata(root);
  if (!ok) {
    throw new DashboardError(
      'DASHBOARD_STOP_FAILED',
      `Process ${metadata.pid} named in .kittify/.dashboard does not look like a spec-kitty dashboard and did not stop; it was left alone.`,
      {
        suggestions: [`Check the process (ps -p ${metadata.pid}) and stop it yourself if it is the dashboard.`],
        details: { pid: metadata.pid, port: metadata.port },
      },
    );
  }
  return {
    stopped: true,
    port: metadata.port,
    pid: metadata.pid,
    message: `Dashboard stopped and metadata cleared (port ${metadata.port}).`,
    notes: [],
  };
}

/** The status of the project's dashboard without starting one: its URL when one answers, else null. */
export async function runningDashboard(root: string): Promise<DashboardMetadata | null> {
  const { metadata } = readMetadata(root);
  if (metadata === null) return null;
  return (await isHealthy(metadata, root, 500)) ? metadata : null;
}

/**
 * The URL of the dashboard of the project around `cwd` when one is running and answers (at most `timeoutMs`,
 * default 500), else null. Never throws: for a one-line hint in other commands' human output.
 */
export async function runningDashboardUrl(options: {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly git: GitPort;
  readonly timeoutMs?: number;
}): Promise<string | null> {
  try {
    const { openProject } = await import('@kitty/workflow');
    const root = (await openProject(options)).root;
    const { metadata } = readMetadata(root);
    if (metadata === null) return null;
    return (await isHealthy(metadata, root, options.timeoutMs ?? 500)) ? metadata.url : null;
  } catch {
    return null;
  }
}
