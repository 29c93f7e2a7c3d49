// Lease owners: a claim records the pid and host of the process that made it, so the next claimer on the same
// host can release at once the events of a claimer that is gone (killed, crashed) instead of waiting out its lease.
import { isProcessAlive } from '@kitty/io';
import { sql, type Kysely } from 'kysely';
import type { QueueDb } from './schema.js';

/** Whether a process id is alive on this host (signal 0 probes without signalling). */
export const defaultIsProcessAlive: (pid: number) => boolean = isProcessAlive;

/** True unless the owner is known to be gone (another host, or no pid recorded: not ours to judge). */
export function ownerAlive(
  owner: { readonly pid: number | null; readonly host: string | null },
  host: string,
  isAlive: (pid: number) => boolean,
): boolean {
  if (owner.pid === null || owner.host === null || owner.host !== host) return true;
  return isAlive(owner.pid);
}

/** What releasing the claims of gone owners did. */
export interface StaleRelease {
  readonly claims: number;
  readonly events: number;
}

/** The unexpired claims made on `host` by a process with a known pid. */
async function unexpiredClaimsOnHost(db: Kysely<QueueDb>, host: string, nowMs: number) {
  return db
    .selectFrom('outbox_claims')
    .select(['claim_id', 'pid', 'host'])
    .where('lease_until', '>', nowMs)
    .where('host', '=', host)
    .where('pid', 'is not', null)
    .execute();
}

/** Inside the caller's write transaction: ends a claim, handing its events back untouched; returns how many. */
export async function endClaim(db: Kysely<QueueDb>, claimId: string): Promise<number> {
  const r = await db.updateTable('outbox').set({ claim_id: null, lease_until: null }).where('claim_id', '=', claimId).executeTakeFirst();
  await db.deleteFrom('outbox_claims').where('claim_id', '=', claimId).execute();
  return Number(r.numUpdatedRows);
}

/**
 * Inside the caller's write transaction: ends every unexpired claim made on `host` by a process that is no longer
 * alive, handing its events back untouched (no retry counts change).
 */
export async function releaseGoneOwners(
  db: Kysely<QueueDb>,
  host: string,
  nowMs: number,
  isAlive: (pid: number) => boolean,
  selfPid: number | null,
): Promise<StaleRelease> {
  const claims = await unexpiredClaimsOnHost(db, host, nowMs);
  let released = 0;
  let events = 0;
  for (const c of claims) {
    if (c.pid === selfPid || ownerAlive(c, host, isAlive)) continue;
    events += await endClaim(db, c.claim_id);
    released += 1;
  }
  return { claims: released, events };
}

/** Inside a read transaction: how many leased events belong to claims whose owner (on this host) is gone. */
export async function countGoneOwnerEvents(
  db: Kysely<QueueDb>,
  host: string,
  nowMs: number,
  isAlive: (pid: number) => boolean,
): Promise<number> {
  const claims = await unexpiredClaimsOnHost(db, host, nowMs);
  const gone = claims.filter((c) => !ownerAlive(c, host, isAlive)).map((c) => c.claim_id);
  if (gone.length === 0) return 0;
  const r = await db
    .selectFrom('outbox')
    .select(sql<number>`count(*)`.as('n'))
    .where('claim_id', 'in', gone)
    .executeTakeFirstOrThrow();
  return r.n;
}
