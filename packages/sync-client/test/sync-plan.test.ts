import { describe, expect, it } from '@jest/globals';
import { decide, initialPlan, syncRunExitClass, type BatchAnswer, type PlanState, type Step } from '../src/index.js';

// The status matrix of reliability-test-plan §1.9 (with the decisions of ADR 0006 and 0013), one row each.
const S = 'https://sync.example.com';
const sent = ['e1', 'e2', 'e3', 'e4'];
const fresh = initialPlan(16);

interface Row {
  readonly row: string;
  readonly answer: BatchAnswer;
  readonly sent?: readonly string[];
  readonly state?: PlanState;
  readonly step: Record<string, unknown>;
  readonly refusals?: number;
}

const rows: Row[] = [
  {
    row: '200 + success / duplicate: recorded (removed from the queue)',
    answer: { kind: 'results', unknownIds: [], results: sent.map((id, i) => ({ eventId: id, status: i % 2 ? 'duplicate' : 'success' })) },
    step: {
      kind: 'record',
      missing: [],
      resend: [],
      outcomes: expect.arrayContaining([
        { eventId: 'e1', status: 'success' },
        { eventId: 'e2', status: 'duplicate' },
      ]),
    },
    refusals: 0,
  },
  {
    row: '200 + rejected: recorded as rejected with its category (kept with backoff, dead at the cap)',
    answer: {
      kind: 'results',
      unknownIds: [],
      results: [{ eventId: 'e1', status: 'rejected', error: 'missing field', category: 'schema_mismatch' }],
    },
    sent: ['e1'],
    step: {
      kind: 'record',
      outcomes: [{ eventId: 'e1', status: 'rejected', error: 'missing field', category: 'schema_mismatch' }],
      missing: [],
    },
  },
  {
    row: '200 with missing and unknown ids: missing stay pending (named), unknown ignored',
    answer: {
      kind: 'results',
      unknownIds: ['zz'],
      results: [
        { eventId: 'e1', status: 'success' },
        { eventId: 'e3', status: 'success' },
      ],
    },
    step: { kind: 'record', missing: ['e2', 'e4'], unknown: ['zz'] },
  },
  {
    row: '200 with a malformed or oversized body: nothing marked, batch back with backoff, reported',
    answer: { kind: 'malformed', message: 'unexpected response from server: HTTP 200 without a "results" list' },
    step: { kind: 'stop', status: 'error', reason: 'malformed', transient: true },
  },
  {
    row: '401 after the one refresh and replay (done by the HTTP client hook): stop, log in',
    answer: { kind: 'unauthorized', message: 'HTTP 401' },
    step: { kind: 'stop', status: 'auth', reason: 'auth', message: expect.stringContaining('spec-kitty auth login') },
  },
  {
    row: '401 whose refresh got a 500 or a reset: offline, not auth',
    answer: { kind: 'refresh_failed', code: 'SERVER_UNAVAILABLE', message: 'Token refresh failed: HTTP 500' },
    step: { kind: 'stop', status: 'offline', reason: 'offline', transient: true },
  },
  {
    row: '401 whose refresh was refused: auth',
    answer: { kind: 'refresh_failed', code: 'SESSION_EXPIRED', message: 'Session expired: run `spec-kitty auth login`' },
    step: { kind: 'stop', status: 'auth', reason: 'auth' },
  },
  {
    row: '400 with per-event details: exactly those rejected, the others re-sent',
    answer: {
      kind: 'bad_request',
      error: 'Batch validation failed',
      details: null,
      perEvent: [{ eventId: 'e2', status: 'rejected', error: 'bad lane', category: 'schema_mismatch' }],
    },
    step: { kind: 'record', outcomes: [expect.objectContaining({ eventId: 'e2', status: 'rejected' })], resend: [['e1', 'e3', 'e4']] },
    refusals: 0,
  },
  {
    row: '400 without details: the batch is bisected (a whole-batch refusal)',
    answer: { kind: 'bad_request', error: 'Bad request', details: null, perEvent: [] },
    step: {
      kind: 'split',
      groups: [
        ['e1', 'e2'],
        ['e3', 'e4'],
      ],
    },
    refusals: 1,
  },
  {
    row: '400 without details for a single event: that event is rejected with the server message',
    answer: { kind: 'bad_request', error: 'Bad request', details: 'invalid field lane', perEvent: [] },
    sent: ['e3'],
    step: {
      kind: 'record',
      outcomes: [{ eventId: 'e3', status: 'rejected', error: 'Bad request: invalid field lane', category: 'schema_mismatch' }],
    },
  },
  {
    row: '403: stop with the status and the server message, events stay queued',
    answer: { kind: 'forbidden', message: 'not a member of team-a' },
    step: { kind: 'stop', status: 'auth', reason: 'forbidden', message: expect.stringMatching(/HTTP 403.*not a member of team-a/) },
  },
  {
    row: '404: stop with the status and the server message, events stay queued',
    answer: { kind: 'http_error', status: 404, message: `${S} answered HTTP 404: no route` },
    step: { kind: 'stop', status: 'error', reason: 'http_error', transient: false, message: expect.stringContaining('HTTP 404: no route') },
  },
  {
    row: '410: stop with the status and the server message, events stay queued',
    answer: { kind: 'http_error', status: 410, message: `${S} answered HTTP 410: gone` },
    step: { kind: 'stop', status: 'error', reason: 'http_error', message: expect.stringContaining('HTTP 410') },
  },
  {
    row: '413: halve the batch',
    answer: { kind: 'too_large', message: `${S} answered HTTP 413` },
    step: {
      kind: 'split',
      groups: [
        ['e1', 'e2'],
        ['e3', 'e4'],
      ],
    },
    refusals: 1,
  },
  {
    row: '413 for a single event: dead letter, category too_large (not schema_mismatch)',
    answer: { kind: 'too_large', message: `${S} answered HTTP 413` },
    sent: ['e4'],
    step: {
      kind: 'record',
      outcomes: [expect.objectContaining({ eventId: 'e4', status: 'rejected', category: 'too_large', permanent: true })],
    },
  },
  {
    row: '413 after N-1 refusals in a row: the circuit breaker stops the run',
    answer: { kind: 'too_large', message: `${S} answered HTTP 413` },
    state: { refusals: 15, maxRefusals: 16 },
    step: { kind: 'stop', status: 'error', reason: 'circuit_breaker', message: expect.stringContaining('refused 16 requests in a row') },
    refusals: 16,
  },
  {
    row: '400 without details after N-1 refusals in a row: the circuit breaker stops the run',
    answer: { kind: 'bad_request', error: 'Bad request', details: null, perEvent: [] },
    state: { refusals: 15, maxRefusals: 16 },
    step: { kind: 'stop', status: 'error', reason: 'circuit_breaker' },
  },
  {
    row: '429 with Retry-After (longer than the client waits in-process): keep, store next attempt for every process',
    answer: { kind: 'rate_limited', status: 429, retryAfterMs: 42_000, message: `${S} answered HTTP 429 (rate limited)` },
    step: {
      kind: 'stop',
      status: 'offline',
      reason: 'rate_limited',
      retryAfterMs: 42_000,
      transient: true,
      message: expect.stringContaining('retry after 42 s'),
    },
  },
  {
    row: '503 with Retry-After: same as 429',
    answer: { kind: 'rate_limited', status: 503, retryAfterMs: 300_000, message: `${S} answered HTTP 503 (unavailable)` },
    step: { kind: 'stop', status: 'offline', reason: 'rate_limited', retryAfterMs: 300_000 },
  },
  {
    row: '429 / 503 without a usable Retry-After (after the client backed off): keep, default wait',
    answer: { kind: 'rate_limited', status: 429, retryAfterMs: null, message: `${S} answered HTTP 429 (rate limited)` },
    step: { kind: 'stop', status: 'offline', reason: 'rate_limited', retryAfterMs: 30_000 },
  },
  {
    row: '408 / 5xx / reset / refused / timeout (after the client backed off): keep untouched, offline',
    answer: { kind: 'transient', message: `${S} answered HTTP 502: bad gateway` },
    step: { kind: 'stop', status: 'offline', reason: 'offline', transient: true, retryAfterMs: null },
  },
  {
    row: 'the run deadline ended the request: keep untouched, offline',
    answer: { kind: 'deadline', message: `${S} had not answered when the run deadline was reached` },
    step: { kind: 'stop', status: 'offline', reason: 'deadline', transient: true },
  },
  {
    row: 'a redirect: never followed, stop, reported',
    answer: { kind: 'redirect', message: `${S} answered HTTP 307 redirecting to https://elsewhere` },
    step: { kind: 'stop', status: 'error', reason: 'redirect' },
  },
  {
    row: 'an untrusted TLS certificate: stop, reported as such',
    answer: { kind: 'tls', message: 'cannot connect securely' },
    step: { kind: 'stop', status: 'error', reason: 'tls' },
  },
];

