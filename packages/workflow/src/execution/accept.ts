import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Lane } from '@kitty/events';
import { WorkflowError, formatProblem } from '../errors.js';
import { emitAfter, hint, openFeature, reportingFailures, type FeatureContext } from '../project/feature-context.js';
import { isDir, isFile } from '../files/files.js';
import { WORKTREES_DIR } from '../project/features.js';
import { readMeta, renderMeta } from '../project/meta.js';
import type { WorkflowEnv } from '../ports.js';
import { changeFeatureStatus, readFeatureState, type FeatureState } from '../status/status-change.js';
import { activityEntries } from '../tasks/views.js';
import { topologicalOrder } from '../tasks/graph.js';
import { scratchDir } from '../project/scratch.js';
import { wpBranch } from '../tasks/wp-ref.js';
import { resolveActor } from './duties.js';

/** How acceptance is recorded: `pr` (push and open a pull request), `local` (merge locally), `checklist` (report only). */
export type AcceptanceMode = 'auto' | 'pr' | 'local' | 'checklist';

/**
 * Where `--test` commands run: `merge` (default) — in a temporary worktree off the target branch with every work
 * package branch merged in (dependency order), removed afterwards; `checkout` — in the main checkout as it is
 * (after `spec-kitty merge`, when the work is already there).
 */
export type TestLocation = 'merge' | 'checkout';

/** Where the tests of an acceptance ran (JSON `tests_ran_in`). */
export interface TestRunPlace {
  /** `merge-worktree` or `checkout`. */
  readonly kind: 'merge-worktree' | 'checkout';
  /** The directory the commands ran in (a merge worktree is removed afterwards). */
  readonly path: string;
  /** The branch the directory started from (the target branch, or the checked-out branch). */
  readonly base: string | null;
  /** Work package branches merged into it, in order (empty in the checkout). */
  readonly merged: readonly string[];
  /** Whether the temporary worktree was removed again. */
  readonly removed: boolean;
}

/** Runs a test command for `--test`; provided by the CLI (the library runs no shell itself). */
export type TestRunner = (command: string, cwd: string) => Promise<{ readonly exitCode: number; readonly output: string }>;

/** Options of {@link acceptFeature}. */
export interface AcceptOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
  readonly mode?: string | undefined;
  /** Who accepts (default: git user.name, else `user`). */
  readonly actor?: string | undefined;
  /** Test commands that must pass (run where the merged result is; see {@link TestLocation}). */
  readonly tests?: readonly string[] | undefined;
  /** Where the tests run: `merge` (default, a temporary merge worktree) or `checkout`. */
  readonly testIn?: string | undefined;
  readonly runTest?: TestRunner;
  /** Skip the metadata and activity checks. */
  readonly lenient?: boolean | undefined;
  /** Check and report, but write and commit nothing. */
  readonly noCommit?: boolean | undefined;
  /** Failing test commands do not block acceptance. */
  readonly allowFail?: boolean | undefined;
}

/** One work package in the acceptance summary. */
export interface AcceptanceWorkPackage {
  readonly id: string;
  readonly lane: Lane;
  readonly title: string;
  readonly path: string;
  /** The lane of its last Activity Log entry, or null. */
  readonly latest_lane: string | null;
  readonly has_lane_entry: boolean;
  /** Frontmatter values as written (`lane`, `agent`, `assignee`, `shell_pid`; empty when absent). */
  readonly metadata: { readonly lane: string; readonly agent: string; readonly assignee: string; readonly shell_pid: string };
}

/** The checks of an acceptance run (the Python CLI's summary keys). */
export interface AcceptanceSummary {
  readonly feature: string;
  readonly branch: string | null;
  readonly repo_root: string;
  readonly feature_dir: string;
  readonly tasks_dir: string;
  readonly worktree_root: string;
  readonly primary_repo_root: string;
  /** Work package ids per canonical lane. */
  readonly lanes: Readonly<Record<string, readonly string[]>>;
  readonly work_packages: readonly AcceptanceWorkPackage[];
  readonly metadata_issues: readonly string[];
  readonly activity_issues: readonly string[];
  readonly unchecked_tasks: readonly string[];
  readonly needs_clarification: readonly string[];
  readonly missing_artifacts: readonly string[];
  readonly optional_missing: readonly string[];
  readonly git_dirty: readonly string[];
  readonly path_violations: readonly string[];
  readonly test_failures: readonly string[];
  readonly warnings: readonly string[];
  /** Every work package is done (or canceled), whatever lane it is in otherwise. */
  readonly all_done: boolean;
  readonly ok: boolean;
}

