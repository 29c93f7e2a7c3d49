import type { EventDraft, EventFactory } from '@kitty/events';
import type { EventsPort, ProjectEventContext, ReconcileResult } from '@kitty/workflow';
import { commandContext, selfCommand } from '@kitty/cli-kit/core';

/**
 * Test hook (read only here, in the CLI layer): `SPEC_KITTY_FAULT=kill-before-enqueue` kills this process with
 * SIGKILL after the command's commit and before anything is queued, the window a crash would hit.
 */
const FAULT_ENV = 'SPEC_KITTY_FAULT';

/**
 * The one place where workflow commands get their sync events port. Lane changes (`WPStatusChanged`) are not
 * queued from the command's drafts: the committed status log is the source of truth (DESIGN §5), so after the
 * commit the port reconciles the queue with the project's status logs, which queues this command's lane changes
 * (with the log's event ids) and any earlier one a failed or killed command left behind. Other events go through
 * the sync client's emitter, which then starts background delivery. With sync disabled it returns `undefined`
 * and nothing is queued (DESIGN 3.6). Sync never fails a command: the workflow library turns any error here
 * into a note.
 */
export async function eventsPort(): Promise<EventsPort | undefined> {
  try {
    return await syncPort();
  } catch (err) {
    return brokenPort(err);
  }
}

/** A port for when the sync client cannot even start: events are built (and validated) but only noted. */
async function brokenPort(err: unknown): Promise<EventsPort> {
  const { createEventFactory } = await import('@kitty/events');
  const ctx = commandContext();
  return {
    createFactory: (projectContext) =>
      createEventFactory({ nodeId: '000000000000', now: ctx.now, context: { ...projectContext, teamSlug: 'local' } }),
    enqueue: async (drafts) => ({
      queued: 0,
      notes: [
        `sync: ${drafts.length} event(s) were not queued: the sync client could not start (${(err as Error)?.message ?? String(err)}). Your command itself succeeded; committed lane changes are queued from the status log by the next command or \`spec-kitty sync now\`.`,
      ],
    }),
  };
}

async function syncPort(): Promise<EventsPort | undefined> {
  const { createSyncEmitter } = await import('@kitty/sync-client');
  const ctx = commandContext();
  // Reconciliation of a project this queue has never seen starts with this command (unless backfill is on).
  const startAt = ctx.now();
  const emitter = await createSyncEmitter({
    homeDir: ctx.homeDir,
    env: ctx.env,
    now: ctx.now,
    hostname: ctx.hostname,
    username: ctx.username,
    delivery: { command: selfCommand(['sync', 'deliver']), selfPid: process.pid },
  });
  if (!emitter.enabled) return undefined;
  let projectContext: ProjectEventContext | undefined;
  return {
    // Loads the queue module and the SQLite driver while the command's git commit runs (before its enqueue).
    prepare: () => emitter.prepare(),
    createFactory: (pc) => {
      projectContext = pc;
      return emitter.createFactory(pc);
    },
    enqueue: async (drafts) => {
      if (ctx.env[FAULT_ENV] === 'kill-before-enqueue') process.kill(process.pid, 'SIGKILL');
      const others: EventDraft[] = drafts.filter((d) => d.event_type !== 'WPStatusChanged');
      const lane = drafts.length - others.length;
      const notes: string[] = [];
      let queued = 0;
      let delivered = false;
      if (others.length > 0) {
        const r = await emitter.enqueue(others);
        queued += r.queued;
        notes.push(...r.notes);
        delivered = r.delivery !== null;
      }
      const rec = await reconcileStatusForSync({
        startAt,
        factory: (pc) => emitter.createFactory(pc), // this command's correlation id
        ...(projectContext === undefined ? {} : { context: projectContext }),
        scheduleDelivery: !delivered,
      });
      if (rec.error !== null) {
        if (lane > 0)
          notes.push(
            `sync: ${lane} lane change(s) were not queued now: ${rec.error} They are committed in the status log: the next command or \`spec-kitty sync now\` queues them. Your command itself succeeded.`,
          );
        else notes.push(`sync: reconciliation with the status log failed: ${rec.error}`);
      } else if (rec.result !== null) {
        queued += rec.result.queued;
        notes.push(...rec.result.notes);
      }
      return { queued, notes: [...new Set(notes)] };
    },
  };
}

/** What {@link reconcileStatusForSync} did. */
export interface StatusSyncOutcome {
  /** Null when sync is disabled or the current directory is not in a project. */
  readonly result: ReconcileResult | null;
  /** Why reconciliation could not run (queue locked, read-only home…), as a sentence; null when it ran. */
  readonly error: string | null;
  /** The queue the events went to. */
  readonly queuePath: string | null;
  /** Notes from opening the queue when nothing was reconciled (outside a project). */
  readonly notes?: readonly string[];
}

/**
 * Queues every committed status event of the project around the current directory that the sync queue has not
 * seen (DESIGN §5). Called by workflow commands after their commit, and meant for `sync now` and background
 * delivery before they send. Never throws. Backfill of a project's earlier history is opt-in:
 * `SPEC_KITTY_SYNC_BACKFILL=1` when the project is first reconciled.
 */
export async function reconcileStatusForSync(
  options: {
    readonly startAt?: Date;
    readonly context?: ProjectEventContext;
    readonly factory?: (ctx: ProjectEventContext) => EventFactory;
    readonly scheduleDelivery?: boolean;
    readonly cwd?: string;
  } = {},
): Promise<StatusSyncOutcome> {
  const ctx = commandContext();
  try {
    const sc = await import('@kitty/sync-client');
    const settings = sc.loadSyncSettings({ homeDir: ctx.homeDir, env: ctx.env });
    if (!settings.enabled) return { result: null, error: null, queuePath: null };
    const wf = await import('@kitty/workflow');
    let factory = options.factory;
    if (factory === undefined) {
      const emitter = await sc.createSyncEmitter({
        homeDir: ctx.homeDir,
        env: ctx.env,
        now: ctx.now,
        hostname: ctx.hostname,
        username: ctx.username,
        settings,
      });
      factory = (pc) => emitter.createFactory(pc);
    }
    const warnings: string[] = [];
    const queue = await sc.openScopedQueue({
      homeDir: ctx.homeDir,
      settings,
      scope: sc.activeScope(ctx.homeDir, settings),
      now: ctx.now,
      onWarning: (w) => warnings.push(`sync: ${w.message}`),
    });
    let result: ReconcileResult | null;
    try {
      result = await wf.reconcileStatusInto(queue, {
        cwd: options.cwd ?? process.cwd(),
        env: ctx.env,
        factory,
        startAt: options.startAt ?? ctx.now(),
        backfill: sc.parseFlag(ctx.env['SPEC_KITTY_SYNC_BACKFILL']) === true,
        ...(options.context === undefined ? {} : { context: options.context }),
      });
    } finally {
      await queue.close();
    }
    // Outside a project nothing is reconciled, but opening the queue may have said something (e.g. Python's queue adopted).
    if (result === null) return { result: null, error: null, queuePath: queue.path, notes: warnings };
    if (result.queued > 0 && options.scheduleDelivery === true) {
      sc.scheduleDelivery({
        homeDir: ctx.homeDir,
        env: ctx.env,
        settings,
        queueFile: queue.path,
        command: selfCommand(['sync', 'deliver']),
        selfPid: process.pid,
      });
    }
    return { result: { ...result, notes: [...warnings, ...result.notes] }, error: null, queuePath: queue.path };
  } catch (err) {
    return { result: null, error: (err as Error)?.message ?? String(err), queuePath: null };
  }
}
