import type { EventContext, EventDraft, EventFactory, SyncLaneModel } from '@kitty/events';
import type { QueueWarning } from '@kitty/queue';
import { readCredentials } from './credentials.js';
import { activeScope, openScopedQueue } from './context.js';
import { loadSyncSettings, type SyncSettings } from './settings.js';
import { sameServer } from './url.js';
import { scheduleDelivery, type DeliveryCommand, type DeliveryDecision } from './delivery.js';

/** Where a command's sync events go: the queue of the active scope, when sync is enabled. */
export interface SyncEmitter {
  /** False when sync is disabled: nothing is queued and `enqueue` is a no-op. */
  readonly enabled: boolean;
  readonly laneModel: SyncLaneModel;
  readonly teamSlug: string;
  readonly nodeId: string;
  /** One factory per command run (one correlation id), for the project's context. */
  createFactory(ctx: Omit<EventContext, 'teamSlug'>): EventFactory;
  /**
   * Starts loading the queue module and its SQLite driver (~40 ms of code loading) without waiting for it, so a
   * command can have that done while it waits on something else (its git commit) before {@link enqueue}. Does
   * nothing when sync is disabled; never throws (a load failure shows up in `enqueue`'s notes as before).
   */
  prepare(): void;
  /** Queues drafts atomically; never throws: problems come back as notes for stderr. */
  enqueue(drafts: readonly EventDraft[]): Promise<{
    readonly queued: number;
    readonly notes: readonly string[];
    readonly queuePath: string | null;
    /** Whether background delivery was started for the queued events (null when not attempted). */
    readonly delivery: DeliveryDecision | null;
  }>;
}

/** Options of {@link createSyncEmitter}. */
export interface SyncEmitterOptions {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** This machine's host name and user name (for the node id). */
  readonly hostname: string;
  readonly username: string;
  readonly settings?: SyncSettings;
  /** Start background delivery after queueing (the CLI passes itself + `sync deliver`); omitted: never. */
  readonly delivery?: { readonly command: DeliveryCommand; readonly selfPid: number };
}

/**
 * Creates the event sink of one command run. With sync disabled it queues nothing (DESIGN 3.6). The team slug
 * comes from the credentials for the configured server, else `local`.
 */
export async function createSyncEmitter(options: SyncEmitterOptions): Promise<SyncEmitter> {
  const ev = await import('@kitty/events');
  const settings = options.settings ?? loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const creds = readCredentials(options.homeDir);
  const teamSlug =
    creds.status === 'present' &&
    settings.serverUrl !== null &&
    creds.credentials.serverUrl !== null &&
    sameServer(creds.credentials.serverUrl, settings.serverUrl)
      ? (creds.credentials.teamSlug ?? 'local')
      : 'local';
  const nodeId = ev.deriveNodeId(options.hostname, options.username);
  const newId = ev.createIdGenerator(() => options.now().getTime());
  const correlationId = newId();
  return {
    enabled: settings.enabled,
    laneModel: settings.laneModel,
    teamSlug,
    nodeId,
    createFactory(ctx) {
      return ev.createEventFactory({
        nodeId,
        now: options.now,
        newId,
        correlationId,
        laneModel: settings.laneModel,
        context: { ...ctx, teamSlug },
      });
    },
    prepare() {
      if (!settings.enabled) return;
      import('@kitty/queue').then(
        (q) => q.warmUpDriver(),
        () => undefined,
      );
    },
    async enqueue(drafts) {
      if (!settings.enabled || drafts.length === 0) return { queued: 0, notes: [], queuePath: null, delivery: null };
      const notes: string[] = [];
      try {
        const queue = await openScopedQueue({
          homeDir: options.homeDir,
          settings,
          scope: activeScope(options.homeDir, settings),
          now: options.now,
          onWarning: (w: QueueWarning) => notes.push(`sync: ${w.message}`),
        });
        let queued: number;
        try {
          queued = (await queue.enqueueMany(drafts)).length;
        } finally {
          await queue.close();
        }
        const delivery = options.delivery
          ? scheduleDelivery({
              homeDir: options.homeDir,
              env: options.env,
              settings,
              queueFile: queue.path,
              command: options.delivery.command,
              selfPid: options.delivery.selfPid,
              nowMs: options.now().getTime(),
            })
          : null;
        return { queued, notes, queuePath: queue.path, delivery };
      } catch (e) {
        notes.push(`sync: ${drafts.length} event(s) could not be queued: ${(e as Error).message} Your command itself succeeded.`);
        return { queued: 0, notes, queuePath: null, delivery: null };
      }
    },
  };
}
