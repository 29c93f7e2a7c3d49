import { describe, expect, it } from '@jest/globals';
import {
  CANONICAL_TO_SYNC_V1,
  LANES,
  LANE_COLLAPSE_7_TO_4,
  collapseLaneTo4,
  isLane,
  isTerminalLane,
  parseSyncLaneModel,
  resolveLane,
  syncLaneFor,
} from '../src/index.js';

describe('lanes', () => {
  it('has the seven canonical lanes with done and canceled terminal', () => {
    expect(LANES).toEqual(['planned', 'claimed', 'in_progress', 'for_review', 'done', 'blocked', 'canceled']);
    expect(LANES.filter(isTerminalLane)).toEqual(['done', 'canceled']);
    expect(isLane('doing')).toBe(false);
    expect(isLane(3)).toBe(false);
  });

  it('resolves the doing alias trimmed and case-insensitively', () => {
    expect(resolveLane('doing')).toBe('in_progress');
    expect(resolveLane('  DoInG ')).toBe('in_progress');
    expect(resolveLane(' For_Review')).toBe('for_review');
  });

  it.each([['in_review'], ['paused'], [''], [null], [7], [undefined]])('rejects %p with UNKNOWN_LANE naming the allowed set', (bad) => {
    expect(() => resolveLane(bad)).toThrow(expect.objectContaining({ code: 'UNKNOWN_LANE' }));
    try {
      resolveLane(bad);
    } catch (e) {
      expect((e as Error).message).toContain('planned, claimed, in_progress, for_review, done, blocked, canceled');
    }
  });
});

describe('7 → 4 collapse (seed FR-013)', () => {
  it.each([
    ['planned', 'planned'],
    ['claimed', 'doing'],
    ['in_progress', 'doing'],
    ['for_review', 'for_review'],
    ['done', 'done'],
    ['blocked', 'doing'],
    ['canceled', 'done'],
  ])('%s → %s', (lane, expected) => {
    expect(collapseLaneTo4(lane)).toBe(expected);
    expect(LANE_COLLAPSE_7_TO_4[lane as keyof typeof LANE_COLLAPSE_7_TO_4]).toBe(expected);
  });

  it('covers exactly the seven lanes', () => {
    expect(Object.keys(LANE_COLLAPSE_7_TO_4).sort()).toEqual([...LANES].sort());
  });

  it.each([['in_review'], ['doing'], [''], ['PLANNED']])('rejects %p with a clear error naming the value and the allowed set', (bad) => {
    expect(() => collapseLaneTo4(bad)).toThrow(
      expect.objectContaining({
        code: 'UNKNOWN_LANE',
        message: expect.stringContaining(`"${bad}"`),
        details: expect.objectContaining({ allowed: [...LANES] }),
      }),
    );
  });

  it('differs from the events library mapping only for claimed and canceled (deliberate, see docs/contracts/lane-mapping.md)', () => {
    const differing = LANES.filter((l) => LANE_COLLAPSE_7_TO_4[l] !== CANONICAL_TO_SYNC_V1[l]);
    expect(differing).toEqual(['claimed', 'canceled']);
  });
});

describe('sync lane model', () => {
  it('defaults to 4-lane and supports 7-lane', () => {
    expect(syncLaneFor('claimed')).toBe('doing');
    expect(syncLaneFor('claimed', '4-lane')).toBe('doing');
    expect(syncLaneFor('claimed', '7-lane')).toBe('claimed');
    expect(syncLaneFor('doing', '7-lane')).toBe('in_progress');
  });

  it('rejects unknown models and lanes', () => {
    expect(() => parseSyncLaneModel('5-lane')).toThrow(expect.objectContaining({ code: 'UNKNOWN_SYNC_LANE_MODEL' }));
    expect(() => syncLaneFor('claimed', 'x' as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SYNC_LANE_MODEL' }));
    expect(() => syncLaneFor('nope', '7-lane')).toThrow(expect.objectContaining({ code: 'UNKNOWN_LANE' }));
  });
});
