import { FLAVORS, checkEvent, type EnvelopeFlavor } from './validate.js';
import type { ValidationIssue } from './errors.js';
import { assertOneOf } from './_assert.js';
import { EventsError } from './errors.js';
import { typeName } from '@kitty/errors';

/** The verdict on one record of a text checked by {@link checkEventText}. */
export interface RecordVerdict {
  /** 1-based record number (line number for JSONL). */
  readonly index: number;
  readonly event_id: string | null;
  readonly event_type: string | null;
  readonly valid: boolean;
  readonly issues: readonly ValidationIssue[];
}

/** The verdict on a whole text. */
export interface TextVerdict {
  readonly format: 'object' | 'array' | 'batch' | 'jsonl';
  readonly total: number;
  readonly valid: number;
  readonly invalid: number;
  readonly records: readonly RecordVerdict[];
}

/** The events of a batch body `{"events": [...]}` or of a contract fixture `{"request": {"events": [...]}}`. */
function batchEvents(value: unknown): unknown[] | null {
  if (value === null || typeof value !== 'object') return null;
  const direct = (value as { events?: unknown }).events;
  if (Array.isArray(direct)) return direct;
  const nested = (value as { request?: { events?: unknown } }).request?.events;
  return Array.isArray(nested) ? nested : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/**
 * Checks events given as text: one JSON object, a JSON array, a batch body `{"events": [...]}` (also inside a
 * contract fixture's `request`), or JSON Lines.
 * A line that is not JSON is an invalid record with its line number; nothing throws.
 */
export function checkEventText(text: string, flavor: EnvelopeFlavor = 'kitty'): TextVerdict {
  if (typeof text !== 'string') throw new EventsError('INVALID_ARGUMENT', `checkEventText needs text; got ${typeName(text)}.`);
  assertOneOf(flavor, FLAVORS, 'checkEventText', 'the contract');
  let records: { index: number; value: unknown; parseError?: string }[];
  let format: TextVerdict['format'];
  const trimmed = text.trim();
  let whole: unknown;
  let wholeOk: boolean;
  try {
    whole = JSON.parse(trimmed);
    wholeOk = true;
  } catch {
    wholeOk = false;
  }
  if (wholeOk && Array.isArray(whole)) {
    format = 'array';
    records = whole.map((value, i) => ({ index: i + 1, value }));
  } else if (wholeOk && batchEvents(whole) !== null) {
    format = 'batch';
    records = (batchEvents(whole) as unknown[]).map((value, i) => ({ index: i + 1, value }));
  } else if (wholeOk) {
    format = 'object';
    records = [{ index: 1, value: whole }];
  } else {
    format = 'jsonl';
    records = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        records.push({ index: i + 1, value: JSON.parse(line) as unknown });
      } catch (e) {
        records.push({ index: i + 1, value: undefined, parseError: e instanceof Error ? e.message : String(e) });
      }
    });
  }
  const verdicts: RecordVerdict[] = records.map(({ index, value, parseError }) => {
    const v = value as { event_id?: unknown; event_type?: unknown } | null | undefined;
    const base = { index, event_id: str(v?.event_id), event_type: str(v?.event_type) };
    if (parseError !== undefined) {
      return {
        ...base,
        valid: false,
        issues: [{ path: '', expected: 'a JSON object', received: 'unparseable text', message: `line ${index}: not JSON (${parseError})` }],
      };
    }
    const r = checkEvent(value, flavor);
    return { ...base, valid: r.ok, issues: r.ok ? [] : r.issues };
  });
  const valid = verdicts.filter((r) => r.valid).length;
  return { format, total: verdicts.length, valid, invalid: verdicts.length - valid, records: verdicts };
}
