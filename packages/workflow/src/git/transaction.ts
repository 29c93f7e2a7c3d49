import { randomBytes } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { isProcessAlive, removeAtomicTemps, writeFileAtomic } from '@kitty/io';
import { WorkflowError } from '../errors.js';
import type { CommitResult } from './commit.js';
import type { GitPort } from './git-port.js';
import type { WorkflowEnv } from '../ports.js';
import type { ProjectContext } from '../project/project.js';
import { scratchDir } from '../project/scratch.js';

/**
 * One write → stage → commit → undo path for every command that writes and commits (ADR 0014).
 *
 * A transaction keeps a write-ahead journal in `<git-common-dir>/spec-kitty/tx/<id>.json`: before a file is
 * written its prior content (or absence) is copied next to the journal; before the first `git add` the index
 * file and the branch head are recorded; before each commit its message and parent. Any failure (a refused
 * commit, a hook, a missing identity, an exception, an interrupt seen at a check point) puts every file, the
 * index and the branch back exactly, removes what was created (files, directories, worktrees, branches) and
 * deletes the journal. Success deletes the journal (the commit point). A journal whose process is gone (SIGKILL)
 * is rolled back by the next transaction in the repository, before it does anything — or kept, when its last
 * commit had completed.
 */

/** What a transaction needs. */
export interface TransactionContext {
  readonly git: GitPort;
  /** The work tree the commits happen in (the main checkout). */
  readonly repoTop: string;
  /** `<git-common-dir>/spec-kitty`: where the journal lives. */
  readonly scratch: string;
  /** The command, for the journal and messages (`agent tasks move-task`). */
  readonly command: string;
  readonly now: () => Date;
  /** Aborted on SIGINT/SIGTERM: checked before every write and before each commit; a commit in flight finishes. */
  readonly signal?: AbortSignal | undefined;
  /** Notes for the user (a leftover transaction rolled back). */
  readonly onNote?: (note: string) => void;
  readonly pid?: number;
  readonly host?: string;
}

interface FileEntry {
  readonly path: string;
  readonly existed: boolean;
  /** The copy of the prior content in the journal directory. */
  readonly backup: string | null;
  readonly mode: number | null;
  /** For a file only appended to (the status log): its size before; a rollback truncates it back. */
  readonly size?: number;
}

interface CommitEntry {
  readonly message: string;
  readonly parent: string | null;
  sha: string | null;
  readonly final: boolean;
}

interface Journal {
  readonly version: 1;
  readonly id: string;
  readonly pid: number;
  readonly host: string;
  readonly command: string;
  readonly started_at: string;
  readonly repo_top: string;
  /** The git common dir (worktree records live in its `worktrees/`). */
  readonly common_dir: string;
  files: FileEntry[];
  /** Directories this transaction created (top-most first); removed on rollback when empty. */
  dirs: string[];
  /** A `.git` directory created by `init`, removed on rollback. */
  git_dir_created: string | null;
  worktrees: Array<{ readonly path: string; readonly branch: string; readonly new_branch: boolean }>;
  /** Work trees whose branch this transaction moves by merging: reset hard to `sha` on rollback. */
  resets: Array<{ readonly dir: string; readonly sha: string }>;
  index: { readonly path: string; readonly existed: boolean; readonly backup: string | null } | null;
  head: { readonly ref: string | null; readonly sha: string | null } | null;
  commits: CommitEntry[];
}

const JOURNAL_DIR = 'tx';

/** Where the journals of a repository live. */
export function journalDir(scratch: string): string {
  return path.join(scratch, JOURNAL_DIR);
}

function interrupted(command: string, signal: AbortSignal | undefined, state: string): WorkflowError {
  const reason = typeof signal?.reason === 'string' ? signal.reason : 'an interrupt';
  return new WorkflowError('INTERRUPTED', `${command} was interrupted (${reason}). ${state}`, {
    suggestions: ['Check with git status; then run the command again if you still want the change.'],
    details: { signal: reason, repository_state: 'unchanged' },
  });
}

