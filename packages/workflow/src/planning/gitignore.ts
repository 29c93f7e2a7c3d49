/** The marker line above the entries spec-kitty adds to `.gitignore`. */
export const GITIGNORE_MARKER = '# Added by Spec Kitty CLI (auto-managed)';

/** The marker line above the entries spec-kitty adds to `.git/info/exclude`. */
export const EXCLUDE_MARKER = '# Added by spec-kitty (local exclusions)';

/**
 * What `init` keeps out of git: every agent directory (agents may keep credentials there) and spec-kitty's
 * runtime files. The same list as the Python CLI, for every agent and not only the selected ones.
 */
export const GITIGNORE_ENTRIES: readonly string[] = Object.freeze([
  '.claude/',
  '.codex/',
  '.opencode/',
  '.windsurf/',
  '.gemini/',
  '.cursor/',
  '.qwen/',
  '.kilocode/',
  '.augment/',
  '.roo/',
  '.amazonq/',
  '.github/copilot/',
  '.kittify/.dashboard',
  '.kittify/missions/__pycache__/',
]);

/** Local-only exclusions (`.git/info/exclude`): the worktrees directory. */
export const EXCLUDE_ENTRIES: readonly string[] = Object.freeze(['.worktrees/']);

/**
 * Adds the missing `entries` to an ignore file's text under `marker`, keeping its line endings (CRLF or LF)
 * and everything already there; the result always ends with a line break. Idempotent.
 *
 * @example
 * addIgnoreEntries('node_modules/\n', ['.claude/'], GITIGNORE_MARKER).added // => ['.claude/']
 */
export function addIgnoreEntries(
  text: string | null,
  entries: readonly string[],
  marker: string,
): { text: string; added: string[]; present: string[] } {
  const original = text ?? '';
  const eol = original.includes('\r\n') ? '\r\n' : '\n';
  const have = new Set(original.split(/\r?\n/).map((l) => l.trim()));
  const added = entries.filter((e) => !have.has(e) && !have.has(e.replace(/\/$/, '')) && !have.has(`/${e}`));
  const present = entries.filter((e) => !added.includes(e));
  if (added.length === 0) return { text: original, added, present };
  let out = original;
  if (out !== '' && !out.endsWith('\n')) out += eol;
  const lines: string[] = [];
  if (!have.has(marker)) {
    if (out !== '' && !/\r?\n\r?\n$/.test(out)) lines.push('');
    lines.push(marker);
  }
  lines.push(...added);
  return { text: `${out}${lines.join(eol)}${eol}`, added, present };
}
