import { existsSync, mkdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import type { Lane } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { openFeature, reportingFailures, type FeatureContext } from '../project/feature-context.js';
import { writeFileAtomic } from '../files/files.js';
import { WORKTREES_DIR } from '../project/features.js';
import type { GitPort } from '../git/git-port.js';
import { topologicalOrder } from '../tasks/graph.js';
import { featureLockPath, withLock } from '../files/lock.js';
import type { WorkflowEnv } from '../ports.js';
import { scratchDir } from '../project/scratch.js';
import { projectTransaction, runTransaction, type Transaction } from '../git/transaction.js';
import { explainCommitFailure } from '../git/commit.js';
import { readFeatureState } from '../status/status-change.js';
import { wpBranch, wpWorkspace } from '../tasks/wp-ref.js';

/** Options of {@link mergeFeature} (`spec-kitty merge`). */
export interface MergeOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
  /** Default: the feature's `target_branch` from meta.json. */
  readonly target?: string | undefined;
  /** `merge` (default, `--no-ff`) or `squash`; `rebase` is refused. */
  readonly strategy?: string | undefined;
  /** Delete the merged work-package branches (default true; never forced). */
  readonly deleteBranch?: boolean | undefined;
  /** Remove the merged work-package worktrees (default true; never forced). */
  readonly removeWorktree?: boolean | undefined;
  readonly push?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  readonly resume?: boolean | undefined;
  readonly abort?: boolean | undefined;
}

/** One work package in the merge plan. */
export interface MergeItem {
  readonly wp_id: string;
  readonly branch: string;
  readonly lane: Lane;
  /** `pending` (dry run), `merged`, `already_merged`, `no_branch` (nothing to merge), `skipped` (canceled). */
  readonly status: 'pending' | 'merged' | 'already_merged' | 'no_branch' | 'skipped';
  /** The merge commit (or the branch head for already merged ones). */
  readonly commit: string | null;
}

/** What `spec-kitty merge --json` prints. */
export interface MergeResult {
  readonly result: 'success' | 'dry_run' | 'aborted';
  readonly feature_slug: string;
  readonly target_branch: string;
  readonly strategy: 'merge' | 'squash';
  readonly dry_run: boolean;
  /** Whether nothing blocks the merge (dry run). */
  readonly ready: boolean;
  readonly blockers: readonly string[];
  /** Where the merges happen: the main checkout when it has the target checked out, else a temporary worktree. */
  readonly merge_dir: string;
  /** Work packages in dependency order. */
  readonly order: readonly string[];
  readonly work_packages: readonly MergeItem[];
  readonly worktrees_removed: readonly string[];
  readonly worktrees_kept: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly branches_deleted: readonly string[];
  readonly branches_kept: ReadonlyArray<{ readonly branch: string; readonly reason: string }>;
  readonly pushed: boolean;
  readonly notes: readonly string[];
}

/** The state of an interrupted merge: `<git-common-dir>/spec-kitty/merge-state/<feature>.json`. */
interface MergeState {
  readonly feature_slug: string;
  readonly target_branch: string;
  readonly strategy: 'merge' | 'squash';
  readonly wp_order: string[];
  completed_wps: string[];
  current_wp: string | null;
  has_pending_conflicts: boolean;
  readonly merge_dir: string;
  readonly temp_worktree: boolean;
  readonly delete_branch: boolean;
  readonly remove_worktree: boolean;
  readonly push: boolean;
  readonly started_at: string;
  updated_at: string;
  items: MergeItem[];
}

const statePath = (fc: FeatureContext): string => path.join(scratchDir(fc.project), 'merge-state', `${fc.feature.slug}.json`);

function loadState(fc: FeatureContext): MergeState | null {
  const p = statePath(fc);
  if (!existsSync(p)) return null;
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as MergeState;
  } catch (err) {
    throw new WorkflowError('FILE_READ_FAILED', `The merge state ${p} is unreadable: ${(err as Error).message}`, {
      suggestions: [`Remove it (rm "${p}") and check the target branch with git log.`],
      details: { path: p },
    });
  }
}

function saveState(fc: FeatureContext, s: MergeState, now: Date): void {
  const p = statePath(fc);
  mkdirSync(path.dirname(p), { recursive: true });
  s.updated_at = now.toISOString();
  writeFileAtomic(path.dirname(p), p, `${JSON.stringify(s, null, 2)}\n`);
}

