import { describe, expect, it } from '@jest/globals';
import { snakeCase, snakeCaseKeys } from '../src/index.js';

describe('snakeCase', () => {
  it('splits camelCase words and acronyms, and leaves snake_case and non-words alone', () => {
    expect(snakeCase('serverUrl')).toBe('server_url');
    expect(snakeCase('lastHTTPStatus')).toBe('last_http_status');
    expect(snakeCase('busyTimeoutMs')).toBe('busy_timeout_ms');
    expect(snakeCase('already_snake')).toBe('already_snake');
    expect(snakeCase('1-3')).toBe('1-3');
  });
});

describe('snakeCaseKeys', () => {
  it('converts every nested object key and leaves values (dates included) untouched', () => {
    const at = new Date(0);
    expect(snakeCaseKeys({ serverUrl: 'u', lastSync: { atTime: at, itemsSent: [{ eventId: 'E' }] }, note: 'camelCase stays' })).toEqual({
      server_url: 'u',
      last_sync: { at_time: at, items_sent: [{ event_id: 'E' }] },
      note: 'camelCase stays',
    });
  });

  it('keeps the listed top-level camelCase keys as aliases, only when present', () => {
    expect(snakeCaseKeys({ teamSlug: 't', userName: 'u' }, ['teamSlug', 'serverUrl'])).toEqual({
      team_slug: 't',
      user_name: 'u',
      teamSlug: 't',
    });
  });
});
