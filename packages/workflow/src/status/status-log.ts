import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { reduceStatusEvents, repairStatusLine, type StatusEvent, type StatusSnapshot } from '@kitty/events';
import { PlanningFileError, WorkflowError, type FileProblem } from '../errors.js';
import { assertInside, displayPath } from '../files/files.js';
import type { FeatureRef } from '../project/features.js';

/** The status event log of a feature, relative to its directory: the only writer of lanes. */
export const STATUS_LOG_FILE = 'status.events.jsonl';
/** The materialised snapshot of the log, relative to the feature directory. */
export const STATUS_SNAPSHOT_FILE = 'status.json';

/** Largest status log the library reads: 64 MiB (about 150,000 events). */
export const MAX_STATUS_LOG_BYTES = 64 * 1024 * 1024;

/** A last line without its line break: left by a writer that was killed mid-append. */
export interface TornTail {
  /** Byte offset where the line starts. */
  readonly offset: number;
  /** 1-based line number. */
  readonly line: number;
  /** Its text (truncated for messages). */
  readonly text: string;
  /** True when it still parses as a whole valid event (only the line break is missing): it is kept. */
  readonly complete: boolean;
}

/** A feature's status log as read. */
export interface StatusLog {
  /** Absolute path of `status.events.jsonl`. */
  readonly path: string;
  /** Path relative to the project root. */
  readonly shownAs: string;
  readonly exists: boolean;
  /** Valid events in file order. */
  readonly events: readonly StatusEvent[];
  /** File size in bytes when read. */
  readonly size: number;
  readonly tail: TornTail | null;
  /** Bad lines (only when read with `tolerant`; otherwise they throw). */
  readonly problems: readonly FileProblem[];
  /**
   * Lines that did not match the schema but were understood (as older builds wrote them): read with a warning;
   * `agent status materialize --repair` rewrites them.
   */
  readonly repaired: readonly RepairedLine[];
  /** Human notes: a torn last line that is ignored or repaired. */
  readonly warnings: readonly string[];
}

/** A log line read tolerantly: its 1-based number, the event understood and what was changed to read it. */
export interface RepairedLine {
  readonly line: number;
  readonly event: StatusEvent;
  readonly fixes: readonly string[];
}

/** The status log file of a feature. */
export function statusLogPath(feature: FeatureRef): string {
  return path.join(feature.dir, STATUS_LOG_FILE);
}

/** The status snapshot file of a feature. */
export function statusSnapshotPath(feature: FeatureRef): string {
  return path.join(feature.dir, STATUS_SNAPSHOT_FILE);
}

const cut = (s: string, n = 120): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function parseLine(
  text: string,
  shownAs: string,
  line: number,
): { event: StatusEvent; fixes: readonly string[] } | { problem: FileProblem } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return {
      problem: {
        path: shownAs,
        line,
        col: 1,
        code: 'INVALID_JSON',
        message: `invalid JSON on line ${line}: ${(err as Error).message} (${cut(text, 80)})`,
      },
    };
  }
  const r = repairStatusLine(json);
  if (!r.ok) {
    return {
      problem: {
        path: shownAs,
        line,
        col: 1,
        code: 'INVALID_STATUS_EVENT',
        message: `invalid status event on line ${line}: ${r.issues.map((i) => i.message).join('; ')}`,
      },
    };
  }
  return r.value;
}

/**
 * Reads a feature's `status.events.jsonl`. Blank lines are skipped. A last line without a line break is a torn
 * append (a writer killed mid-write): when it still parses it is kept, otherwise it is ignored with a warning;
 * {@link repairTornTail} fixes the file before the next append. Any other bad line is an error with its line
 * number (INVALID_STATUS_LOG, every bad line listed), unless `tolerant` is set: then bad lines are skipped and
 * returned as `problems` (used by `agent status materialize --force` and `validate`).
 */
