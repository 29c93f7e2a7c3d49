import { isProcessAlive } from '@kitty/io';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, statSync, appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { activeScope } from './context.js';
import { ensurePrivateDir, kittyStateDir } from './_fs.js';
import { redact } from './redact.js';
import { loadSyncSettings, type SyncSettings } from './settings.js';
import { syncNow, type SyncRunResult } from './sync.js';

/** How to start the delivery process: the program and its arguments (the CLI passes itself + `sync deliver`). */
export interface DeliveryCommand {
  readonly execPath: string;
  readonly args: readonly string[];
}

/** Why background delivery did or did not start. */
export interface DeliveryDecision {
  readonly started: boolean;
  readonly reason: 'started' | 'disabled' | 'auto_deliver_off' | 'not_logged_in' | 'already_running' | 'nothing_queued' | 'spawn_failed';
  readonly pid: number | null;
}

/** The marker file that says a delivery process runs for a queue: `<queue file>.deliver.pid`. */
export function deliveryPidPath(queueFile: string): string {
  return `${queueFile}.deliver.pid`;
}

/** `~/.spec-kitty/logs/delivery.log`. */
export function deliveryLogPath(homeDir: string): string {
  return path.join(kittyStateDir(homeDir), 'logs', 'delivery.log');
}

const alive = isProcessAlive;

/** Default deadline of one background delivery. */
export const DEFAULT_DELIVERY_DEADLINE_MS = 120_000;
/**
 * A marker older than this is stale even when its pid is alive: a delivery always ends by its deadline, so an
 * old marker belongs to a process that died and whose pid was reused.
 */
export const STALE_MARKER_MS = 10 * 60_000;

function markerAgeMs(marker: string, nowMs: number): number {
  try {
    return nowMs - statSync(marker).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * Claims the delivery marker of a queue: creates it exclusively with `pid`; a marker whose process is gone (or
 * that is older than {@link STALE_MARKER_MS}) is stale and taken over. Returns false when a live delivery
 * already holds it.
 */
export function claimDeliveryMarker(queueFile: string, pid: number, nowMs?: number): boolean {
  const marker = deliveryPidPath(queueFile);
  ensurePrivateDir(path.dirname(marker));
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(marker, 'wx', 0o600);
      writeFileSync(fd, String(pid));
      closeSync(fd);
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number.parseInt(readFileSafe(marker), 10);
      const old = nowMs !== undefined && markerAgeMs(marker, nowMs) > STALE_MARKER_MS;
      if (alive(holder) && !old) return false;
      rmSync(marker, { force: true }); // stale: its process died (or it is far past any delivery's deadline)
    }
  }
  return false;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** Hands the marker from `from` to `to` (spawner → child, whichever of the two gets there first). */
function handOver(queueFile: string, from: number, to: number): void {
  const current = readFileSafe(deliveryPidPath(queueFile)).trim();
  if (current === String(from)) writeFileSync(deliveryPidPath(queueFile), String(to), { mode: 0o600 });
}

/** Removes the marker if it still names `pid`. */
export function releaseDeliveryMarker(queueFile: string, pid: number): void {
  const marker = deliveryPidPath(queueFile);
  if (readFileSafe(marker).trim() === String(pid)) rmSync(marker, { force: true });
}

/**
 * Starts background delivery after a command queued events, unless it is off, nobody is logged in, or a
 * delivery process already runs for this queue. The child is detached with no stdio: the command's exit is
 * never delayed by the network.
 */
export function scheduleDelivery(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly command: DeliveryCommand;
  readonly settings?: SyncSettings;
  /** The queue file the events went to. */
  readonly queueFile: string;
  /** This process's pid (holds the marker until the child takes it over). */
  readonly selfPid: number;
  /** The current time, epoch ms (lets a very old marker be taken over even if its pid was reused). */
  readonly nowMs?: number;
}): DeliveryDecision {
  const settings = options.settings ?? loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  if (!settings.enabled) return { started: false, reason: 'disabled', pid: null };
  if (!settings.autoDeliver) return { started: false, reason: 'auto_deliver_off', pid: null };
  if (activeScope(options.homeDir, settings) === null) return { started: false, reason: 'not_logged_in', pid: null };
  if (!existsSync(options.queueFile)) return { started: false, reason: 'nothing_queued', pid: null };
  if (!claimDeliveryMarker(options.queueFile, options.selfPid, options.nowMs))
    return { started: false, reason: 'already_running', pid: null };
  try {
    const child = spawn(options.command.execPath, [...options.command.args], {
      detached: true,
      stdio: 'ignore',
      env: { ...options.env, SPEC_KITTY_DELIVERY_OWNER: String(options.selfPid) },
    });
    child.unref();
    if (child.pid !== undefined) {
      handOver(options.queueFile, options.selfPid, child.pid);
      return { started: true, reason: 'started', pid: child.pid };
    }
    // No pid: the process could not be started (the 'error' event follows).
  } catch {
    // spawn itself threw: nothing started
  }
  releaseDeliveryMarker(options.queueFile, options.selfPid);
  return { started: false, reason: 'spawn_failed', pid: null };
}