/** What `spec-kitty accept --json` prints: the summary's keys at the top level (as the incumbent prints them), then the outcome. */
export interface AcceptResult extends Omit<AcceptanceSummary, 'feature' | 'ok'> {
  /** `success` when accepted (or, in checklist mode, when every check passed); `not_ready` otherwise (exit 1). */
  readonly result: 'success' | 'not_ready';
  readonly feature: string;
  readonly ok: boolean;
  readonly mode: Exclude<AcceptanceMode, 'auto'>;
  readonly accepted_at: string | null;
  readonly accepted_by: string | null;
  readonly parent_commit: string | null;
  readonly accept_commit: string | null;
  readonly commit_created: boolean;
  readonly instructions: readonly string[];
  readonly cleanup_instructions: readonly string[];
  readonly summary: AcceptanceSummary;
  /** Where the `--test` commands ran, or null when none were given. */
  readonly tests_ran_in: TestRunPlace | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

const REQUIRED = ['spec.md', 'plan.md', 'tasks.md'];
const OPTIONAL = ['quickstart.md', 'data-model.md', 'research.md', 'contracts'];
const CLARIFY_FILES = ['spec.md', 'plan.md', 'quickstart.md', 'tasks.md', 'research.md', 'data-model.md'];

/**
 * Runs the test commands where the merged result is: a temporary worktree on a temporary branch off the target,
 * with every work package branch (not canceled, not yet in the target) merged in dependency order; the worktree
 * and branch are removed afterwards, whatever happens. A merge conflict is a test failure (nothing runs).
 */
async function runTests(
  env: WorkflowEnv,
  fc: FeatureContext,
  state: FeatureState,
  options: AcceptOptions,
  where: TestLocation,
): Promise<{ failures: string[]; place: TestRunPlace | null }> {
  const tests = options.tests ?? [];
  if (tests.length === 0) return { failures: [], place: null };
  const root = fc.project.root;
  const failures: string[] = [];
  const run = async (dir: string): Promise<void> => {
    for (const cmd of tests) {
      if (options.runTest === undefined) {
        failures.push(`${cmd}: no test runner available`);
        continue;
      }
      const r = await options.runTest(cmd, dir);
      if (r.exitCode !== 0)
        failures.push(
          `${cmd}: exit ${r.exitCode}${r.output.trim() === '' ? '' : ` — ${r.output.trim().split('\n').slice(-3).join(' / ').slice(0, 300)}`}`,
        );
    }
  };
  if (where === 'checkout') {
    await run(root);
    return { failures, place: { kind: 'checkout', path: root, base: fc.branch, merged: [], removed: false } };
  }
  const target = fc.target ?? fc.branch;
  if (target === null) {
    failures.push(
      'tests: no target branch to merge the work packages into (meta.json names none and HEAD is detached); use --test-in checkout',
    );
    return { failures, place: null };
  }
  const stamp = randomBytes(5).toString('hex');
  const branch = `kitty-accept-${fc.feature.slug}-${stamp}`;
  const dir = path.join(scratchDir(fc.project), 'accept', `${fc.feature.slug}-${stamp}`);
  const merged: string[] = [];
  let removed: boolean;
  const targetSha = await env.git.resolveCommit(root, target);
  await env.git.worktreeAdd(root, dir, { branch, newBranch: true, base: target });
  try {
    const order = topologicalOrder(new Map(state.workPackages.workPackages.map((w) => [w.id, w.dependencies ?? []])));
    const branches = order.filter((id) => state.laneOf(id) !== 'canceled').map((id) => wpBranch(fc.feature, id));
    const heads = await env.git.branchHeads(root, branches);
    let conflict = false;
    for (const b of branches) {
      const sha = heads.get(b) ?? null;
      if (sha === null || (targetSha !== null && (await env.git.isAncestor(root, sha, targetSha)))) continue;
      const r = await env.git.merge(dir, b, { message: `Merge ${b} (acceptance tests)`, noFf: true });
      if (!r.ok) {
        await env.git.mergeAbort(dir).catch(() => undefined);
        failures.push(
          `tests: merging ${b} into ${target} conflicts in ${r.conflicts.join(', ')}; nothing was run (resolve it, or merge first and use --test-in checkout)`,
        );
        conflict = true;
        break;
      }
      merged.push(b);
    }
    if (!conflict) await run(dir);
  } finally {
    await env.git.worktreeRemove(root, dir, { force: true }).catch(() => undefined);
    await env.git.deleteBranch(root, branch, { force: true }).catch(() => undefined);
    removed = !existsSync(dir);
  }
  return { failures, place: { kind: 'merge-worktree', path: dir, base: target, merged, removed } };
}

async function summarize(
  env: WorkflowEnv,
  fc: FeatureContext,
  state: FeatureState,
  options: AcceptOptions,
  tests: readonly string[],
): Promise<AcceptanceSummary> {
  const root = fc.project.root;
  const dir = fc.feature.dir;
  const lanes: Record<string, string[]> = {};
  const wps: AcceptanceWorkPackage[] = [];
  const metadata: string[] = [];
  const activity: string[] = [];
  for (const w of state.workPackages.workPackages) {
    const lane = state.laneOf(w.id);
    (lanes[lane] ??= []).push(w.id);
    const entries = activityEntries(w.file.text);
    const latest = entries.at(-1)?.lane ?? null;
    const norm = (l: string): string => (l === 'doing' ? 'in_progress' : l);
    const fm = (k: string): string => (typeof w.data[k] === 'string' || typeof w.data[k] === 'number' ? String(w.data[k]) : '');
    wps.push({
      id: w.id,
      lane,
      title: w.title ?? w.id,
      path: w.shownAs,
      latest_lane: latest,
      has_lane_entry: entries.some((e) => norm(e.lane) === lane),
      // The frontmatter fields the incumbent shows per work package.
      metadata: { lane: fm('lane'), agent: fm('agent'), assignee: fm('assignee'), shell_pid: fm('shell_pid') },
    });
    if (options.lenient === true) continue;
    if (w.lane !== lane) metadata.push(`${w.id}: frontmatter lane ${JSON.stringify(w.lane)} but the status log says ${lane}`);
    if (entries.length === 0) activity.push(`${w.id}: no Activity Log entries`);
    else if (lane === 'done' && latest !== null && norm(latest) !== 'done')
      activity.push(`${w.id}: done, but its last Activity Log entry is lane=${latest}`);
  }
  metadata.push(...state.workPackages.problems.map(formatProblem));
  const parsedTasks = await state.tasksMd.parse();
  // A canceled work package's subtasks will never be done: they do not block acceptance.
  const canceled = new Set(wps.filter((w) => w.lane === 'canceled').map((w) => w.id));
  const unchecked = [
    ...(parsedTasks?.sections ?? [])
      .filter((s) => !canceled.has(s.id))
      .flatMap((s) => s.subtasks.filter((t) => !t.done).map((t) => `${t.id} (${s.id}, tasks.md:${t.line})`)),
    ...(parsedTasks?.looseSubtasks ?? []).filter((t) => !t.done).map((t) => `${t.id} (tasks.md:${t.line})`),
  ];
  const clarify: string[] = [];
  for (const f of CLARIFY_FILES) {
    const p = path.join(dir, f);
    if (!isFile(p)) continue;
    readFileSync(p, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (line.includes('[NEEDS CLARIFICATION')) clarify.push(`${f}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
  }
  const missing = REQUIRED.filter((f) => !isFile(path.join(dir, f)));
  const optional = OPTIONAL.filter((f) => !isFile(path.join(dir, f)) && !isDir(path.join(dir, f)));
  // `.kittify/workspaces/` holds the Python CLI's per-workspace context files (runtime state it never commits).
  const dirty = (await env.git.status(fc.repoTop, ['.']))
    .filter((s) => !isRuntimeState(s.path))
    .map((s) => `${s.index}${s.workTree} ${s.path}`);
  const allDone = wps.length > 0 && wps.every((w) => w.lane === 'done' || w.lane === 'canceled');
  const warnings = [...state.log.warnings];
  if (wps.length === 0) warnings.push('The feature has no work packages.');
  const blocking = [metadata, activity, unchecked, clarify, missing, dirty, options.allowFail === true ? [] : tests];
  return {
    feature: fc.feature.slug,
    branch: fc.branch,
    repo_root: fc.repoTop,
    feature_dir: dir,
    tasks_dir: path.join(dir, 'tasks'),
    worktree_root: path.join(root, WORKTREES_DIR),
    primary_repo_root: root,
    lanes,
    work_packages: wps,
    metadata_issues: metadata,
    activity_issues: activity,
    unchecked_tasks: unchecked,
    needs_clarification: clarify,
    missing_artifacts: missing,
    optional_missing: optional,
    git_dirty: dirty,
    path_violations: [],
    test_failures: tests,
    warnings,
    all_done: allDone,
    ok: allDone && blocking.every((b) => b.length === 0),
  };
}

/**
 * `spec-kitty accept`: checks that a feature is complete (every work package done or canceled by the status log
 * — in_progress, claimed and blocked count as not done — required documents present, no unchecked subtask, no
 * `[NEEDS CLARIFICATION` marker, a clean repository, consistent lanes and Activity Logs, passing `--test`
 * commands), then records the acceptance in meta.json (`accepted_at`, `accepted_by`, `acceptance_mode`,
 * `accepted_from_commit`, `acceptance_history`), commits it as `Accept <slug>`, and queues `FeatureCompleted`.
 * Not ready: the summary says why and nothing is written.
 */
export async function acceptFeature(options: AcceptOptions): Promise<AcceptResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'accept' });
  return reportingFailures(options, fc, { command: 'accept', agent: options.actor }, () => accept(options, fc));
}

async function accept(options: AcceptOptions, fc: FeatureContext): Promise<AcceptResult> {
  const requested = (options.mode ?? 'auto').trim().toLowerCase();
  if (!['auto', 'pr', 'local', 'checklist'].includes(requested)) {
    throw new WorkflowError(
      'INVALID_OPTION',
      `--mode must be auto, pr, local or checklist; got ${JSON.stringify(requested.slice(0, 20))}.`,
      { suggestions: ['Leave it out for auto (pr when the repository has a remote, else local).'] },
    );
  }
  const root = fc.project.root;
  const notes = [...fc.notes];
  const mode: Exclude<AcceptanceMode, 'auto'> =
    requested === 'auto' ? ((await options.git.remotes(root)).length > 0 ? 'pr' : 'local') : (requested as Exclude<AcceptanceMode, 'auto'>);
  const parent = await options.git.resolveCommit(root, 'HEAD');
  const base = { feature: fc.feature.slug, mode, parent_commit: parent };
  const testIn = (options.testIn ?? 'merge').trim().toLowerCase();
  if (testIn !== 'merge' && testIn !== 'checkout') {
    throw new WorkflowError('INVALID_OPTION', `--test-in must be merge or checkout; got ${JSON.stringify(testIn.slice(0, 20))}.`, {
      suggestions: [
        `spec-kitty accept --feature ${fc.feature.slug} --test-in merge${(options.tests ?? []).map((t) => ` --test ${JSON.stringify(t)}`).join('')}`,
      ],
    });
  }
  const preview = readFeatureState(root, fc.feature, options.now());
  const ran = await runTests(options, fc, preview, options, testIn);
  if (ran.place !== null) {
    notes.push(
      ran.place.kind === 'checkout'
        ? `Tests ran in the main checkout ${ran.place.path} (branch ${ran.place.base ?? 'detached HEAD'}).`
        : `Tests ran in a temporary merge worktree ${ran.place.path}: ${ran.place.base} with ${ran.place.merged.length === 0 ? 'no work package branch to merge' : ran.place.merged.join(', ')} merged in${ran.place.removed ? ' (removed again)' : ''}.`,
    );
  }
  const summary = await summarize(options, fc, preview, options, ran.failures);
  if (!summary.ok || mode === 'checklist' || options.noCommit === true) {
    if (!summary.ok)
      notes.push(`Not accepted: fix the issues in the summary, then run spec-kitty accept --feature ${fc.feature.slug} again.`);
    // The summary's keys also sit at the top level, where the incumbent prints them (`summary` stays too).
    return {
      ...summary,
      result: summary.ok ? 'success' : 'not_ready',
      ...base,
      ok: summary.ok,
      accepted_at: null,
      accepted_by: null,
      accept_commit: null,
      commit_created: false,
      instructions: [],
      cleanup_instructions: [],
      summary,
      tests_ran_in: ran.place,
      events_queued: 0,
      notes,
    };
  }
  const actor = (await resolveActor(options, root, options.actor, retryAccept(options, fc))).name;
  const acceptedAt = options.now().toISOString();
  const metaPath = path.join(fc.feature.dir, 'meta.json');
  const outcome = await changeFeatureStatus({ env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop }, (locked) => {
    // The readiness above was checked without the feature lock (tests may run for minutes): under the lock, the
    // status must still be what was checked, and meta.json is read again so a concurrent accept is not overwritten.
    const moved = statusChangedSince(preview, locked);
    if (moved !== null) {
      throw new WorkflowError(
        'STATUS_CHANGED',
        `The status of ${fc.feature.slug} changed while accept was checking it (${moved}); nothing was accepted.`,
        { suggestions: [retryAccept(options, fc)], details: { feature: fc.feature.slug } },
      );
    }
    const meta: Record<string, unknown> = { ...(readMeta(root, fc.feature)?.data ?? fc.meta ?? {}) };
    const history = Array.isArray(meta['acceptance_history']) ? [...(meta['acceptance_history'] as unknown[])] : [];
    history.push({ accepted_at: acceptedAt, accepted_by: actor, acceptance_mode: mode, accepted_from_commit: parent });
    Object.assign(meta, {
      accepted_at: acceptedAt,
      accepted_by: actor,
      acceptance_mode: mode,
      accepted_from_commit: parent,
      acceptance_history: history.slice(-20),
    });
    const sorted = Object.fromEntries(
      Object.keys(meta)
        .sort()
        .map((k) => [k, meta[k]]),
    );
    return {
      requests: [],
      extraFiles: [{ path: metaPath, text: renderMeta(sorted) }],
      commitMessage: `Accept ${fc.feature.slug}`,
      result: null,
    };
  });
  notes.push(...outcome.notes);
  const total = summary.work_packages.length;
  const queued = await emitAfter(
    options,
    root,
    'FeatureCompleted',
    notes,
    (f) => [f.draft('FeatureCompleted', fc.feature.slug, { feature_slug: fc.feature.slug, total_wps: total, completed_at: acceptedAt })],
    hint(fc, null),
  );
  const target = fc.target ?? 'main';
  const instructions =
    mode === 'pr'
      ? [
          `Push the branch: git push origin ${fc.branch ?? target}`,
          `Open a pull request into ${target}, or merge the work packages with /spec-kitty.merge (spec-kitty merge --feature ${fc.feature.slug}).`,
        ]
      : [`Merge the work packages into ${target}: spec-kitty merge --feature ${fc.feature.slug} --dry-run, then without --dry-run.`];
  return {
    ...summary,
    result: 'success',
    ...base,
    ok: true,
    accepted_at: acceptedAt,
    accepted_by: actor,
    accept_commit: outcome.commit.commit_hash,
    commit_created: outcome.commit.commit_created,
    instructions,
    cleanup_instructions: [
      'spec-kitty merge removes the work package worktrees and branches after merging them (--keep-worktree / --keep-branch to keep them).',
    ],
    summary,
    tests_ran_in: ran.place,
    events_queued: queued,
    notes,
  };
}

/** Local runtime state that never makes a repository "dirty" for acceptance (the Python CLI's workspace context files). */
export function isRuntimeState(relPath: string): boolean {
  return /^\.kittify\/workspaces(\/|$)/.test(relPath.replace(/\\/g, '/'));
}

/** What differs between the status accept checked and the status under the feature lock, or null when nothing. */
function statusChangedSince(checked: FeatureState, locked: FeatureState): string | null {
  const a = checked.log.events;
  const b = locked.log.events;
  if (a.length !== b.length || a.at(-1)?.event_id !== b.at(-1)?.event_id) {
    const added = b.slice(a.length).map((e) => `${e.wp_id} ${e.from_lane} → ${e.to_lane}`);
    return added.length > 0 ? `new events: ${added.slice(0, 5).join(', ')}` : 'the status log was rewritten';
  }
  const ids = (s: FeatureState): string => s.workPackages.workPackages.map((w) => w.id).join(',');
  if (ids(checked) !== ids(locked)) return 'work packages were added or removed';
  return null;
}

/** The accept command line to run again. */
function retryAccept(options: AcceptOptions, fc: FeatureContext): string {
  const tests = (options.tests ?? []).map((t) => ` --test ${JSON.stringify(t)}`).join('');
  return `spec-kitty accept --feature ${fc.feature.slug}${options.mode === undefined ? '' : ` --mode ${options.mode}`}${tests}`;
}