describe('the sync decision table (reliability-test-plan §1.9)', () => {
  it.each(rows.map((r) => [r.row, r] as const))('%s', (_name, r) => {
    const before = r.state ?? fresh;
    const { state, step } = decide(before, r.sent ?? sent, r.answer, S);
    expect(step).toMatchObject(r.step);
    if (r.refusals !== undefined) expect(state.refusals).toBe(r.refusals);
    // Pure: the same inputs give the same decision, and the input state is not changed.
    expect(decide(before, r.sent ?? sent, r.answer, S)).toEqual({ state, step });
    expect(before).toEqual(r.state ?? fresh);
  });

  it('a per-event answer resets the breaker; refusals in a row trip it', () => {
    let state = initialPlan(3);
    const refuse: BatchAnswer = { kind: 'too_large', message: '413' };
    state = decide(state, ['a', 'b'], refuse, S).state;
    state = decide(state, ['a'], refuse, S).state;
    expect(state.refusals).toBe(2);
    state = decide(state, ['b'], { kind: 'results', unknownIds: [], results: [{ eventId: 'b', status: 'success' }] }, S).state;
    expect(state.refusals).toBe(0);
    const steps: Step[] = [];
    for (let i = 0; i < 3; i += 1) {
      const next = decide(state, ['x', 'y'], refuse, S);
      state = next.state;
      steps.push(next.step);
    }
    expect(steps.map((s) => s.kind)).toEqual(['split', 'split', 'stop']);
  });

  it('halving 1000 events reaches a single event before the default breaker trips', () => {
    let state = initialPlan();
    let group = Array.from({ length: 1000 }, (_, i) => `e${i}`);
    let splits = 0;
    for (;;) {
      const { state: next, step } = decide(state, group, { kind: 'too_large', message: '413' }, S);
      state = next;
      if (step.kind !== 'split') {
        expect(step).toMatchObject({ kind: 'record', outcomes: [expect.objectContaining({ category: 'too_large' })] });
        break;
      }
      splits += 1;
      group = [...(step.groups[0] as readonly string[])];
    }
    expect(splits).toBe(10);
  });
});

describe('the exit class of a run', () => {
  it.each([
    ['disabled', null],
    ['empty', null],
    ['ok', null],
    ['partial', 'partial'],
    ['incomplete', 'partial'],
    ['auth', 'auth'],
    ['offline', 'offline'],
    ['error', 'failure'],
  ] as const)('%s → %s', (status, cls) => {
    expect(syncRunExitClass(status)).toBe(cls);
  });
});
