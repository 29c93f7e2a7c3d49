import { describe, expect, it } from '@jest/globals';
import {
  COMMON_EXIT_CLASSES,
  EXIT_CLASSES,
  KittyError,
  describeValue,
  exitClassOf,
  isExitClass,
  isKittyError,
  typeName,
  withExitClass,
  type ExitClassTable,
} from '../src/index.js';

class DemoError extends KittyError<'DEMO_FAILED' | 'DEMO_OTHER'> {}

describe('KittyError', () => {
  it('carries code, suggestions, details, cause and the subclass name', () => {
    const cause = new Error('root');
    const err = new DemoError('DEMO_FAILED', 'demo failed', { suggestions: ['do x'], details: { a: 1 }, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('DemoError');
    expect(err.code).toBe('DEMO_FAILED');
    expect(err.suggestions).toEqual(['do x']);
    expect(err.details).toEqual({ a: 1 });
    expect(err.cause).toBe(cause);
    expect(err.toJSON()).toEqual({ code: 'DEMO_FAILED', message: 'demo failed', suggestions: ['do x'], details: { a: 1 } });
  });

  it('defaults to no suggestions and omits details from JSON', () => {
    const err = new DemoError('DEMO_OTHER', 'x');
    expect(err.suggestions).toEqual([]);
    expect(err.toJSON()).toEqual({ code: 'DEMO_OTHER', message: 'x', suggestions: [] });
  });

  it('isKittyError recognises subclasses and duck-typed copies, and rejects plain errors', () => {
    expect(isKittyError(new DemoError('DEMO_FAILED', 'x'))).toBe(true);
    const copy = Object.assign(new Error('x'), { code: 'C', suggestions: [] });
    expect(isKittyError(copy)).toBe(true);
    expect(isKittyError(new Error('x'))).toBe(false);
    expect(isKittyError({ code: 'C', suggestions: [] })).toBe(false);
    expect(isKittyError(null)).toBe(false);
  });
});

describe('describeValue / typeName', () => {
  it('quotes strings, serialises objects and truncates long values', () => {
    expect(describeValue('WP1')).toBe('"WP1"');
    expect(describeValue({ a: [1] })).toBe('{"a":[1]}');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(10n)).toBe('10n');
    expect(describeValue('x'.repeat(500), 20)).toHaveLength(20);
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(describeValue(cyclic)).toBe('[object Object]');
  });

  it('names types the way users say them', () => {
    expect(typeName(null)).toBe('null');
    expect(typeName([])).toBe('array');
    expect(typeName(3)).toBe('number');
  });
});

describe('exit classes', () => {
  class TableError extends KittyError<'T_BAD_INPUT' | 'T_OFFLINE' | 'INVALID_ARGUMENT'> {
    static override readonly exitClasses: ExitClassTable<'T_BAD_INPUT' | 'T_OFFLINE' | 'INVALID_ARGUMENT'> = {
      ...COMMON_EXIT_CLASSES,
      T_BAD_INPUT: 'usage',
      T_OFFLINE: 'offline',
    };
  }

  it('takes the class of its code from the subclass table, and an override when given', () => {
    expect(new TableError('T_BAD_INPUT', 'x').exitClass).toBe('usage');
    expect(new TableError('T_OFFLINE', 'x').exitClass).toBe('offline');
    expect(new TableError('INVALID_ARGUMENT', 'x').exitClass).toBe('usage');
    expect(new TableError('T_OFFLINE', 'x', { exitClass: 'auth' }).exitClass).toBe('auth');
  });

  it('falls back to failure for a class without a table entry', () => {
    expect(new DemoError('DEMO_FAILED', 'x').exitClass).toBe('failure');
  });

  it('marks results with an exit class that JSON does not show', () => {
    const marked = withExitClass({ valid: false }, 'usage');
    expect(exitClassOf(marked)).toBe('usage');
    expect(JSON.stringify(marked)).toBe('{"valid":false}');
    expect(exitClassOf(withExitClass({ valid: true }, null))).toBeNull();
    expect(exitClassOf(null)).toBeNull();
    expect(exitClassOf('text')).toBeNull();
    expect(EXIT_CLASSES.every((c) => isExitClass(c))).toBe(true);
    expect(isExitClass('nope')).toBe(false);
  });
});
