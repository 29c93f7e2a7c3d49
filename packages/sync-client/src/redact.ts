/**
 * Redaction of credentials from any text kitty prints or stores.
 *
 * Two layers: shape rules (bearer tokens, JWTs, token-looking JSON values, passwords in URLs) catch what kitty
 * has never seen, and the exact values of the credentials this process holds (access token, refresh token,
 * password) are masked whatever their shape — an opaque token a server echoes in an error body included.
 * The credential code registers each value the moment it reads or receives it ({@link rememberSecret}); the
 * set lives as long as the process (one command).
 */

const secrets = new Set<string>();

/** Values shorter than this are not registered (masking "ab" everywhere would shred messages). */
const MIN_SECRET_LENGTH = 6;

/** Registers a credential value so that {@link redact} masks it from now on, in any shape of text. */
export function rememberSecret(value: string | null | undefined): void {
  if (typeof value !== 'string') return;
  const v = value.trim();
  if (v.length < MIN_SECRET_LENGTH) return;
  secrets.add(v);
  // The same value as it may appear inside JSON or a URL.
  const json = JSON.stringify(v).slice(1, -1);
  if (json !== v) secrets.add(json);
  const encoded = encodeURIComponent(v);
  if (encoded !== v) secrets.add(encoded);
}

/** Forgets every registered value (tests). */
export function forgetSecrets(): void {
  secrets.clear();
}

const MASK = '***';

/** Masks the password of `scheme://user:password@host` (the user name stays, so the message still says who). */
export function maskUrlCredentials(text: string): string {
  return text.replace(
    /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@:'"]*):([^\s/@'"]*)@/gi,
    (_m, scheme: string, user: string) => `${scheme}${user}:${MASK}@`,
  );
}

/**
 * Removes every credential from a text: the registered values (longest first), bearer tokens, JWTs,
 * token-looking JSON values and passwords in URLs.
 */
export function redact(text: string): string {
  let out = text;
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(s)) out = out.split(s).join(MASK);
  }
  return maskUrlCredentials(out)
    .replace(/Bearer\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]+/gi, `Bearer ${MASK}`)
    .replace(/eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, MASK)
    .replace(/("(?:access|refresh|token|access_token|refresh_token|password)"\s*:\s*)"[^"]*"/gi, `$1"${MASK}"`);
}

/** Redacts every string inside a JSON-like value (for documents written to disk, e.g. `--report`). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return (value as unknown[]).map((v: unknown) => redactDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, redactDeep(v)])) as T;
  }
  return value;
}

/** A short, safe excerpt of a body for error messages: at most `max` characters, credentials redacted. */
export function excerpt(text: string, max = 200): string {
  const cleaned = redact(text).replace(/\s+/g, ' ').trim();
  return cleaned.length > max ? `${cleaned.slice(0, max - 1)}…` : cleaned;
}
