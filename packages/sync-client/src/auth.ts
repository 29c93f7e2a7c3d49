import { describeValue } from '@kitty/errors';
import { SyncError } from './errors.js';
import {
  credentialsPath,
  deleteCredentials,
  readCredentials,
  writeCredentials,
  type Credentials,
  type CredentialsState,
} from './credentials.js';
import { accessSync, constants as fsConstants, existsSync } from 'node:fs';
import path from 'node:path';
import { postJson, type HttpReply } from './http.js';
import { withFileLock } from './_lock.js';
import { excerpt, rememberSecret } from './redact.js';
import { normalizeServerUrl, sameServer } from './url.js';

/** Default access-token lifetime when the server does not say (15 minutes). */
export const DEFAULT_ACCESS_LIFETIME_S = 900;
/** Default refresh-token lifetime when the server does not say (7 days). */
export const DEFAULT_REFRESH_LIFETIME_S = 604_800;
/** A token this close to expiry is refreshed before use. */
export const EXPIRY_LEEWAY_MS = 60_000;

/** Options shared by the auth operations. */
export interface AuthOptions {
  readonly homeDir: string;
  /** The configured sync server (tokens are only ever sent there). */
  readonly serverUrl: string;
  readonly now: () => Date;
  readonly timeoutMs?: number;
  /** Ends network calls early (the run deadline). */
  readonly signal?: AbortSignal;
}

/**
 * Fails fast, with its own code and the path, when the credentials cannot be written: the nearest existing
 * directory on the way to `file` is read-only. (Without this, the lock below would wait its full time and
 * then blame "another process".)
 */
function assertWritable(file: string): void {
  let dir = path.dirname(file);
  while (!existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    accessSync(dir, fsConstants.W_OK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EACCES';
    throw new SyncError(
      'CREDENTIALS_NOT_WRITABLE',
      `Cannot write the credentials: ${dir} is not writable (${code}${code === 'EROFS' ? ': read-only file system' : ''}).`,
      {
        cause: e,
        suggestions: [`Make ${dir} writable (e.g. chmod u+w ${dir}) or run with a writable HOME, then try again.`],
        details: { path: dir, errno: code },
      },
    );
  }
}

/** Runs `fn` under the credentials lock, after checking that the credentials can be written at all. */
async function underCredentialsLock<T>(homeDir: string, fn: () => Promise<T>): Promise<T> {
  const file = credentialsPath(homeDir);
  assertWritable(file);
  return withFileLock(file, fn);
}

/** The local view of the session, without any network call. */
export interface AuthStatus {
  readonly state: 'logged_out' | 'corrupt' | 'active' | 'refreshable' | 'expired' | 'other_server';
  readonly credentialsPath: string;
  readonly username: string | null;
  readonly teamSlug: string | null;
  readonly serverUrl: string | null;
  readonly accessExpiresAt: string | null;
  readonly refreshExpiresAt: string | null;
  /** What is wrong, in words, when state is corrupt / expired / other_server. */
  readonly problem: string | null;
  readonly warnings: readonly string[];
}

const LOGIN_HINT = 'Run `spec-kitty auth login` to sign in.';

function lifetime(...values: unknown[]): number | null {
  for (const v of values) {
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) return n;
  }
  return null;
}

const fresh = (iso: string | null, nowMs: number): boolean => iso !== null && Date.parse(iso) - EXPIRY_LEEWAY_MS > nowMs;
const alive = (iso: string | null, nowMs: number): boolean => iso === null || Date.parse(iso) > nowMs;

