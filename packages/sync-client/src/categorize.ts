/** Why an event failed, grouped for the summary (seed WP02). */
export type FailureCategory = 'schema_mismatch' | 'auth_expired' | 'server_error' | 'too_large' | 'unknown';

/** Every category, in summary order. */
export const FAILURE_CATEGORIES: readonly FailureCategory[] = ['schema_mismatch', 'auth_expired', 'server_error', 'too_large', 'unknown'];

/** The next step for each category, printed under the summary line. */
export const CATEGORY_ACTIONS: Readonly<Record<FailureCategory, string>> = {
  schema_mismatch: 'Run `spec-kitty sync diagnose` to see which fields are invalid, then fix or re-queue the events.',
  auth_expired: 'Run `spec-kitty auth login` to refresh your credentials, then `spec-kitty sync now`.',
  server_error: 'The server failed on these events: retry later with `spec-kitty sync now` or check the server status.',
  too_large:
    'The server refuses these events even one at a time (HTTP 413); they are kept as dead events (`spec-kitty sync dead`). Ask the server operator to raise the size limit, then run `spec-kitty sync dead --requeue --all`.',
  unknown: 'Inspect the failures with `spec-kitty sync now --report failures.json`.',
};

// Structured codes a server may send per event (`code`); matched case-insensitively.
const CODE_MAP: Readonly<Record<string, FailureCategory>> = {
  schema_mismatch: 'schema_mismatch',
  schema_error: 'schema_mismatch',
  invalid_payload: 'schema_mismatch',
  invalid_event: 'schema_mismatch',
  invalid_event_id: 'schema_mismatch',
  validation_error: 'schema_mismatch',
  invalid_lane: 'schema_mismatch',
  unknown_event_type: 'schema_mismatch',
  auth_expired: 'auth_expired',
  token_expired: 'auth_expired',
  token_not_valid: 'auth_expired',
  unauthorized: 'auth_expired',
  not_authenticated: 'auth_expired',
  server_error: 'server_error',
  internal_error: 'server_error',
  unavailable: 'server_error',
  timeout: 'server_error',
  too_large: 'too_large',
  payload_too_large: 'too_large',
  unknown: 'unknown',
};

// Fallback keyword rules, on whole words (hyphenated words count as one) so that "1500 events" or
// "Content-Type" do not match by accident.
const word = (alternatives: string): RegExp => new RegExp(`(?<![\\w-])(${alternatives})(?![\\w-])`, 'i');
const KEYWORDS: ReadonlyArray<[FailureCategory, RegExp]> = [
  ['auth_expired', word('token|expired|unauthori[sz]ed|401|authentication|credentials?')],
  ['schema_mismatch', word('invalid|schema|field|fields|missing|required|type|validation|malformed|unknown event type')],
  ['server_error', word('internal|500|502|503|504|timeout|timed out|unavailable|server error')],
];

/**
 * The category of one failure: a structured server `code` wins; otherwise keyword rules on the message
 * (auth words first, so "invalid token" is an auth problem, not a schema one); otherwise `unknown`.
 */
export function categorizeFailure(error: string | null | undefined, code?: string | null): FailureCategory {
  if (typeof code === 'string' && code.trim() !== '') {
    const mapped = CODE_MAP[code.trim().toLowerCase()];
    if (mapped !== undefined) return mapped;
  }
  if (typeof error !== 'string' || error.trim() === '') return 'unknown';
  for (const [category, re] of KEYWORDS) if (re.test(error)) return category;
  return 'unknown';
}
