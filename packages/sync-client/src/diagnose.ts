import { existsSync } from 'node:fs';
import type { QueuedEnvelope } from '@kitty/queue';
import { activeScope, openScopedQueue } from './context.js';
import { loadSyncSettings } from './settings.js';

/** One problem of a queued event: the field, the rule, and what is there. */
export interface DiagnoseIssue {
  readonly field: string;
  readonly expected: string;
  readonly actual: string;
  readonly message: string;
}

/** The verdict on one queued event. */
export interface DiagnoseResult {
  readonly event_id: string;
  readonly event_type: string;
  readonly status: 'pending' | 'dead';
  readonly valid: boolean;
  readonly issues: readonly DiagnoseIssue[];
  /** `schema_mismatch` for invalid events, null for valid ones. */
  readonly error_category: 'schema_mismatch' | null;
  /** What the server last said about it, if anything. */
  readonly last_error: string | null;
}

/** What `sync diagnose` reports. */
export interface DiagnoseReport {
  readonly queuePath: string;
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  readonly results: readonly DiagnoseResult[];
}

/**
 * Validates every queued event (pending and dead) of the active queue locally, with the schemas kitty emits
 * with (`@kitty/events` kitty contract). Reads only.
 */
export async function diagnoseQueue(options: {
  readonly homeDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** Stop after this many events (default 100,000). */
  readonly limit?: number;
}): Promise<DiagnoseReport> {
  const settings = loadSyncSettings({ homeDir: options.homeDir, env: options.env });
  const { queuePath } = await import('@kitty/queue');
  const { checkEvent } = await import('@kitty/events');
  const scope = activeScope(options.homeDir, settings);
  const path = queuePath(options.homeDir, scope);
  const results: DiagnoseResult[] = [];
  if (!existsSync(path)) return { queuePath: path, total: 0, valid: 0, invalid: 0, results };
  const limit = options.limit ?? 100_000;
  const q = await openScopedQueue({ homeDir: options.homeDir, settings, scope, now: options.now });
  const judge = (
    status: 'pending' | 'dead',
    e: { eventId: string; eventType: string; lastError: string | null; envelope: QueuedEnvelope | null },
  ): DiagnoseResult => {
    if (e.envelope === null) {
      return {
        event_id: e.eventId,
        event_type: e.eventType,
        status,
        valid: false,
        issues: [
          {
            field: '(document)',
            expected: 'a JSON envelope',
            actual: 'unreadable stored JSON',
            message: 'the stored event is not readable JSON',
          },
        ],
        error_category: 'schema_mismatch',
        last_error: e.lastError,
      };
    }
    const r = checkEvent(e.envelope, 'kitty');
    const issues = r.ok
      ? []
      : r.issues.map((i) => ({ field: i.path || '(document)', expected: i.expected, actual: i.received, message: i.message }));
    return {
      event_id: e.eventId,
      event_type: e.eventType,
      status,
      valid: r.ok,
      issues,
      error_category: r.ok ? null : 'schema_mismatch',
      last_error: e.lastError,
    };
  };
  try {
    for (let offset = 0; results.length < limit; offset += 1000) {
      const page = await q.listPending({ limit: 1000, offset });
      results.push(...page.map((e) => judge('pending', e)));
      if (page.length < 1000) break;
    }
    for (let offset = 0; results.length < limit; offset += 1000) {
      const page = await q.listDead({ limit: 1000, offset });
      results.push(...page.map((e) => judge('dead', e)));
      if (page.length < 1000) break;
    }
  } finally {
    await q.close();
  }
  const valid = results.filter((r) => r.valid).length;
  return { queuePath: path, total: results.length, valid, invalid: results.length - valid, results };
}