function clearState(fc: FeatureContext): void {
  try {
    unlinkSync(statePath(fc));
  } catch {
    // already gone
  }
}

/** The git dir of a work tree (`.git` directory, or the target of a `.git` file). */
function gitDirOf(dir: string): string | null {
  const dotGit = path.join(dir, '.git');
  try {
    if (statSync(dotGit).isDirectory()) return dotGit;
    const m = /^gitdir:\s*(.+)\s*$/m.exec(readFileSync(dotGit, 'utf8'));
    return m === null ? null : path.resolve(dir, (m[1] as string).trim());
  } catch {
    return null;
  }
}

const mergeInProgress = (dir: string): boolean => {
  const g = gitDirOf(dir);
  return g !== null && existsSync(path.join(g, 'MERGE_HEAD'));
};

/**
 * `spec-kitty merge`: merges a feature's work-package branches into its target branch (meta.json
 * `target_branch`, not a guessed primary branch) in dependency order, after checking that every work package is
 * done (canceled ones are skipped) and that nothing would be lost. The user's checkout is never switched: when
 * the main checkout has another branch checked out, the merges happen in a temporary worktree of the target.
 * Branches already merged are skipped, so a re-run only cleans up. Then the merged worktrees are removed and the
 * branches deleted with `git branch -d` (never forced; a worktree with changes is kept). A conflict stops the
 * merge with the files named; `--resume` continues after you committed the resolution, `--abort` gives up.
 */
export async function mergeFeature(options: MergeOptions): Promise<MergeResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'merge', refuseWorktree: true });
  const notes = [...fc.notes];
  const note = (n: string): void => {
    notes.push(n);
  };
  // One transaction up to the last merge: interrupted or failed, the target branch, the temporary worktree and the
  // merge state go back to how they were (a conflict is kept on purpose: it is resolved and resumed).
  const tx = projectTransaction(options, fc.project, fc.repoTop, 'merge', note);
  return reportingFailures(options, fc, { command: 'merge' }, () =>
    withLock(featureLockPath(fc.project.root, fc.feature.slug), () => runTransaction(tx, (t) => merge(options, fc, t, notes)), {
      what: `feature ${fc.feature.slug}`,
      onNote: note,
      signal: options.signal,
      now: options.now,
    }),
  );
}

