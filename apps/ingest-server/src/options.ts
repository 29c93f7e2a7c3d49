import { describeValue } from '@kitty/errors';
import { IngestServerError } from './errors.js';

/** A user the server accepts at `POST /api/v1/token/`. */
export interface IngestUser {
  readonly username: string;
  readonly password: string;
  /** Returned as `team_slug` by the token endpoints (the CLI stamps it into events). */
  readonly teamSlug?: string;
}

/** Options of {@link startIngestServer}; every one has a default. */
export interface IngestServerOptions {
  /** TCP port; 0 picks a free one (default 8787). */
  readonly port?: number;
  /** Interface to listen on (default 127.0.0.1; the CLI only speaks plain http to loopback hosts). */
  readonly host?: string;
  /** SQLite file, or `:memory:` (default) for a database that lives as long as the server. */
  readonly dbPath?: string;
  /** Which `WPStatusChanged` payloads are accepted: `4-lane` (default, today's SaaS board) or `7-lane`. */
  readonly laneModel?: '4-lane' | '7-lane';
  /** Access-token lifetime in seconds (default 900). */
  readonly accessLifetimeS?: number;
  /** Refresh-token lifetime in seconds (default 604800 = 7 days). */
  readonly refreshLifetimeS?: number;
  /** Issue a new refresh token on every refresh and revoke the old one (default true). */
  readonly rotateRefreshTokens?: boolean;
  /** The accounts; `{ ada: 'secret' }` or a list with team slugs. */
  readonly users?: readonly IngestUser[] | Readonly<Record<string, string>>;
  /** Development mode: any non-empty username and password log in. */
  readonly allowAnyUser?: boolean;
  /** Team slug for `allowAnyUser` logins and users without one (default none). */
  readonly defaultTeamSlug?: string;
  /** Development mode: `GET /api/v1/events/` and the page at `/` need no credentials. */
  readonly publicRead?: boolean;
  /** Largest request body on the wire, in bytes (default 5 MiB); more is answered 413. */
  readonly maxBodyBytes?: number;
  /** Largest body after gzip decoding, in bytes (default 20 MiB); more is answered 413. */
  readonly maxDecodedBytes?: number;
  /** Most events in one batch (default 1000); more is answered 400. */
  readonly maxEventsPerBatch?: number;
  /** Clock for token lifetimes and `received_at` (default: the system clock). */
  readonly now?: () => Date;
  /** Receives one line per request and lifecycle note; never tokens or passwords (default: silent). */
  readonly log?: (line: string) => void;
}

/** The options in effect, after defaults and validation. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly dbPath: string;
  readonly laneModel: '4-lane' | '7-lane';
  readonly accessLifetimeS: number;
  readonly refreshLifetimeS: number;
  readonly rotateRefreshTokens: boolean;
  readonly users: ReadonlyMap<string, IngestUser>;
  readonly allowAnyUser: boolean;
  readonly defaultTeamSlug: string | null;
  readonly publicRead: boolean;
  readonly maxBodyBytes: number;
  readonly maxDecodedBytes: number;
  readonly maxEventsPerBatch: number;
  readonly now: () => Date;
  readonly log: (line: string) => void;
}

/** Defaults of {@link IngestServerOptions}. */
export const INGEST_DEFAULTS = Object.freeze({
  port: 8787,
  host: '127.0.0.1',
  dbPath: ':memory:',
  laneModel: '4-lane' as const,
  accessLifetimeS: 900,
  refreshLifetimeS: 604_800,
  maxBodyBytes: 5 * 1024 * 1024,
  maxDecodedBytes: 20 * 1024 * 1024,
  maxEventsPerBatch: 1000,
});

const bad = (what: string, value: unknown, rule: string, example: string): never => {
  throw new IngestServerError('INVALID_OPTION', `Invalid ${what} ${describeValue(value)}: ${rule}.`, {
    suggestions: [`Use for example ${example}.`],
    details: { option: what, received: value ?? null },
  });
};

const positiveInt = (what: string, value: unknown, fallback: number, example: string): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    return bad(what, value, 'it must be a positive whole number', example);
  return value;
};

