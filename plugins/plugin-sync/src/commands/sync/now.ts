import { Flags } from '@oclif/core';
import { KittyCommand, commandContext, withExitClass } from '@kitty/cli-kit';

/** Sends queued events to the sync server now and reports what happened to each. */
export default class SyncNow extends KittyCommand {
  static override summary = 'Send queued events to the sync server now';
  static override description = `Sends every due queued event in batches of up to 1000 (gzip) and prints
"Synced: N, Duplicates: N, Failed: N (category: count, …)" followed by one next step per failure category.
Rejected events stay queued with backoff (dead after the retry cap; see \`spec-kitty sync dead\`); when the
server is offline or busy nothing is lost and the events are kept for later.

Every request is bounded by [sync] request_timeout_seconds (10 s) and the whole run by
[sync] run_deadline_seconds (30 s) in ~/.spec-kitty/config.toml; whatever is not acknowledged stays queued.

Exit codes: 0 all sent (or nothing to do, or sync disabled), 5 some events rejected or left unanswered by the
server (status "partial" / "incomplete", the missing event ids are listed), 3 log in needed or access refused,
4 offline / server unavailable / run deadline reached, 1 unexpected server answer, a server that refuses every
request (circuit breaker), or a local error.`;
  static override examples = [
    '<%= config.bin %> sync now',
    '<%= config.bin %> sync now --report failures.json',
    '<%= config.bin %> sync now --json',
  ];
  static override flags = {
    report: Flags.string({ description: 'write per-event failures (event id, type, category, error) as JSON to this file' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(SyncNow);
    const { syncNow, syncRunExitClass, writeSyncReport, snakeCaseKeys } = await import('@kitty/sync-client');
    const ctx = commandContext();
    const human = !this.jsonEnabled();
    // The committed status logs are the source of truth (DESIGN §5): lane changes a failed or killed command never
    // queued are queued now, by event_id, before anything is sent.
    const { reconcileStatusForSync } = await import('@kitty/plugin-workflow');
    const rec = await reconcileStatusForSync({ scheduleDelivery: false });
    if (rec.error !== null) this.note(`sync: the status logs of this project could not be reconciled with the queue: ${rec.error}`);
    for (const n of [...(rec.notes ?? []), ...(rec.result?.notes ?? [])]) this.note(n);
    if ((rec.result?.queued ?? 0) > 0)
      this.note(`Queued ${rec.result?.queued} committed lane change(s) from the status log that were not queued yet.`);
    const r = await syncNow({
      homeDir: ctx.homeDir,
      env: ctx.env,
      now: ctx.now,
      pid: process.pid,
      host: ctx.hostname,
      onProgress: (p) => {
        if (human && p.pendingAtStart > 1000) this.note(`  … ${p.sent} / ${p.pendingAtStart} sent`);
      },
    });
    for (const w of r.warnings) this.note(w);
    const report = flags.report !== undefined ? await writeSyncReport(flags.report, r, ctx.now) : null;
    if (human) {
      if (r.status === 'disabled' || r.status === 'empty') this.log(r.message);
      else {
        this.log(r.summary);
        for (const a of r.actions) this.log(`  ${a}`);
        if (r.message) this.log(r.message);
        if (r.remaining > 0 && r.status === 'ok') this.log(`${r.remaining} event(s) remain queued (waiting for their retry time).`);
      }
      if (report) this.note(`Failure report written to ${report.path} (${report.failures} failure(s)).`);
    }
    return withExitClass(
      snakeCaseKeys({ ...r, reconciledFromLog: rec.result?.queued ?? 0, report: report?.path ?? null }),
      syncRunExitClass(r.status),
    );
  }
}