async function merge(options: MergeOptions, fc: FeatureContext, tx: Transaction, notes: string[]): Promise<MergeResult> {
  const git = options.git;
  const root = fc.project.root;
  const existing = loadState(fc);
  if (options.abort === true) return abort(git, fc, existing, notes);
  if (options.resume === true) {
    if (existing === null) throw notInProgress(fc);
    return run(git, fc, existing, options, notes, tx);
  }
  if (
    existing !== null &&
    !existing.has_pending_conflicts &&
    existing.items.every((i) => i.status !== 'pending') &&
    options.dryRun !== true
  ) {
    notes.push(`Every work package of the earlier merge into ${existing.target_branch} is merged; finishing its clean-up.`);
    return run(git, fc, existing, options, notes, tx);
  }
  if (existing !== null && options.dryRun !== true) {
    throw new WorkflowError(
      'MERGE_BLOCKED',
      `A merge of ${fc.feature.slug} into ${existing.target_branch} is already in progress (stopped at ${existing.current_wp ?? '?'}).`,
      {
        suggestions: [
          `Continue it: spec-kitty merge --feature ${fc.feature.slug} --resume`,
          `Or give up: spec-kitty merge --feature ${fc.feature.slug} --abort`,
        ],
        details: { state: statePath(fc) },
      },
    );
  }
  const strategyIn = (options.strategy ?? 'merge').trim().toLowerCase();
  if (strategyIn === 'rebase') {
    throw new WorkflowError('INVALID_OPTION', 'The rebase strategy is not supported: it rewrites the work-package branches.', {
      suggestions: ['Use --strategy merge (default) or --strategy squash.'],
    });
  }
  if (strategyIn !== 'merge' && strategyIn !== 'squash') {
    throw new WorkflowError('INVALID_OPTION', `--strategy must be merge or squash; got ${JSON.stringify(strategyIn.slice(0, 20))}.`, {
      suggestions: ['Example: spec-kitty merge --feature 001-x --strategy squash'],
    });
  }
  const strategy: 'merge' | 'squash' = strategyIn;
  const target = options.target?.trim() || fc.target;
  if (target === null || target === undefined || target === '') {
    throw new WorkflowError('DETACHED_HEAD', 'No target branch: meta.json names none and the main checkout has a detached HEAD.', {
      suggestions: ['Pass --target <branch>.'],
    });
  }
  const state = readFeatureState(root, fc.feature, options.now());
  const deps = new Map(state.workPackages.workPackages.map((w) => [w.id, w.dependencies ?? []]));
  const order = topologicalOrder(deps);
  const blockers: string[] = [];
  const targetSha = await git.resolveCommit(root, `refs/heads/${target}`);
  if (targetSha === null) blockers.push(`The target branch ${target} does not exist.`);
  if (fc.meta?.['accepted_at'] === undefined) notes.push(`Note: ${fc.feature.slug} has not been accepted yet (spec-kitty accept).`);
  const heads = await git.branchHeads(
    root,
    order.map((id) => wpBranch(fc.feature, id)),
  );
  const worktrees = await git.worktrees(root);
  const items: MergeItem[] = [];
  for (const id of order) {
    const branch = wpBranch(fc.feature, id);
    const lane = state.laneOf(id);
    const sha = heads.get(branch) ?? null;
    if (lane === 'canceled') {
      items.push({ wp_id: id, branch, lane, status: 'skipped', commit: null });
      continue;
    }
    if (lane !== 'done') blockers.push(`${id} is in ${lane}; every work package must be done (or canceled) before the merge.`);
    if (sha === null) {
      items.push({ wp_id: id, branch, lane, status: 'no_branch', commit: null });
      continue;
    }
    const merged = targetSha !== null && (await git.isAncestor(root, sha, targetSha));
    items.push({ wp_id: id, branch, lane, status: merged ? 'already_merged' : 'pending', commit: merged ? sha : null });
    const wt = worktrees.find((w) => path.resolve(w.path) === path.resolve(wpWorkspace(root, fc.feature, id)));
    if (wt !== undefined && existsSync(wt.path) && options.removeWorktree !== false) {
      const dirty = await git.status(wt.path, ['.']);
      if (dirty.length > 0)
        blockers.push(
          `The worktree ${path.relative(root, wt.path)} has uncommitted changes (${dirty
            .slice(0, 3)
            .map((d) => d.path)
            .join(', ')}); commit or remove them first.`,
        );
    }
  }
  const main = worktrees[0];
  const elsewhere = worktrees.slice(1).find((w) => w.branch === target);
  let mergeDir = root;
  let temp = false;
  if (main?.branch === target) {
    const dirty = (await git.status(root, ['.'])).filter((s) => s.index !== '?');
    if (dirty.length > 0)
      blockers.push(
        `Target repository at ${root} has uncommitted changes (${dirty
          .slice(0, 3)
          .map((d) => d.path)
          .join(', ')}).`,
      );
  } else if (elsewhere !== undefined) {
    blockers.push(
      `The target branch ${target} is checked out in another worktree (${elsewhere.path}); run the merge there or switch it away.`,
    );
  } else {
    temp = true;
    mergeDir = path.join(root, WORKTREES_DIR, `${fc.feature.slug}-merge-${target.replace(/[^A-Za-z0-9._-]+/g, '-')}`);
    if (existsSync(mergeDir))
      blockers.push(`${path.relative(root, mergeDir)} already exists (a previous merge's leftover?); remove it first.`);
    notes.push(
      `The main checkout is on ${main?.branch ?? 'a detached HEAD'}, not ${target}: merging in a temporary worktree, your checkout stays as it is.`,
    );
  }
  const now = options.now().toISOString();
  const s: MergeState = {
    feature_slug: fc.feature.slug,
    target_branch: target,
    strategy,
    wp_order: order,
    completed_wps: items.filter((i) => i.status !== 'pending').map((i) => i.wp_id),
    current_wp: null,
    has_pending_conflicts: false,
    merge_dir: mergeDir,
    temp_worktree: temp,
    delete_branch: options.deleteBranch !== false,
    remove_worktree: options.removeWorktree !== false,
    push: options.push === true,
    started_at: now,
    updated_at: now,
    items,
  };
  if (options.dryRun === true) return result(fc, s, 'dry_run', blockers, { notes });
  if (blockers.length > 0) {
    throw new WorkflowError(
      'MERGE_BLOCKED',
      `Cannot merge ${fc.feature.slug} into ${target}:\n${blockers.map((b) => `- ${b}`).join('\n')}`,
      {
        suggestions: ['Fix what is listed (spec-kitty merge --dry-run shows it again), then run the merge.'],
        details: { blockers },
      },
    );
  }
  tx.track([statePath(fc)]);
  if (temp) {
    tx.worktree(mergeDir, target, false);
    await git.worktreeAdd(root, mergeDir, { branch: target, newBranch: false });
  }
  saveState(fc, s, options.now());
  return run(git, fc, s, options, notes, tx);
}

