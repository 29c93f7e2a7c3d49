import { describe, expect, it } from '@jest/globals';
import { LANES, TransitionError, allowedTargets, transitionPath, validateTransition, type TransitionRequest } from '../src/index.js';

const fullReview = { review: { reviewer: 'rev', verdict: 'approved', reference: 'PR#1' } };

const codeOf = (req: TransitionRequest): string | null => {
  try {
    validateTransition(req);
    return null;
  } catch (e) {
    return (e as TransitionError).code;
  }
};

describe('transition matrix', () => {
  it.each<[string, string, Partial<TransitionRequest>]>([
    ['planned', 'claimed', { actor: 'claude' }],
    ['claimed', 'in_progress', { workspaceContext: 'worktree:/x' }],
    ['in_progress', 'for_review', { subtasksComplete: true, implementationEvidencePresent: true }],
    ['for_review', 'done', { evidence: fullReview }],
    ['for_review', 'in_progress', { reviewRef: 'review-1' }],
    ['for_review', 'planned', { feedback: 'missing tests' }],
    ['in_progress', 'planned', { reason: 'wrong approach' }],
    ['blocked', 'in_progress', {}],
    ['blocked', 'planned', {}],
    ['planned', 'blocked', {}],
    ['for_review', 'canceled', {}],
  ])('allows %s → %s when its guard holds', (from, to, extra) => {
    expect(validateTransition({ from, to, ...extra })).toMatchObject({ from, to, forced: false });
  });

  it.each<[string, string, Partial<TransitionRequest>, RegExp]>([
    ['planned', 'claimed', { actor: '  ' }, /requires actor identity/],
    ['claimed', 'in_progress', {}, /requires workspace context/],
    ['in_progress', 'for_review', { implementationEvidencePresent: true }, /completed subtasks/],
    ['in_progress', 'for_review', { subtasksComplete: true }, /implementation evidence/],
    ['for_review', 'done', { evidence: { review: { reviewer: 'r', verdict: 'ok' } } }, /missing: reference/],
    ['for_review', 'done', {}, /missing: reviewer, verdict, reference/],
    ['for_review', 'in_progress', {}, /review reference/],
    ['for_review', 'planned', { feedback: ' ' }, /review feedback/],
    ['in_progress', 'planned', {}, /requires a reason/],
  ])('guards %s → %s', (from, to, extra, message) => {
    expect(() => validateTransition({ from, to, ...extra })).toThrow(message);
    expect(codeOf({ from, to, ...extra })).toBe('TRANSITION_GUARD_FAILED');
  });

  it('reports every failed guard at once', () => {
    try {
      validateTransition({ from: 'in_progress', to: 'for_review' });
      throw new Error('should have thrown');
    } catch (e) {
      expect((e as TransitionError).violations).toHaveLength(2);
    }
  });

  it.each([
    ['planned', 'done'],
    ['planned', 'in_progress'],
    ['claimed', 'for_review'],
    ['blocked', 'done'],
    ['planned', 'planned'],
  ])('rejects the illegal move %s → %s', (from, to) => {
    expect(codeOf({ from, to, actor: 'a' })).toBe('ILLEGAL_TRANSITION');
  });

  it('treats done and canceled as terminal without force', () => {
    for (const from of ['done', 'canceled']) {
      for (const to of LANES) expect(codeOf({ from, to, actor: 'a', reason: 'r' })).toBe('ILLEGAL_TRANSITION');
      expect(() => validateTransition({ from, to: 'planned' })).toThrow(/terminal/);
    }
  });

  it('lets a new work package only enter planned', () => {
    expect(validateTransition({ from: null, to: 'planned' }).to).toBe('planned');
    expect(codeOf({ from: null, to: 'claimed', actor: 'a' })).toBe('ILLEGAL_TRANSITION');
  });

  it('accepts aliases and rejects unknown lanes', () => {
    expect(validateTransition({ from: 'claimed', to: 'Doing', workspaceContext: 'w' }).to).toBe('in_progress');
    expect(codeOf({ from: 'claimed', to: 'in_review' })).toBe('UNKNOWN_LANE');
    expect(codeOf({ from: 'nowhere', to: 'planned' })).toBe('UNKNOWN_LANE');
  });

  it('rejects a non-object request', () => {
    expect(() => validateTransition(null as never)).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }));
  });
});

describe('force', () => {
  it('allows any move, even out of a terminal lane, with actor and reason', () => {
    expect(validateTransition({ from: 'done', to: 'in_progress', force: true, actor: 'admin', reason: 'reopen' })).toMatchObject({
      forced: true,
    });
    expect(validateTransition({ from: 'planned', to: 'planned', force: true, actor: 'admin', reason: 'touch' }).forced).toBe(true);
  });

  it.each([
    [{ actor: 'admin' }, 'reason is missing'],
    [{ reason: 'x' }, 'actor is missing'],
    [{ actor: ' ', reason: ' ' }, 'actor is missing, reason is missing'],
  ])('needs actor and non-empty reason (%p)', (extra, msg) => {
    const req = { from: 'done', to: 'planned', force: true, ...extra };
    expect(codeOf(req)).toBe('FORCE_NEEDS_ACTOR_AND_REASON');
    expect(() => validateTransition(req)).toThrow(msg);
  });
});

describe('paths and targets', () => {
  it('walks forward moves hop by hop', () => {
    expect(transitionPath('planned', 'for_review')).toEqual(['claimed', 'in_progress', 'for_review']);
    expect(transitionPath('planned', 'done')).toEqual(['claimed', 'in_progress', 'for_review', 'done']);
    expect(transitionPath('doing', 'for_review')).toEqual(['for_review']);
    expect(transitionPath('for_review', 'planned')).toEqual(['planned']);
    expect(transitionPath('blocked', 'in_progress')).toEqual(['in_progress']);
    expect(transitionPath('done', 'done')).toEqual([]);
    expect(() => transitionPath('planned', 'nowhere')).toThrow(expect.objectContaining({ code: 'UNKNOWN_LANE' }));
  });

  it('lists the lanes reachable in one move', () => {
    expect(allowedTargets('for_review').sort()).toEqual(['blocked', 'canceled', 'done', 'in_progress', 'planned']);
    expect(allowedTargets('done')).toEqual([]);
    expect(() => allowedTargets('x')).toThrow(expect.objectContaining({ code: 'UNKNOWN_LANE' }));
  });
});
