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

/**
 * The git operations `@kitty/workflow` needs, and nothing more. The library depends on this port; the only
 * implementation that runs git is `createSimpleGitPort` (simple-git), and tests use it on real repositories.
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
}
