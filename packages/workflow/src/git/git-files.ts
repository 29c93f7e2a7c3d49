import { accessSync, constants, lstatSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { GitLocation } from './git-port.js';

/**
 * @internal Repository facts read from git's own files (no git process): where a directory sits in git, what
 * HEAD names, and where local branches point. Used by the git adapter before it starts git. Every reader
 * answers only in the plain, common layout and returns `undefined` ("ask git") for anything else: another
 * user's repository (git's ownership check), `GIT_CEILING_DIRECTORIES`, a file-system boundary, `core.worktree`,
 * bare or reftable repositories, config includes, symlinked git files, symbolic or malformed refs, names that
 * `--short` would spell differently.
 */

/** What the readers need to decide whether git would see the same thing. */
export interface GitFilesOptions {
  /** The environment git runs with (repository overrides such as GIT_DIR already removed). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The effective user id; git refuses repositories owned by someone else, so those are left to git. */
  readonly uid: number;
}

const SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

const statOrNull = (p: string): Stats | null => {
  try {
    return statSync(p);
  } catch {
    return null;
  }
};

/** Reads a small text file; null when it does not exist (or is a directory), undefined on any other trouble. */
function readSmall(p: string): string | null | undefined {
  try {
    const st = lstatSync(p);
    if (st.isDirectory()) return null;
    if (!st.isFile() || st.size > 1024 * 1024) return undefined;
    return readFileSync(p, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? null : undefined;
  }
}

/**
 * Whether a config file leaves the layout alone: no `core.worktree`, not bare, no reftable, no includes, a
 * known repository format. Keys are matched anywhere (any section, also after `[section]` on the same line),
 * which can only make git be asked more often.
 */
function configIsPlain(text: string): boolean {
  const key = (name: string): RegExp => new RegExp(String.raw`(?:^|\])[ \t]*${name}[ \t]*(?:=|$|[#;])`, 'im');
  if (/^[ \t]*\[[ \t]*include/im.test(text) || /\][ \t]*\[[ \t]*include/im.test(text)) return false;
  if (key('worktree').test(text) || key('refstorage').test(text)) return false;
  const bare = /(?:^|\])[ \t]*bare[ \t]*(?:=[ \t]*([^\s#;]*))?/gim;
  for (const m of text.matchAll(bare)) if (!/^(?:false|no|off|0)$/i.test(m[1] ?? '')) return false;
  const version = /(?:^|\])[ \t]*repositoryformatversion[ \t]*=[ \t]*([^\s#;]*)/gim;
  for (const m of text.matchAll(version)) if (m[1] !== '0' && m[1] !== '1') return false;
  return true;
}

const worktreeConfigOn = (text: string): boolean =>
  /(?:^|\])[ \t]*worktreeconfig[ \t]*(?:=[ \t]*(?!false\b|no\b|off\b|0\b)|$)/im.test(text);

/** The git dir's config (and the worktree's own config when enabled) allow reading files directly. */
function layoutIsPlain(gitDir: string, commonDir: string): boolean {
  const config = readSmall(path.join(commonDir, 'config'));
  if (config === undefined) return false;
  if (config === null) return true;
  if (!configIsPlain(config)) return false;
  if (!worktreeConfigOn(config)) return true;
  const own = readSmall(path.join(gitDir, 'config.worktree'));
  return own === null || (own !== undefined && configIsPlain(own));
}

/** What git checks before it calls a directory a git dir: a HEAD file, and objects/ and refs/ in the common dir. */
function looksLikeGitDir(gitDir: string, commonDir: string): boolean {
  try {
    const head = lstatSync(path.join(gitDir, 'HEAD'));
    return head.isFile() && statSync(path.join(commonDir, 'objects')).isDirectory() && statSync(path.join(commonDir, 'refs')).isDirectory();
  } catch {
    return false;
  }
}

const ownedBy = (uid: number, ...paths: string[]): boolean => paths.every((p) => statOrNull(p)?.uid === uid);

function fromGitDir(top: string, gitDir: string, options: GitFilesOptions): GitLocation | undefined {
  if (readSmall(path.join(gitDir, 'commondir')) !== null) return undefined;
  if (!looksLikeGitDir(gitDir, gitDir) || !layoutIsPlain(gitDir, gitDir) || !ownedBy(options.uid, top, gitDir)) return undefined;
  return { topLevel: top, gitDir, commonDir: gitDir, mainRoot: top, linkedWorktree: false };
}

function fromGitFile(top: string, file: string, options: GitFilesOptions): GitLocation | undefined {
  const text = readSmall(file);
  // git takes everything after "gitdir: " up to the trailing line break as the path.
  const m = text === null || text === undefined ? null : /^gitdir: ([^\r\n]+)[\r\n]*$/.exec(text);
  if (m === null) return undefined;
  let gitDir: string;
  let commonDir: string;
  try {
    gitDir = realpathSync(path.resolve(top, m[1] as string));
    const common = readSmall(path.join(gitDir, 'commondir'));
    if (common === undefined) return undefined;
    commonDir = common === null ? gitDir : realpathSync(path.resolve(gitDir, common.replace(/[\r\n]+$/, '')));
  } catch {
    return undefined;
  }
  if (!looksLikeGitDir(gitDir, commonDir) || !layoutIsPlain(gitDir, commonDir) || !ownedBy(options.uid, top, file, gitDir, commonDir))
    return undefined;
  const linkedWorktree = gitDir !== commonDir;
  // The main checkout of a repository whose common dir is not a `.git` directory is only known to git.
  if (linkedWorktree && path.basename(commonDir) !== '.git') return undefined;
  return { topLevel: top, gitDir, commonDir, mainRoot: linkedWorktree ? path.dirname(commonDir) : top, linkedWorktree };
}

/**
 * Finds the repository around `cwd` as `git rev-parse --show-toplevel --git-dir --git-common-dir` would (real
 * paths): null when there is none, undefined when git must decide.
 */
export function locateFromFiles(cwd: string, options: GitFilesOptions): GitLocation | null | undefined {
  if ((options.env['GIT_CEILING_DIRECTORIES'] ?? '') !== '') return undefined;
  if (options.uid === 0 && (options.env['SUDO_UID'] ?? '') !== '') return undefined;
  let dir: string;
  try {
    dir = realpathSync(cwd);
  } catch {
    return undefined;
  }
  // Inside a git dir, git answers differently (no work tree).
  if (dir.split(path.sep).includes('.git')) return undefined;
  const dev = statOrNull(dir)?.dev;
  if (dev === undefined) return undefined;
  for (;;) {
    const dotGit = path.join(dir, '.git');
    let st: Stats | null = null;
    try {
      st = lstatSync(dotGit);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (st !== null) {
      if (st.isDirectory()) return fromGitDir(dir, dotGit, options);
      if (st.isFile()) return fromGitFile(dir, dotGit, options);
      return undefined;
    }
    // A directory that is itself a git dir (a bare repository) is for git to judge.
    if (statOrNull(path.join(dir, 'HEAD')) !== null) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    // git stops at a file-system boundary unless told otherwise; leave that to it.
    if (statOrNull(parent)?.dev !== dev) return undefined;
    dir = parent;
  }
}

/** A ref name as git accepts it (check-ref-format), conservatively. */
function validRefName(name: string): boolean {
  // eslint-disable-next-line no-control-regex -- git refuses ref names with control characters (check-ref-format)
  if (name === '' || name.length > 1000 || /[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\.lock$|\.$|\/$/.test(name)) return false;
  return name.split('/').every((c) => c !== '' && !c.startsWith('.') && !c.endsWith('.lock'));
}

/** HEAD of a work tree's git dir: the branch ref it names, a detached commit, or undefined (anything else). */
function readHead(gitDir: string): { readonly ref: string } | { readonly sha: string } | undefined {
  const text = readSmall(path.join(gitDir, 'HEAD'));
  if (text === null || text === undefined) return undefined;
  const line = text.replace(/\r?\n$/, '');
  if (line.includes('\n')) return undefined;
  const sym = /^ref: (refs\/heads\/.+)$/.exec(line);
  if (sym !== null) return validRefName(sym[1] as string) ? { ref: sym[1] as string } : undefined;
  return SHA.test(line) ? { sha: line } : undefined;
}

/** `packed-refs` of a common dir as a map (null when there is none), undefined when unreadable or unusual. */
function packedRefs(commonDir: string): Map<string, string> | null | undefined {
  const text = readSmall(path.join(commonDir, 'packed-refs'));
  if (text === null || text === undefined) return text;
  const refs = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#') || line.startsWith('^')) continue;
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (\S+)\r?$/.exec(line);
    if (m === null) return undefined;
    refs.set(m[2] as string, m[1] as string);
  }
  return refs;
}

/** Where a ref points: its loose file wins over packed-refs; null when it does not exist; undefined to ask git. */
function resolveRef(commonDir: string, ref: string, packed: () => Map<string, string> | null | undefined): string | null | undefined {
  const loose = readSmall(path.join(commonDir, ...ref.split('/')));
  if (loose === undefined) return undefined;
  if (loose !== null) {
    const sha = loose.replace(/\r?\n$/, '');
    return SHA.test(sha) ? sha : undefined;
  }
  const p = packed();
  if (p === undefined) return undefined;
  return p?.get(ref) ?? null;
}

/** Whether any file, directory or packed entry could make git see `ref` as existing. */
function mightExist(gitDir: string, commonDir: string, ref: string, packed: () => Map<string, string> | null | undefined): boolean {
  if (statOrNull(path.join(gitDir, ...ref.split('/'))) !== null || statOrNull(path.join(commonDir, ...ref.split('/'))) !== null)
    return true;
  const p = packed();
  return p === undefined || (p?.has(ref) ?? false);
}

function memo<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

/**
 * The checked-out branch of the work tree around `dir` as `git symbolic-ref --quiet --short HEAD` prints it:
 * null on a detached HEAD, undefined when git must answer (including a short name another ref would shadow,
 * where git prints `heads/<name>`).
 */
export function currentBranchFromFiles(dir: string, options: GitFilesOptions): string | null | undefined {
  const found = locateFromFiles(dir, options);
  if (found === null || found === undefined) return undefined;
  const { gitDir, commonDir } = found;
  const head = readHead(gitDir);
  if (head === undefined) return undefined;
  if ('sha' in head) return null;
  const short = head.ref.slice('refs/heads/'.length);
  const packed = memo(() => packedRefs(commonDir));
  for (const shadow of [short, `refs/${short}`, `refs/tags/${short}`]) if (mightExist(gitDir, commonDir, shadow, packed)) return undefined;
  return short;
}

/**
 * The commit HEAD of the work tree around `dir` points at, as `git rev-parse --verify HEAD^{commit}`: null in
 * a repository without commits (an unborn branch), undefined when git must answer.
 */
export function headCommitFromFiles(dir: string, options: GitFilesOptions): string | null | undefined {
  const found = locateFromFiles(dir, options);
  if (found === null || found === undefined) return undefined;
  const { gitDir, commonDir } = found;
  const head = readHead(gitDir);
  if (head === undefined) return undefined;
  if ('sha' in head) return head.sha;
  return resolveRef(
    commonDir,
    head.ref,
    memo(() => packedRefs(commonDir)),
  );
}

/**
 * Where local branches point (null for one that does not exist), as `git for-each-ref refs/heads/<b>…` would
 * report them; undefined when git must answer for any of them.
 */
export function branchHeadsFromFiles(
  dir: string,
  branches: readonly string[],
  options: GitFilesOptions,
): Map<string, string | null> | undefined {
  const found = locateFromFiles(dir, options);
  if (found === null || found === undefined) return undefined;
  const { commonDir } = found;
  const packed = memo(() => packedRefs(commonDir));
  const out = new Map<string, string | null>();
  for (const b of branches) {
    const ref = `refs/heads/${b}`;
    if (!validRefName(ref)) return undefined;
    const sha = resolveRef(commonDir, ref, packed);
    if (sha === undefined) return undefined;
    out.set(b, sha);
  }
  return out;
}

/**
 * Whether `name` would be found on `PATH` as an executable file, as the process spawn that runs git looks it up:
 * answers from files are only given when git itself could run (otherwise every call fails as "git not found").
 */
export function executableOnPath(name: string, env: Readonly<Record<string, string | undefined>>): boolean {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.resolve(dir, name);
    try {
      if (!statSync(p).isFile()) continue;
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}