/** A running transaction (see the module comment). */
export class Transaction {
  private readonly journal: Journal;
  private readonly file: string;
  private readonly dir: string;
  private seq = 0;
  private readonly undos: Array<() => Promise<void>> = [];
  private deferInterrupt = false;
  private kept = false;

  constructor(private readonly ctx: TransactionContext) {
    const pid = ctx.pid ?? process.pid;
    const id = `${pid}-${randomBytes(4).toString('hex')}`;
    this.dir = path.join(journalDir(ctx.scratch), id);
    this.file = `${this.dir}.json`;
    this.journal = {
      version: 1,
      id,
      pid,
      host: ctx.host ?? hostname(),
      command: ctx.command,
      started_at: ctx.now().toISOString(),
      repo_top: ctx.repoTop,
      common_dir: path.dirname(path.resolve(ctx.scratch)),
      files: [],
      dirs: [],
      git_dir_created: null,
      worktrees: [],
      resets: [],
      index: null,
      head: null,
      commits: [],
    };
  }

  private indexCopied = false;

  /**
   * Records where the index is and what the branch points at (runTransaction calls it first). The index itself is
   * copied with the first journal write, before anything is staged.
   */
  async begin(): Promise<void> {
    const { git, repoTop } = this.ctx;
    if (!existsSync(repoTop)) return;
    const loc = await git.locate(repoTop);
    const indexPath = path.join(loc?.gitDir ?? path.join(repoTop, '.git'), 'index');
    const branch = await git.currentBranch(repoTop);
    this.journal.index = { path: indexPath, existed: existsSync(indexPath), backup: null };
    this.journal.head = { ref: branch === null ? null : `refs/heads/${branch}`, sha: await git.headCommit(repoTop) };
  }

  private snapshotIndex(): void {
    if (this.indexCopied || this.journal.index === null) return;
    this.indexCopied = true;
    const idx = this.journal.index;
    if (!existsSync(idx.path)) {
      this.journal.index = { ...idx, existed: false, backup: null };
      return;
    }
    mkdirSync(this.dir, { recursive: true });
    const backup = path.join(this.dir, 'index');
    copyFileSync(idx.path, backup);
    this.journal.index = { ...idx, existed: true, backup };
  }

