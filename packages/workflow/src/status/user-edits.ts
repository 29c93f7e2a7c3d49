import path from 'node:path';
import type { GitPort, StatusEntry } from '../git/git-port.js';

/** A view file a status change rewrites: its new text and, for files a person edits, how it was derived. */
export interface ViewWrite {
  readonly path: string;
  /** The new text: `derive` applied to the file as it is on disk. */
  readonly text: string;
  /** The status change's edit of the file (lane, status block, activity line…), to apply to another base. */
  readonly derive?: (text: string) => string;
}

/** What to commit instead of the file on disk, for files that held uncommitted edits of the user. */
export interface UserEditSplit {
  /** Path → the text to commit: the committed file with only the status change applied. */
  readonly commitText: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
}

/**
 * Keeps the user's own uncommitted edits out of a status commit (tasks.md and work-package prompt files are
 * files people edit). For each write with a `derive` whose file git reports as modified before the command,
 * the text to commit is `derive` applied to the file at HEAD: the commit holds the status change and nothing
 * else, and the file on disk gets the status change on top of the user's edits, which stay uncommitted. A file
 * git does not know yet (untracked, or new) is committed as it is, as before; so is one whose HEAD version the
 * change cannot be applied to (a note says so). One `git status` call, and one `git show` per modified file.
 */
export async function splitUserEdits(
  git: GitPort,
  repoTop: string,
  writes: readonly ViewWrite[],
  known: readonly StatusEntry[] | null = null,
): Promise<UserEditSplit> {
  const candidates = writes.filter((w) => w.derive !== undefined);
  const commitText = new Map<string, string>();
  const notes: string[] = [];
  if (candidates.length === 0 || git.showFile === undefined) return { commitText, notes };
  const rel = (abs: string): string => path.relative(repoTop, abs).split(path.sep).join('/');
  const status =
    known ??
    (await git.status(
      repoTop,
      candidates.map((w) => rel(w.path)),
    ));
  const modified = new Set(status.filter((s) => s.index !== '?' && (s.index === 'M' || s.workTree === 'M')).map((s) => s.path));
  for (const w of candidates) {
    const r = rel(w.path);
    if (!modified.has(r)) continue;
    const shown = await git.showFile(repoTop, 'HEAD', r);
    if (shown === null) continue;
    const committed = shown.replace(/^\uFEFF/, ''); // the BOM is the writer's business, as for the file on disk
    try {
      const text = (w.derive as (t: string) => string)(committed);
      commitText.set(w.path, text);
      notes.push(`${r} had uncommitted edits of yours: they stay in the file, uncommitted; the commit holds only the status change.`);
    } catch {
      notes.push(
        `${r} had uncommitted edits of yours, and its committed version could not take the status change: the commit includes your edits.`,
      );
    }
  }
  return { commitText, notes };
}

/**
 * `git status` of a feature directory, started early so that it runs while the status change is planned; null
 * when it fails or the port cannot show committed files (then {@link splitUserEdits} asks itself, or not at all).
 */
export function featureStatus(git: GitPort, repoTop: string, featureDir: string): Promise<readonly StatusEntry[] | null> {
  if (git.showFile === undefined) return Promise.resolve(null);
  const rel = path.relative(repoTop, featureDir).split(path.sep).join('/');
  return git.status(repoTop, [rel === '' ? '.' : rel]).catch(() => null);
}
