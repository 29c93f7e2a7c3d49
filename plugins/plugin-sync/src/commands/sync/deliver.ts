import { Flags } from '@oclif/core';
import { KittyCommand, commandContext } from '@kitty/cli-kit';

/** The background delivery process (started automatically after commands that queue events). */
export default class SyncDeliver extends KittyCommand {
  static override hidden = true;
  static override summary = 'Deliver queued events in the background (started automatically)';
  static override description = `Runs one bounded delivery of the queue and logs the outcome to ~/.spec-kitty/logs/delivery.log.
Commands that queue events start it detached when sync is enabled, you are logged in and automatic delivery
is on ([sync] auto_deliver = true, SPEC_KITTY_AUTO_DELIVER not 0). At most one runs per queue.`;
  static override flags = {
    'deadline-seconds': Flags.integer({ description: 'stop starting new batches after this long', default: 120, min: 1 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(SyncDeliver);
    const { runBackgroundDelivery, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    // Lane changes committed but never queued (a killed or failed command) are queued first, from the status log.
    const { reconcileStatusForSync } = await import('@kitty/plugin-workflow');
    await reconcileStatusForSync({ scheduleDelivery: false });
    const owner = Number.parseInt(ctx.env['SPEC_KITTY_DELIVERY_OWNER'] ?? '', 10);
    const r = await runBackgroundDelivery({
      homeDir: ctx.homeDir,
      env: ctx.env,
      now: ctx.now,
      pid: process.pid,
      host: ctx.hostname,
      deadlineMs: flags['deadline-seconds'] * 1000,
      ...(Number.isInteger(owner) && owner > 0 ? { spawnedBy: owner } : {}),
    });
    return snakeCaseKeys(
      r === null
        ? { status: 'skipped' }
        : { status: r.status, synced: r.synced, failed: r.failed, remaining: r.remaining, stopReason: r.stopReason },
    );
  }
}