  private save(): void {
    this.snapshotIndex();
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.file, `${JSON.stringify(this.journal, null, 1)}\n`, { syncDir: false });
  }

  /** Throws INTERRUPTED (after the caller's rollback) when the signal fired; a commit in flight is never cut. */
  checkpoint(): void {
    if (this.ctx.signal?.aborted === true && !this.deferInterrupt)
      throw interrupted(this.ctx.command, this.ctx.signal, 'Nothing it had written was kept: the repository is as it was before.');
  }

  /**
   * Records the prior state of `files` (content and mode, or absence, and the top-most directory the write will
   * create) before the caller writes them. Files already recorded keep their first state.
   */
  track(files: readonly string[]): void {
    this.checkpoint();
    let changed = false;
    for (const f of files.map((x) => path.resolve(x))) {
      if (this.journal.files.some((e) => e.path === f)) continue;
      let st;
      try {
        st = lstatSync(f);
      } catch {
        st = null;
      }
      if (st !== null && st.isFile()) {
        mkdirSync(this.dir, { recursive: true });
        const backup = path.join(this.dir, String(++this.seq));
        copyFileSync(f, backup);
        this.journal.files.push({ path: f, existed: true, backup, mode: st.mode & 0o7777 });
      } else {
        this.journal.files.push({ path: f, existed: false, backup: null, mode: null });
        this.noteCreatedDir(path.dirname(f));
      }
      changed = true;
    }
    if (changed) this.save();
  }

  /**
   * Records the size of a file the caller only appends to (the status log), which is cheaper than a copy; a
   * rollback cuts it back to that size (or removes it when it did not exist).
   */
  trackAppend(file: string): void {
    this.checkpoint();
    const f = path.resolve(file);
    if (this.journal.files.some((e) => e.path === f)) return;
    let size: number | null = null;
    try {
      const st = lstatSync(f);
      if (st.isFile()) size = st.size;
    } catch {
      size = null;
    }
    if (size === null) {
      this.journal.files.push({ path: f, existed: false, backup: null, mode: null });
      this.noteCreatedDir(path.dirname(f));
    } else this.journal.files.push({ path: f, existed: true, backup: null, mode: null, size });
    this.save();
  }

  /** Creates `dir` (and parents), recording the top-most directory it created. */
  mkdir(dir: string): void {
    this.checkpoint();
    if (this.noteCreatedDir(path.resolve(dir))) this.save();
    mkdirSync(dir, { recursive: true });
  }

  /** Records that `dir` (and what is below it) did not exist before this transaction. */
  createdDir(dir: string): void {
    if (!this.journal.dirs.includes(path.resolve(dir))) {
      this.journal.dirs.push(path.resolve(dir));
      this.save();
    }
  }

  /** Records a `.git` directory `git init` made for this transaction (init): a rollback removes it. */
  createdGitDir(gitDir: string): void {
    this.journal.git_dir_created = path.resolve(gitDir);
    this.save();
  }

  private noteCreatedDir(dir: string): boolean {
    let top: string | null = null;
    let cur = dir;
    while (!existsSync(cur)) {
      top = cur;
      const parent = path.dirname(cur);
      if (parent === cur) break;
      cur = parent;
    }
    if (top === null || this.journal.dirs.some((d) => top === d || top.startsWith(d + path.sep))) return false;
    this.journal.dirs.push(top);
    return true;
  }

  /** Records a worktree (and branch) about to be created, so a rollback (or the next command) removes it. */
  worktree(worktreePath: string, branch: string, newBranch: boolean): void {
    this.checkpoint();
    this.journal.worktrees.push({ path: path.resolve(worktreePath), branch, new_branch: newBranch });
    this.noteCreatedDir(path.dirname(path.resolve(worktreePath)));
    this.save();
  }

  /**
   * Records the commit the work tree at `dir` has checked out before this transaction merges into it; a rollback
   * aborts a merge in progress there and resets it hard to that commit (merge checks the tree is clean first).
   */
  async mergesInto(dir: string): Promise<void> {
    this.checkpoint();
    const sha = await this.ctx.git.resolveCommit(dir, 'HEAD');
    if (sha === null) return;
    this.journal.resets.push({ dir: path.resolve(dir), sha });
    this.save();
  }

  /** Keeps what was done so far even though the caller throws (a merge stopped on conflicts, to be resumed). */
  keep(): void {
    this.kept = true;
  }

  /** Whether {@link Transaction.keep} was called. */
  get isKept(): boolean {
    return this.kept;
  }

  /** Registers an extra undo step for this process (run in reverse order on rollback). */
  onUndo(fn: () => Promise<void>): void {
    this.undos.push(fn);
  }

  /**
   * Stages and commits through `run` (which calls commitFiles): before the first one the index and the branch
   * head are recorded; the journal names the commit before it runs. The interrupt is checked first and then
   * deferred until the commit is done. `final: false` for a commit that is followed by more work.
   */
  async commit(message: string, run: () => Promise<CommitResult>, options: { readonly final?: boolean } = {}): Promise<CommitResult> {
    this.checkpoint();
    if (this.journal.index === null) await this.begin();
    this.snapshotIndex();
    const last = this.journal.commits[this.journal.commits.length - 1];
    const entry: CommitEntry = { message, parent: last?.sha ?? this.journal.head?.sha ?? null, sha: null, final: options.final !== false };
    this.journal.commits.push(entry);
    this.save();
    this.checkpoint();
    this.deferInterrupt = true;
    try {
      const result = await run();
      entry.sha = result.commit_hash;
      if (result.commit_hash === null) this.journal.commits.pop();
      this.save();
      return result;
    } finally {
      this.deferInterrupt = false;
    }
  }

  /** The commit point: the journal and its copies are deleted; afterwards nothing is rolled back. */
  finish(): void {
    for (const f of this.journal.files) removeAtomicTemps(f.path);
    rmSync(this.file, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Puts everything back (see the module comment) and deletes the journal. Never throws; returns problems. */
  async rollback(): Promise<string[]> {
    const problems: string[] = [];
    for (const fn of [...this.undos].reverse()) {
      try {
        await fn();
      } catch (err) {
        problems.push((err as Error).message);
      }
    }
    problems.push(...(await undoJournal(this.ctx.git, this.journal)));
    rmSync(this.file, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
    return problems;
  }
}

/** Puts back what a journal records; returns what could not be undone. */
async function undoJournal(git: GitPort, j: Journal): Promise<string[]> {
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<void> | void): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      problems.push(`${what}: ${((err as Error).message ?? String(err)).split('\n')[0]}`);
    }
  };
  const top = j.repo_top;
  for (const r of [...(j.resets ?? [])].reverse()) {
    if (!existsSync(r.dir)) continue;
    await attempt(`reset ${r.dir} to ${r.sha.slice(0, 7)}`, async () => {
      await git.mergeAbort(r.dir).catch(() => undefined);
      await git.resetHard(r.dir, r.sha);
    });
  }
  if (j.head !== null && j.head.ref !== null && j.commits.length > 0 && existsSync(top)) {
    const ref = j.head.ref;
    await attempt(`reset ${ref}`, async () => {
      const current = await git.resolveCommit(top, ref);
      const ours = new Set(j.commits.map((c) => c.sha).filter((s): s is string => s !== null));
      const pending = j.commits.find((c) => c.sha === null);
      let mine = current !== null && ours.has(current);
      if (!mine && current !== null && pending !== undefined && current !== j.head?.sha) {
        // A commit that was running when the process died: ours when its parent and subject match.
        const [info] = await git.log(top, current, 1);
        const parent = await git.resolveCommit(top, `${current}^`);
        mine = info !== undefined && info.subject === pending.message.split('\n')[0] && parent === pending.parent;
      }
      if (mine && current !== null) await git.updateRef(top, ref, j.head?.sha ?? null, current);
    });
  }
  if (j.index !== null) {
    const idx = j.index;
    await attempt('restore the git index', () => {
      if (idx.backup !== null && existsSync(idx.backup)) {
        // Unchanged (nothing was staged, e.g. another git process held index.lock): leave it alone.
        if (existsSync(idx.path) && readFileSync(idx.path).equals(readFileSync(idx.backup))) return;
        // git's own protocol: write index.lock, rename it over the index.
        const lock = `${idx.path}.lock`;
        copyFileSync(idx.backup, lock, 1 /* COPYFILE_EXCL */);
        renameSync(lock, idx.path);
      } else if (!idx.existed) rmSync(idx.path, { force: true });
    });
  }
  for (const f of [...j.files].reverse()) {
    await attempt(`restore ${f.path}`, () => {
      if (f.existed && f.size !== undefined) {
        if (existsSync(f.path)) truncateSync(f.path, f.size);
      } else if (f.existed && f.backup !== null) {
        writeFileAtomic(f.path, readFileSync(f.backup), { ...(f.mode === null ? {} : { mode: f.mode }), syncDir: false });
      } else if (existsSync(f.path) && lstatSync(f.path).isFile()) unlinkSync(f.path);
      removeAtomicTemps(f.path);
    });
  }
  for (const w of [...j.worktrees].reverse()) {
    await attempt(`remove the worktree ${w.path}`, async () => {
      if (existsSync(w.path)) await git.worktreeRemove(top, w.path, { force: true }).catch(() => undefined);
      rmSync(w.path, { recursive: true, force: true });
      // git's record of it: a `git worktree add` killed half-way leaves it locked ("initializing"), which prune keeps.
      const records = path.join(j.common_dir ?? path.join(top, '.git'), 'worktrees');
      for (const name of existsSync(records) ? readdirSync(records) : []) {
        try {
          const gitdir = readFileSync(path.join(records, name, 'gitdir'), 'utf8').trim();
          if (path.resolve(path.dirname(gitdir)) === w.path) rmSync(path.join(records, name), { recursive: true, force: true });
        } catch {
          // not a worktree record
        }
      }
      await git.worktreePrune(top).catch(() => undefined);
    });
    if (w.new_branch)
      await attempt(`delete the branch ${w.branch}`, () => git.deleteBranch(top, w.branch, { force: true }).catch(() => undefined));
  }
  if (j.git_dir_created !== null) {
    const g = j.git_dir_created;
    await attempt(`remove ${g}`, () => rmSync(g, { recursive: true, force: true }));
  }
  for (const d of [...j.dirs].reverse()) await attempt(`remove ${d}`, () => removeEmptyTree(d));
  return problems;
}

