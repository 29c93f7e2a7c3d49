import { describeValue } from '@kitty/errors';
import { LANES, resolveLane } from './lanes.js';
import type { StatusEvent } from './schemas/status.js';
import { checkStatusEvent, type CheckResult } from './validate.js';

/** A status-log line that did not match the schema but was understood, and what was changed to read it. */
export interface RepairedStatusLine {
  readonly event: StatusEvent;
  /** Each change, in words (e.g. `to_lane "doing" read as in_progress`). */
  readonly fixes: readonly string[];
}

const ULID_ANY_CASE = /^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{26}$/;
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);

/**
 * Reads a status-log line that fails {@link checkStatusEvent} but whose meaning is clear, as older or other
 * builds may have written it: a lane alias or odd case (`"Doing"` → in_progress), a lower-case ULID, a work
 * package id in lower case or without padding (`wp1` → WP01), `force` as a string, a missing `from_lane`
 * (planned, as the reference derives it), a missing actor or execution mode, and approval evidence with blank
 * fields. Returns the event and the list of fixes, or the issues when the line still does not make sense (bad
 * JSON structure, unknown lanes, no id, no time). Pure: the caller decides whether to rewrite the line.
 */
export function repairStatusLine(value: unknown): CheckResult<RepairedStatusLine> {
  const strict = checkStatusEvent(value);
  if (strict.ok) return { ok: true, value: { event: strict.value, fixes: [] } };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return strict;
  const e: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const fixes: string[] = [];
  const id = str(e['event_id']);
  if (id !== null && id.trim() !== id) e['event_id'] = id.trim();
  if (id !== null && ULID_ANY_CASE.test(id.trim()) && id.trim() !== id.trim().toUpperCase()) {
    e['event_id'] = id.trim().toUpperCase();
    fixes.push(`event_id ${describeValue(id)} read as ${String(e['event_id'])}`);
  }
  const wp = str(e['wp_id']);
  const wpm = wp === null ? null : /^\s*wp0*(\d{1,2})\s*$/i.exec(wp);
  if (wp !== null && wpm !== null) {
    const norm = `WP${(wpm[1] as string).padStart(2, '0')}`;
    if (norm !== wp) {
      e['wp_id'] = norm;
      fixes.push(`wp_id ${describeValue(wp)} read as ${norm}`);
    }
  }
  for (const key of ['from_lane', 'to_lane'] as const) {
    const raw = e[key];
    if (key === 'from_lane' && (raw === undefined || raw === null)) {
      e[key] = 'planned';
      fixes.push('from_lane missing: read as planned');
      continue;
    }
    if (typeof raw === 'string' && !(LANES as readonly string[]).includes(raw)) {
      try {
        e[key] = resolveLane(raw);
        fixes.push(`${key} ${describeValue(raw)} read as ${String(e[key])}`);
      } catch {
        // stays invalid: reported below
      }
    }
  }
  if (typeof e['force'] === 'string' && ['true', 'false'].includes(e['force'].trim().toLowerCase())) {
    fixes.push(`force ${describeValue(e['force'])} read as a boolean`);
    e['force'] = e['force'].trim().toLowerCase() === 'true';
  } else if (e['force'] === undefined || e['force'] === null) {
    e['force'] = false;
    fixes.push('force missing: read as false');
  }
  if (str(e['actor']) === null) {
    e['actor'] = 'unknown';
    fixes.push('actor missing: read as "unknown"');
  }
  if (e['execution_mode'] !== 'worktree' && e['execution_mode'] !== 'direct_repo') {
    fixes.push(`execution_mode ${describeValue(e['execution_mode'])} read as worktree`);
    e['execution_mode'] = 'worktree';
  }
  const ev = e['evidence'];
  if (ev !== undefined && ev !== null) {
    const trial = checkStatusEvent({ ...e });
    if (!trial.ok && trial.issues.some((i) => i.path.startsWith('evidence'))) {
      const o = typeof ev === 'object' && !Array.isArray(ev) ? (ev as Record<string, unknown>) : {};
      const r = typeof o['review'] === 'object' && o['review'] !== null ? (o['review'] as Record<string, unknown>) : {};
      const fixed: Record<string, unknown> = {
        ...o,
        review: {
          ...r,
          reviewer: str(r['reviewer']) ?? 'unknown',
          verdict: str(r['verdict']) ?? 'unknown',
          reference: str(r['reference']),
        },
      };
      if (!Array.isArray(fixed['repos'])) delete fixed['repos'];
      e['evidence'] = fixed;
      fixes.push('evidence with blank or missing review fields: filled with "unknown"');
    }
  }
  if (fixes.length === 0) return strict;
  const again = checkStatusEvent(e);
  return again.ok ? { ok: true, value: { event: again.value, fixes } } : again;
}
