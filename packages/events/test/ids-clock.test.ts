import { describe, expect, it } from '@jest/globals';
import {
  LamportClock,
  MAX_LAMPORT,
  createIdGenerator,
  deriveNodeId,
  isEventId,
  isUlid,
  isUuid,
  lamportReceive,
  lamportTick,
  memoryClockStore,
  normalizeEventId,
  type ClockStore,
} from '../src/index.js';

describe('normalizeEventId', () => {
  it('upper-cases ULIDs and lower-cases/hyphenates UUIDs', () => {
    expect(normalizeEventId('01hq7z0000abcdefghjkmnpqrs')).toBe('01HQ7Z0000ABCDEFGHJKMNPQRS');
    expect(normalizeEventId('550E8400-E29B-41D4-A716-446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
    expect(normalizeEventId('550E8400E29B41D4A716446655440000')).toBe('550e8400-e29b-41d4-a716-446655440000');
  });

  it.each([
    ['01HQ7Z0000ABCDEFGHJKMNPQRI', /Crockford base32/],
    ['01HQ7Z0000ABCDEFGHJKMNPQRL', /I, L, O, U/],
    ['', /got 0 chars/],
    ['abcde', /got 5 chars/],
    ['x'.repeat(35), /got 35 chars/],
    ['550e8400-e29b-41d4-a716-44665544000g', /got 36 chars/],
  ])('rejects %p', (bad, message) => {
    expect(() => normalizeEventId(bad)).toThrow(message);
    expect(() => normalizeEventId(bad)).toThrow(expect.objectContaining({ code: 'INVALID_EVENT_ID' }));
  });

  it('rejects non-strings naming the field and type', () => {
    expect(() => normalizeEventId(42, 'causation_id')).toThrow('causation_id must be a string; got number');
    expect(() => normalizeEventId(null)).toThrow('got null');
  });

  it('has predicates', () => {
    expect(isEventId('01HQ7Z0000ABCDEFGHJKMNPQRS')).toBe(true);
    expect(isEventId('nope')).toBe(false);
    expect(isUlid('01HQ7Z0000ABCDEFGHJKMNPQRS')).toBe(true);
    expect(isUuid('550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(isUuid('550e8400e29b41d4a716446655440000')).toBe(false);
  });
});

describe('createIdGenerator', () => {
  it('makes strictly increasing ULIDs within one frozen millisecond', () => {
    const next = createIdGenerator(() => 1_700_000_000_000);
    const ids = Array.from({ length: 1000 }, () => next());
    expect(new Set(ids).size).toBe(1000);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(normalizeEventId(id)).toBe(id);
  });

  it('encodes the given time', () => {
    const a = createIdGenerator(() => 1)();
    const b = createIdGenerator(() => 1_700_000_000_000)();
    expect(a.slice(0, 10)).toBe('0000000001');
    expect(a < b).toBe(true);
  });

  it('rejects a missing or broken clock', () => {
    expect(() => createIdGenerator(undefined as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const broken = createIdGenerator(() => Number.NaN);
    expect(() => broken()).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('Lamport clock', () => {
  it('ticks and receives (max + 1)', async () => {
    const clock = new LamportClock(memoryClockStore());
    expect(await clock.current()).toBe(0);
    expect(await clock.tick()).toBe(1);
    expect(await clock.tick()).toBe(2);
    expect(await clock.receive(10)).toBe(11);
    expect(await clock.receive(3)).toBe(12);
    expect(await clock.current()).toBe(12);
  });

  it('has pure helpers that validate their input', () => {
    expect(lamportTick(0)).toBe(1);
    expect(lamportReceive(5, 2)).toBe(6);
    expect(lamportReceive(2, 5)).toBe(6);
    expect(() => lamportTick(-1)).toThrow(expect.objectContaining({ code: 'INVALID_CLOCK_VALUE' }));
    expect(() => lamportTick(1.5)).toThrow(expect.objectContaining({ code: 'INVALID_CLOCK_VALUE' }));
    expect(() => lamportTick(MAX_LAMPORT)).toThrow(expect.objectContaining({ code: 'INVALID_CLOCK_VALUE' }));
    expect(() => lamportReceive(1, Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_CLOCK_VALUE' }));
  });

  it('rejects bad remote values and bad stores', async () => {
    const clock = new LamportClock(memoryClockStore(4));
    await expect(clock.receive(-3)).rejects.toMatchObject({ code: 'INVALID_CLOCK_VALUE' });
    expect(await clock.current()).toBe(4);
    expect(() => new LamportClock({} as ClockStore)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => memoryClockStore(-1)).toThrow(expect.objectContaining({ code: 'INVALID_CLOCK_VALUE' }));
  });

  it('wraps store failures in CLOCK_STORAGE_FAILED', async () => {
    const failing: ClockStore = {
      read: () => {
        throw new Error('disk gone');
      },
      update: async () => {
        throw new Error('locked');
      },
    };
    const clock = new LamportClock(failing);
    await expect(clock.tick()).rejects.toMatchObject({ code: 'CLOCK_STORAGE_FAILED', message: expect.stringContaining('locked') });
    await expect(clock.current()).rejects.toMatchObject({ code: 'CLOCK_STORAGE_FAILED' });
    const corrupt = new LamportClock({ read: () => -5, update: () => 1 });
    await expect(corrupt.current()).rejects.toMatchObject({ code: 'INVALID_CLOCK_VALUE' });
  });
});

describe('deriveNodeId', () => {
  it('is the first 12 hex of sha256("host:user")', () => {
    // sha256("laptop:ada") computed independently with `printf 'laptop:ada' | sha256sum`.
    expect(deriveNodeId('laptop', 'ada')).toBe('5bc01c7d3d92');
    expect(deriveNodeId('laptop', 'ada')).toMatch(/^[0-9a-f]{12}$/);
    expect(deriveNodeId('laptop', 'bob')).not.toBe(deriveNodeId('laptop', 'ada'));
  });

  it('rejects non-strings', () => {
    expect(() => deriveNodeId(undefined as never, 'x')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
