import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { identityOf, readProjectConfig } from '../project/config.js';
import type { FeatureRef } from '../project/features.js';
import { SPECS_DIR } from '../project/features.js';
import type { GitPort, WorktreeEntry } from '../git/git-port.js';
import type { TasksMd } from '../tasks/tasks-md.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';
import { wpBranch, wpWorkspace } from '../tasks/wp-ref.js';

/** Where a work package's code lives: its branch, its worktree, and the base it was started from. */
export interface WorkspaceFacts {
  readonly branch: string;
  /** Absolute path of `.worktrees/<slug>-WPxx`. */
  readonly path: string;
  /** `.worktrees/<slug>-WPxx`, relative to the project root. */
  readonly relPath: string;
  /** The worktree is registered with git and its directory exists. */
  readonly exists: boolean;
  /** The registered worktree entry (also when its directory is gone), or null. */
  readonly entry: WorktreeEntry | null;
  /** The branch's commit, or null when the branch does not exist. */
  readonly branchSha: string | null;
  /** `base_branch` / `base_commit` recorded by implement (null when absent). */
  readonly baseBranch: string | null;
  readonly baseCommit: string | null;
}

/**
 * A healthy worktree read from the file system (its `.git` file, its git dir, its HEAD), sparing a `git worktree
 * list`; null when anything is unusual (missing, locked, detached, another ref storage), and git is asked instead.
 */
