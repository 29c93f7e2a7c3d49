import type * as ChildProcess from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { WorkflowError } from '../errors.js';
import {
  branchHeadsFromFiles,
  currentBranchFromFiles,
  executableOnPath,
  headCommitFromFiles,
  locateFromFiles,
  type GitFilesOptions,
} from './git-files.js';
import type { CommitInfo, GitLocation, GitPort, MergeOutcome, StatusEntry, WorktreeEntry } from './git-port.js';

/** Options of {@link createGitPort}. */
export interface GitPortOptions {
  /** The environment git runs with (the CLI passes its own); git prompts are always turned off. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The git executable; default `git`. */
  readonly binary?: string;
  /**
   * Answer the simple questions (where the repository is, the current branch, HEAD, branch heads) from git's
   * own files when the repository has the plain layout, and ask git otherwise (default true; never on Windows).
   */
  readonly readFiles?: boolean;
  /** The effective user id for git's ownership rule (default: this process's); files are only read in repositories it owns. */
  readonly uid?: number;
}

// Variables that would point git at another repository than the one we ask about.
const REPO_OVERRIDES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_PREFIX'];

const cut = (text: string, max = 400): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function gitEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && !REPO_OVERRIDES.includes(k)) out[k] = v;
  out['GIT_TERMINAL_PROMPT'] = '0';
  out['GIT_OPTIONAL_LOCKS'] = '0';
  out['LC_ALL'] = 'C';
  return out;
}

function classify(err: unknown, args: readonly string[], dir: string, commit = false): WorkflowError {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const text = String(e?.message ?? err).trim();
  const cmd = `git ${args.join(' ')}`;
  if (e?.code === 'ENOENT' || /spawn .*ENOENT/.test(text)) {
    return new WorkflowError('GIT_NOT_AVAILABLE', `Cannot run git (${cmd}): the git executable was not found.`, {
      suggestions: ['Install git and make sure it is on PATH, then run the command again.'],
      cause: err,
    });
  }
  const lock = /Unable to create '([^']*index\.lock)'/.exec(text);
  if (lock !== null) {
    return new WorkflowError('GIT_INDEX_LOCKED', `git index is locked: ${lock[1]} exists (${cmd}).`, {
      suggestions: [
        'Another git process is running in this repository; wait for it to finish and run the command again.',
        `If no git process is running, remove the stale lock yourself: rm "${lock[1]}"`,
      ],
      details: { lockPath: lock[1], dir },
      cause: err,
    });
  }
  return new WorkflowError(commit ? 'GIT_COMMIT_FAILED' : 'GIT_FAILED', `${cmd} failed in ${dir}: ${cut(text)}`, {
    suggestions: commit
      ? ['Check the git message above (missing user.name/user.email, a failing pre-commit hook, …), fix it and run the command again.']
      : ['Check the git message above and run the command again.'],
    details: { dir, args: [...args] },
    cause: err,
  });
}

function parseLog(out: string): CommitInfo[] {
  const commits: CommitInfo[] = [];
  for (const rec of out.split('\x1e')) {
    const [sha, ct, subject] = rec.replace(/^\n/, '').split('\0');
    if (sha === undefined || sha === '' || ct === undefined) continue;
    commits.push({ sha, subject: subject ?? '', time: new Date(Number(ct) * 1000) });
  }
  return commits;
}

/** At most this many git processes run at once for one port. */
const MAX_PROCESSES = 4;

/**
 * The implementation of {@link GitPort}: the one place in `@kitty/workflow` that runs git (as child processes,
 * no shell; node:child_process loads on the first one). Every call runs with `GIT_TERMINAL_PROMPT=0`, no
 * standard input, and without repository overrides from the caller's environment; any non-zero exit is a
 * failure carrying git's own message. Simple questions are answered from git's files where that is safe.
 *
 * @example
 * const git = createGitPort({ env }); // the environment, passed in by the CLI
 * await git.currentBranch('/work/app'); // => 'main'
 */
