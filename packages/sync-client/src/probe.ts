import { authStatus, createTokenProvider } from './auth.js';
import { isSyncError } from './errors.js';
import { createHttpClient } from './http.js';
import { excerpt } from './redact.js';
import type { SyncSettings } from './settings.js';
import { ENABLE_SYNC_HINT } from './settings.js';

/** What `sync status --check` found. */
export interface ConnectionCheck {
  readonly state: 'disabled' | 'connected' | 'not_authenticated' | 'expired' | 'forbidden' | 'unreachable' | 'unavailable' | 'unexpected';
  readonly serverUrl: string | null;
  /** One sentence for humans. */
  readonly message: string;
  readonly httpStatus: number | null;
  readonly refreshed: boolean;
}

/**
 * Probes `POST {server}/api/v1/events/batch/` with an empty batch and the user's real token (refreshed first
 * when needed). Sends no events and changes no queue.
 */
export async function checkConnection(options: {
  readonly homeDir: string;
  readonly settings: SyncSettings;
  readonly now: () => Date;
  readonly timeoutMs?: number;
}): Promise<ConnectionCheck> {
  const { settings } = options;
  const server = settings.serverUrl;
  if (!settings.enabled || server === null) {
    return {
      state: 'disabled',
      serverUrl: server,
      message: `Sync is disabled (${settings.reason}). ${ENABLE_SYNC_HINT}`,
      httpStatus: null,
      refreshed: false,
    };
  }
  const base = { serverUrl: server, httpStatus: null, refreshed: false };
  const local = authStatus({ homeDir: options.homeDir, serverUrl: server, now: options.now });
  if (local.state === 'logged_out' || local.state === 'corrupt' || local.state === 'other_server') {
    return {
      ...base,
      state: 'not_authenticated',
      message: local.problem ?? `Not authenticated with ${server}. Run \`spec-kitty auth login\` to connect.`,
    };
  }
  if (local.state === 'expired')
    return { ...base, state: 'expired', message: local.problem ?? 'Session expired. Run `spec-kitty auth login`.' };
  const tokens = createTokenProvider({ homeDir: options.homeDir, serverUrl: server, now: options.now });
  let token: string;
  try {
    token = await tokens.accessToken();
  } catch (e) {
    const code = isSyncError(e) ? e.code : '';
    const state =
      code === 'SESSION_EXPIRED'
        ? 'expired'
        : code === 'SERVER_UNREACHABLE'
          ? 'unreachable'
          : code === 'SERVER_UNAVAILABLE'
            ? 'unavailable'
            : 'not_authenticated';
    return { ...base, state, message: (e as Error).message, refreshed: tokens.refreshCount > 0 };
  }
  const timeoutMs = options.timeoutMs ?? 5_000;
  const client = createHttpClient({
    timeoutMs,
    bearer: {
      token: () => Promise.resolve(token),
      refresh: async (rejected) => (token = await tokens.accessToken({ rejected })),
    },
  });
  const r = await client.postJson(`${server}/api/v1/events/batch/`, { events: [] }, { gzip: true });
  const refreshed = tokens.refreshCount > 0;
  if (r.kind === 'refresh') {
    const code = isSyncError(r.error) ? r.error.code : '';
    const state = code === 'SERVER_UNREACHABLE' ? 'unreachable' : code === 'SERVER_UNAVAILABLE' ? 'unavailable' : 'expired';
    return { ...base, refreshed, httpStatus: 401, state, message: r.message };
  }
  if (r.kind !== 'reply') {
    return {
      ...base,
      refreshed,
      state: 'unreachable',
      message:
        r.kind === 'tls'
          ? `Cannot connect securely to ${server}: ${r.message}.`
          : r.kind === 'timeout' || r.kind === 'deadline'
            ? `${server} did not answer within ${Math.round(timeoutMs / 1000)} s; events stay queued for later.`
            : `Cannot reach ${server} (${r.code}); events stay queued for later.`,
    };
  }
  const s = r.status;
  if (s === 200)
    return {
      ...base,
      refreshed,
      httpStatus: s,
      state: 'connected',
      message: `Connected to ${server}: server reachable, authentication valid.`,
    };
  if (s === 401)
    return {
      ...base,
      refreshed,
      httpStatus: s,
      state: 'expired',
      message: `${server} refuses your token (HTTP 401). Run \`spec-kitty auth login\`.`,
    };
  if (s === 403)
    return {
      ...base,
      refreshed,
      httpStatus: s,
      state: 'forbidden',
      message: `${server} denies access (HTTP 403): ${excerpt(r.text)}. Check your team membership for this project.`,
    };
  if (s === 429 || s >= 500)
    return {
      ...base,
      refreshed,
      httpStatus: s,
      state: 'unavailable',
      message: `${server} is unavailable (HTTP ${s}); events stay queued for later.`,
    };
  return {
    ...base,
    refreshed,
    httpStatus: s,
    state: 'unexpected',
    message: `${server} answered HTTP ${s}: ${excerpt(r.text) || '(empty body)'}. Check the server URL.`,
  };
}
