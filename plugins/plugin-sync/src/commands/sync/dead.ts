import { Args, Flags } from '@oclif/core';
import { InputError, KittyCommand, commandContext, withExitClass } from '@kitty/cli-kit';

/** Lists dead-lettered events, or moves them back to the queue. */
export default class SyncDead extends KittyCommand {
  static override summary = 'List dead-lettered events, or re-queue them';
  static override description = `Events the server rejected more often than the retry cap (or that are too large to ever be accepted)
move to "dead": never deleted, never sent automatically. This lists them with their last error and category;
--requeue EVENT_ID… (or --all) puts them back in the queue with a fresh retry count.`;
  static override examples = [
    '<%= config.bin %> sync dead',
    '<%= config.bin %> sync dead --requeue 01J8… 01J9…',
    '<%= config.bin %> sync dead --requeue --all',
  ];
  static override strict = false;
  static override args = { ids: Args.string({ description: 'event ids to re-queue (with --requeue)', required: false }) };
  static override flags = {
    requeue: Flags.boolean({ description: 'move the given dead events (or --all) back to the queue' }),
    all: Flags.boolean({ description: 'with --requeue: every dead event' }),
  };

  async run(): Promise<unknown> {
    const { flags, argv } = await this.parse(SyncDead);
    const ids = argv as string[];
    const sc = await import('@kitty/sync-client');
    const ctx = commandContext();
    if (flags.requeue) {
      if (!flags.all && ids.length === 0)
        throw new InputError('USAGE', 'Name the event ids to re-queue, or pass --all.', {
          suggestions: ['spec-kitty sync dead', 'spec-kitty sync dead --requeue --all'],
        });
      const r = await sc.requeueDeadEvents({ homeDir: ctx.homeDir, env: ctx.env, now: ctx.now, ids: flags.all ? 'all' : ids });
      if (!this.jsonEnabled()) {
        this.log(`Re-queued ${r.requeued} event(s).`);
        if (r.notFound.length > 0) this.log(`Not dead events of this queue: ${r.notFound.join(', ')}`);
      }
      return withExitClass(sc.snakeCaseKeys(r), r.notFound.length > 0 ? 'usage' : null);
    }
    const r = await sc.listDeadEvents({ homeDir: ctx.homeDir, env: ctx.env, now: ctx.now });
    if (!this.jsonEnabled()) {
      if (r.events.length === 0) this.log('No dead events.');
      for (const e of r.events)
        this.log(`${e.eventId}  ${e.eventType}  retries ${e.retryCount}  [${e.lastCategory ?? 'unknown'}] ${e.lastError ?? ''}`);
    }
    return sc.snakeCaseKeys({ queuePath: r.queuePath, count: r.events.length, events: r.events.map(({ envelope: _e, ...rest }) => rest) });
  }
}
