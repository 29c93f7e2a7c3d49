import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { WorkflowError } from '../errors.js';
import type { GitPort, StatusEntry } from './git-port.js';
import type { ProjectContext } from '../project/project.js';

/** What a command committed (the JSON keys of the Python CLI). */
export interface CommitResult {
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  /** Committed paths, relative to the project root, forward slashes. */
  readonly files_committed: readonly string[];
}

/** Options of {@link commitFiles}. */
export interface CommitOptions {
  /** Stage ignored files too (the Python CLI force-adds planning files). */
  readonly force?: boolean;
  /** How long to keep retrying while another git process holds `index.lock`, in ms (default 5000). */
  readonly lockWaitMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The caller knows every listed file differs from HEAD (saves the `git status` call). */
  readonly knownChanged?: boolean;
  /**
   * `git status` entries (paths relative to the repository top) that cover the listed files, taken after they
   * were last written: used instead of asking git (one status call can serve several commits).
   */
  readonly status?: readonly StatusEntry[];
  /**
   * Files (absolute) of a following commit to stage with this commit's `git add`, those of them `status` reports
   * changed; that commit then passes `staged` and needs no `git add` of its own. Other files are left unstaged.
   */
  readonly stageAlso?: readonly string[];
  /**
   * The changed files were staged by an earlier commit's `stageAlso`: commit them without `git add` (a file git
   * still does not know makes git refuse; it is then added and committed as usual).
   */
  readonly staged?: boolean;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a git call that takes the index lock, retrying with jittered backoff while another git process holds
 * `index.lock` (up to `waitMs`), then fails with GIT_INDEX_LOCKED naming the lock. The lock is never deleted.
 */
export async function withIndexRetry<T>(fn: () => Promise<T>, waitMs = 5000, sleep: (ms: number) => Promise<void> = realSleep): Promise<T> {
  let waited = 0;
  let delay = 50;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof WorkflowError) || err.code !== 'GIT_INDEX_LOCKED' || waited >= waitMs) throw err;
      const pause = Math.min(delay, waitMs - waited) * (0.5 + Math.random() / 2);
      await sleep(pause);
      waited += pause;
      delay = Math.min(delay * 1.6, 500);
    }
  }
}

/** The top level of the git work tree that holds the project root (the main checkout). */
export async function repoTopOf(project: ProjectContext, git: GitPort): Promise<string> {
  if (project.location !== null && path.resolve(project.root) === path.resolve(project.location.mainRoot)) return project.location.mainRoot;
  const loc = await git.locate(project.root);
  if (loc === null) {
    throw new WorkflowError('NOT_A_GIT_REPO', `Not in a git repository (${project.root}).`, {
      suggestions: ['Initialise git in the project (git init) and run the command again.'],
    });
  }
  return loc.topLevel;
}

/**
 * Commits exactly the given files (absolute paths) with `message`, when any of them differs from HEAD:
 * `git add` of those paths, then `git commit --only -- <paths>`. Whatever else the user staged, changed or
 * stashed is left exactly as it was; nothing is stashed. Retries on a contended `index.lock`.
 */
