import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ResolvedOptions } from './options.js';
import type { Store } from './storage.js';

/** An HTTP answer: status and JSON body. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Who a request is authenticated as. */
export interface Principal {
  readonly username: string;
  readonly teamSlug: string | null;
}

/** The token endpoints and the credential checks of the other endpoints. */
export interface Auth {
  /** `POST /api/v1/token/` with `{username, password}`. */
  login(body: unknown): Promise<Answer>;
  /** `POST /api/v1/token/refresh/` with `{refresh}`. */
  refresh(body: unknown): Promise<Answer>;
  /** Checks `Authorization: Bearer <access token>`. */
  bearer(
    header: string | undefined,
  ): Promise<{ readonly ok: true; readonly principal: Principal } | { readonly ok: false; readonly answer: Answer }>;
  /** Checks `Authorization: Basic …` (username and password) for the page and the read endpoint. */
  basic(header: string | undefined): Principal | null;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const sameSecret = (given: string, expected: string): boolean =>
  timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());

const BEARER_CHALLENGE = { 'www-authenticate': 'Bearer realm="kitty-ingest"' };

/** The answer to a missing, unknown, revoked or expired access token. */
export const TOKEN_NOT_VALID: Answer = {
  status: 401,
  body: { error: 'Token is invalid or expired. Refresh it at /api/v1/token/refresh/ or log in again.', code: 'token_not_valid' },
  headers: BEARER_CHALLENGE,
};

const NOT_AUTHENTICATED: Answer = {
  status: 401,
  body: { error: 'Authentication credentials were not provided: send "Authorization: Bearer <access token>".', code: 'not_authenticated' },
  headers: BEARER_CHALLENGE,
};

const invalidRequest = (error: string): Answer => ({ status: 400, body: { error, code: 'invalid_request' } });

/** Creates the token service over the store. Tokens are random (256 bits); only their SHA-256 is stored. */
export function createAuth(options: ResolvedOptions, store: Store): Auth {
  const issue = async (kind: 'access' | 'refresh', principal: Principal): Promise<string> => {
    const token = `${kind === 'access' ? 'kia' : 'kir'}_${randomBytes(32).toString('base64url')}`;
    const lifetime = kind === 'access' ? options.accessLifetimeS : options.refreshLifetimeS;
    await store.saveToken(sha256(token), {
      kind,
      username: principal.username,
      teamSlug: principal.teamSlug,
      expiresAtMs: options.now().getTime() + lifetime * 1000,
    });
    return token;
  };

  const checkPassword = (username: string, password: string): Principal | null => {
    const user = options.users.get(username);
    if (user !== undefined)
      return sameSecret(password, user.password) ? { username, teamSlug: user.teamSlug ?? options.defaultTeamSlug } : null;
    if (options.allowAnyUser && username.trim() !== '' && password !== '') return { username, teamSlug: options.defaultTeamSlug };
    return null;
  };

  const team = (p: Principal) => (p.teamSlug === null ? {} : { team_slug: p.teamSlug });

  return {
    async login(body) {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const { username, password } = b;
      if (typeof username !== 'string' || username === '' || typeof password !== 'string' || password === '') {
        return invalidRequest('Send a JSON object {"username": "...", "password": "..."} with both fields non-empty.');
      }
      const principal = checkPassword(username, password);
      if (principal === null)
        return { status: 401, body: { error: 'No active account found with the given credentials.', code: 'invalid_credentials' } };
      await store.pruneTokens(options.now().getTime());
      return {
        status: 200,
        body: {
          access: await issue('access', principal),
          refresh: await issue('refresh', principal),
          token_type: 'Bearer',
          access_lifetime: options.accessLifetimeS,
          refresh_lifetime: options.refreshLifetimeS,
          username: principal.username,
          ...team(principal),
        },
      };
    },

    async refresh(body) {
      const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const refresh = b['refresh'];
      if (typeof refresh !== 'string' || refresh === '') return invalidRequest('Send a JSON object {"refresh": "<refresh token>"}.');
      const hash = sha256(refresh);
      const record = await store.findToken(hash);
      if (record === null || record.kind !== 'refresh' || record.revoked || record.expiresAtMs <= options.now().getTime()) {
        return {
          status: 401,
          body: { error: 'Refresh token is invalid, expired or already used. Log in again.', code: 'token_not_valid' },
        };
      }
      const principal: Principal = { username: record.username, teamSlug: record.teamSlug };
      const rotated = options.rotateRefreshTokens ? await issue('refresh', principal) : null;
      if (rotated !== null) await store.revokeToken(hash);
      return {
        status: 200,
        body: {
          access: await issue('access', principal),
          ...(rotated === null ? {} : { refresh: rotated, refresh_lifetime: options.refreshLifetimeS }),
          token_type: 'Bearer',
          access_lifetime: options.accessLifetimeS,
          ...team(principal),
        },
      };
    },

    async bearer(header) {
      const m = /^\s*Bearer\s+(\S+)\s*$/i.exec(header ?? '');
      if (!m) return { ok: false, answer: NOT_AUTHENTICATED };
      const record = await store.findToken(sha256(m[1] as string));
      if (record === null || record.kind !== 'access' || record.revoked || record.expiresAtMs <= options.now().getTime())
        return { ok: false, answer: TOKEN_NOT_VALID };
      return { ok: true, principal: { username: record.username, teamSlug: record.teamSlug } };
    },

    basic(header) {
      const m = /^\s*Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
      if (!m) return null;
      const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return null;
      return checkPassword(decoded.slice(0, colon), decoded.slice(colon + 1));
    },
  };
}