export function readStatusLog(root: string, feature: FeatureRef, options: { readonly tolerant?: boolean } = {}): StatusLog {
  const file = statusLogPath(feature);
  const shownAs = displayPath(root, file);
  if (!existsSync(file))
    return { path: file, shownAs, exists: false, events: [], size: 0, tail: null, problems: [], repaired: [], warnings: [] };
  assertInside(root, file);
  let bytes: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_STATUS_LOG_BYTES) {
      throw new WorkflowError(
        'INVALID_STATUS_LOG',
        `${shownAs} is ${size} bytes; status logs may be at most ${MAX_STATUS_LOG_BYTES} bytes.`,
        {
          suggestions: ['Check that the file is a spec-kitty status log; archive old events if the feature really has that many.'],
          details: { path: file, size },
        },
      );
    }
    bytes = readFileSync(file);
  } catch (err) {
    if (err instanceof WorkflowError) throw err;
    throw new WorkflowError('FILE_READ_FAILED', `Cannot read ${shownAs}: ${(err as Error).message}`, {
      suggestions: ['Check the file permissions and run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  const text = bytes.toString('utf8');
  const events: StatusEvent[] = [];
  const problems: FileProblem[] = [];
  const warnings: string[] = [];
  const repaired: RepairedLine[] = [];
  const keep = (parsed: { event: StatusEvent; fixes: readonly string[] }, at: number): void => {
    events.push(parsed.event);
    if (parsed.fixes.length === 0) return;
    repaired.push({ line: at, event: parsed.event, fixes: parsed.fixes });
    warnings.push(
      `${shownAs}:${at}: read an older line tolerantly (${parsed.fixes.join('; ')}); spec-kitty agent status materialize --repair rewrites it.`,
    );
  };
  let tail: TornTail | null = null;
  let offset = 0;
  let line = 0;
  while (offset < text.length) {
    line++;
    const nl = text.indexOf('\n', offset);
    const raw = text.slice(offset, nl < 0 ? text.length : nl).replace(/\r$/, '');
    if (nl < 0) {
      // The final segment has no line break: a torn append.
      const byteOffset = Buffer.byteLength(text.slice(0, offset), 'utf8');
      if (raw.trim() !== '') {
        const parsed = parseLine(raw, shownAs, line);
        if ('event' in parsed) {
          keep(parsed, line);
          tail = { offset: byteOffset, line, text: cut(raw), complete: true };
          warnings.push(`${shownAs}:${line}: the last line has no line break (an interrupted write); it is a valid event and is kept.`);
        } else {
          tail = { offset: byteOffset, line, text: cut(raw), complete: false };
          warnings.push(`${shownAs}:${line}: ignored a torn last line (an interrupted write, never completed): ${cut(raw, 80)}`);
        }
      } else if (raw !== '') {
        tail = { offset: byteOffset, line, text: raw, complete: false };
      }
      break;
    }
    offset = nl + 1;
    if (raw.trim() === '') continue;
    const parsed = parseLine(raw, shownAs, line);
    if ('event' in parsed) keep(parsed, line);
    else problems.push(parsed.problem);
  }
  if (problems.length > 0 && options.tolerant !== true) {
    throw new PlanningFileError('INVALID_STATUS_LOG', problems, {
      suggestions: [
        `spec-kitty agent status validate --feature ${feature.slug} --json`,
        `spec-kitty agent status materialize --feature ${feature.slug} --force --repair`,
        `Or fix the lines named in ${shownAs} by hand (each line is one JSON event). materialize --force --repair removes the unreadable lines from the log (they stay in git history) and rewrites the ones it understands.`,
      ],
    });
  }
  return { path: file, shownAs, exists: true, events, size: bytes.length, tail, problems, repaired, warnings };
}

/**
 * Repairs a torn last line before the next append (the caller holds the feature lock): a complete event gets
 * its missing line break, a broken fragment (never a finished event) is cut off. Returns a note, or null when
 * there was nothing to repair.
 */
export function repairTornTail(root: string, log: StatusLog): string | null {
  if (log.tail === null) return null;
  assertInside(root, log.path);
  const fd = openSync(log.path, 'r+');
  try {
    if (statSync(log.path).size !== log.size) {
      throw new WorkflowError(
        'FILE_CHANGED_ON_DISK',
        `${log.shownAs} changed on disk while the command was running; nothing was written to it.`,
        {
          suggestions: ['Another program wrote to the status log without holding the feature lock. Run the command again.'],
          details: { path: log.path },
        },
      );
    }
    if (log.tail.complete) writeSync(fd, '\n', log.size);
    else ftruncateSync(fd, log.tail.offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return log.tail.complete
    ? `Repaired ${log.shownAs}: added the missing line break after line ${log.tail.line}.`
    : `Repaired ${log.shownAs}: removed the torn fragment on line ${log.tail.line} (${log.tail.text}).`;
}

/** Sorts object keys recursively (the Python CLI writes JSON with `sort_keys=True`). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, sortKeysDeep(obj[k])]),
    );
  }
  return value;
}

/**
 * JSON with Python's `json.dumps` default separators (`", "` between items, `": "` after keys), on one line;
 * keys in the order given (sort them first).
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonJson(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** One status-log line, as the Python CLI writes it: sorted keys, `json.dumps` separators, `policy_metadata`, no line break. */
export function serializeStatusEvent(event: StatusEvent): string {
  const evidence = event.evidence === null || event.evidence === undefined ? null : event.evidence;
  const e: Record<string, unknown> = {
    actor: event.actor,
    at: event.at,
    event_id: event.event_id,
    evidence,
    execution_mode: event.execution_mode,
    feature_slug: event.feature_slug,
    force: event.force,
    from_lane: event.from_lane,
    policy_metadata: (event as { policy_metadata?: unknown }).policy_metadata ?? null,
    reason: event.reason ?? null,
    review_ref: event.review_ref ?? null,
    to_lane: event.to_lane,
    wp_id: event.wp_id,
  };
  return pythonJson(sortKeysDeep(e));
}

/**
 * Appends events to a status log in one `write` on an `O_APPEND` descriptor, then fsyncs: concurrent appenders
 * never interleave inside a line, and a crash leaves at most one torn last line. The caller must have repaired
 * a torn tail first (see {@link repairTornTail}).
 */
export function appendStatusEvents(root: string, file: string, events: readonly StatusEvent[]): void {
  if (events.length === 0) return;
  assertInside(root, file);
  mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.from(events.map((e) => `${serializeStatusEvent(e)}\n`).join(''), 'utf8');
  let fd: number;
  try {
    fd = openSync(file, 'a', 0o644);
  } catch (err) {
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot open ${file} for appending: ${(err as Error).message}`, {
      suggestions: ['Check free disk space and permissions, then run the command again.'],
      details: { path: file },
      cause: err,
    });
  }
  try {
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } catch (err) {
    throw new WorkflowError('FILE_WRITE_FAILED', `Cannot append to ${file}: ${(err as Error).message}`, {
      suggestions: ['Check free disk space, then run the command again; a torn last line is repaired automatically.'],
      details: { path: file },
      cause: err,
    });
  } finally {
    closeSync(fd);
  }
}

/** An ISO 8601 UTC timestamp in the Python CLI's form (`+00:00` offset). */
export function formatEventTime(d: Date): string {
  return d.toISOString().replace(/Z$/, '+00:00');
}

/** Reduces a log to its snapshot (`status.json`), stamped with `now`. */
export function materialize(feature: FeatureRef, events: readonly StatusEvent[], now: Date): StatusSnapshot {
  return reduceStatusEvents(events, { featureSlug: feature.slug, materializedAt: formatEventTime(now) });
}

/** `status.json` text: indent 2, keys sorted, trailing line break (byte-identical to the Python CLI's). */
export function renderSnapshot(snapshot: StatusSnapshot): string {
  return `${JSON.stringify(sortKeysDeep(snapshot), null, 2)}\n`;
}

/** Whether two snapshots differ in anything but `materialized_at`. */
export function snapshotsDiffer(a: StatusSnapshot, b: unknown): boolean {
  if (b === null || typeof b !== 'object') return true;
  const strip = (s: unknown): string => {
    const { materialized_at: _m, ...rest } = s as Record<string, unknown>;
    return JSON.stringify(sortKeysDeep(rest));
  };
  return strip(a) !== strip(b);
}
