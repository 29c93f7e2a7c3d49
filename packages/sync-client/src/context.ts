import type { OpenQueueOptions, Queue, QueueScope, QueueWarning } from '@kitty/queue';
import { readCredentials } from './credentials.js';
import { sameServer } from './url.js';
import type { SyncSettings } from './settings.js';

/**
 * The queue scope events go to: the logged-in account on the configured server, or null (the logged-out
 * `queue.db`) when nobody is logged in there. Credentials for another server never decide the scope.
 */
export function activeScope(homeDir: string, settings: SyncSettings): QueueScope | null {
  if (settings.serverUrl === null) return null;
  const state = readCredentials(homeDir);
  if (state.status !== 'present') return null;
  const c = state.credentials;
  if (c.serverUrl === null || !sameServer(c.serverUrl, settings.serverUrl)) return null;
  return { serverUrl: settings.serverUrl, username: c.username };
}

/** Opens the queue of a scope with the user's capacity setting; warnings go to `onWarning`. */
export async function openScopedQueue(options: {
  readonly homeDir: string;
  readonly settings: SyncSettings;
  readonly scope: QueueScope | null;
  readonly now: () => Date;
  readonly onWarning?: (w: QueueWarning) => void;
  /** This machine's host name: recorded on claims so that a killed run's claims are released at once. */
  readonly host?: string;
}): Promise<Queue> {
  const { openQueue } = await import('@kitty/queue');
  const opts: OpenQueueOptions = {
    homeDir: options.homeDir,
    scope: options.scope,
    now: options.now,
    capacity: options.settings.maxQueueSize,
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
    ...(options.host ? { host: options.host } : {}),
  };
  return openQueue(opts);
}
