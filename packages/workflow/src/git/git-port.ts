/** Where a directory sits in git: its work tree, its git dirs, and the main checkout that owns planning files. */
export interface GitLocation {
  /** Top level of the work tree that contains the directory (a linked worktree's own root when inside one). */
  readonly topLevel: string;
  /** This work tree's git dir (`.git`, or `.git/worktrees/<name>` for a linked worktree). */
  readonly gitDir: string;
  /** The git dir shared by every worktree of the repository (`git rev-parse --git-common-dir`). */
  readonly commonDir: string;
  /** Root of the main checkout: where `.kittify/` and `kitty-specs/` live. */
  readonly mainRoot: string;
  /** True when the directory is inside a linked worktree rather than the main checkout. */
  readonly linkedWorktree: boolean;
}

/** One line of `git status --porcelain` for a path. */
export interface StatusEntry {
  /** Path relative to the directory git ran in, with forward slashes. */
  readonly path: string;
  /** Index (staged) status letter, or ' '. */
  readonly index: string;
  /** Work-tree status letter, or ' '; `?` for untracked. */
  readonly workTree: string;
}

/** One entry of `git worktree list --porcelain`. */
export interface WorktreeEntry {
  /** Absolute path of the work tree. */
  readonly path: string;
  /** The commit checked out, or null (e.g. a bare entry). */
  readonly head: string | null;
  /** The branch checked out (short name), or null on a detached HEAD. */
  readonly branch: string | null;
  readonly locked: boolean;
  /** Its directory is gone (git would prune it). */
  readonly prunable: boolean;
}

/** The outcome of a merge: done, or stopped on conflicts (the repository is left in the merge state). */
export interface MergeOutcome {
  readonly ok: boolean;
  /** Conflicted paths when `ok` is false. */
  readonly conflicts: readonly string[];
  /** Git's own message when it refused or stopped. */
  readonly message: string;
}

/** One commit as `log` reports it. */
export interface CommitInfo {
  readonly sha: string;
  readonly subject: string;
  /** Committer time. */
  readonly time: Date;
}

/**
 * The git operations `@kitty/workflow` needs, and nothing more. The library depends on this port; the only
 * implementation that runs git is `createGitPort`, and tests use it on real repositories.
 * Paths are relative to `dir` unless stated otherwise.
 */