function statusOf(state: CredentialsState, serverUrl: string, nowMs: number): AuthStatus {
  const base = {
    credentialsPath: state.path,
    username: null,
    teamSlug: null,
    serverUrl: null,
    accessExpiresAt: null,
    refreshExpiresAt: null,
    problem: null,
    warnings: [] as readonly string[],
  };
  if (state.status === 'missing') return { ...base, state: 'logged_out' };
  if (state.status === 'corrupt') {
    return {
      ...base,
      state: 'corrupt',
      problem: `Credentials file ${state.path} ${state.problem}; you are treated as logged out. ${LOGIN_HINT}`,
    };
  }
  const c = state.credentials;
  const view = {
    ...base,
    username: c.username,
    teamSlug: c.teamSlug,
    serverUrl: c.serverUrl,
    accessExpiresAt: c.accessExpiresAt,
    refreshExpiresAt: c.refreshExpiresAt,
    warnings: state.warnings,
  };
  if (c.serverUrl === null || !sameServer(c.serverUrl, serverUrl)) {
    return {
      ...view,
      state: 'other_server',
      problem: `These credentials were issued by ${c.serverUrl ?? 'an unknown server'}, but sync is configured for ${serverUrl}; tokens are never sent to another server. Run \`spec-kitty auth login --force\`.`,
    };
  }
  if (fresh(c.accessExpiresAt, nowMs) || (c.accessExpiresAt === null && alive(c.refreshExpiresAt, nowMs)))
    return { ...view, state: 'active' };
  if (alive(c.refreshExpiresAt, nowMs)) return { ...view, state: 'refreshable' };
  return { ...view, state: 'expired', problem: `Session expired (refresh token expired at ${c.refreshExpiresAt}). ${LOGIN_HINT}` };
}

/** The session as the credentials file describes it (no network). */
export function authStatus(options: AuthOptions): AuthStatus {
  const serverUrl = normalizeServerUrl(options.serverUrl);
  return statusOf(readCredentials(options.homeDir), serverUrl, options.now().getTime());
}

function unreachable(server: string, what: string, r: { code: string; message: string; kind: string }): SyncError {
  return new SyncError(
    r.kind === 'timeout' || r.kind === 'deadline' ? 'SERVER_UNAVAILABLE' : 'SERVER_UNREACHABLE',
    `Cannot reach ${server} for ${what}: ${r.kind === 'timeout' || r.kind === 'deadline' ? 'the server did not answer in time' : r.kind === 'tls' ? r.message : `${r.code} ${r.message}`}.`,
    { suggestions: ['Check your connection and the server URL (`spec-kitty sync server`), then try again.'] },
  );
}

function tokensFrom(
  reply: HttpReply,
  server: string,
  what: string,
): { access: string; refresh: string | null; accessLife: number; refreshLife: number; team: string | null } {
  const body = reply.json as Record<string, unknown> | undefined;
  const access = body?.['access'];
  const refresh = body?.['refresh'];
  if (reply.truncated || typeof body !== 'object' || body === null || typeof access !== 'string' || access === '') {
    throw new SyncError(
      'UNEXPECTED_RESPONSE',
      `${server} answered ${what} with HTTP ${reply.status} but no access token: ${excerpt(reply.text) || '(empty body)'}.`,
      {
        suggestions: ['Check that the server URL points at a spec-kitty sync server (`spec-kitty sync server`).'],
      },
    );
  }
  rememberSecret(access);
  if (typeof refresh === 'string') rememberSecret(refresh);
  return {
    access,
    refresh: typeof refresh === 'string' && refresh !== '' ? refresh : null,
    accessLife: lifetime(body['access_lifetime'], body['expires_in']) ?? DEFAULT_ACCESS_LIFETIME_S,
    refreshLife: lifetime(body['refresh_lifetime'], body['refresh_expires_in']) ?? DEFAULT_REFRESH_LIFETIME_S,
    team: typeof body['team_slug'] === 'string' && body['team_slug'] !== '' ? body['team_slug'] : null,
  };
}

/** The result of a login. */
export interface LoginResult {
  readonly username: string;
  readonly teamSlug: string | null;
  readonly serverUrl: string;
  readonly credentialsPath: string;
  readonly accessExpiresAt: string;
  readonly refreshExpiresAt: string;
}

/**
 * Exchanges a username and password for tokens (`POST {server}/api/v1/token/`) and stores them (0600, atomic,
 * under the credentials lock). Wrong credentials → `INVALID_CREDENTIALS`; network trouble →
 * `SERVER_UNREACHABLE`/`SERVER_UNAVAILABLE`; anything unexpected → `UNEXPECTED_RESPONSE`.
 */
