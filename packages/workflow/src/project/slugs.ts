import { WorkflowError } from '../errors.js';

/** Longest slug `create-feature` accepts (the feature directory, branch and worktree names all grow from it). */
export const MAX_SLUG_LENGTH = 60;

/** The kebab-case rule for a new feature's slug (same as the Python CLI). */
export const KEBAB_SLUG = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A numbered feature directory name: `NNN-slug`. Existing features may carry upper case, `_` or `.` too. */
export const FEATURE_DIR_NAME = /^(\d{3})-[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** A work package id: `WP` and exactly two digits. */
export const WP_ID = /^WP\d{2}$/;

const RESERVED = new Set([
  'con',
  'prn',
  'aux',
  'nul',
  ...Array.from({ length: 9 }, (_, i) => `com${i + 1}`),
  ...Array.from({ length: 9 }, (_, i) => `lpt${i + 1}`),
]);

const EXAMPLES = 'Valid: user-auth, api-v2, fix-login-redirect. Invalid: User_Auth, ../x, -auth, auth-.';

function show(value: string): string {
  const escaped = [...value.slice(0, 80)]
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      return cp < 0x20 || cp === 0x7f || cp > 0x7e ? `\\u{${cp.toString(16).toUpperCase().padStart(4, '0')}}` : ch;
    })
    .join('');
  return `"${escaped}${value.length > 80 ? '…' : ''}"`;
}

function invalid(value: string, why: string): WorkflowError {
  return new WorkflowError(
    'INVALID_FEATURE_SLUG',
    `Invalid feature slug ${show(value)}: ${why}. It must be kebab-case (lowercase letters, numbers, hyphens only).`,
    {
      suggestions: [EXAMPLES, 'Example: spec-kitty agent feature create-feature user-auth --json'],
      details: { slug: value.slice(0, 200), reason: why },
    },
  );
}

/**
 * Validates the slug of a new feature before anything touches the file system: an allowlist (kebab-case
 * ASCII), so traversal (`../x`, `a/b`, `..\\x`), absolute paths, NUL and control characters, Unicode
 * look-alikes, reserved device names (CON, NUL, …) and over-long names are all refused with the reason.
 * Returns the slug unchanged.
 *
 * @example
 * validateFeatureSlug('user-auth') // => 'user-auth'
 */
export function validateFeatureSlug(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new WorkflowError('INVALID_FEATURE_SLUG', 'A feature slug is required, e.g. user-auth.', { suggestions: [EXAMPLES] });
  }
  if (value.length > MAX_SLUG_LENGTH) throw invalid(value, `it is ${value.length} characters long; at most ${MAX_SLUG_LENGTH} are allowed`);
  if (/[/\\]/.test(value) || value.includes('..') || /^[a-zA-Z]:/.test(value))
    throw invalid(value, 'it contains a path separator, a drive letter or ".."');
  // eslint-disable-next-line no-control-regex -- rejecting control characters in a slug is the point of this check
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(value, 'it contains a control character');
  if (/[^\u0020-\u007e]/.test(value)) throw invalid(value, 'it contains non-ASCII characters (look-alike letters are not allowed)');
  if (/%[0-9a-fA-F]{2}/.test(value)) throw invalid(value, 'it contains URL-encoded characters');
  if (value !== value.trim() || /[ .]$/.test(value)) throw invalid(value, 'it has leading or trailing spaces or dots');
  if (RESERVED.has(value.toLowerCase())) throw invalid(value, `"${value}" is a reserved device name on Windows`);
  if (/^\d{3}-/.test(value))
    throw invalid(value, 'it already starts with a feature number; give only the name, the number is assigned for you');
  if (!KEBAB_SLUG.test(value)) {
    const why = /[A-Z]/.test(value)
      ? 'it contains upper-case letters'
      : /_/.test(value)
        ? 'it contains underscores'
        : /^[^a-z]/.test(value)
          ? 'it must start with a lowercase letter'
          : /--|-$/.test(value)
            ? 'it has a doubled or trailing hyphen'
            : 'it contains characters other than a-z, 0-9 and -';
    throw invalid(value, why);
  }
  return value;
}

/**
 * Validates a feature reference given on the command line or in `SPECIFY_FEATURE` (`001-user-auth`, or just
 * `001`) before it is compared with the feature directories. Returns it trimmed.
 */
export function validateFeatureRef(value: string, source: string): string {
  const v = value.trim();
  if (/^\d{1,3}$/.test(v) || (v.length <= 120 && (FEATURE_DIR_NAME.test(v) || /^[a-z0-9][a-z0-9._-]*$/.test(v)) && !v.includes('..')))
    return v;
  throw new WorkflowError(
    'INVALID_FEATURE_SLUG',
    `Invalid feature ${show(v)} (from ${source}): expected a feature directory name like 001-user-auth, its number 001, or its name user-auth.`,
    {
      suggestions: ['List the features with: ls kitty-specs/', 'Then pass one: --feature 001-user-auth'],
      details: { feature: v.slice(0, 200), source },
    },
  );
}
