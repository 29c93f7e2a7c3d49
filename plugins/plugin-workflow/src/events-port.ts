import type { EventsPort } from '@kitty/workflow';
import { commandContext, selfCommand } from '@kitty/cli-kit';

/**
 * The one place where workflow commands get their sync events port: the sync client's emitter, which queues
 * events for the logged-in account (or the logged-out queue) and then starts background delivery. With sync
 * disabled it returns `undefined` and nothing is queued (DESIGN 3.6). Sync never fails a command: the workflow
 * library turns any error here into a note.
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
    createFactory: (projectContext) => createEventFactory({ nodeId: '000000000000', now: ctx.now, context: { ...projectContext, teamSlug: 'local' } }),
    enqueue: async (drafts) => ({ queued: 0, notes: [`sync: ${drafts.length} event(s) were not queued: the sync client could not start (${(err as Error)?.message ?? String(err)}). Your command itself succeeded.`] }),
  };
}

async function syncPort(): Promise<EventsPort | undefined> {
  const { createSyncEmitter } = await import('@kitty/sync-client');
  const ctx = commandContext();
  const emitter = await createSyncEmitter({
    homeDir: ctx.homeDir,
    env: ctx.env,
    now: ctx.now,
    hostname: ctx.hostname,
    username: ctx.username,
    delivery: { command: selfCommand(['sync', 'deliver']), selfPid: process.pid },
  });
  if (!emitter.enabled) return undefined;
  return {
    createFactory: (projectContext) => emitter.createFactory(projectContext),
    enqueue: async (drafts) => {
      const r = await emitter.enqueue(drafts);
      return { queued: r.queued, notes: r.notes };
    },
  };
}
