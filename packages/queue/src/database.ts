// Opening a queue file: schema migrations (in code, under BEGIN IMMEDIATE so racing processes take turns),
// the clock seed for a new file, the scope record, and the clock integrity check.
import { Migrator, sql } from 'kysely';
import { QueueError, errorMessage } from './errors.js';
import { asClock, highestClockInHome, legacyClockValue, readClock } from './clock-sources.js';
import { MIGRATIONS, migrationProvider } from './migrations.js';
import { META } from './schema.js';
import type { SqliteHandle } from './sqlite-adapter.js';
import type { QueueScope } from './types.js';

/** What {@link prepareDatabase} needs to know. */
export interface PrepareContext {
  readonly homeDir: string;
  /** Normalised scope, or null for the logged-out queue. */
  readonly scope: QueueScope | null;
  readonly nowMs: number;
  readonly busyTimeoutMs: number;
  /** Files whose clocks must not be consulted when seeding (this file, a damaged original…). */
  readonly exceptPaths: readonly string[];
  /** A lower bound for the clock of a new file (e.g. recovered from a damaged one). */
  readonly clockFloor?: number;
}

/** What {@link prepareDatabase} did. */
export interface PrepareResult {
  /** True when this call created the schema (a new file). */
  readonly created: boolean;
  /** Set when the clock row was missing or damaged and was rebuilt. */
  readonly clockRepair: { readonly found: number | null; readonly recovered: number } | null;
}

const MIGRATION_NAMES = Object.keys(MIGRATIONS).sort();
const FIRST_MIGRATION = MIGRATION_NAMES[0];

async function executedMigrations(handle: SqliteHandle): Promise<string[] | null> {
  try {
    const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(handle.db);
    return rows.rows.map((r) => r.name);
  } catch (e) {
    if (/no such table/.test(errorMessage(e))) return null;
    throw e;
  }
}

function tooNew(handle: SqliteHandle, unknown: readonly string[]): QueueError {
  return new QueueError(
    'QUEUE_SCHEMA_TOO_NEW',
    `The queue database ${handle.path} was written by a newer spec-kitty (unknown schema migrations: ${unknown.join(', ')}).`,
    {
      suggestions: ['Upgrade spec-kitty to the version that last used this queue.', 'Nothing was changed in the file.'],
      details: { path: handle.path, unknownMigrations: unknown },
    },
  );
}

/** Creates or upgrades the schema, seeds a new file's clock, records the scope and checks the clock. */
export async function prepareDatabase(handle: SqliteHandle, ctx: PrepareContext): Promise<PrepareResult> {
  let created = false;
  const before = await executedMigrations(handle);
  const unknownBefore = (before ?? []).filter((n) => !MIGRATION_NAMES.includes(n));
  if (unknownBefore.length > 0) throw tooNew(handle, unknownBefore);
  if (before === null || before.length < MIGRATION_NAMES.length) {
    created = await handle.immediate(async (db) => {
      const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
      if (error !== undefined) {
        const text = errorMessage(error);
        const missing = /previously executed migration (\S+) is missing/.exec(text);
        if (missing?.[1] !== undefined) throw tooNew(handle, [missing[1]]);
        if (error instanceof Error) throw error;
        throw new QueueError('QUEUE_IO', `The queue database ${handle.path} could not be brought to the current schema: ${text}`, {
          suggestions: ['Run `spec-kitty sync status` to see the queue; if the file is damaged, move it aside and run the command again.'],
          details: { path: handle.path },
        });
      }
      const isNew = (results ?? []).some((r) => r.migrationName === FIRST_MIGRATION && r.status === 'Success');
      if (isNew) {
        const seed = Math.max(
          ctx.clockFloor ?? 0,
          await highestClockInHome(ctx.homeDir, ctx.exceptPaths, ctx.busyTimeoutMs),
          legacyClockValue(ctx.homeDir),
        );
        await db.insertInto('lamport_clock').values({ id: 1, value: seed }).execute();
        await db
          .insertInto('outbox_meta')
          .values([
            { key: META.lamportHighWater, value: String(seed) },
            { key: META.createdAt, value: String(ctx.nowMs) },
          ])
          .execute();
      }
      return isNew;
    });
  }

  if (ctx.scope !== null) await recordScope(handle, ctx.scope);
  const clockRepair = await checkClock(handle, ctx.homeDir);
  return { created, clockRepair };
}

async function recordScope(handle: SqliteHandle, scope: QueueScope): Promise<void> {
  const read = async () => {
    const rows = await handle.db
      .selectFrom('outbox_meta')
      .select(['key', 'value'])
      .where('key', 'in', [META.scopeServer, META.scopeUser])
      .execute();
    return new Map(rows.map((r) => [r.key, r.value]));
  };
  let found = await read();
  if (!found.has(META.scopeServer) || !found.has(META.scopeUser)) {
    await handle.immediate(async (db) => {
      await db
        .insertInto('outbox_meta')
        .values([
          { key: META.scopeServer, value: scope.serverUrl },
          { key: META.scopeUser, value: scope.username },
        ])
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    });
    found = await read();
  }
  if (found.get(META.scopeServer) !== scope.serverUrl || found.get(META.scopeUser) !== scope.username) {
    throw new QueueError(
      'QUEUE_SCOPE_MISMATCH',
      `The queue database ${handle.path} belongs to ${found.get(META.scopeUser)} at ${found.get(META.scopeServer)}, not to ${scope.username} at ${scope.serverUrl}.`,
      {
        suggestions: [
          'Move the file aside; spec-kitty creates a fresh queue for this account.',
          'Run `spec-kitty sync status` to see every queue.',
        ],
        details: { path: handle.path, expected: scope, found: Object.fromEntries(found) },
      },
    );
  }
}

/**
 * The clock row and its high-water mark are written together; if they disagree or one is missing, the clock
 * is rebuilt from the highest value in either, in the stored events and in the Python CLI's clock.json.
 */
async function checkClock(handle: SqliteHandle, homeDir: string): Promise<PrepareResult['clockRepair']> {
  const quick = await readClock(handle.db, false);
  const legacy = legacyClockValue(homeDir);
  const consistent = quick.row !== null && quick.highWater !== null && quick.row === quick.highWater;
  if (consistent && (quick.row ?? 0) >= legacy) return null;
  return handle.immediate(async (db) => {
    const r = await readClock(db, !consistent);
    const value = Math.max(r.row ?? 0, r.highWater ?? 0, r.maxEvent ?? 0, legacy);
    if (r.rowPresent) await db.updateTable('lamport_clock').set({ value }).where('id', '=', 1).execute();
    else await db.insertInto('lamport_clock').values({ id: 1, value }).execute();
    await db
      .insertInto('outbox_meta')
      .values({ key: META.lamportHighWater, value: String(value) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(value) }))
      .execute();
    return consistent ? null : { found: asClock(r.row), recovered: value };
  });
}