export interface GitPort {
  /** Locates the repository containing `cwd`; null when `cwd` is not inside a git work tree. */
  locate(cwd: string): Promise<GitLocation | null>;
  /** `git init` in `dir`. */
  init(dir: string): Promise<void>;
  /** The checked-out branch of the work tree at `dir`; null on a detached HEAD. */
  currentBranch(dir: string): Promise<string | null>;
  /** The sha HEAD points at; null in a repository without commits. */
  headCommit(dir: string): Promise<string | null>;
  /** The URL of a remote, or null when it is not configured. */
  remoteUrl(dir: string, remote: string): Promise<string | null>;
  /** `git status --porcelain` limited to `paths` (untracked files listed one by one). */
  status(dir: string, paths: readonly string[]): Promise<StatusEntry[]>;
  /** Which of `paths` git ignores (untracked files matched by .gitignore/exclude rules). */
  ignored(dir: string, paths: readonly string[]): Promise<string[]>;
  /** Stages exactly `paths` (deletions included). `force` stages ignored files too. */
  add(dir: string, paths: readonly string[], options?: { readonly force?: boolean }): Promise<void>;
  /**
   * Commits exactly `paths` (`git commit --only`), leaving anything else the user staged untouched, and
   * returns the new commit sha.
   */
  commit(dir: string, message: string, paths: readonly string[]): Promise<string>;
  /**
   * The text of a file as committed at `rev` (`git show <rev>:./<path>`, `path` relative to `dir`), or null when it
   * is not there. Optional: without it, a status commit cannot keep the user's own edits out (see user-edits.ts).
   */
  showFile?(dir: string, rev: string, path: string): Promise<string | null>;
  /** Commits what is staged (`git commit -m`), e.g. after `merge --squash`; returns the new sha. */
  commitStaged(dir: string, message: string): Promise<string>;
  /** Puts the index entries of `paths` back to HEAD (`git reset -q -- <paths>`), leaving the files alone. */
  unstage(dir: string, paths: readonly string[]): Promise<void>;
  /**
   * Moves `ref` to `newSha` only if it still points at `oldSha` (`git update-ref`); `newSha` null deletes the
   * ref (an unborn branch again). Used to undo the commits of a transaction.
   */
  updateRef(dir: string, ref: string, newSha: string | null, oldSha: string): Promise<void>;
  /** `git reset --hard <sha>` in the work tree at `dir` (undoing merges a transaction made there). */
  resetHard(dir: string, sha: string): Promise<void>;
  /** `git config --get <key>`, or null when unset. */
  configGet(dir: string, key: string): Promise<string | null>;
  /** The sha each local branch points at, or null when the branch does not exist; one git call for all. */
  branchHeads(dir: string, branches: readonly string[]): Promise<ReadonlyMap<string, string | null>>;
  /** The commit a ref or sha resolves to, or null. */
  resolveCommit(dir: string, ref: string): Promise<string | null>;
  /** Whether commit `ancestor` is reachable from `descendant` (`merge-base --is-ancestor`). */
  isAncestor(dir: string, ancestor: string, descendant: string): Promise<boolean>;
  /** The best common ancestor of two commits, or null when they share none. */
  mergeBase(dir: string, a: string, b: string): Promise<string | null>;
  /** Number of commits in `range` (`rev-list --count`, e.g. `base..branch`). */
  countCommits(dir: string, range: string): Promise<number>;
  /** Files changed in a diff range (`diff --name-only <range>`, e.g. `base...branch`), optionally limited to `paths`. */
  changedFiles(dir: string, range: string, paths?: readonly string[]): Promise<string[]>;
  /**
   * Non-merge commits reachable from `tip` but from none of `exclude` (missing refs are skipped by the caller),
   * optionally only those touching `paths`; newest first, at most `max`.
   */
  ownCommits(dir: string, tip: string, exclude: readonly string[], paths?: readonly string[], max?: number): Promise<CommitInfo[]>;
  /** Commits in `range`, newest first, at most `max`. */
  log(dir: string, range: string, max: number): Promise<CommitInfo[]>;
  /** `git diff` between two commits: the stat summary or the full patch. */
  diff(dir: string, from: string, to: string, mode: 'stat' | 'patch'): Promise<string>;
  /** Every worktree of the repository (the main checkout first). */
  worktrees(dir: string): Promise<WorktreeEntry[]>;
  /**
   * `git worktree add`: a new branch `branch` from `base` (`newBranch`), or an existing branch. With
   * `noCheckout` the files are not checked out (see {@link GitPort.sparseCheckout}).
   */
  worktreeAdd(
    dir: string,
    worktreePath: string,
    options: { readonly branch: string; readonly newBranch: boolean; readonly base?: string; readonly noCheckout?: boolean },
  ): Promise<void>;
  /** `git worktree remove` (refuses a worktree with changes unless `force`). */
  worktreeRemove(dir: string, worktreePath: string, options?: { readonly force?: boolean }): Promise<void>;
  /** `git worktree prune`: forgets worktrees whose directory is gone (locked ones stay). */
  worktreePrune(dir: string): Promise<void>;
  /**
   * Turns on non-cone sparse checkout in the worktree at `dir` (its own config) with `patterns`, then checks
   * the files out (`read-tree -mu HEAD`).
   */
  sparseCheckout(dir: string, patterns: readonly string[]): Promise<void>;
  /** Checks out HEAD's files in a worktree added with `noCheckout` (`read-tree -mu HEAD`). */
  checkoutHead(dir: string): Promise<void>;
  /** Merges `ref` into the current branch of `dir`; conflicts are reported, not thrown. */
  merge(
    dir: string,
    ref: string,
    options: { readonly message: string; readonly squash?: boolean; readonly noFf?: boolean },
  ): Promise<MergeOutcome>;
  /** `git merge --abort`. */
  mergeAbort(dir: string): Promise<void>;
  /** `git branch -d` (or `-D` with `force`). */
  deleteBranch(dir: string, branch: string, options?: { readonly force?: boolean }): Promise<void>;
  /** `git push <remote> <branch>`. */
  push(dir: string, remote: string, branch: string): Promise<void>;
  /** Names of the configured remotes. */
  remotes(dir: string): Promise<string[]>;
}