export async function login(options: AuthOptions & { readonly username: string; readonly password: string }): Promise<LoginResult> {
  const server = normalizeServerUrl(options.serverUrl);
  if (typeof options.username !== 'string' || options.username.trim() === '') {
    throw new SyncError('INVALID_ARGUMENT', 'A username is required to log in.', { suggestions: ['Pass -u USER (or answer the prompt).'] });
  }
  if (typeof options.password !== 'string' || options.password === '') {
    throw new SyncError('INVALID_ARGUMENT', 'A password is required to log in.', { suggestions: ['Pass -p PASS or --password-stdin.'] });
  }
  rememberSecret(options.password); // never printed or stored, whatever the server echoes
  assertWritable(credentialsPath(options.homeDir));
  const r = await postJson(
    `${server}/api/v1/token/`,
    { username: options.username, password: options.password },
    {
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.signal ? { signal: options.signal } : {}),
    },
  );
  if (r.kind !== 'reply') throw unreachable(server, 'login', r);
  if (r.status === 400 || r.status === 401) {
    throw new SyncError('INVALID_CREDENTIALS', `Invalid username or password for ${server} (HTTP ${r.status}).`, {
      suggestions: ['Check your username and password and try again.'],
    });
  }
  if (r.status === 403) {
    throw new SyncError(
      'AUTH_FORBIDDEN',
      `${server} refused the login for ${describeValue(options.username)} (HTTP 403): ${excerpt(r.text)}.`,
      {
        suggestions: ['Ask your team admin whether your account may use the CLI.'],
      },
    );
  }
  if (r.status !== 200) {
    throw new SyncError(
      r.status >= 500 ? 'SERVER_UNAVAILABLE' : 'UNEXPECTED_RESPONSE',
      `Login failed: ${server} answered HTTP ${r.status}: ${excerpt(r.text) || '(empty body)'}.`,
      {
        suggestions: ['Try again in a few minutes; check the server URL with `spec-kitty sync server`.'],
      },
    );
  }
  const t = tokensFrom(r, server, 'login');
  if (t.refresh === null) throw new SyncError('UNEXPECTED_RESPONSE', `${server} answered login without a refresh token.`);
  const nowMs = options.now().getTime();
  const creds: Credentials = {
    access: t.access,
    refresh: t.refresh,
    accessExpiresAt: new Date(nowMs + t.accessLife * 1000).toISOString(),
    refreshExpiresAt: new Date(nowMs + t.refreshLife * 1000).toISOString(),
    username: options.username,
    teamSlug: t.team,
    serverUrl: server,
  };
  await underCredentialsLock(options.homeDir, () => Promise.resolve(writeCredentials(options.homeDir, creds)));
  return {
    username: creds.username,
    teamSlug: creds.teamSlug,
    serverUrl: server,
    credentialsPath: credentialsPath(options.homeDir),
    accessExpiresAt: creds.accessExpiresAt as string,
    refreshExpiresAt: creds.refreshExpiresAt as string,
  };
}

/** Deletes the local session (also an expired one). */
export function logout(homeDir: string): {
  readonly hadSession: boolean;
  readonly username: string | null;
  readonly credentialsPath: string;
} {
  const state = readCredentials(homeDir);
  const username = state.status === 'present' ? state.credentials.username : null;
  return { hadSession: deleteCredentials(homeDir), username, credentialsPath: credentialsPath(homeDir) };
}

/** Counts network refreshes made by this process (for status output and tests). */
export interface TokenProvider {
  /**
   * A usable access token for the configured server: the stored one when fresh, otherwise one refresh under a
   * cross-process lock (a token refreshed meanwhile by another process is reused). With `rejected`, that token
   * was refused by the server (401) and must not be returned again.
   */
  accessToken(options?: { readonly rejected?: string }): Promise<string>;
  readonly refreshCount: number;
}

