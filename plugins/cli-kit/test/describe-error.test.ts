import { describe, expect, it } from '@jest/globals';
import { KittyError } from '@kitty/errors';
import { describeError } from '../src/index.js';

class LockError extends KittyError<'LOCK_BUSY'> {}

describe('describeError', () => {
  it('gives the details of a --json error document snake_case names and passes their values on as they are', () => {
    const owner = { ownerPid: 42, host: 'h' };
    const err = new LockError('LOCK_BUSY', 'The lock is held.', {
      suggestions: ['Wait, then run it again.'],
      details: { lockPath: '/x/.lock', owner },
    });
    const { body } = describeError(err);
    expect(body).toEqual({
      code: 'LOCK_BUSY',
      message: 'The lock is held.',
      hint: 'Wait, then run it again.',
      suggestions: ['Wait, then run it again.'],
      details: { lock_path: '/x/.lock', owner: { ownerPid: 42, host: 'h' } },
    });
    expect(err.details).toEqual({ lockPath: '/x/.lock', owner }); // the library's error itself is not changed
  });

  it('has no details member when the error has none, and reports anything else as UNEXPECTED', () => {
    expect(describeError(new LockError('LOCK_BUSY', 'held')).body).not.toHaveProperty('details');
    expect(describeError(new Error('boom')).body).toMatchObject({ code: 'UNEXPECTED', message: 'unexpected error: boom' });
  });
});
