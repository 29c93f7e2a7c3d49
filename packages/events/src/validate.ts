import * as v from 'valibot';
import { describeValue } from '@kitty/errors';
import { EventValidationError, type EventsErrorCode, type ValidationIssue } from './errors.js';
import { normalizeEventId } from './ids.js';
import { assertOneOf } from './_assert.js';
import {
  KittyEnvelopeSchema,
  LegacyCliEnvelopeSchema,
  LibraryEventSchema,
  type EventEnvelope,
  type LibraryEvent,
} from './schemas/envelope.js';
import { EVENT_TYPES, isEventType } from './schemas/registry.js';
import {
  LegacyWPStatusChangedPayloadSchema,
  StatusEventSchema,
  StatusTransitionPayloadSchema,
  type StatusEvent,
  type StatusTransitionPayload,
} from './schemas/status.js';

/** The outcome of a check: the normalised value, or every issue found. */
export type CheckResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** Which envelope contract to check against. */
export type EnvelopeFlavor = 'kitty' | 'library' | 'legacy-cli';

/** Every envelope flavor. */
export const FLAVORS: readonly EnvelopeFlavor[] = ['kitty', 'library', 'legacy-cli'];

function flatten(issues: readonly v.BaseIssue<unknown>[], prefix: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const issue of issues) {
    // A union reports one issue per branch; the branch issues say more than "invalid type".
    if (issue.type === 'union' && issue.issues && issue.issues.length > 0) {
      // Branch issues carry paths relative to the union's own position.
      const here = [prefix, v.getDotPath(issue)].filter((p) => p !== null && p !== '').join('.');
      out.push(...flatten(issue.issues, here));
      continue;
    }
    const dot = v.getDotPath(issue);
    const path = [prefix, dot].filter((p) => p !== null && p !== '').join('.');
    const where = path || '(document)';
    const last = issue.path?.at(-1) as { value?: unknown } | undefined;
    const missing = issue.kind === 'schema' && issue.input === undefined && /object$/.test(issue.type) && issue.path !== undefined;
    if (missing) {
      out.push({ path, expected: 'a value (required field)', received: 'nothing', message: `${where}: required field is missing` });
      continue;
    }
    // Cross-field checks report the whole object as input; show the field's own value instead.
    const value = issue.type === 'partial_check' && last !== undefined ? last.value : issue.input;
    const received = describeValue(value);
    // The message states the rule in words; a pattern is added so machines can check it too.
    const expected = issue.type === 'regex' && issue.expected ? `${issue.message} (${issue.expected})` : issue.message;
    out.push({ path, expected, received, message: `${where}: ${issue.message} (received ${received})` });
  }
  // Unions can yield the same issue from several branches.
  const seen = new Set<string>();
  return out.filter((i) => (seen.has(i.message) ? false : (seen.add(i.message), true)));
}

function run<T>(schema: v.GenericSchema, value: unknown, prefix = ''): CheckResult<T> {
  const r = v.safeParse(schema, value, { abortPipeEarly: true });
  return r.success ? { ok: true, value: r.output as T } : { ok: false, issues: flatten(r.issues, prefix) };
}

function normalizeIds<T extends Record<string, unknown>>(envelope: T): T {
  const out: Record<string, unknown> = { ...envelope };
  for (const key of ['event_id', 'causation_id', 'correlation_id']) {
    if (typeof out[key] === 'string') out[key] = normalizeEventId(out[key], key);
  }
  return out as T;
}

/**
 * Checks an envelope (not its payload) against the kitty, library or legacy spec-kitty 2.0 wire contract.
 * On success ids are normalised (ULIDs upper-case, UUIDs lower-case hyphenated).
 */
export function checkEnvelope(value: unknown, flavor: EnvelopeFlavor = 'kitty'): CheckResult<EventEnvelope | LibraryEvent> {
  assertOneOf(flavor, FLAVORS, 'checkEnvelope', 'the contract');
  const schema = flavor === 'kitty' ? KittyEnvelopeSchema : flavor === 'library' ? LibraryEventSchema : LegacyCliEnvelopeSchema;
  const r = run<Record<string, unknown>>(schema, value);
  return r.ok ? { ok: true, value: normalizeIds(r.value) as EventEnvelope } : r;
}