/** Removes `dir` when it holds nothing but empty directories (what a rollback left). */
function removeEmptyTree(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  for (const name of readdirSync(dir)) removeEmptyTree(path.join(dir, name));
  if (readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Options of {@link recoverTransactions}. */
export interface RecoverOptions {
  readonly git: GitPort;
  readonly scratch: string;
  readonly pid?: number;
  readonly host?: string;
}

/** Whether parsed JSON has the fields recovery reads (a file of another version or a damaged one has not). */
function isJournal(j: unknown): j is Journal {
  const o = j as Partial<Record<keyof Journal, unknown>> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.id === 'string' &&
    typeof o.pid === 'number' &&
    typeof o.host === 'string' &&
    typeof o.repo_top === 'string' &&
    Array.isArray(o.files) &&
    Array.isArray(o.dirs) &&
    Array.isArray(o.commits) &&
    Array.isArray(o.worktrees)
  );
}

/**
 * A git commit the dead command was running (its journal names a commit without a result) was killed with it and
 * left `index.lock` behind: git's own lock of a process that is gone. Removed, so the index can be repaired.
 */
function removeDeadCommitLock(j: Journal, notes: string[]): void {
  if (j.index === null || !j.commits.some((c) => c.sha === null)) return;
  const lock = `${j.index.path}.lock`;
  if (!existsSync(lock)) return;
  rmSync(lock, { force: true });
  notes.push(`Removed ${lock}, left by the git commit of the stopped ${j.command}.`);
}

/**
 * Finds journals of transactions whose process is gone (killed with SIGKILL, crashed) and finishes them: rolled
 * back, or kept when their final commit had completed. Returns a note for each. Journals of live processes, and
 * of other machines, are left alone. Two commands recovering at once: the one that renames the journal first
 * does it.
 */
export async function recoverTransactions(options: RecoverOptions): Promise<string[]> {
  const dir = journalDir(options.scratch);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const host = options.host ?? hostname();
  const me = options.pid ?? process.pid;
  const notes: string[] = [];
  for (const name of names) {
    const m = /^(\d+)-([0-9a-f]+)\.json(?:\.recovering-(\d+))?$/.exec(name);
    if (m === null) continue;
    const file = path.join(dir, name);
    let j: Journal;
    try {
      j = JSON.parse(readFileSync(file, 'utf8')) as Journal;
    } catch {
      continue; // torn by a crash while it was first written: it recorded nothing yet that needs undoing
    }
    if (!isJournal(j)) {
      notes.push(
        `Left ${file} alone: it is not a journal this version of spec-kitty wrote (fields missing); remove it once no command runs.`,
      );
      continue;
    }
    const holder = m[3] !== undefined ? Number(m[3]) : j.pid;
    if (j.host !== host || holder === me || isProcessAlive(holder)) continue;
    const claimed = path.join(dir, `${j.id}.json.recovering-${me}`);
    try {
      renameSync(file, claimed);
    } catch {
      continue; // another command is recovering it
    }
    const backups = path.join(dir, j.id);
    removeDeadCommitLock(j, notes);
    const last = j.commits[j.commits.length - 1];
    let kept = false;
    if (last !== undefined && last.final && j.head?.ref !== null && j.head?.ref !== undefined && existsSync(j.repo_top)) {
      const current = await options.git.resolveCommit(j.repo_top, j.head.ref).catch(() => null);
      if (last.sha !== null) kept = current === last.sha;
      else if (current !== null && current !== last.parent) {
        const [info] = await options.git.log(j.repo_top, current, 1).catch(() => []);
        const parent = await options.git.resolveCommit(j.repo_top, `${current}^`).catch(() => null);
        kept = info !== undefined && info.subject === last.message.split('\n')[0] && parent === last.parent;
      }
    }
    if (kept) {
      for (const f of j.files) removeAtomicTemps(f.path);
      // git may have been killed after moving the branch but before writing the index: make the index entries of
      // the committed files match the commit again (the files themselves already do).
      const inRepo = j.files
        .map((f) => path.relative(j.repo_top, f.path))
        .filter((r) => r !== '' && !r.startsWith('..') && !path.isAbsolute(r) && r.split(path.sep)[0] !== '.git');
      await options.git
        .unstage(
          j.repo_top,
          inRepo.map((r) => r.split(path.sep).join('/')),
        )
        .catch(() => undefined);
      notes.push(
        `A previous ${j.command} (process ${j.pid}, started ${j.started_at}) was stopped right after its commit; its commit is kept.`,
      );
    } else {
      const problems = await undoJournal(options.git, j);
      notes.push(
        `Rolled back an interrupted ${j.command} (process ${j.pid}, started ${j.started_at}, no longer running): ${j.files.length} file(s) restored${j.commits.some((c) => c.sha !== null) ? ', its commits undone' : ''}${j.worktrees.length > 0 ? ', its workspace removed' : ''}.` +
          (problems.length > 0 ? ` Could not undo: ${problems.join('; ')}.` : ''),
      );
    }
    rmSync(claimed, { force: true });
    rmSync(backups, { recursive: true, force: true });
  }
  return notes;
}

/**
 * Runs `fn` as one transaction: leftovers of killed commands are recovered first (with notes), then `fn` writes
 * through `tx` and commits with `tx.commit`; any failure rolls everything back and rethrows (an interrupt as
 * INTERRUPTED). While it runs, the transaction listens on the signal, so the CLI knows to wait for the rollback
 * instead of exiting at once.
 *
 * @example
 * await runTransaction({ git, repoTop, scratch, command: 'setup-plan', now }, async (tx) => {
 *   tx.track([plan]);
 *   writeFileAtomic(root, plan, text);
 *   return tx.commit('Add plan', () => commitFiles(git, repoTop, root, [plan], 'Add plan'));
 * });
 */
export async function runTransaction<T>(ctx: TransactionContext, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  for (const n of await recoverTransactions({
    git: ctx.git,
    scratch: ctx.scratch,
    ...(ctx.pid === undefined ? {} : { pid: ctx.pid }),
    ...(ctx.host === undefined ? {} : { host: ctx.host }),
  }))
    ctx.onNote?.(n);
  const tx = new Transaction(ctx);
  const listener = (): void => undefined;
  ctx.signal?.addEventListener('abort', listener);
  try {
    tx.checkpoint();
    await tx.begin();
    const result = await fn(tx);
    tx.finish();
    return result;
  } catch (err) {
    if (tx.isKept) {
      tx.finish();
      throw err;
    }
    const problems = await tx.rollback();
    if (problems.length > 0) {
      throw new WorkflowError(
        'ROLLBACK_INCOMPLETE',
        `${ctx.command} failed (${(err as Error).message}) and could not put everything back: ${problems.join('; ')}.`,
        {
          suggestions: ['Check the repository with git status and git log, and restore what is listed by hand.'],
          details: { problems },
          cause: err,
        },
      );
    }
    if (ctx.signal?.aborted === true && !(err instanceof WorkflowError && err.code === 'INTERRUPTED')) {
      throw interrupted(ctx.command, ctx.signal, 'Everything it had written was rolled back: the repository is as it was before.');
    }
    throw err;
  } finally {
    ctx.signal?.removeEventListener('abort', listener);
  }
}

/** The transaction context of a workflow command in a project (journal in the project's git scratch space). */
export function projectTransaction(
  env: WorkflowEnv,
  project: ProjectContext,
  repoTop: string,
  command: string,
  onNote: (note: string) => void,
): TransactionContext {
  return { git: env.git, repoTop, scratch: scratchDir(project), command, now: env.now, signal: env.signal, onNote };
}
