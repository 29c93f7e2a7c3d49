import { describeValue, typeName } from '@kitty/errors';
import { MAX_ENVELOPE_BYTES, normalizeEventId } from '@kitty/events';
import { QueueError, errorMessage } from './errors.js';

/** A validated draft, ready to store. */
export interface PreparedDraft {
  readonly eventId: string;
  readonly eventType: string;
  /** The envelope as JSON without its closing brace, ready for `"lamport_clock":N}`. */
  readonly jsonHead: string;
}

/** Checks a draft (object, event_id, event_type, no lamport_clock, JSON) and normalises its id. */
/** The largest envelope the queue accepts (reliability row 44): 64 KiB of JSON. */
export const MAX_EVENT_BYTES = MAX_ENVELOPE_BYTES;

export function prepareDraft(draft: unknown, index: number | null): PreparedDraft {
  const where = index === null ? 'The event' : `Event #${index}`;
  const fail = (message: string, extra: Record<string, unknown> = {}, cause?: unknown) =>
    new QueueError('QUEUE_INVALID_EVENT', `${where} was not queued: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
      details: { index, ...extra },
      suggestions: ['Build events with the @kitty/events envelope builders; the queue assigns lamport_clock itself.'],
    });
  if (draft === null || typeof draft !== 'object' || Array.isArray(draft)) {
    throw fail(`expected an envelope object; got ${describeValue(draft)} (${typeName(draft)}).`);
  }
  const d = draft as Record<string, unknown>;
  if (d['lamport_clock'] !== undefined) {
    throw fail(`lamport_clock is assigned by the queue in the enqueue transaction; got ${describeValue(d['lamport_clock'])}.`, {
      field: 'lamport_clock',
    });
  }
  let eventId: string;
  try {
    eventId = normalizeEventId(d['event_id']);
  } catch (e) {
    throw fail(errorMessage(e), { field: 'event_id', received: d['event_id'] ?? null }, e);
  }
  const eventType = d['event_type'];
  if (typeof eventType !== 'string' || eventType.trim().length === 0 || eventType.length > 200) {
    throw fail(`event_type must be a non-empty string of at most 200 characters; got ${describeValue(eventType)}.`, {
      field: 'event_type',
    });
  }
  let json: string | undefined;
  try {
    json = JSON.stringify({ ...d, event_id: eventId, lamport_clock: undefined });
  } catch (e) {
    throw fail(`the envelope is not JSON-serialisable (${errorMessage(e)}).`, {}, e);
  }
  if (json === undefined || !json.startsWith('{') || !json.endsWith('}')) {
    throw fail('the envelope does not serialise to a JSON object.');
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    throw new QueueError(
      'QUEUE_EVENT_TOO_LARGE',
      `${where} was not queued: it is ${bytes} bytes of JSON; the limit is ${MAX_EVENT_BYTES} (64 KiB) so that sync batches stay small.`,
      {
        details: { index, eventId, bytes, limit: MAX_EVENT_BYTES },
        suggestions: ['Keep large content (logs, diffs) out of event payloads; reference it by path or commit instead.'],
      },
    );
  }
  const head = json.slice(0, -1);
  return { eventId, eventType, jsonHead: head === '{' ? head : `${head},` };
}