/** Validates options and fills in defaults; throws `INVALID_OPTION` naming the option. */
export function resolveOptions(options: IngestServerOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') bad('options', options, 'startIngestServer needs an options object', '{ port: 0 }');
  const port = options.port ?? INGEST_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    bad('port', port, 'it must be a whole number from 0 to 65535', '8787 (or 0 for any free port)');
  const host = options.host ?? INGEST_DEFAULTS.host;
  if (typeof host !== 'string' || host.trim() === '') bad('host', host, 'it must be a host name or address', '127.0.0.1');
  const dbPath = options.dbPath ?? INGEST_DEFAULTS.dbPath;
  if (typeof dbPath !== 'string' || dbPath === '') bad('dbPath', dbPath, 'it must be a file path or :memory:', './ingest.db');
  const laneModel = options.laneModel ?? INGEST_DEFAULTS.laneModel;
  if (laneModel !== '4-lane' && laneModel !== '7-lane') bad('laneModel', laneModel, 'it must be "4-lane" or "7-lane"', '4-lane');

  const users = new Map<string, IngestUser>();
  const list: readonly IngestUser[] = Array.isArray(options.users)
    ? (options.users as readonly IngestUser[])
    : Object.entries((options.users ?? {}) as Record<string, string>).map(([username, password]) => ({ username, password }));
  for (const u of list) {
    if (u === null || typeof u !== 'object' || typeof u.username !== 'string' || u.username.trim() === '')
      bad('user', u, 'a user needs a non-empty username', '{ username: "ada", password: "secret" }');
    if (typeof u.password !== 'string' || u.password === '')
      bad('password of user', u.username, 'a user needs a non-empty password', 'ada:secret');
    if (u.teamSlug !== undefined && (typeof u.teamSlug !== 'string' || u.teamSlug === ''))
      bad('teamSlug of user', u.username, 'a team slug must be a non-empty string', 'acme');
    if (users.has(u.username)) bad('user', u.username, 'the same username is given twice', 'each username once');
    users.set(u.username, u);
  }
  const allowAnyUser = options.allowAnyUser === true;
  if (users.size === 0 && !allowAnyUser) {
    throw new IngestServerError('INVALID_OPTION', 'No user can log in: give at least one user, or allow any user (development only).', {
      suggestions: ['Start with --user ada:secret (repeatable), or --allow-any-user for a throw-away local server.'],
    });
  }
  const defaultTeamSlug = options.defaultTeamSlug ?? null;
  if (defaultTeamSlug !== null && (typeof defaultTeamSlug !== 'string' || defaultTeamSlug === ''))
    bad('defaultTeamSlug', defaultTeamSlug, 'it must be a non-empty string', 'acme');
  const now = options.now ?? (() => new Date());
  if (typeof now !== 'function') bad('now', now, 'it must be a function returning a Date', '() => new Date()');
  const log = options.log ?? (() => undefined);
  if (typeof log !== 'function') bad('log', log, 'it must be a function taking one line', '(line) => console.error(line)');

  return Object.freeze({
    port,
    host: host.trim(),
    dbPath,
    laneModel,
    accessLifetimeS: positiveInt('accessLifetimeS', options.accessLifetimeS, INGEST_DEFAULTS.accessLifetimeS, '900'),
    refreshLifetimeS: positiveInt('refreshLifetimeS', options.refreshLifetimeS, INGEST_DEFAULTS.refreshLifetimeS, '604800'),
    rotateRefreshTokens: options.rotateRefreshTokens ?? true,
    users,
    allowAnyUser,
    defaultTeamSlug,
    publicRead: options.publicRead === true,
    maxBodyBytes: positiveInt('maxBodyBytes', options.maxBodyBytes, INGEST_DEFAULTS.maxBodyBytes, String(INGEST_DEFAULTS.maxBodyBytes)),
    maxDecodedBytes: positiveInt(
      'maxDecodedBytes',
      options.maxDecodedBytes,
      INGEST_DEFAULTS.maxDecodedBytes,
      String(INGEST_DEFAULTS.maxDecodedBytes),
    ),
    maxEventsPerBatch: positiveInt('maxEventsPerBatch', options.maxEventsPerBatch, INGEST_DEFAULTS.maxEventsPerBatch, '1000'),
    now,
    log,
  });
}
