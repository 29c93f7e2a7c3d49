import { createHash } from 'node:crypto';
import path from 'node:path';
import { describeValue } from '@kitty/errors';
import { QueueError } from './errors.js';
import type { QueueScope } from './types.js';

/** File name of the logged-out queue in `~/.spec-kitty/`. */
export const DEFAULT_QUEUE_FILE = 'queue.db';
/** Directory (in `~/.spec-kitty/`) of the per-scope queues. */
export const SCOPED_QUEUE_DIR = 'queues';

/** `<homeDir>/.spec-kitty`, after checking that `homeDir` is an absolute path. */
export function kittyDir(homeDir: string): string {
  if (typeof homeDir !== 'string' || homeDir.length === 0 || !path.isAbsolute(homeDir)) {
    throw new QueueError('QUEUE_INVALID_ARGUMENT', `homeDir must be an absolute path; got ${describeValue(homeDir)}.`, {
      suggestions: ['Pass the user home directory, e.g. os.homedir().'],
      details: { received: homeDir ?? null },
    });
  }
  return path.join(homeDir, '.spec-kitty');
}

/**
 * The scope key form of a server URL (not a validator: `@kitty/sync-client`'s normalizeServerUrl checks user input).
 * A server URL reduced to the form that names its scope: lower-case scheme and host, no default port, no
 * query or fragment, no trailing slash.
 *
 * @example scopeServerUrl('HTTPS://Example.com:443/') // => 'https://example.com'
 */
export function scopeServerUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QueueError('QUEUE_INVALID_ARGUMENT', `The scope server URL is not a valid URL; got ${describeValue(url)}.`, {
      suggestions: ['Use the full server URL, e.g. https://spec-kitty.example.com.'],
      details: { received: url ?? null },
    });
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new QueueError('QUEUE_INVALID_ARGUMENT', `The scope server URL must use http or https; got ${describeValue(url)}.`, {
      suggestions: ['Use the full server URL, e.g. https://spec-kitty.example.com.'],
      details: { received: url },
    });
  }
  return `${parsed.protocol}//${parsed.host}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** The scope with its URL and username normalised (username trimmed and lower-cased). */
export function normalizeScope(scope: QueueScope): QueueScope {
  if (scope === null || typeof scope !== 'object') {
    throw new QueueError('QUEUE_INVALID_ARGUMENT', `scope must be { serverUrl, username } or null; got ${describeValue(scope)}.`);
  }
  const username = typeof scope.username === 'string' ? scope.username.trim().toLowerCase() : '';
  if (username.length === 0) {
    throw new QueueError('QUEUE_INVALID_ARGUMENT', `scope.username must be a non-empty string; got ${describeValue(scope.username)}.`, {
      suggestions: ['Pass the logged-in account name, or no scope for the logged-out queue.'],
    });
  }
  return { serverUrl: scopeServerUrl(scope.serverUrl), username };
}

/** The 16 hex characters naming a scope's file: SHA-256 of `<normalised url>\n<username>`. */
export function scopeKey(scope: QueueScope): string {
  const s = normalizeScope(scope);
  return createHash('sha256').update(`${s.serverUrl}\n${s.username}`, 'utf8').digest('hex').slice(0, 16);
}

/**
 * Where a queue lives: `<home>/.spec-kitty/queue.db` when logged out, else
 * `<home>/.spec-kitty/queues/queue-<scopeKey>.db`.
 */
export function queuePath(homeDir: string, scope?: QueueScope | null): string {
  const dir = kittyDir(homeDir);
  if (scope === undefined || scope === null) return path.join(dir, DEFAULT_QUEUE_FILE);
  return path.join(dir, SCOPED_QUEUE_DIR, `queue-${scopeKey(scope)}.db`);
}

/** True for names of live queue files (not quarantined copies, journals or lock directories). */
export function isQueueFileName(name: string): boolean {
  return name === DEFAULT_QUEUE_FILE || /^queue-[0-9a-f]{16}\.db$/.test(name);
}

/** A compact UTC timestamp for file names: `20260101T000000123Z`. */
export function fileTimestamp(at: Date): string {
  return at.toISOString().replace(/[-:]/g, '').replace('.', '');
}