/**
 * Creates the token source of one command run. Errors: `NOT_AUTHENTICATED`, `CREDENTIALS_CORRUPT`,
 * `TOKEN_SERVER_MISMATCH`, `SESSION_EXPIRED` (refresh refused: log in again; the file is kept),
 * `SERVER_UNREACHABLE`/`SERVER_UNAVAILABLE` (refresh could not be tried: old tokens kept).
 */
export function createTokenProvider(options: AuthOptions): TokenProvider {
  const server = normalizeServerUrl(options.serverUrl);
  let refreshCount = 0;

  const usable = (rejected: string | undefined): Credentials => {
    const state = readCredentials(options.homeDir);
    const st = statusOf(state, server, options.now().getTime());
    if (st.state === 'logged_out') throw new SyncError('NOT_AUTHENTICATED', `Not logged in to ${server}.`, { suggestions: [LOGIN_HINT] });
    if (st.state === 'corrupt') throw new SyncError('CREDENTIALS_CORRUPT', st.problem as string, { suggestions: [LOGIN_HINT] });
    if (st.state === 'other_server')
      throw new SyncError('TOKEN_SERVER_MISMATCH', st.problem as string, { suggestions: ['Run `spec-kitty auth login --force`.'] });
    if (st.state === 'expired') throw new SyncError('SESSION_EXPIRED', st.problem as string, { suggestions: [LOGIN_HINT] });
    const c = (state as Extract<CredentialsState, { status: 'present' }>).credentials;
    return c.access === rejected ? { ...c, accessExpiresAt: new Date(0).toISOString() } : c;
  };

  const refresh = async (rejected: string | undefined): Promise<string> =>
    underCredentialsLock(options.homeDir, async () => {
      // Another process may have refreshed while we waited for the lock.
      const c = usable(rejected);
      if (c.access !== rejected && fresh(c.accessExpiresAt, options.now().getTime())) return c.access;
      if (!alive(c.refreshExpiresAt, options.now().getTime())) {
        throw new SyncError('SESSION_EXPIRED', `Session expired for ${c.username} on ${server}. ${LOGIN_HINT}`, {
          suggestions: [LOGIN_HINT],
        });
      }
      refreshCount += 1;
      const r = await postJson(
        `${server}/api/v1/token/refresh/`,
        { refresh: c.refresh },
        {
          timeoutMs: options.timeoutMs ?? 10_000,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      if (r.kind !== 'reply') throw unreachable(server, 'a token refresh', r);
      if (r.status === 400 || r.status === 401 || r.status === 403) {
        throw new SyncError(
          'SESSION_EXPIRED',
          `Session expired: ${server} refused the refresh token (HTTP ${r.status}). Re-authenticate: run \`spec-kitty auth login\`.`,
          {
            suggestions: [LOGIN_HINT],
          },
        );
      }
      if (r.status !== 200) {
        throw new SyncError(
          'SERVER_UNAVAILABLE',
          `Token refresh failed: ${server} answered HTTP ${r.status}; your session is kept, try again later.`,
          {
            suggestions: ['Try again later; `spec-kitty sync status --check` shows the server state.'],
          },
        );
      }
      const t = tokensFrom(r, server, 'the token refresh');
      const nowMs = options.now().getTime();
      writeCredentials(options.homeDir, {
        ...c,
        access: t.access,
        refresh: t.refresh ?? c.refresh, // servers that do not rotate refresh tokens keep the old one
        accessExpiresAt: new Date(nowMs + t.accessLife * 1000).toISOString(),
        refreshExpiresAt: t.refresh !== null ? new Date(nowMs + t.refreshLife * 1000).toISOString() : c.refreshExpiresAt,
        teamSlug: t.team ?? c.teamSlug,
      });
      return t.access;
    });

  return {
    get refreshCount() {
      return refreshCount;
    },
    async accessToken(opts = {}) {
      const c = usable(opts.rejected);
      if (c.access !== opts.rejected && (fresh(c.accessExpiresAt, options.now().getTime()) || c.accessExpiresAt === null)) return c.access;
      return refresh(opts.rejected);
    },
  };
}
