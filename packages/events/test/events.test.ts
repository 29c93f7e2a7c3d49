import { describe, expect, it } from '@jest/globals';
import {
  EMITTED_EVENT_TYPES,
  KITTY_DATA_TIER,
  KITTY_SCHEMA_VERSION,
  checkEnvelope,
  checkEvent,
  checkPayload,
  createEventFactory,
  createIdGenerator,
  parseEvent,
  type EventContext,
  type EventFactory,
} from '../src/index.js';

const context: EventContext = {
  projectUuid: '550e8400-e29b-41d4-a716-446655440000',
  projectSlug: 'demo',
  teamSlug: 'local',
  gitBranch: 'main',
  headCommitSha: '0cf3f906f4f979a000cf04c78688a397d69b6a37',
  repoSlug: 'acme/demo',
};
const now = () => new Date('2026-03-01T12:00:00.000Z');
const evidence = {
  repos: [{ repo: 'acme/demo', branch: '001-x-WP01', commit: 'abc1234' }],
  review: { reviewer: 'rev', verdict: 'approved', reference: 'PR#7' },
};
const factory = (extra: Partial<Parameters<typeof createEventFactory>[0]> = {}): EventFactory =>
  createEventFactory({ nodeId: 'a1b2c3d4e5f6', now, context, ...extra });

