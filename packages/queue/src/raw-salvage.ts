// Salvage by raw bytes (issue 15): when SQLite can no longer read a damaged queue file (truncated to half, a
// broken b-tree page), the envelopes are often still there as plain JSON text inside the pages. This scans the
// bytes for complete JSON objects that start like a kitty envelope and keeps every one that is valid against the
// envelope schema of @kitty/events. Records split over overflow pages are not contiguous and are not found.
import { readFileSync } from 'node:fs';
import { checkEnvelope } from '@kitty/events';
import { MAX_EVENT_BYTES } from './drafts.js';

/** An envelope found in the raw bytes: its exact JSON text and what the outbox row needs. */
export interface RawEnvelope {
  readonly eventId: string;
  readonly eventType: string;
  readonly lamportClock: number;
  readonly timestampMs: number | null;
  readonly json: string;
}

const START = Buffer.from('{"event_id":"', 'latin1');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = 0x7b;
const CLOSE = 0x7d;

/** The end (exclusive) of the JSON object starting at `start`, or -1 when it does not close within `limit` bytes. */
function objectEnd(buf: Buffer, start: number, limit: number): number {
  let depth = 0;
  let inString = false;
  const stop = Math.min(buf.length, start + limit);
  for (let i = start; i < stop; i++) {
    const c = buf[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      else if (c < 0x20) return -1; // raw control bytes never occur inside a JSON string: page boundary or garbage
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN) depth++;
    else if (c === CLOSE) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

/** Every valid envelope in `buf`, first occurrence of each event id kept. */
export function scanEnvelopes(buf: Buffer, into: Map<string, RawEnvelope> = new Map()): Map<string, RawEnvelope> {
  let at = buf.indexOf(START);
  while (at >= 0) {
    const end = objectEnd(buf, at, MAX_EVENT_BYTES + 64);
    let next = at + START.length;
    if (end > 0) {
      const json = buf.toString('utf8', at, end);
      let value: unknown;
      try {
        value = JSON.parse(json);
      } catch {
        value = undefined;
      }
      const r = value === undefined ? null : checkEnvelope(value, 'kitty');
      if (r !== null && r.ok) {
        const env = r.value as { event_id: string; event_type: string; lamport_clock: number; timestamp?: string };
        if (!into.has(env.event_id)) {
          const t = typeof env.timestamp === 'string' ? Date.parse(env.timestamp) : Number.NaN;
          into.set(env.event_id, {
            eventId: env.event_id,
            eventType: env.event_type,
            lamportClock: env.lamport_clock,
            timestampMs: Number.isFinite(t) ? t : null,
            json,
          });
        }
        next = end;
      }
    }
    at = buf.indexOf(START, next);
  }
  return into;
}

/** Scans files (the quarantined database and its `-wal`); unreadable files are skipped. */
export function scanEnvelopesInFiles(files: readonly string[]): Map<string, RawEnvelope> {
  const found = new Map<string, RawEnvelope>();
  for (const f of files) {
    let buf: Buffer;
    try {
      buf = readFileSync(f);
    } catch {
      continue;
    }
    scanEnvelopes(buf, found);
  }
  return found;
}
