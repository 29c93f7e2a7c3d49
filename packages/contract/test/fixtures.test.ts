import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkEvent, isEventType } from '@kitty/events';
import {
  BadRequestSchema,
  BatchResponseSchema,
  REJECTION_CODES,
  buildContractFixtures,
  buildResponseJsonSchemas,
  expectationOf,
  freshFixtureOptions,
  frozenFixtureOptions,
  responseProblems,
  type ContractFixture,
} from '../src/index.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/contract');
const committed = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ContractFixture);

describe('committed contract fixtures (fixtures/contract)', () => {
  it('are exactly what the generator produces (run `node fixtures/contract/generate.mjs` after a change)', () => {
    const generated = buildContractFixtures(frozenFixtureOptions());
    expect(committed.map((f) => f.name)).toEqual(generated.map((f) => f.name));
    expect(committed).toEqual(JSON.parse(JSON.stringify(generated)));
    for (const [name, schema] of Object.entries(buildResponseJsonSchemas())) {
      expect(JSON.parse(readFileSync(path.join(dir, 'schemas', name), 'utf8'))).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('hold the five pairs the issue names, and more', () => {
    const names = committed.map((f) => f.name);
    for (const n of ['01-single-event', '02-mixed-batch', '03-duplicate', '04-per-event-rejection', '05-bad-request-details'])
      expect(names).toContain(n);
    expect(names.length).toBeGreaterThanOrEqual(5);
  });

  it.each(committed.map((f) => [f.name, f] as const))(
    '%s: every event validates against kitty schemas, except the deliberately invalid ones',
    (_name, fixture) => {
      const invalid = new Set(fixture.invalid_event_ids);
      for (const event of fixture.request.body.events) {
        const r = checkEvent(event, 'kitty');
        expect({ id: event['event_id'], ok: r.ok }).toEqual({ id: event['event_id'], ok: !invalid.has(String(event['event_id'])) });
        if (!r.ok) continue;
        // WPStatusChanged events are written in the server's lane model, except the deliberate mismatch.
        if (event['event_type'] === 'WPStatusChanged') {
          const model = (event['payload'] as { lane_model: string }).lane_model;
          expect(model === fixture.server.lane_model).toBe(fixture.name !== '08-lane-model-mismatch');
        }
      }
      expect(fixture.request).toMatchObject({
        method: 'POST',
        path: '/api/v1/events/batch/',
        headers: { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' },
      });
    },
  );

  it.each(committed.map((f) => [f.name, f] as const))(
    '%s: the expected answer matches the response schemas and covers every event',
    (_name, fixture) => {
      const { status_code: status, body } = fixture.expected_response;
      const ids = fixture.request.body.events.map((e) => String(e['event_id']));
      if (status === 200) {
        expect(responseProblems(BatchResponseSchema, body)).toEqual([]);
        const exp = expectationOf(fixture.expected_response);
        expect(exp.results?.map((r) => r.event_id)).toEqual(ids);
        for (const r of exp.results ?? []) {
          if (r.status === 'rejected') expect(Object.keys(REJECTION_CODES)).toContain(r.code);
          else expect(r.code).toBeUndefined();
        }
      } else {
        expect(status).toBe(400);
        expect(responseProblems(BadRequestSchema, body)).toEqual([]);
        expect(expectationOf(fixture.expected_response).detailsFor?.map((d) => d.event_id)).toEqual(fixture.invalid_event_ids);
      }
    },
  );

  it('reject for the documented reason: missing field, unknown type, bad lane', () => {
    const byName = new Map(committed.map((f) => [f.name, f]));
    const issues = (name: string, i: number) => {
      const r = checkEvent(byName.get(name)?.request.body.events[i], 'kitty');
      return r.ok ? [] : r.issues.map((x) => x.path);
    };
    expect(issues('04-per-event-rejection', 1)).toEqual(['payload.error_type']);
    expect(isEventType(byName.get('06-unknown-event-type')?.request.body.events[0]?.['event_type'])).toBe(false);
    expect(issues('07-invalid-lane', 0)).toContain('payload.canonical_to_lane');
  });
});

describe('buildContractFixtures', () => {
  it('builds fresh ids on every run, in the lane model asked for', () => {
    const a = buildContractFixtures(freshFixtureOptions(() => new Date(), '7-lane'));
    const b = buildContractFixtures(freshFixtureOptions(() => new Date(), '7-lane'));
    const ids = (fx: ContractFixture[]) => fx.flatMap((f) => f.request.body.events.map((e) => String(e['event_id'])));
    const shared = ids(a).filter((id) => ids(b).includes(id));
    expect(shared).toEqual(['not-a-valid-event-id']);
    const single = a.find((f) => f.name === '01-single-event');
    expect(single?.request.body.events[0]?.['payload']).toMatchObject({ lane_model: '7-lane', from_lane: 'planned', to_lane: 'claimed' });
    expect(a.find((f) => f.name === '08-lane-model-mismatch')?.request.body.events[0]?.['payload']).toMatchObject({ lane_model: '4-lane' });
  });

  it('refuses options without a clock or an id source', () => {
    expect(() => buildContractFixtures({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