describe('event factory', () => {
  it('fills ids, timestamps, correlation, context, schema version and data tier', () => {
    const events = factory();
    const d = events.wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'planned',
      to: 'claimed',
      actor: 'claude',
      executionMode: 'worktree',
    });
    expect(d).toMatchObject({
      event_type: 'WPStatusChanged',
      aggregate_id: 'WP01',
      aggregate_type: 'WorkPackage',
      timestamp: '2026-03-01T12:00:00.000Z',
      node_id: 'a1b2c3d4e5f6',
      correlation_id: events.correlationId,
      causation_id: null,
      project_uuid: context.projectUuid,
      team_slug: 'local',
      schema_version: KITTY_SCHEMA_VERSION,
      data_tier: KITTY_DATA_TIER,
      git_branch: 'main',
      repo_slug: 'acme/demo',
    });
    expect(d).not.toHaveProperty('lamport_clock');
    expect(d.event_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const full = events.stamp(d, 42);
    expect(full.lamport_clock).toBe(42);
    // What we emit is also a valid events-library Event.
    expect(checkEvent(full, 'library').ok).toBe(true);
  });

  it('writes 4-lane payloads by default and keeps the canonical lanes', () => {
    const d = factory().wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'planned',
      to: 'claimed',
      actor: 'a',
      executionMode: 'worktree',
    });
    expect(d.payload).toMatchObject({
      from_lane: 'planned',
      to_lane: 'doing',
      canonical_from_lane: 'planned',
      canonical_to_lane: 'claimed',
      lane_model: '4-lane',
    });
  });

  it('writes 7-lane payloads that are valid library StatusTransitionPayloads', () => {
    const d = factory({ laneModel: '7-lane' }).wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'for_review',
      to: 'done',
      actor: 'rev',
      evidence,
      executionMode: 'worktree',
    });
    expect(d.payload).toMatchObject({ from_lane: 'for_review', to_lane: 'done', lane_model: '7-lane' });
    expect(checkPayload('WPStatusChanged', d.payload, 'library').ok).toBe(true);
  });

  it('enforces payload rules: force needs reason, done needs evidence', () => {
    const events = factory();
    expect(() =>
      events.wpStatusChanged({
        featureSlug: '001-demo',
        wpId: 'WP01',
        from: 'done',
        to: 'planned',
        actor: 'a',
        force: true,
        executionMode: 'worktree',
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD', message: expect.stringContaining('payload.reason') }));
    expect(() =>
      events.wpStatusChanged({
        featureSlug: '001-demo',
        wpId: 'WP01',
        from: 'for_review',
        to: 'done',
        actor: 'a',
        executionMode: 'worktree',
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD', message: expect.stringContaining('requires evidence') }));
    // canceled collapses to "done" in 4-lane mode but needs no evidence: the rule follows the canonical lane.
    expect(
      events.wpStatusChanged({
        featureSlug: '001-demo',
        wpId: 'WP01',
        from: 'planned',
        to: 'canceled',
        actor: 'a',
        executionMode: 'worktree',
      }).payload,
    ).toMatchObject({ to_lane: 'done', canonical_to_lane: 'canceled' });
  });

  it('shares a causation id across WPCreated events and validates other builders', () => {
    const events = factory();
    const cause = events.newId();
    const a = events.wpCreated({ wpId: 'WP01', title: 'Setup', featureSlug: '001-demo' }, { causationId: cause });
    const b = events.wpCreated({ wpId: 'WP02', title: 'API', featureSlug: '001-demo', dependencies: ['WP01'] }, { causationId: cause });
    expect(a.causation_id).toBe(cause);
    expect(b.payload).toMatchObject({ dependencies: ['WP01'] });
    expect(events.featureCreated({ featureSlug: '007-login', targetBranch: 'main' }).payload).toEqual({
      feature_slug: '007-login',
      feature_number: '007',
      target_branch: 'main',
      wp_count: 0,
    });
    expect(events.historyAdded({ wpId: 'WP01', content: 'note' }).payload).toMatchObject({ entry_type: 'note', author: 'user' });
    expect(events.errorLogged({ errorType: 'runtime', message: 'boom' })).toMatchObject({ aggregate_id: 'error' });
    expect(() => events.featureCreated({ featureSlug: 'login', targetBranch: 'main' })).toThrow(
      expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
    );
    expect(() => events.wpCreated({ wpId: 'WP1', title: 'x', featureSlug: 'f' })).toThrow(/WP and two digits/);
    expect(() => events.historyAdded({ wpId: 'WP01', content: '' })).toThrow(/entry_content/);
  });

  it('uses one correlation id per factory and honours an injected one', () => {
    const newId = createIdGenerator(() => 1_750_000_000_000);
    const events = factory({ newId, correlationId: '01j0000000000000000000000a' });
    expect(events.correlationId).toBe('01J0000000000000000000000A');
    const ids = [events.historyAdded({ wpId: 'WP01', content: 'a' }), events.historyAdded({ wpId: 'WP01', content: 'b' })];
    expect(new Set(ids.map((d) => d.correlation_id))).toEqual(new Set([events.correlationId]));
    expect(ids[0]!.event_id < ids[1]!.event_id).toBe(true);
  });

  it('rejects bad options and types it does not emit', () => {
    expect(() => createEventFactory(null as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createEventFactory({ nodeId: '', now, context })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => createEventFactory({ nodeId: 'n', now: 5 as never, context })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => createEventFactory({ nodeId: 'n', now, context: null as never })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    );
    expect(() => createEventFactory({ nodeId: 'n', now, context, laneModel: '3-lane' as never })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SYNC_LANE_MODEL' }),
    );
    expect(() => factory().draft('GatePassed', 'x', {})).toThrow(expect.objectContaining({ code: 'UNKNOWN_EVENT_TYPE' }));
    expect(() => factory({ context: { ...context, projectUuid: 'not-a-uuid' } }).historyAdded({ wpId: 'WP01', content: 'x' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ENVELOPE', message: expect.stringContaining('project_uuid') }),
    );
  });

  it('emits only the spec-kitty CLI event types', () => {
    expect([...EMITTED_EVENT_TYPES].sort()).toEqual(
      [
        'DependencyResolved',
        'ErrorLogged',
        'FeatureCompleted',
        'FeatureCreated',
        'HistoryAdded',
        'MissionDossierArtifactIndexed',
        'MissionDossierArtifactMissing',
        'MissionDossierParityDriftDetected',
        'MissionDossierSnapshotComputed',
        'WPAssigned',
        'WPCreated',
        'WPStatusChanged',
      ].sort(),
    );
  });
});

describe('validation', () => {
  const valid = () => factory().stamp(factory().historyAdded({ wpId: 'WP01', content: 'x' }), 3);

  it('lists field, expected rule and received value for each problem', () => {
    const bad = { ...valid(), lamport_clock: -1, team_slug: '', git_branch: 5 };
    const r = checkEvent(bad);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path).sort()).toEqual(['git_branch', 'lamport_clock', 'team_slug']);
    const clock = r.issues.find((i) => i.path === 'lamport_clock');
    expect(clock).toMatchObject({ received: '-1' });
    expect(clock?.expected).toContain('0');
  });

  it('reports missing fields and unknown types', () => {
    const { team_slug: _t, ...noTeam } = valid();
    expect(checkEnvelope(noTeam)).toMatchObject({
      ok: false,
      issues: [{ path: 'team_slug', message: 'team_slug: required field is missing' }],
    });
    expect(checkPayload('Nope', {})).toMatchObject({ ok: false, issues: [{ path: 'event_type' }] });
    expect(checkEvent({ ...valid(), event_type: 'Nope' }).ok).toBe(false);
    expect(checkEvent({ ...valid(), event_type: 'Nope' }, 'library').ok).toBe(true);
  });

  it('parseEvent throws typed errors and normalises ids', () => {
    const v = valid();
    expect(parseEvent({ ...v, event_id: v.event_id.toLowerCase() }).event_id).toBe(v.event_id);
    expect(() => parseEvent({ ...v, payload: {} })).toThrow(expect.objectContaining({ code: 'INVALID_PAYLOAD' }));
    expect(() => parseEvent({ ...v, node_id: '' })).toThrow(expect.objectContaining({ code: 'INVALID_ENVELOPE' }));
    expect(() => parseEvent('garbage')).toThrow(expect.objectContaining({ code: 'INVALID_ENVELOPE' }));
    try {
      parseEvent({ ...v, node_id: '', lamport_clock: 'x', timestamp: 'yesterday', data_tier: 9 });
    } catch (e) {
      expect((e as Error).message).toMatch(/\(\+1 more\)\.$/);
      expect((e as { issues: unknown[] }).issues).toHaveLength(4);
    }
  });

  it('rejects 4-lane payloads whose lanes disagree with their canonical lanes', () => {
    const d = factory().wpStatusChanged({
      featureSlug: '001-demo',
      wpId: 'WP01',
      from: 'planned',
      to: 'claimed',
      actor: 'a',
      executionMode: 'worktree',
    });
    const r = checkPayload('WPStatusChanged', { ...d.payload, to_lane: 'claimed' });
    expect(r).toMatchObject({ ok: false, issues: [{ path: 'payload.to_lane' }] });
    const r2 = checkPayload('WPStatusChanged', { ...d.payload, from_lane: 'doing' });
    expect(r2).toMatchObject({ ok: false, issues: [{ path: 'payload.from_lane' }] });
  });
});

describe('checkEventText', () => {
  const { stamp, historyAdded } = factory();
  const good = stamp(historyAdded({ wpId: 'WP01', content: 'x' }), 1);

  it('reads an object, an array, a batch body, a fixture and JSON Lines', async () => {
    const { checkEventText } = await import('../src/index.js');
    expect(checkEventText(JSON.stringify(good))).toMatchObject({ format: 'object', total: 1, valid: 1 });
    expect(checkEventText(JSON.stringify([good, { ...good, node_id: '' }]))).toMatchObject({
      format: 'array',
      total: 2,
      valid: 1,
      invalid: 1,
    });
    expect(checkEventText(JSON.stringify({ events: [good] }))).toMatchObject({ format: 'batch', valid: 1 });
    expect(checkEventText(JSON.stringify({ request: { events: [good] } }))).toMatchObject({ format: 'batch', valid: 1 });
    const jsonl = `${JSON.stringify(good)}\n\n{not json\n${JSON.stringify({ ...good, lamport_clock: -2 })}\n`;
    const v = checkEventText(jsonl);
    expect(v).toMatchObject({ format: 'jsonl', total: 3, valid: 1, invalid: 2 });
    expect(v.records[1]).toMatchObject({ index: 3, valid: false, issues: [{ message: expect.stringContaining('line 3: not JSON') }] });
    expect(v.records[2]).toMatchObject({ index: 4, event_id: good.event_id, issues: [{ path: 'lamport_clock' }] });
    expect(checkEventText('')).toMatchObject({ total: 0 });
  });
});

describe('bad input to validation entry points', () => {
  it('rejects unknown contracts and non-text input with INVALID_ARGUMENT', async () => {
    const { checkEventText } = await import('../src/index.js');
    expect(() => checkEnvelope({}, 'v9' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkPayload('WPCreated', {}, 'v9' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkEventText(42 as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => checkEventText('{}', 'nope' as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('issue paths inside unions', () => {
  it('names the field of a union member, not its parent', () => {
    const r = checkPayload('WPStatusChanged', { wp_id: 'WP01', to_lane: 'in_review', evidence: { repos: [] } });
    expect(r.ok).toBe(false);
    const paths = r.ok ? [] : r.issues.map((i) => i.path);
    expect(paths).toContain('payload.to_lane');
    expect(paths).toContain('payload.evidence.repos');
    expect(paths).not.toContain('payload');
  });
});
