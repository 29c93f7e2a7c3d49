// The work of `sync status` after parsing, shared by its oclif class and the lean entry (ADR 0024). This module
// must never load oclif (nor anything that does).
import type { SyncStatusReport } from '@kitty/sync-client';
import { commandContext, withExitClass } from '@kitty/cli-kit/core';

/** `sync status`: the report (for the human rendering) and its `--json` document with the exit class of its health. */
export async function syncStatusAction(flags: {
  readonly check?: boolean;
}): Promise<{ readonly status: SyncStatusReport; readonly json: object }> {
  const { syncStatus, syncStatusExitClass, snakeCaseKeys } = await import('@kitty/sync-client');
  const ctx = commandContext();
  const status = await syncStatus({ homeDir: ctx.homeDir, env: ctx.env, now: ctx.now, check: flags.check === true });
  return { status, json: withExitClass(snakeCaseKeys(status), syncStatusExitClass(status)) };
}
