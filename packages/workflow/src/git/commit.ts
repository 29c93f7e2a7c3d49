import path from 'node:path';
import { WorkflowError } from '../errors.js';
import type { GitPort } from './git-port.js';
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
export async function commitFiles(git: GitPort, repoTop: string, projectRoot: string, files: readonly string[], message: string, options: CommitOptions = {}): Promise<CommitResult> {
  const rel = (abs: string): string => path.relative(repoTop, abs).split(path.sep).join('/');
  const wanted = [...new Set(files.map(rel))];
  if (wanted.length === 0) return { commit_created: false, commit_hash: null, files_committed: [] };
  const status = options.knownChanged === true ? null : await git.status(repoTop, wanted);
  const changed = status === null ? [...wanted].sort() : [...new Set(status.map((s) => s.path))].filter((p) => wanted.some((w) => p === w || p.startsWith(`${w}/`))).sort();
  if (changed.length === 0) return { commit_created: false, commit_hash: null, files_committed: [] };
  const wait = options.lockWaitMs ?? 5000;
  let sha: string | null = null;
  if (options.knownChanged === true) {
    // Files git already tracks need no `git add` before `git commit --only`; a new one makes git refuse, then add.
    try {
      sha = await withIndexRetry(() => git.commit(repoTop, message, changed), wait, options.sleep);
    } catch (err) {
      if (!(err instanceof WorkflowError) || !/did not match any file/.test(err.message)) throw err;
    }
  }
  if (sha === null) {
    await withIndexRetry(() => git.add(repoTop, changed, { force: options.force === true }), wait, options.sleep);
    sha = await withIndexRetry(() => git.commit(repoTop, message, changed), wait, options.sleep);
  }
  const fromRoot = (p: string): string => path.relative(projectRoot, path.join(repoTop, p)).split(path.sep).join('/');
  return { commit_created: true, commit_hash: sha, files_committed: changed.map(fromRoot) };
}