const MAX_LOG_BYTES = 256 * 1024;

/** Appends one line to the delivery log, rotating it to `delivery.log.1` past 256 KiB. Never throws. */
export function appendDeliveryLog(homeDir: string, line: string): void {
  try {
    const file = deliveryLogPath(homeDir);
    ensurePrivateDir(path.dirname(file));
    if (existsSync(file) && statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
    appendFileSync(file, `${redact(line).replace(/\n/g, ' ')}\n`, { mode: 0o600 });
  } catch {
    // Logging must never break delivery.
  }
}

/**
 * The body of the background delivery process: holds the queue's marker, runs one sync bounded by its
 * deadline (requests in flight are cut at the deadline; it also stops when the queue is empty or the server is
 * unavailable), logs the outcome and always releases the marker. It returns by the deadline plus a short
 * grace even if something local hangs, so the process can exit.
 */
export async function runBackgroundDelivery(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  readonly pid: number;
  /** The pid of the process that spawned this one and handed it the marker. */
  readonly spawnedBy?: number;
  readonly deadlineMs?: number;
  /** This machine's host name (recorded on the queue claims with `pid`). */
  readonly host?: string;
}): Promise<SyncRunResult | null> {
  const settings = loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const { queuePath } = await import('@kitty/queue');
  const queueFile = queuePath(options.homeDir, activeScope(options.homeDir, settings));
  // The spawner handed the marker to us; started by hand, claim it (or leave if another delivery runs).
  if (options.spawnedBy !== undefined) handOver(queueFile, options.spawnedBy, options.pid);
  const marker = readFileSafe(deliveryPidPath(queueFile)).trim();
  if (marker !== String(options.pid) && !claimDeliveryMarker(queueFile, options.pid, options.now().getTime())) {
    appendDeliveryLog(options.homeDir, `${options.now().toISOString()} pid=${options.pid} skipped: another delivery is running`);
    return null;
  }
  const deadlineMs = options.deadlineMs ?? DEFAULT_DELIVERY_DEADLINE_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overdue = new Promise<'overdue'>((resolve) => {
    timer = setTimeout(() => resolve('overdue'), deadlineMs + 5_000);
  });
  try {
    const run = syncNow({
      homeDir: options.homeDir,
      env: options.env,
      now: options.now,
      settings,
      trigger: 'background',
      deadlineMs,
      owner: `deliver:${options.pid}`,
      pid: options.pid,
      ...(options.host ? { host: options.host } : {}),
    });
    run.catch(() => undefined); // observed below; never an unhandled rejection after an overdue return
    const r = await Promise.race([run, overdue]);
    if (r === 'overdue') {
      appendDeliveryLog(
        options.homeDir,
        `${options.now().toISOString()} pid=${options.pid} status=offline stopped: still busy ${Math.round(deadlineMs / 1000)} s after start; unsent events stay queued`,
      );
      return null;
    }
    appendDeliveryLog(
      options.homeDir,
      `${options.now().toISOString()} pid=${options.pid} status=${r.status} synced=${r.synced} duplicates=${r.duplicates} failed=${r.failed} remaining=${r.remaining}${r.message ? ` message=${r.message}` : ''}`,
    );
    return r;
  } catch (e) {
    appendDeliveryLog(options.homeDir, `${options.now().toISOString()} pid=${options.pid} error=${(e as Error).message}`);
    return null;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    releaseDeliveryMarker(queueFile, options.pid);
  }
}
