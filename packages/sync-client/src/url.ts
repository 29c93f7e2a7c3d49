import { isIP } from 'node:net';
import { describeValue } from '@kitty/errors';
import { SyncError } from './errors.js';
import { maskUrlCredentials } from './redact.js';

const LOOPBACK_NAMES = new Set(['localhost']);

/** True for loopback hosts: `localhost`, 127.0.0.0/8, `::1` (exact names only, so `localhost.evil.com` is not). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (LOOPBACK_NAMES.has(h)) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1';
  return false;
}

/**
 * Validates and normalises a sync server URL: trimmed, no trailing slash, no credentials, query or fragment;
 * `https` required except for loopback hosts. Throws `INVALID_SERVER_URL` saying which rule failed.
 *
 * @example normalizeServerUrl(' https://sync.example.com/ ') // => 'https://sync.example.com'
 */
export function normalizeServerUrl(input: unknown): string {
  const example = 'https://spec-kitty.example.com (or http://127.0.0.1:PORT for a local server)';
  // A password in the URL is never echoed back (the user name stays, so the message still says which URL).
  const shown = typeof input === 'string' ? maskUrlCredentials(input) : input;
  const fail = (why: string): never => {
    throw new SyncError('INVALID_SERVER_URL', `Invalid server URL ${describeValue(shown)}: ${why}.`, {
      suggestions: [`Use a full https URL, for example ${example}.`],
      details: { received: shown ?? null },
    });
  };
  if (typeof input !== 'string' || input.trim() === '') return fail('it is empty');
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('it is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return fail(`the scheme must be https, not ${url.protocol.replace(':', '')}`);
  if (url.username !== '' || url.password !== '') return fail('it must not contain a user name or password');
  if (url.search !== '' || url.hash !== '') return fail('it must not have a query or fragment');
  if (url.hostname === '') return fail('it has no host');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return fail('plain http is only allowed for loopback hosts (localhost, 127.0.0.1, ::1); tokens must travel over https');
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** True when two normalised server URLs name the same server (scheme, host, port and path). */
export function sameServer(a: string, b: string): boolean {
  try {
    return normalizeServerUrl(a) === normalizeServerUrl(b);
  } catch {
    return false;
  }
}
