import { describe, expect, it } from '@jest/globals';
import {
  RULES,
  TransitionError,
  describeLaneModel,
  repairStatusLine,
  sameActor,
  validateTransition,
  type TransitionRequest,
} from '../src/index.js';

const approval = { review: { reviewer: 'rev', verdict: 'approved', reference: 'PR#1' } };

function violation(req: TransitionRequest): { code: string; rules: string[]; message: string } | null {
  try {
    validateTransition(req);
    return null;
  } catch (e) {
    const err = e as TransitionError;
    return { code: err.code, rules: (err.details?.['rules'] as string[] | undefined) ?? [], message: err.message };
  }
}

describe('separation of duties (for_review -> done)', () => {
  const done = (actor: string, duties: TransitionRequest['duties']): TransitionRequest => ({
    from: 'for_review',
    to: 'done',
    actor,
    evidence: approval,
    ...(duties === undefined ? {} : { duties }),
  });

  it('refuses an approval nobody claimed as a review', () => {
    expect(violation(done('rev', { claimedBy: null, implementers: ['impl'] }))).toMatchObject({
      code: 'TRANSITION_GUARD_FAILED',
      rules: ['separation_of_duties'],
    });
    expect(violation(done('rev', { claimedBy: '  ', implementers: [] }))?.message).toMatch(/requires a review claimed by a reviewer/);
  });

  it('refuses self-review unless the project allows it, whatever the spelling of the name', () => {
    expect(violation(done('impl', { claimedBy: 'impl', implementers: ['Impl '] }))).toMatchObject({ rules: ['separation_of_duties'] });
    expect(violation(done('impl', { claimedBy: 'impl', implementers: ['impl'] }))?.message).toMatch(
      /'impl' implemented this work package and cannot approve it/,
    );
    expect(violation(done('impl', { claimedBy: 'impl', implementers: ['impl'], allowSelfReview: true }))).toBeNull();
  });

  it('lets only the reviewer holding the review approve it', () => {
    expect(violation(done('third', { claimedBy: 'rev', implementers: ['impl'] }))).toMatchObject({ rules: ['review_held'] });
    expect(violation(done('rev', { claimedBy: 'rev', implementers: ['impl'] }))).toBeNull();
  });

  it('lets only the holder send the work package back, and anyone when nobody holds it', () => {
    const back = (to: string, actor: string, claimedBy: string | null): TransitionRequest => ({
      from: 'for_review',
      to,
      actor,
      feedback: 'x',
      reviewRef: 'x',
      duties: { claimedBy, implementers: ['impl'] },
    });
    expect(violation(back('planned', 'third', 'rev'))).toMatchObject({ rules: ['review_held'] });
    expect(violation(back('in_progress', 'third', 'rev'))?.message).toMatch(/held by 'rev', not 'third'/);
    expect(violation(back('planned', 'rev', 'rev'))).toBeNull();
    expect(violation(back('in_progress', 'impl', null))).toBeNull();
  });

  it('is bypassed by force with actor and reason, and not checked without context (replaying history)', () => {
    expect(
      validateTransition({
        from: 'for_review',
        to: 'done',
        actor: 'impl',
        force: true,
        reason: 'hotfix',
        duties: { claimedBy: null, implementers: ['impl'] },
      }).forced,
    ).toBe(true);
    expect(violation({ from: 'for_review', to: 'done', actor: 'impl', evidence: approval })).toBeNull();
  });
});

describe('dependencies (planned -> claimed)', () => {
  it('refuses to start with unfinished dependencies and no base built from them; passes with one or when done', () => {
    expect(violation({ from: 'planned', to: 'claimed', actor: 'a', dependencies: { unfinished: ['WP01'], base: null } })).toMatchObject({
      rules: ['dependencies'],
    });
    expect(violation({ from: 'planned', to: 'claimed', actor: 'a', dependencies: { unfinished: ['WP01'], base: null } })?.message).toMatch(
      /not done: WP01/,
    );
    expect(
      violation({ from: 'planned', to: 'claimed', actor: 'a', dependencies: { unfinished: ['WP01'], base: '001-x-WP01' } }),
    ).toBeNull();
    expect(violation({ from: 'planned', to: 'claimed', actor: 'a', dependencies: { unfinished: [], base: null } })).toBeNull();
  });
});

describe('rules in the lane model and actor names', () => {
  it('describes the rules and compares actors trimmed and case-insensitively', () => {
    expect(Object.keys(describeLaneModel().rules).sort()).toEqual(Object.keys(RULES).sort());
    expect(sameActor(' Claude', 'claude')).toBe(true);
    expect(sameActor('claude', 'codex')).toBe(false);
    expect(sameActor('', '')).toBe(false);
  });
});

describe('repairStatusLine', () => {
  const good = {
    actor: 'claude',
    at: '2026-01-01T10:00:00+00:00',
    event_id: '01JFAA0000000000000000ZZZ1',
    evidence: null,
    execution_mode: 'worktree',
    feature_slug: '001-x',
    force: false,
    from_lane: 'planned',
    reason: null,
    review_ref: null,
    to_lane: 'claimed',
    wp_id: 'WP01',
  };

  it('returns a valid line unchanged with no fixes', () => {
    expect(repairStatusLine(good)).toEqual({ ok: true, value: { event: good, fixes: [] } });
  });

  it('understands aliases, case, short ids, string booleans, missing fields and blank evidence', () => {
    const r = repairStatusLine({
      ...good,
      event_id: good.event_id.toLowerCase(),
      wp_id: 'wp1',
      from_lane: ' Doing ',
      to_lane: 'FOR_REVIEW',
      force: 'false',
      actor: '',
      execution_mode: undefined,
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.event).toMatchObject({
      event_id: good.event_id,
      wp_id: 'WP01',
      from_lane: 'in_progress',
      to_lane: 'for_review',
      force: false,
      actor: 'unknown',
      execution_mode: 'worktree',
    });
    expect(r.value.fixes).toHaveLength(7);
    const ev = repairStatusLine({ ...good, to_lane: 'done', evidence: { review: { reviewer: '', verdict: 'approved' } } });
    expect(ev.ok && ev.value.event.evidence?.review).toEqual({ reviewer: 'unknown', verdict: 'approved', reference: null });
    const missingFrom = repairStatusLine({ ...good, from_lane: undefined });
    expect(missingFrom.ok && missingFrom.value.fixes).toEqual(['from_lane missing: read as planned']);
  });

  it('gives up on what has no clear meaning: unknown lanes, bad ids, no time, not an object', () => {
    expect(repairStatusLine({ ...good, to_lane: 'in_review' }).ok).toBe(false);
    expect(repairStatusLine({ ...good, event_id: 'x' }).ok).toBe(false);
    expect(repairStatusLine({ ...good, at: undefined, from_lane: 'Doing' }).ok).toBe(false);
    expect(repairStatusLine([1, 2]).ok).toBe(false);
    expect(repairStatusLine(null).ok).toBe(false);
  });
});
