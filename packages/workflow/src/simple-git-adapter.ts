import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { WorkflowError } from './errors.js';
import type { GitLocation, GitPort, StatusEntry } from './git-port.js';

/** Options of {@link createSimpleGitPort}. */
export interface SimpleGitPortOptions {
  /** The environment git runs with (the CLI passes its own); git prompts are always turned off. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The git executable; default `git`. */
  readonly binary?: string;
}

// Variables that would point git at another repository than the one we ask about.
const REPO_OVERRIDES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_PREFIX'];

// Every category simple-git guards; see the comment where it is used.
const TRUSTED = {
  allowUnsafeAlias: true,
  allowUnsafeAskPass: true,
  allowUnsafeCommandBinaries: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeEditor: true,
  allowUnsafeExec: true,
  allowUnsafeFilter: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeGitProxy: true,
  allowUnsafeGpgProgram: true,
  allowUnsafeHooksPath: true,
  allowUnsafeInclude: true,
  allowUnsafeMergeDriver: true,
  allowUnsafePack: true,
  allowUnsafePager: true,
  allowUnsafeProtocolOverride: true,
  allowUnsafeSshCommand: true,
  allowUnsafeSubmodule: true,
  allowUnsafeTemplateDir: true,
  allowUnsafeUrlRewrite: true,
} as const;

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

/**
 * The simple-git implementation of {@link GitPort}: the one place in `@kitty/workflow` that runs git. Every call
 * runs with `GIT_TERMINAL_PROMPT=0` and without repository overrides from the caller's environment.
 *
 * @example
 * const git = createSimpleGitPort({ env: process.env });
 * await git.currentBranch('/work/app'); // => 'main'
 */
export function createSimpleGitPort(options: SimpleGitPortOptions = {}): GitPort {
  const env = gitEnv(options.env ?? {});
  const open = (dir: string): SimpleGit =>
    simpleGit({
      baseDir: dir,
      binary: options.binary ?? 'git',
      maxConcurrentProcesses: 4,
      trimmed: false,
      // The environment is the user's own (as in their shell), and every argument is built here from
      // validated values, so simple-git's guards against untrusted input are lifted for it.
      allowEnvironment: Object.keys(env),
      unsafe: { ...TRUSTED, allowUnsafeCustomBinary: options.binary !== undefined },
    }).env(env);
  const raw = async (dir: string, args: readonly string[], commit = false): Promise<string> => {
    try {
      return await open(dir).raw([...args]);
    } catch (err) {
      throw classify(err, args, dir, commit);
    }
  };
  const rawOrNull = async (dir: string, args: readonly string[]): Promise<string | null> => {
    try {
      return await open(dir).raw([...args]);
    } catch (err) {
      const c = classify(err, args, dir);
      if (c.code === 'GIT_NOT_AVAILABLE') throw c;
      return null;
    }
  };

  return {
    async locate(cwd) {
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
      const out = await rawOrNull(dir, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
      const name = out?.trim() ?? '';
      return name === '' ? null : name;
    },
    async headCommit(dir) {
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
      const sha = (await raw(dir, ['rev-parse', 'HEAD'])).trim();
      return sha;
    },
  };
}
