import {
  LANES,
  SYNC_LANES_4,
  SYNC_LANE_MODELS,
  checkEvent,
  isEventId,
  isEventType,
  normalizeEventId,
  type ValidationIssue,
} from '@kitty/events';
import { describeValue } from '@kitty/errors';
import type { Answer } from './auth.js';
import type { BatchEntry } from './storage.js';

/** Structured codes of per-event rejections and batch refusals (the contract's vocabulary). */
export const REJECTION_CODES = Object.freeze({
  /** The envelope or payload does not match the schema of its type. */
  schemaMismatch: 'schema_mismatch',
  /** A lane value is not allowed, or the payload's lane model is not the server's. */
  invalidLane: 'invalid_lane',
  /** `event_type` is not a known type. */
  unknownEventType: 'unknown_event_type',
});

/** Codes of 400 answers and of their `details` entries. */
export const BAD_REQUEST_CODES = Object.freeze({
  malformedJson: 'malformed_json',
  missingEvents: 'missing_events',
  batchTooLarge: 'batch_too_large',
  invalidBatch: 'invalid_batch',
  notAnObject: 'not_an_object',
  missingEventId: 'missing_event_id',
  invalidEventId: 'invalid_event_id',
});

const LANE_FIELDS = /^payload\.(from_lane|to_lane|canonical_from_lane|canonical_to_lane|lane_model)$/;

const summarize = (messages: readonly string[]): string => {
  const head = messages.slice(0, 5).join('; ');
  return messages.length > 5 ? `${head} (+${messages.length - 5} more)` : head;
};

const ANY_LANE: ReadonlySet<string> = new Set([...LANES, ...SYNC_LANES_4]);
const CANONICAL: ReadonlySet<string> = new Set(LANES);

/** Lane values of a WPStatusChanged payload that no lane model allows, in words. */
function laneProblems(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const p = payload as Record<string, unknown>;
  const out: string[] = [];
  const lane = (field: string, allowed: ReadonlySet<string>, nullable: boolean) => {
    const value = p[field];
    if (value === undefined || (nullable && value === null)) return;
    if (typeof value !== 'string' || !allowed.has(value))
      out.push(`payload.${field}: ${describeValue(value, 40)} is not a lane (allowed: ${[...allowed].join(', ')})`);
  };
  lane('from_lane', ANY_LANE, true);
  lane('to_lane', ANY_LANE, false);
  lane('canonical_from_lane', CANONICAL, true);
  lane('canonical_to_lane', CANONICAL, false);
  const model = p['lane_model'];
  if (model !== undefined && !(SYNC_LANE_MODELS as readonly unknown[]).includes(model))
    out.push(`payload.lane_model: ${describeValue(model, 40)} must be 4-lane or 7-lane`);
  return out;
}

/** Validates one identified event against kitty's envelope, its payload schema and the server's lane model. */
export function validateEvent(event: Record<string, unknown>, laneModel: '4-lane' | '7-lane'): BatchEntry {
  const eventId = event['event_id'] as string;
  const key = normalizeEventId(eventId);
  const type = event['event_type'];
  const eventType = typeof type === 'string' ? type : null;
  const reject = (code: string, error: string): BatchEntry => ({ ok: false, key, eventId, eventType, code, error });
  if (typeof type === 'string' && type !== '' && !isEventType(type)) {
    return reject(
      REJECTION_CODES.unknownEventType,
      `Unknown event_type ${describeValue(type)}: not one of the types in the batch-ingest contract.`,
    );
  }
  const r = checkEvent(event, 'kitty');
  if (!r.ok) {
    const lanes = eventType === 'WPStatusChanged' ? laneProblems(event['payload']) : [];
    // Issues of union-typed lane fields come without their field name; the lane check above names them.
    const others = r.issues
      .filter((i: ValidationIssue) => !(lanes.length > 0 && (i.path === 'payload' || LANE_FIELDS.test(i.path))))
      .map((i) => i.message);
    const laneOnly = lanes.length > 0 || r.issues.every((i) => LANE_FIELDS.test(i.path));
    return reject(
      laneOnly ? REJECTION_CODES.invalidLane : REJECTION_CODES.schemaMismatch,
      `Invalid ${eventType ?? 'event'}: ${summarize([...lanes, ...others])}`,
    );
  }
  const value = r.value as Record<string, unknown>;
  if (value['event_type'] === 'WPStatusChanged') {
    const model = (value['payload'] as Record<string, unknown>)['lane_model'];
    if (model !== laneModel) {
      return reject(
        REJECTION_CODES.invalidLane,
        `payload.lane_model ${describeValue(model)} is not accepted: this server takes ${laneModel} WPStatusChanged payloads (set [sync] lane_model = "${laneModel}" in ~/.spec-kitty/config.toml).`,
      );
    }
  }
  return {
    ok: true,
    key,
    eventId,
    eventType: value['event_type'] as string,
    aggregateId: value['aggregate_id'] as string,
    lamportClock: value['lamport_clock'] as number,
    teamSlug: typeof value['team_slug'] === 'string' ? value['team_slug'] : null,
    event,
  };
}

