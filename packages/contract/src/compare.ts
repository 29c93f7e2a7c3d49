import { categorizeFailure } from '@kitty/sync-client';
import { BadRequestSchema, BatchResponseSchema, REJECTION_CODES, responseProblems } from './responses.js';
import type { FixtureResponse } from './fixtures.js';

/** How binding a check is: a failed `must` fails the case, a failed `should` only warns. */
export type CheckLevel = 'must' | 'should';

/** One comparison between what the contract requires and what the server answered. */
export interface Check {
  readonly what: string;
  readonly level: CheckLevel;
  readonly pass: boolean;
  readonly expected: string;
  readonly actual: string;
}

/** A server's answer, as the verifier saw it. */
export interface ObservedAnswer {
  readonly status: number;
  /** The body parsed as JSON, or undefined when it was not JSON. */
  readonly json: unknown;
  /** The body as text (short excerpt for reports). */
  readonly text: string;
}

/** One expected per-event verdict. */
export interface ExpectedResult {
  readonly event_id: string;
  readonly status: 'success' | 'duplicate' | 'rejected';
  readonly code?: string;
}

/** What an answer must look like (derived from a fixture, or written by hand for the extra cases). */
export interface Expectation {
  /** Acceptable HTTP statuses (the first is the one the contract names). */
  readonly status: readonly number[];
  /** For 200: the verdict of every event sent, in request order. */
  readonly results?: readonly ExpectedResult[];
  /** For 400: the events `details` must name, with their codes. */
  readonly detailsFor?: ReadonlyArray<{ readonly event_id: string; readonly code?: string }>;
  /** The top-level `code` of an error answer, when the contract names one. */
  readonly errorCode?: string;
}

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null);
  return s.length > 160 ? `${s.slice(0, 159)}…` : s;
};

const check = (what: string, level: CheckLevel, pass: boolean, expected: string, actual: string): Check => ({
  what,
  level,
  pass,
  expected,
  actual,
});

/** Checks a body against a response schema (a MUST) and records it; true when the body has that shape. */
function shapeCheck(
  checks: Check[],
  schema: Parameters<typeof responseProblems>[0],
  body: unknown,
  what: string,
  expected: string,
): boolean {
  const shape = responseProblems(schema, body);
  checks.push(check(what, 'must', shape.length === 0, expected, shape.length === 0 ? 'ok' : shape.slice(0, 3).join('; ')));
  return shape.length === 0;
}

/** The expectation a fixture's `expected_response` states: ids, statuses and codes (error texts are free). */
export function expectationOf(response: FixtureResponse): Expectation {
  const body = (response.body ?? {}) as Record<string, unknown>;
  if (response.status_code === 200) {
    const results = (Array.isArray(body['results']) ? body['results'] : []) as Array<Record<string, unknown>>;
    return {
      status: [200],
      results: results.map((r) => ({
        event_id: String(r['event_id']),
        status: r['status'] as ExpectedResult['status'],
        ...(typeof r['code'] === 'string' ? { code: r['code'] } : {}),
      })),
    };
  }
  const details = (Array.isArray(body['details']) ? body['details'] : []) as Array<Record<string, unknown>>;
  return {
    status: [response.status_code],
    detailsFor: details.map((d) => ({ event_id: String(d['event_id']), ...(typeof d['code'] === 'string' ? { code: d['code'] } : {}) })),
    ...(typeof body['code'] === 'string' ? { errorCode: body['code'] } : {}),
  };
}

