import { existsSync, lstatSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify, TomlError } from 'smol-toml';
import { SyncError } from './errors.js';
import { ensurePrivateDir, kittyStateDir, writeFileAtomic } from './_fs.js';
import { rememberSecret } from './redact.js';

/** Tokens and identity as kept in `~/.spec-kitty/credentials` (TOML, same layout as the spec-kitty 2.0 CLI). */
export interface Credentials {
  readonly access: string;
  readonly refresh: string;
  /** ISO 8601 UTC. */
  readonly accessExpiresAt: string | null;
  readonly refreshExpiresAt: string | null;
  readonly username: string;
  readonly teamSlug: string | null;
  /** The server the tokens were issued by. */
  readonly serverUrl: string | null;
}

/** The state of the credentials file. */
export type CredentialsState =
  | { readonly status: 'missing'; readonly path: string }
  | { readonly status: 'corrupt'; readonly path: string; readonly problem: string }
  | { readonly status: 'present'; readonly path: string; readonly credentials: Credentials; readonly warnings: readonly string[] };

/** The path of `~/.spec-kitty/credentials`. */
export function credentialsPath(homeDir: string): string {
  return path.join(kittyStateDir(homeDir), 'credentials');
}

const str = (t: Record<string, unknown> | undefined, k: string): string | null => {
  const v = t?.[k];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** Parses an expiry written by either CLI (aware ISO, naive ISO = UTC, or a TOML date-time) to ISO UTC. */
export function parseExpiry(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? (value as { toString(): string }).toString()
        : typeof value === 'string'
          ? value
          : null;
  if (text === null || text.trim() === '') return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text.trim());
  const ms = Date.parse(hasZone ? text.trim() : `${text.trim()}Z`);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

function table(data: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const t = data[key];
  return typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Record<string, unknown>) : undefined;
}

function safetyWarnings(file: string): string[] {
  const warnings: string[] = [];
  if (process.platform === 'win32') return warnings;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    warnings.push(
      `${file} is readable by other users (mode ${mode.toString(8)}); it will be rewritten with mode 600 on the next login or refresh. Run \`chmod 600 ${file}\` now.`,
    );
  }
  return warnings;
}

function assertNotEscapingLink(file: string): void {
  if (!existsSync(file)) return;
  if (!lstatSync(file).isSymbolicLink()) return;
  const dir = realpathSync(path.dirname(file));
  const target = realpathSync(file);
  if (path.dirname(target) !== dir) {
    throw new SyncError(
      'CREDENTIALS_UNSAFE',
      `${file} is a symbolic link to ${target}, outside ${dir}; refusing to read or write tokens through it.`,
      {
        suggestions: [`Remove the link (rm ${file}) and run \`spec-kitty auth login\`.`],
      },
    );
  }
}

/**
 * Reads the credentials file. Missing → `missing`; unparseable or lacking tokens → `corrupt` with the reason
 * and position (the file is left untouched, its content never echoed). Also reads an `[expiries]` table if
 * present. A symlink that leaves `~/.spec-kitty` throws `CREDENTIALS_UNSAFE`.
 */
export function readCredentials(homeDir: string): CredentialsState {
  const file = credentialsPath(homeDir);
  if (!existsSync(file)) return { status: 'missing', path: file };
  assertNotEscapingLink(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return { status: 'corrupt', path: file, problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let data: Record<string, unknown>;
  try {
    data = parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const where = e instanceof TomlError ? ` at line ${e.line}, column ${e.column}` : '';
    return { status: 'corrupt', path: file, problem: `is not valid TOML${where}` };
  }
  const tokens = table(data, 'tokens');
  const expiries = table(data, 'expiries');
  const user = table(data, 'user');
  const server = table(data, 'server');
  const access = str(tokens, 'access');
  const refresh = str(tokens, 'refresh');
  if (access === null || refresh === null) {
    return { status: 'corrupt', path: file, problem: 'has no [tokens] access and refresh values' };
  }
  // From now on these values are masked in anything this process prints or stores.
  rememberSecret(access);
  rememberSecret(refresh);
  return {
    status: 'present',
    path: file,
    warnings: safetyWarnings(file),
    credentials: {
      access,
      refresh,
      accessExpiresAt: parseExpiry(tokens?.['access_expires_at'] ?? expiries?.['access_expires_at'] ?? expiries?.['access']),
      refreshExpiresAt: parseExpiry(tokens?.['refresh_expires_at'] ?? expiries?.['refresh_expires_at'] ?? expiries?.['refresh']),
      username: str(user, 'username') ?? 'unknown',
      teamSlug: str(user, 'team_slug'),
      serverUrl: str(server, 'url'),
    },
  };
}

/** Writes the credentials file atomically with mode 0600 in a 0700 directory (caller holds the lock). */
export function writeCredentials(homeDir: string, c: Credentials): void {
  const file = credentialsPath(homeDir);
  assertNotEscapingLink(file);
  rememberSecret(c.access);
  rememberSecret(c.refresh);
  const doc: Record<string, Record<string, string>> = {
    tokens: {
      access: c.access,
      refresh: c.refresh,
      ...(c.accessExpiresAt ? { access_expires_at: c.accessExpiresAt } : {}),
      ...(c.refreshExpiresAt ? { refresh_expires_at: c.refreshExpiresAt } : {}),
    },
    user: { username: c.username, ...(c.teamSlug ? { team_slug: c.teamSlug } : {}) },
    ...(c.serverUrl ? { server: { url: c.serverUrl } } : {}),
  };
  try {
    ensurePrivateDir(kittyStateDir(homeDir));
    writeFileAtomic(file, stringify(doc), 0o600);
  } catch (e) {
    throw new SyncError('CREDENTIALS_WRITE_FAILED', `Cannot write ${file}: ${(e as Error).message}.`, {
      cause: e,
      suggestions: [`Check that ${kittyStateDir(homeDir)} is writable (chmod 700 ${kittyStateDir(homeDir)}).`],
    });
  }
}

/** Deletes the credentials file (expired or not). Returns whether there was one. */
export function deleteCredentials(homeDir: string): boolean {
  const file = credentialsPath(homeDir);
  if (!existsSync(file) && !lstatExists(file)) return false;
  rmSync(file, { force: true });
  return true;
}

function lstatExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