export function createGitPort(options: GitPortOptions = {}): GitPort {
  const env = gitEnv(options.env ?? {});
  const uid = options.uid ?? process.getuid?.();
  // Reading git's files is only done where the answer is known to be git's own (see git-files.ts), and only
  // when git is on PATH, so that a missing git is reported exactly as before.
  const mayRead = options.readFiles !== false && process.platform !== 'win32' && options.binary === undefined;
  let files: GitFilesOptions | null | undefined;
  const fromFiles = <T>(read: (o: GitFilesOptions) => T | undefined): T | undefined => {
    if (files === undefined) files = mayRead && uid !== undefined && executableOnPath('git', env) ? { env, uid } : null;
    return files === null ? undefined : read(files);
  };
  const binary = options.binary ?? 'git';
  // node:child_process loads on the first git call: commands answered from files never need it.
  let childProcess: Promise<typeof ChildProcess> | undefined;
  const limit = pLimit(MAX_PROCESSES);
  const run = (dir: string, args: readonly string[]): Promise<string> =>
    limit(async () => {
      // spawn reports a missing working directory as ENOENT, like a missing git; say what it is instead.
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory() !== true)
        throw new WorkflowError('GIT_FAILED', `the directory ${dir} does not exist`);
      const { spawn } = await (childProcess ??= import('node:child_process'));
      return await new Promise<string>((resolve, reject) => {
        const child = spawn(binary, [...args], { cwd: dir, env, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.stderr.on('data', (d: Buffer) => err.push(d));
        child.on('error', reject);
        child.on('close', (code, signal) => {
          if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
          else {
            const text = Buffer.concat([...err, ...out]).toString('utf8');
            reject(
              new Error(text.trim() !== '' ? text : `exited with ${code === null ? `signal ${signal ?? 'unknown'}` : `code ${code}`}`),
            );
          }
        });
      });
    });
  const raw = async (dir: string, args: readonly string[], commit = false): Promise<string> => {
    try {
      return await run(dir, args);
    } catch (err) {
      throw classify(err, args, dir, commit);
    }
  };
  const rawOrNull = async (dir: string, args: readonly string[]): Promise<string | null> => {
    try {
      return await run(dir, args);
    } catch (err) {
      const c = classify(err, args, dir);
      if (c.code === 'GIT_NOT_AVAILABLE') throw c;
      return null;
    }
  };

  // The commit a work tree's HEAD points at right after a commit: from its files, else `git rev-parse HEAD`.
  const newHead = async (dir: string): Promise<string> =>
    fromFiles((o) => headCommitFromFiles(dir, o)) ?? (await raw(dir, ['rev-parse', 'HEAD'])).trim();

  return {
    async locate(cwd) {
      const known = fromFiles((o) => locateFromFiles(cwd, o));
      if (known !== undefined) return known;
      const out = await rawOrNull(cwd, ['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-dir', '--git-common-dir']);
      if (out === null) return null;
      const [topLevel, gitDir, commonDir] = out.split('\n').map((l) => l.trim());
      if (!topLevel || !gitDir || !commonDir) return null;
      const linkedWorktree = path.resolve(gitDir) !== path.resolve(commonDir);
      let mainRoot = topLevel;
      if (linkedWorktree) {
        if (path.basename(commonDir) === '.git') mainRoot = path.dirname(commonDir);
        else {
          const list = await raw(cwd, ['worktree', 'list', '--porcelain']);
          const first = /^worktree (.+)$/m.exec(list);
          if (first?.[1] !== undefined) mainRoot = first[1];
        }
      }
      return { topLevel, gitDir, commonDir, mainRoot, linkedWorktree } satisfies GitLocation;
    },
    async init(dir) {
      await raw(dir, ['init', '--quiet']);
    },
    async currentBranch(dir) {
      const known = fromFiles((o) => currentBranchFromFiles(dir, o));
      if (known !== undefined) return known;
      const out = await rawOrNull(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      const name = out?.trim() ?? '';
      return name === '' ? null : name;
    },
    async showFile(dir, rev, file) {
      return rawOrNull(dir, ['show', `${rev}:./${file.split(path.sep).join('/')}`]);
    },
    async headCommit(dir) {
      const known = fromFiles((o) => headCommitFromFiles(dir, o));
      if (known !== undefined) return known;
      const out = await rawOrNull(dir, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
      const sha = out?.trim() ?? '';
      return sha === '' ? null : sha;
    },
    async remoteUrl(dir, remote) {
      const out = await rawOrNull(dir, ['remote', 'get-url', remote]);
      const url = out?.trim() ?? '';
      return url === '' ? null : url;
    },
    async status(dir, paths) {
      if (paths.length === 0) return [];
      const out = await raw(dir, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=no', '--', ...paths]);
      const entries: StatusEntry[] = [];
      const parts = out.split('\0');
      for (let i = 0; i < parts.length; i++) {
        const rec = parts[i] ?? '';
        if (rec.length < 4) continue;
        const index = rec[0] ?? ' ';
        const workTree = rec[1] ?? ' ';
        entries.push({ path: rec.slice(3), index, workTree });
        if (index === 'R' || index === 'C') i++; // the next record is the rename source
      }
      return entries;
    },
    async ignored(dir, paths) {
      if (paths.length === 0) return [];
      // check-ignore exits 1 when nothing is ignored; that is an answer, not a failure.
      const out = await rawOrNull(dir, ['check-ignore', '-z', '--', ...paths]);
      return out === null ? [] : out.split('\0').filter((p) => p !== '');
    },
    async add(dir, paths, opts = {}) {
      if (paths.length === 0) return;
      await raw(dir, ['add', ...(opts.force === true ? ['--force'] : []), '--', ...paths]);
    },
    async commit(dir, message, paths) {
      await raw(dir, ['commit', '--quiet', '--no-status', '-m', message, '--only', '--', ...paths], true);
      return newHead(dir);
    },
    async commitStaged(dir, message) {
      await raw(dir, ['commit', '--quiet', '--no-status', '--no-edit', '-m', message], true);
      return newHead(dir);
    },
    async unstage(dir, paths) {
      if (paths.length === 0) return;
      await raw(dir, ['reset', '--quiet', '--', ...paths]);
    },
    async updateRef(dir, ref, newSha, oldSha) {
      await raw(dir, newSha === null ? ['update-ref', '-d', ref, oldSha] : ['update-ref', ref, newSha, oldSha]);
    },
    async resetHard(dir, sha) {
      await raw(dir, ['reset', '--quiet', '--hard', sha]);
    },
    async configGet(dir, key) {
      const out = await rawOrNull(dir, ['config', '--get', key]);
      const v = out?.trim() ?? '';
      return v === '' ? null : v;
    },
    async branchHeads(dir, branches) {
      const out = new Map<string, string | null>(branches.map((b) => [b, null]));
      if (branches.length === 0) return out;
      const known = fromFiles((o) => branchHeadsFromFiles(dir, branches, o));
      if (known !== undefined) return known;
      const list = await raw(dir, ['for-each-ref', '--format=%(refname)%00%(objectname)', ...branches.map((b) => `refs/heads/${b}`)]);
      for (const line of list.split('\n')) {
        const [ref, sha] = line.split('\0');
        const name = ref?.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
        if (name !== undefined && out.has(name) && sha) out.set(name, sha.trim());
      }
      return out;
    },
    async resolveCommit(dir, ref) {
      const out = await rawOrNull(dir, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
      const sha = out?.trim() ?? '';
      return sha === '' ? null : sha;
    },
    async isAncestor(dir, ancestor, descendant) {
      // Commits of `ancestor` that `descendant` lacks: none means it is an ancestor.
      const out = await raw(dir, ['rev-list', '--count', `${descendant}..${ancestor}`]);
      return Number(out.trim()) === 0;
    },
    async mergeBase(dir, a, b) {
      const out = await rawOrNull(dir, ['merge-base', a, b]);
      const sha = out?.trim() ?? '';
      return sha === '' ? null : sha;
    },
    async countCommits(dir, range) {
      return Number((await raw(dir, ['rev-list', '--count', range])).trim());
    },
    async changedFiles(dir, range, paths = []) {
      const out = await raw(dir, ['diff', '--name-only', '-z', '--no-renames', range, '--', ...paths]);
      return out.split('\0').filter((p) => p !== '');
    },
    async ownCommits(dir, tip, exclude, paths = [], max = 1000) {
      const out = await raw(dir, [
        'log',
        '--no-merges',
        `--max-count=${Math.max(1, Math.floor(max))}`,
        '--format=%H%x00%ct%x00%s%x1e',
        tip,
        ...exclude.map((x) => `^${x}`),
        '--',
        ...paths,
      ]);
      return parseLog(out);
    },
    async log(dir, range, max) {
      const out = await raw(dir, ['log', `--max-count=${Math.max(1, Math.floor(max))}`, '--format=%H%x00%ct%x00%s%x1e', range, '--']);
      return parseLog(out);
    },
    async diff(dir, from, to, mode) {
      return raw(dir, ['diff', '--no-color', '--no-ext-diff', ...(mode === 'stat' ? ['--stat=200'] : []), from, to, '--']);
    },
    async worktrees(dir) {
      const out = await raw(dir, ['worktree', 'list', '--porcelain']);
      const entries: WorktreeEntry[] = [];
      for (const block of out.split(/\n\n+/)) {
        const lines = block.split('\n').filter((l) => l !== '');
        const wt = lines.find((l) => l.startsWith('worktree '));
        if (wt === undefined) continue;
        const head = lines.find((l) => l.startsWith('HEAD '))?.slice(5) ?? null;
        const branchRef = lines.find((l) => l.startsWith('branch '))?.slice(7) ?? null;
        entries.push({
          path: wt.slice('worktree '.length),
          head,
          branch: branchRef === null ? null : branchRef.replace(/^refs\/heads\//, ''),
          locked: lines.some((l) => l === 'locked' || l.startsWith('locked ')),
          prunable: lines.some((l) => l === 'prunable' || l.startsWith('prunable ')),
        });
      }
      return entries;
    },
    async worktreeAdd(dir, worktreePath, opts) {
      const args = ['worktree', 'add', '--quiet', ...(opts.noCheckout === true ? ['--no-checkout'] : [])];
      if (opts.newBranch) args.push('-b', opts.branch, '--', worktreePath, opts.base ?? 'HEAD');
      else args.push('--', worktreePath, opts.branch);
      await raw(dir, args);
    },
    async worktreeRemove(dir, worktreePath, opts = {}) {
      await raw(dir, ['worktree', 'remove', ...(opts.force === true ? ['--force'] : []), '--', worktreePath]);
    },
    async worktreePrune(dir) {
      await raw(dir, ['worktree', 'prune']);
    },
    async sparseCheckout(dir, patterns) {
      await raw(dir, ['sparse-checkout', 'set', '--no-cone', '--', ...patterns]);
      await raw(dir, ['read-tree', '-mu', 'HEAD']);
    },
    async checkoutHead(dir) {
      await raw(dir, ['read-tree', '-mu', 'HEAD']);
    },
    async merge(dir, ref, opts): Promise<MergeOutcome> {
      const args =
        opts.squash === true
          ? ['merge', '--squash', '--', ref]
          : ['merge', '--no-edit', ...(opts.noFf === true ? ['--no-ff'] : []), '-m', opts.message, '--', ref];
      try {
        const out = await run(dir, args);
        return { ok: true, conflicts: [], message: out.trim() };
      } catch (err) {
        const unmerged = await rawOrNull(dir, ['diff', '--name-only', '-z', '--diff-filter=U']);
        const conflicts = (unmerged ?? '').split('\0').filter((p) => p !== '');
        if (conflicts.length > 0) return { ok: false, conflicts, message: String((err as Error).message ?? err).trim() };
        throw classify(err, args, dir);
      }
    },
    async mergeAbort(dir) {
      await raw(dir, ['merge', '--abort']);
    },
    async deleteBranch(dir, branch, opts = {}) {
      await raw(dir, ['branch', opts.force === true ? '-D' : '-d', '--', branch]);
    },
    async push(dir, remote, branch) {
      await raw(dir, ['push', '--quiet', remote, branch]);
    },
    async remotes(dir) {
      const out = await rawOrNull(dir, ['remote']);
      return (out ?? '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '');
    },
  };
}