export async function commitFiles(
  git: GitPort,
  repoTop: string,
  projectRoot: string,
  files: readonly string[],
  message: string,
  options: CommitOptions = {},
): Promise<CommitResult> {
  const rel = (abs: string): string => path.relative(repoTop, abs).split(path.sep).join('/');
  const wanted = [...new Set(files.map(rel))];
  if (wanted.length === 0) return { commit_created: false, commit_hash: null, files_committed: [] };
  const also = [...new Set((options.stageAlso ?? []).map(rel))];
  const status = options.knownChanged === true ? null : (options.status ?? (await git.status(repoTop, [...wanted, ...also])));
  const changedOf = (list: readonly string[]): string[] =>
    status === null
      ? [...list].sort()
      : [...new Set(status.map((s) => s.path))].filter((p) => list.some((w) => p === w || p.startsWith(`${w}/`))).sort();
  const changed = changedOf(wanted);
  if (changed.length === 0) return { commit_created: false, commit_hash: null, files_committed: [] };
  const wait = options.lockWaitMs ?? 5000;
  let sha: string | null = null;
  if (options.knownChanged === true || options.staged === true) {
    // Files git already tracks need no `git add` before `git commit --only`; a new one makes git refuse, then add.
    try {
      sha = await withIndexRetry(() => git.commit(repoTop, message, changed), wait, options.sleep);
    } catch (err) {
      if (!(err instanceof WorkflowError) || !/did not match any file/.test(err.message))
        throw await explainCommitFailure(git, repoTop, err);
    }
  }
  if (sha === null) {
    const toAdd = [...new Set([...changed, ...(also.length === 0 || status === null ? [] : changedOf(also))])];
    await withIndexRetry(() => git.add(repoTop, toAdd, { force: options.force === true }), wait, options.sleep);
    try {
      sha = await withIndexRetry(() => git.commit(repoTop, message, changed), wait, options.sleep);
    } catch (err) {
      throw await explainCommitFailure(git, repoTop, err);
    }
  }
  const fromRoot = (p: string): string => path.relative(projectRoot, path.join(repoTop, p)).split(path.sep).join('/');
  return { commit_created: true, commit_hash: sha, files_committed: changed.map(fromRoot) };
}

const IDENTITY =
  /Please tell me who you are|Author identity unknown|Committer identity unknown|empty ident name|unable to auto-detect email address|no email was given/i;
const COMMIT_HOOKS = ['pre-commit', 'pre-merge-commit', 'prepare-commit-msg', 'commit-msg'];

/**
 * Turns a failed `git commit` into an error that names the cause and the fix: a missing git identity
 * (GIT_IDENTITY_MISSING, with the `git config` commands to run), a commit hook that refused it
 * (GIT_HOOK_REJECTED, with the hook's own output), else GIT_COMMIT_FAILED with git's message. Every message says
 * that the command's changes were put back (the caller's transaction does that before the error reaches the user).
 */
export async function explainCommitFailure(git: GitPort, repoTop: string, err: unknown): Promise<unknown> {
  if (!(err instanceof WorkflowError) || (err.code !== 'GIT_COMMIT_FAILED' && err.code !== 'GIT_FAILED')) return err;
  const text = err.message;
  const undone = 'Nothing was committed and the files and the index were put back as they were.';
  if (IDENTITY.test(text)) {
    return new WorkflowError(
      'GIT_IDENTITY_MISSING',
      `git does not know who you are (no user.name / user.email), so it refused the commit. ${undone}`,
      {
        suggestions: [
          'git config --global user.email "you@example.com"',
          'git config --global user.name "Your Name"',
          'Then run the command again.',
        ],
        details: { repo: repoTop, git_message: text },
        cause: err,
      },
    );
  }
  const hooksPath = await git.configGet(repoTop, 'core.hooksPath').catch(() => null);
  const loc = await git.locate(repoTop).catch(() => null);
  const hooksDir = hooksPath !== null ? path.resolve(repoTop, hooksPath) : loc === null ? null : path.join(loc.commonDir, 'hooks');
  const hook =
    hooksDir === null
      ? undefined
      : COMMIT_HOOKS.find((h) => {
          try {
            accessSync(path.join(hooksDir, h), constants.X_OK);
            return true;
          } catch {
            return false;
          }
        });
  if (hook !== undefined && hooksDir !== null) {
    const output = text.replace(/^git (?:commit|merge) .*? failed in [^:]*: /s, '');
    return new WorkflowError(
      'GIT_HOOK_REJECTED',
      `The git ${hook} hook (${path.join(hooksDir, hook)}) refused the commit: ${output.trim() || 'it exited non-zero without a message'}. ${undone}`,
      {
        suggestions: [`Fix what the ${hook} hook reports (run it yourself: ${path.join(hooksDir, hook)}), then run the command again.`],
        details: { repo: repoTop, hook: path.join(hooksDir, hook), git_message: text },
        cause: err,
      },
    );
  }
  if (err.code !== 'GIT_COMMIT_FAILED') return err;
  return new WorkflowError('GIT_COMMIT_FAILED', `${text} ${undone}`, {
    suggestions: [...err.suggestions],
    details: { ...err.details },
    cause: err,
  });
}
