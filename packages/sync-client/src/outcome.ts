import type { ExitClass } from '@kitty/errors';
import type { SyncStatusReport } from './status.js';
import type { SyncRunStatus } from './sync.js';

/** How a `sync now` run ends for the CLI: nothing to do and a clean run succeed; everything else says why not. */
const RUN_EXIT_CLASS: Readonly<Record<SyncRunStatus, ExitClass | null>> = {
  disabled: null,
  empty: null,
  ok: null,
  partial: 'partial',
  incomplete: 'partial',
  auth: 'auth',
  offline: 'offline',
  error: 'failure',
};

/** The exit class of a sync run's status (null: success). */
export function syncRunExitClass(status: SyncRunStatus): ExitClass | null {
  return Object.hasOwn(RUN_EXIT_CLASS, status) ? RUN_EXIT_CLASS[status] : 'failure';
}

/** The exit class of a `sync status` report: login problems, then connection problems, then anything else. */
export function syncStatusExitClass(report: SyncStatusReport): ExitClass | null {
  if (report.healthy) return null;
  const conn = report.connection?.state;
  const authBad = report.enabled && report.auth !== null && report.auth.state !== 'active' && report.auth.state !== 'refreshable';
  if (authBad || conn === 'expired' || conn === 'forbidden' || conn === 'not_authenticated') return 'auth';
  if (conn === 'unreachable' || conn === 'unavailable') return 'offline';
  return 'failure';
}