async function run(
  git: GitPort,
  fc: FeatureContext,
  s: MergeState,
  options: MergeOptions,
  notes: string[],
  tx: Transaction,
): Promise<MergeResult> {
  const root = fc.project.root;
  tx.track([statePath(fc)]);
  if (existsSync(s.merge_dir) && !mergeInProgress(s.merge_dir)) await tx.mergesInto(s.merge_dir);
  if (s.has_pending_conflicts && s.current_wp !== null) {
    if (mergeInProgress(s.merge_dir)) throw conflictError(fc, s, [], 'The conflicting merge is not concluded yet.');
    const item = s.items.find((i) => i.wp_id === s.current_wp);
    if (item !== undefined) {
      const head = await git.resolveCommit(s.merge_dir, 'HEAD');
      s.items = s.items.map((i) => (i.wp_id === s.current_wp ? { ...i, status: 'merged', commit: head } : i));
      s.completed_wps.push(item.wp_id);
    }
    s.current_wp = null;
    s.has_pending_conflicts = false;
    saveState(fc, s, options.now());
  }
  for (const item of s.items) {
    if (item.status !== 'pending') continue;
    tx.checkpoint();
    s.current_wp = item.wp_id;
    const message = `Merge ${item.wp_id} from ${fc.feature.slug}`;
    let r;
    try {
      r = await git.merge(s.merge_dir, item.branch, { message, noFf: true, squash: s.strategy === 'squash' });
    } catch (err) {
      throw await explainCommitFailure(git, s.merge_dir, err);
    }
    if (!r.ok) {
      s.has_pending_conflicts = true;
      saveState(fc, s, options.now());
      tx.keep();
      throw conflictError(fc, s, r.conflicts, `Merging ${item.branch} into ${s.target_branch} conflicts.`);
    }
    let commit: string | null;
    if (s.strategy === 'squash') {
      const staged = await git.status(s.merge_dir, ['.']);
      commit = staged.some((x) => x.index !== ' ' && x.index !== '?')
        ? await git.commitStaged(s.merge_dir, message).catch(async (err: unknown) => {
            throw await explainCommitFailure(git, s.merge_dir, err);
          })
        : null;
    } else commit = await git.resolveCommit(s.merge_dir, 'HEAD');
    s.items = s.items.map((i) => (i.wp_id === item.wp_id ? { ...i, status: commit === null ? 'already_merged' : 'merged', commit } : i));
    s.completed_wps.push(item.wp_id);
    s.current_wp = null;
    saveState(fc, s, options.now());
  }
  // The commit point: every work package is merged. Clean-up below is redone by the next `merge` if cut short.
  tx.checkpoint();
  tx.keep();
  let pushed = false;
  if (s.push) {
    if ((await git.remotes(root)).includes('origin')) {
      await git.push(s.merge_dir, 'origin', s.target_branch);
      pushed = true;
    } else notes.push('--push: the repository has no origin remote; nothing was pushed.');
  }
  const removed: string[] = [];
  const keptWt: Array<{ path: string; reason: string }> = [];
  const deleted: string[] = [];
  const keptBr: Array<{ branch: string; reason: string }> = [];
  const done = s.items.filter((i) => i.status === 'merged' || i.status === 'already_merged');
  if (s.remove_worktree) {
    for (const i of done) {
      const wt = wpWorkspace(root, fc.feature, i.wp_id);
      if (!existsSync(wt)) continue;
      try {
        await git.worktreeRemove(root, wt);
        removed.push(path.relative(root, wt));
      } catch (err) {
        keptWt.push({ path: path.relative(root, wt), reason: ((err as Error).message ?? '').split('\n')[0] ?? 'git refused' });
      }
    }
  }
  if (s.delete_branch) {
    for (const i of done) {
      try {
        // -d checks "merged into HEAD": run it where HEAD is the target branch.
        await git.deleteBranch(s.merge_dir, i.branch);
        deleted.push(i.branch);
      } catch (err) {
        const squash = s.strategy === 'squash';
        keptBr.push({
          branch: i.branch,
          reason: squash
            ? `squash-merged, so git does not see it as merged; delete it with git branch -D ${i.branch} once you are sure`
            : (((err as Error).message ?? '').split('\n')[0] ?? 'git refused'),
        });
      }
    }
  }
  if (s.temp_worktree)
    await git
      .worktreeRemove(root, s.merge_dir, { force: true })
      .catch(() => notes.push(`Could not remove the temporary worktree ${s.merge_dir}; remove it with git worktree remove.`));
  clearState(fc);
  return result(fc, s, 'success', [], { notes, removed, keptWt, deleted, keptBr, pushed });
}