/**
 * Checks the shape of a decoded batch body. A body that is not `{"events": [...]}`, has too many events, or
 * holds an entry that cannot be identified (not an object, no valid `event_id`) is refused as a whole with a
 * 400 answer; otherwise every event gets its own verdict.
 */
export function parseBatch(
  json: unknown,
  options: { readonly laneModel: '4-lane' | '7-lane'; readonly maxEvents: number },
): { readonly ok: true; readonly entries: BatchEntry[] } | { readonly ok: false; readonly answer: Answer } {
  const events =
    typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>)['events'] : undefined;
  if (!Array.isArray(events)) {
    const got =
      typeof json === 'object' && json !== null && !Array.isArray(json)
        ? `an object with keys ${describeValue(Object.keys(json))}`
        : describeValue(json, 80);
    return {
      ok: false,
      answer: {
        status: 400,
        body: {
          error: 'The body must be a JSON object with an "events" list.',
          details: `received ${got}`,
          code: BAD_REQUEST_CODES.missingEvents,
        },
      },
    };
  }
  if (events.length > options.maxEvents) {
    return {
      ok: false,
      answer: {
        status: 400,
        body: {
          error: 'Too many events in one batch.',
          details: `received ${events.length} events; at most ${options.maxEvents} are accepted per request`,
          code: BAD_REQUEST_CODES.batchTooLarge,
        },
      },
    };
  }
  const details: Array<{ index: number; event_id: unknown; error: string; code: string }> = [];
  events.forEach((e, index) => {
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      details.push({
        index,
        event_id: null,
        error: `events[${index}]: invalid entry, not a JSON object (received ${describeValue(e, 60)}).`,
        code: BAD_REQUEST_CODES.notAnObject,
      });
      return;
    }
    const id = (e as Record<string, unknown>)['event_id'];
    if (typeof id !== 'string' || id === '') {
      details.push({
        index,
        event_id: id ?? null,
        error: `events[${index}]: missing event_id string (received ${describeValue(id, 60)}).`,
        code: BAD_REQUEST_CODES.missingEventId,
      });
    } else if (!isEventId(id)) {
      details.push({
        index,
        event_id: id,
        error: `invalid event_id ${describeValue(id, 60)}: not a 26-char ULID, a 36-char UUID or a 32-char hex UUID.`,
        code: BAD_REQUEST_CODES.invalidEventId,
      });
    }
  });
  if (details.length > 0) {
    return {
      ok: false,
      answer: {
        status: 400,
        body: {
          error: `Batch validation failed: ${details.length} event(s) cannot be identified; nothing in this batch was stored.`,
          details,
          code: BAD_REQUEST_CODES.invalidBatch,
        },
      },
    };
  }
  return { ok: true, entries: (events as Array<Record<string, unknown>>).map((e) => validateEvent(e, options.laneModel)) };
}