function localWorktree(wsPath: string): WorktreeEntry | null {
  try {
    const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(path.join(wsPath, '.git'), 'utf8'));
    if (m === null) return null;
    const gitDir = path.resolve(wsPath, m[1] as string);
    if (existsSync(path.join(gitDir, 'locked'))) return null;
    const head = /^ref: refs\/heads\/(.+?)\s*$/.exec(readFileSync(path.join(gitDir, 'HEAD'), 'utf8'));
    if (head === null || head[1] === '.invalid') return null;
    return { path: wsPath, head: null, branch: head[1] as string, locked: false, prunable: false };
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

/**
 * Reads the facts of a work package's workspace: its branch head (one git call) and its worktree, read from the
 * file system when healthy, else from `git worktree list`. `registry: false` skips asking git about a workspace
 * whose directory does not exist (callers that do not repair stale worktree records).
 */
export async function workspaceFacts(
  git: GitPort,
  root: string,
  feature: FeatureRef,
  wp: WorkPackageFile,
  options: { readonly registry?: boolean } = {},
): Promise<WorkspaceFacts> {
  const branch = wpBranch(feature, wp.id);
  const wsPath = wpWorkspace(root, feature, wp.id);
  const local = localWorktree(wsPath);
  const skip = local !== null || (options.registry === false && !existsSync(wsPath));
  const [list, heads] = await Promise.all([
    skip ? Promise.resolve(local === null ? [] : [local]) : git.worktrees(root),
    git.branchHeads(root, [branch]),
  ]);
  const entry = list.find((w) => path.resolve(w.path) === path.resolve(wsPath)) ?? null;
  return {
    branch,
    path: wsPath,
    relPath: path.relative(root, wsPath).split(path.sep).join('/'),
    exists: entry !== null && existsSync(path.join(wsPath, '.git')),
    entry,
    branchSha: heads.get(branch) ?? null,
    baseBranch: str(wp.data['base_branch']),
    baseCommit: str(wp.data['base_commit']),
  };
}

/** A failed readiness check: a stable code, what is wrong, and how to fix it. */
export interface ReadinessProblem {
  readonly code:
    | 'UNCHECKED_SUBTASKS'
    | 'NO_BRANCH'
    | 'NO_COMMITS'
    | 'DIRTY_WORKTREE'
    | 'OPERATION_IN_PROGRESS'
    | 'WRONG_BRANCH'
    | 'BEHIND_BASE'
    | 'PLANNING_EDITS';
  readonly message: string;
  readonly fix: string;
}

/** The readiness of a work package for review: the facts the guards of `in_progress → for_review` look at. */
export interface Readiness {
  readonly subtasksComplete: boolean;
  readonly implementationEvidencePresent: boolean;
  /** Commits on the work-package branch beyond its base. */
  readonly commits: number;
  /** The commit the work package started from (for review diffs). */
  readonly base: string | null;
  readonly problems: readonly ReadinessProblem[];
}

/** Ids of the unchecked subtasks in the work package's tasks.md section (none without tasks.md or a section). */
export function uncheckedSubtasks(tasksMd: TasksMd | null, wpId: string): string[] {
  const section = tasksMd?.sections.find((s) => s.id === wpId);
  return (section?.subtasks ?? []).filter((t) => !t.done).map((t) => t.id);
}

/** The commit a work package started from: `base_commit`, else its fork point from the base branch or the target. */
export async function baseOf(git: GitPort, root: string, ws: WorkspaceFacts, target: string | null): Promise<string | null> {
  if (ws.branchSha === null) return null;
  if (ws.baseCommit !== null) {
    const sha = await git.resolveCommit(root, ws.baseCommit);
    if (sha !== null) return sha;
  }
  for (const ref of [ws.baseBranch, target]) {
    if (ref === null) continue;
    const mb = await git.mergeBase(root, ref, ws.branch).catch(() => null);
    if (mb !== null) return mb;
  }
  return null;
}

/**
 * What a work package's work is measured against: the base branch (recorded by implement, else the target) and
 * the commit to diff from — the fork point with that branch, so that merging the base in later (or the status
 * commits it carries) does not show up as the work package's own change.
 */
export async function diffBase(
  git: GitPort,
  root: string,
  ws: WorkspaceFacts,
  target: string | null,
): Promise<{ readonly from: string | null; readonly baseRef: string | null; readonly exclude: readonly string[] }> {
  if (ws.branchSha === null) return { from: null, baseRef: null, exclude: [] };
  const base = await baseOf(git, root, ws, target);
  const baseRef = ws.baseBranch !== null && (await git.resolveCommit(root, ws.baseBranch)) !== null ? ws.baseBranch : target;
  const fork = baseRef === null ? null : await git.mergeBase(root, baseRef, ws.branch);
  return { from: fork ?? base, baseRef, exclude: [...new Set([base, baseRef, target].filter((x): x is string => x !== null))] };
}

const PLANNING = [`${SPECS_DIR}/`, '.kittify/'];
const planningOnly = (f: string): boolean => PLANNING.some((p) => f.startsWith(p));

function operationInProgress(ws: WorkspaceFacts): string | null {
  try {
    const gitFile = readFileSync(path.join(ws.path, '.git'), 'utf8');
    const m = /^gitdir:\s*(.+)\s*$/m.exec(gitFile);
    if (m === null) return null;
    const gitDir = path.resolve(ws.path, (m[1] as string).trim());
    for (const [name, what] of [
      ['MERGE_HEAD', 'a merge'],
      ['REBASE_HEAD', 'a rebase'],
      ['rebase-merge', 'a rebase'],
      ['rebase-apply', 'a rebase or am'],
      ['CHERRY_PICK_HEAD', 'a cherry-pick'],
      ['REVERT_HEAD', 'a revert'],
    ] as const) {
      if (existsSync(path.join(gitDir, name))) return what;
    }
  } catch {
    return null;
  }
  return null;
}

/**
 * Checks a work package for review (reference §2.9 step 6, as the guards of `in_progress → for_review`):
 * every subtask checked in tasks.md, a branch with at least one commit beyond its base, and, when the worktree
 * exists, a clean worktree on that branch with no merge or rebase in progress, not behind its base (commits
 * that only touch planning files do not count) and no committed changes under `kitty-specs/`.
 */
export async function checkReadiness(
  git: GitPort,
  root: string,
  ws: WorkspaceFacts,
  wpId: string,
  tasksMd: TasksMd | null,
  target: string | null,
): Promise<Readiness> {
  const problems: ReadinessProblem[] = [];
  const unchecked = uncheckedSubtasks(tasksMd, wpId);
  if (unchecked.length > 0) {
    problems.push({
      code: 'UNCHECKED_SUBTASKS',
      message: `${wpId} has unchecked subtasks in tasks.md: ${unchecked.join(', ')}`,
      fix: `spec-kitty agent tasks mark-status ${unchecked.join(' ')} --status done`,
    });
  }
  if (ws.branchSha === null) {
    problems.push({
      code: 'NO_BRANCH',
      message: `No implementation commits: the branch ${ws.branch} does not exist.`,
      fix: `spec-kitty implement ${wpId}, commit the work in ${ws.relPath}, then move it again`,
    });
    return { subtasksComplete: unchecked.length === 0, implementationEvidencePresent: false, commits: 0, base: null, problems };
  }
  const base = await baseOf(git, root, ws, target);
  // The branch's own work: non-merge commits not reachable from its base, the base branch or the target (so
  // merging the base in, which brings the target's status commits, counts as neither work nor planning edits).
  const baseRef = ws.baseBranch !== null && (await git.resolveCommit(root, ws.baseBranch)) !== null ? ws.baseBranch : target;
  const exclude = [...new Set([base, baseRef, target].filter((x): x is string => x !== null))];
  const own = await git.ownCommits(root, ws.branch, exclude);
  const commits = own.length;
  if (commits === 0)
    problems.push({
      code: 'NO_COMMITS',
      message: `No implementation commits on WP branch ${ws.branch} beyond its base.`,
      fix: `commit your work in ${ws.relPath} (git add … && git commit), then move it again`,
    });
  if (ws.exists) {
    const op = operationInProgress(ws);
    if (op !== null)
      problems.push({
        code: 'OPERATION_IN_PROGRESS',
        message: `${op} is in progress in ${ws.relPath}.`,
        fix: 'finish it (or abort it) in the worktree, then move it again',
      });
    if (ws.entry !== null && ws.entry.branch !== ws.branch) {
      problems.push({
        code: 'WRONG_BRANCH',
        message: `${ws.relPath} has ${ws.entry.branch === null ? 'a detached HEAD' : `branch ${ws.entry.branch}`} checked out, not ${ws.branch}.`,
        fix: `git -C ${ws.relPath} switch ${ws.branch}`,
      });
    }
    const dirty = await git.status(ws.path, ['.']);
    if (dirty.length > 0) {
      const staged = dirty.some((d) => d.index !== ' ' && d.index !== '?');
      const unstaged = dirty.some((d) => d.workTree !== ' ');
      const kind =
        staged && unstaged
          ? 'Staged and unstaged changes'
          : staged
            ? 'Staged but uncommitted changes'
            : 'Uncommitted implementation changes';
      const shown = dirty
        .slice(0, 8)
        .map((d) => d.path)
        .join(', ');
      problems.push({
        code: 'DIRTY_WORKTREE',
        message: `${kind} in worktree ${ws.relPath}: ${shown}${dirty.length > 8 ? ` (+${dirty.length - 8} more)` : ''}`,
        fix: `commit (or remove) them in ${ws.relPath}, then move it again`,
      });
    }
  }
  if (baseRef !== null) {
    const ahead = (await git.changedFiles(root, `${ws.branch}...${baseRef}`)).filter((f) => !planningOnly(f));
    if (ahead.length > 0) {
      problems.push({
        code: 'BEHIND_BASE',
        message: `${baseRef} branch has new commits not in ${ws.branch} (changing ${ahead.slice(0, 5).join(', ')}${ahead.length > 5 ? ', …' : ''}).`,
        fix: `in ${ws.relPath}: git merge ${baseRef} (or git rebase ${baseRef}), then move it again`,
      });
    }
  }
  const from = baseRef ?? base;
  if (commits > 0 && from !== null) {
    // Planning edits made on the branch and still there (an edit reverted later, or files that only came in by
    // merging the base, do not count).
    const touched = await git.ownCommits(root, ws.branch, exclude, [SPECS_DIR]);
    const files = touched.length === 0 ? [] : await git.changedFiles(root, `${from}...${ws.branch}`, [SPECS_DIR]);
    if (files.length > 0) {
      problems.push({
        code: 'PLANNING_EDITS',
        message: `WP branch ${ws.branch} contains forbidden planning changes under ${SPECS_DIR}/: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`,
        fix: `revert those changes on ${ws.branch}; planning files are changed in the main checkout only`,
      });
    }
  }
  const implementationProblems = problems.filter((p) => p.code !== 'UNCHECKED_SUBTASKS');
  return {
    subtasksComplete: unchecked.length === 0,
    implementationEvidencePresent: implementationProblems.length === 0,
    commits,
    base,
    problems,
  };
}

/** The repository name for `done` evidence: the project slug from `.kittify/config.yaml`, else the directory name. */
export function repoName(root: string): string {
  try {
    return identityOf(readProjectConfig(root)).slug ?? path.basename(root);
  } catch {
    return path.basename(root);
  }
}