/** Which payload contract `WPStatusChanged` is checked against (other types have one schema). */
export type PayloadContract = 'kitty' | 'library' | 'legacy-cli';

/**
 * Checks a payload against the schema of `eventType`. For `WPStatusChanged`, `contract: 'library'` checks the
 * events library's `StatusTransitionPayload` (alias `doing` normalised to `in_progress`) and `'legacy-cli'` the
 * spec-kitty 2.0 CLI's payload, instead of kitty's lane-model-aware payload.
 */
export function checkPayload(
  eventType: string,
  payload: unknown,
  contract: PayloadContract = 'kitty',
): CheckResult<Record<string, unknown>> {
  assertOneOf(contract, FLAVORS, 'checkPayload', 'the contract');
  if (!isEventType(eventType)) {
    return {
      ok: false,
      issues: [
        {
          path: 'event_type',
          expected: 'a known event type',
          received: describeValue(eventType),
          message: `event_type: unknown event type (received ${describeValue(eventType)})`,
        },
      ],
    };
  }
  if (eventType === 'WPStatusChanged' && contract === 'library') {
    const r = run<StatusTransitionPayload>(StatusTransitionPayloadSchema, payload, 'payload');
    if (!r.ok) return r;
    const p: Record<string, unknown> = { ...r.value };
    for (const k of ['from_lane', 'to_lane']) if (p[k] === 'doing') p[k] = 'in_progress';
    return { ok: true, value: p };
  }
  if (eventType === 'WPStatusChanged' && contract === 'legacy-cli') return run(LegacyWPStatusChangedPayloadSchema, payload, 'payload');
  return run(EVENT_TYPES[eventType].payload, payload, 'payload');
}

/**
 * Checks a whole event: the envelope, then the payload for its type. In the `kitty` flavor the type must be
 * known; in the `library` flavor an unknown type keeps an opaque payload (as the events library does).
 */
export function checkEvent(value: unknown, flavor: EnvelopeFlavor = 'kitty'): CheckResult<EventEnvelope | LibraryEvent> {
  const env = checkEnvelope(value, flavor);
  const type = (value as { event_type?: unknown } | null)?.event_type;
  const payload = (value as { payload?: unknown } | null)?.payload ?? {};
  const needPayload = flavor === 'kitty' || isEventType(type);
  const pay = needPayload && typeof type === 'string' && type !== '' ? checkPayload(type, payload, flavor) : null;
  const issues = [...(env.ok ? [] : env.issues), ...(pay && !pay.ok ? pay.issues : [])];
  if (issues.length > 0 || !env.ok) return { ok: false, issues };
  return { ok: true, value: pay?.ok ? { ...env.value, payload: pay.value } : env.value };
}

function fail(code: EventsErrorCode, what: string, issues: readonly ValidationIssue[]): never {
  const head = issues
    .slice(0, 3)
    .map((i) => i.message)
    .join('; ');
  const more = issues.length > 3 ? ` (+${issues.length - 3} more)` : '';
  throw new EventValidationError(code, `Invalid ${what}: ${head}${more}.`, issues, {
    suggestions: ['Fix the fields listed; `spec-kitty sync diagnose` shows every issue of queued events.'],
  });
}

/** Validates and normalises a kitty envelope with its payload; throws `INVALID_ENVELOPE` / `INVALID_PAYLOAD`. */
export function parseEvent(value: unknown, flavor: EnvelopeFlavor = 'kitty'): EventEnvelope {
  const r = checkEvent(value, flavor);
  if (r.ok) return r.value as EventEnvelope;
  const onlyPayload = r.issues.every((i) => i.path.startsWith('payload'));
  return fail(onlyPayload ? 'INVALID_PAYLOAD' : 'INVALID_ENVELOPE', 'event', r.issues);
}

/** Validates one line of a status log (`status.events.jsonl`); throws `INVALID_STATUS_EVENT`. */
export function parseStatusEvent(value: unknown): StatusEvent {
  const r = run<StatusEvent>(StatusEventSchema, value);
  if (r.ok) return r.value;
  return fail('INVALID_STATUS_EVENT', 'status event', r.issues);
}

/** Checks one status-log line without throwing. */
export function checkStatusEvent(value: unknown): CheckResult<StatusEvent> {
  return run<StatusEvent>(StatusEventSchema, value);
}