function result(
  fc: FeatureContext,
  s: MergeState,
  kind: MergeResult['result'],
  blockers: readonly string[],
  x: {
    notes: string[];
    removed?: string[];
    keptWt?: Array<{ path: string; reason: string }>;
    deleted?: string[];
    keptBr?: Array<{ branch: string; reason: string }>;
    pushed?: boolean;
  },
): MergeResult {
  return {
    result: kind,
    feature_slug: fc.feature.slug,
    target_branch: s.target_branch,
    strategy: s.strategy,
    dry_run: kind === 'dry_run',
    ready: blockers.length === 0,
    blockers,
    merge_dir: s.merge_dir,
    order: s.wp_order,
    work_packages: s.items,
    worktrees_removed: x.removed ?? [],
    worktrees_kept: x.keptWt ?? [],
    branches_deleted: x.deleted ?? [],
    branches_kept: x.keptBr ?? [],
    pushed: x.pushed ?? false,
    notes: x.notes,
  };
}

function conflictError(fc: FeatureContext, s: MergeState, conflicts: readonly string[], head: string): WorkflowError {
  return new WorkflowError(
    'MERGE_CONFLICT',
    `${head} The merge stopped at ${s.current_wp} in ${s.merge_dir}${conflicts.length > 0 ? `; conflicting files: ${conflicts.join(', ')}` : ''}.`,
    {
      suggestions: [
        `Resolve the conflicts in ${s.merge_dir}, then git add the files and git commit there.`,
        `Then continue: spec-kitty merge --feature ${fc.feature.slug} --resume`,
        `Or give up: spec-kitty merge --feature ${fc.feature.slug} --abort`,
      ],
      details: { wp_id: s.current_wp, merge_dir: s.merge_dir, conflicts: [...conflicts] },
    },
  );
}

function notInProgress(fc: FeatureContext): WorkflowError {
  return new WorkflowError('MERGE_NOT_IN_PROGRESS', `No merge of ${fc.feature.slug} is in progress.`, {
    suggestions: [`Start one: spec-kitty merge --feature ${fc.feature.slug} --dry-run`],
  });
}

async function abort(git: GitPort, fc: FeatureContext, s: MergeState | null, notes: string[]): Promise<MergeResult> {
  if (s === null) throw notInProgress(fc);
  if (mergeInProgress(s.merge_dir)) await git.mergeAbort(s.merge_dir);
  if (s.temp_worktree && existsSync(s.merge_dir)) await git.worktreeRemove(fc.project.root, s.merge_dir, { force: true });
  clearState(fc);
  const merged = s.items.filter((i) => i.status === 'merged').map((i) => i.wp_id);
  if (merged.length > 0) notes.push(`Already merged into ${s.target_branch} before the abort (left as they are): ${merged.join(', ')}.`);
  return result(fc, s, 'aborted', [], { notes });
}
