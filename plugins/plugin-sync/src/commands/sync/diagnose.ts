import { KittyCommand, commandContext, withExitClass } from '@kitty/cli-kit';

/** Validates every queued event locally and lists field, rule and value for each problem. */
export default class SyncDiagnose extends KittyCommand {
  static override summary = 'Check queued events against the event schemas, locally';
  static override description = `Validates every queued event (pending and dead) of your queue with the same schemas kitty emits with,
without contacting the server. For each invalid event it lists the field, the expected rule and the actual
value. Exits 0 when every event is valid, 2 when some are not.`;
  static override examples = ['<%= config.bin %> sync diagnose', '<%= config.bin %> sync diagnose --json'];

  async run(): Promise<unknown> {
    await this.parse(SyncDiagnose);
    const { diagnoseQueue, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    const r = await diagnoseQueue({ homeDir: ctx.homeDir, env: ctx.env, now: ctx.now });
    if (!this.jsonEnabled()) {
      if (r.total === 0) this.log('No queued events.');
      else this.log(`Validated ${r.total} event(s): ${r.valid} valid, ${r.invalid} invalid`);
      for (const e of r.results.filter((x) => !x.valid)) {
        this.log(`  INVALID ${e.event_id} (${e.event_type}, ${e.status})${e.last_error ? ` server said: ${e.last_error}` : ''}`);
        for (const i of e.issues) this.log(`    - ${i.field}: expected ${i.expected}; actual ${i.actual}`);
      }
    }
    return withExitClass(snakeCaseKeys(r), r.invalid > 0 ? 'usage' : null);
  }
}