function parseDetails(raw: unknown): unknown {
  if (typeof raw === 'string' && raw.trim().startsWith('[')) {
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * Compares an answer with an expectation the way the kitty CLI reads answers: every event sent must be answered
 * once with its `event_id` exactly as sent; statuses must match; a rejection needs an `error` and should carry
 * the contract's `code` (what must match is the CLI's failure category); a 400 needs `error` and, when events
 * are at fault, `details` naming them by `event_id`.
 */
export function compareAnswer(expected: Expectation, actual: ObservedAnswer): Check[] {
  const checks: Check[] = [];
  const statusOk = expected.status.includes(actual.status);
  checks.push(
    check(
      'HTTP status',
      'must',
      statusOk,
      expected.status.join(' or '),
      `${actual.status}${statusOk ? '' : ` ${show(actual.json ?? actual.text)}`}`,
    ),
  );
  if (!statusOk) return checks;
  const body = actual.json as Record<string, unknown> | undefined;

  if (actual.status === 200 && expected.results !== undefined) {
    if (
      !shapeCheck(
        checks,
        BatchResponseSchema,
        body,
        'body is {"results": [...]}',
        'a JSON object with a "results" list of {event_id, status}',
      )
    )
      return checks;
    const results = (body as { results: Array<Record<string, unknown>> }).results;
    const sent = new Set(expected.results.map((r) => r.event_id));
    const byId = new Map<string, Array<Record<string, unknown>>>();
    for (const r of results) byId.set(String(r['event_id']), [...(byId.get(String(r['event_id'])) ?? []), r]);
    const foreign = results.filter((r) => !sent.has(String(r['event_id']))).map((r) => String(r['event_id']));
    checks.push(
      check(
        'no results for ids that were not sent (ids echoed exactly as sent)',
        'must',
        foreign.length === 0,
        'none',
        foreign.length === 0 ? 'none' : show(foreign),
      ),
    );
    for (const exp of expected.results) {
      const got = byId.get(exp.event_id) ?? [];
      const label = `event ${exp.event_id}`;
      if (got.length !== 1) {
        checks.push(check(`${label}: answered exactly once`, 'must', false, '1 result', `${got.length} results`));
        continue;
      }
      const r = got[0] as Record<string, unknown>;
      checks.push(check(`${label}: status`, 'must', r['status'] === exp.status, exp.status, show(r['status'])));
      if (exp.status !== 'rejected' || r['status'] !== 'rejected') continue;
      const error = typeof r['error'] === 'string' ? r['error'] : typeof r['error_message'] === 'string' ? r['error_message'] : null;
      checks.push(
        check(
          `${label}: error message`,
          'must',
          error !== null && error.trim() !== '',
          'a non-empty "error"',
          show(r['error'] ?? r['error_message']),
        ),
      );
      const code = typeof r['code'] === 'string' ? r['code'] : null;
      if (exp.code !== undefined) {
        checks.push(check(`${label}: code`, 'should', code === exp.code, exp.code, show(code)));
        const want = REJECTION_CODES[exp.code]?.category ?? categorizeFailure(null, exp.code);
        const cat = categorizeFailure(error, code);
        checks.push(
          check(
            `${label}: failure category the CLI derives`,
            'must',
            cat === want,
            want,
            `${cat} (from ${code === null ? 'the error text' : `code ${JSON.stringify(code)}`})`,
          ),
        );
      }
    }
    return checks;
  }

  if (actual.status === 400) {
    if (!shapeCheck(checks, BadRequestSchema, body, 'body is {"error", "details"}', 'a JSON object with a non-empty "error"'))
      return checks;
    const b = body as Record<string, unknown>;
    checks.push(
      check(
        '"details" present',
        'should',
        b['details'] !== undefined && b['details'] !== null && b['details'] !== '',
        'text or a list',
        show(b['details']),
      ),
    );
    if (expected.errorCode !== undefined)
      checks.push(check('code', 'should', b['code'] === expected.errorCode, expected.errorCode, show(b['code'])));
    const details = parseDetails(b['details']);
    for (const d of expected.detailsFor ?? []) {
      const list = Array.isArray(details) ? (details as Array<Record<string, unknown>>) : [];
      const entry = list.find((x) => typeof x === 'object' && x !== null && x['event_id'] === d.event_id);
      checks.push(
        check(
          `details names event ${d.event_id}`,
          'must',
          entry !== undefined,
          `an entry {"event_id": ${JSON.stringify(d.event_id)}, "error": …}`,
          entry ? 'present' : show(b['details']),
        ),
      );
      if (entry && d.code !== undefined)
        checks.push(check(`details code of ${d.event_id}`, 'should', entry['code'] === d.code, d.code, show(entry['code'])));
    }
    return checks;
  }

  if (actual.status >= 400) {
    const err = body?.['error'] ?? body?.['detail'];
    checks.push(
      check(
        'error message',
        'should',
        typeof err === 'string' && err.trim() !== '',
        'a JSON body with "error"',
        show(actual.json ?? actual.text),
      ),
    );
    if (expected.errorCode !== undefined)
      checks.push(check('code', 'should', body?.['code'] === expected.errorCode, expected.errorCode, show(body?.['code'])));
  }
  return checks;
}
