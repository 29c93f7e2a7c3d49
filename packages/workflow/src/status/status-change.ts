import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  createIdGenerator,
  resolveLane,
  transitionPath,
  validateTransition,
  type Lane,
  type ReviewEvidence,
  type StatusEvent,
  type StatusSnapshot,
  type TransitionRequest,
} from '@kitty/events';
import { commitFiles, type CommitResult } from '../git/commit.js';
import { projectTransaction, runTransaction, type Transaction } from '../git/transaction.js';
import { PlanningFileError, WorkflowError } from '../errors.js';
import type { FeatureRef } from '../project/features.js';
import { prepareEvents } from '../project/identity.js';
import { displayPath, isFile, readTextFile, writeFileAtomic, type TextFile } from '../files/files.js';
import { updateFrontmatter } from '../files/frontmatter.js';
import { featureLockPath, withLock } from '../files/lock.js';
import type { WorkflowEnv } from '../ports.js';
import type { ProjectContext } from '../project/project.js';
import {
  appendStatusEvents,
  formatEventTime,
  materialize,
  readStatusLog,
  renderSnapshot,
  repairTornTail,
  snapshotsDiffer,
  statusSnapshotPath,
  type StatusLog,
} from './status-log.js';
import { parseFeatureTasksMd, type TasksMd } from '../tasks/tasks-md.js';
import { featureStatus, splitUserEdits } from './user-edits.js';
import { appendActivity, upsertStatusBlock, type ActivityEntry } from '../tasks/views.js';
import { readWorkPackages, type WorkPackageFile, type WorkPackageSet } from '../tasks/work-packages.js';
import { findWorkPackage } from '../tasks/wp-ref.js';
import type { YamlSet } from '../files/yaml-edit.js';

/** Review evidence of an approval (`for_review → done`): every field of the guards' evidence, each given. */
export type ReviewEvidenceInput = Required<ReviewEvidence>;

/** One repository a finished work package touched (evidence of `done`). */
export interface RepoEvidenceInput {
  readonly repo: string;
  readonly branch: string;
  readonly commit: string;
}

/** A lane change asked for by a command: the guards' inputs of the move (events `TransitionRequest`) and how to make it. */
export interface LaneRequest extends Pick<
  TransitionRequest,
  | 'force'
  | 'reason'
  | 'reviewRef'
  | 'feedback'
  | 'workspaceContext'
  | 'subtasksComplete'
  | 'implementationEvidencePresent'
  | 'duties'
  | 'dependencies'
> {
  readonly wpId: string;
  readonly to: Lane;
  /** Walk the forward chain one hop at a time (planned → claimed → in_progress → for_review → done). */
  readonly walk: boolean;
  readonly actor: string;
  /** Review evidence, used on a hop to done. */
  readonly review?: ReviewEvidenceInput | null;
  /** Repositories for the evidence of a hop to done. */
  readonly repos?: readonly RepoEvidenceInput[];
  readonly executionMode: 'worktree' | 'direct_repo';
}

/** The options every command that moves one work package to a lane takes (`move-task`, `agent status emit`). */
export interface LaneMoveOptions extends WorkflowEnv {
  readonly wpId: string;
  /** Target lane (aliases such as `doing` accepted). */
  readonly to: string;
  readonly feature?: string | undefined;
  /** Move even when a guard refuses (needs a reason). */
  readonly force?: boolean | undefined;
  /** Why a forced move is made. */
  readonly reason?: string | undefined;
  readonly reviewRef?: string | undefined;
}

/** Edits of one work-package prompt file besides its lane. */
export interface WpEdit {
  readonly frontmatter?: readonly YamlSet[];
  /** A body edit applied to the whole text after the frontmatter edit. */
  readonly body?: (text: string) => string;
  /** An Activity Log line; its lane defaults to the work package's lane after the change. */
  readonly activity?: Omit<ActivityEntry, 'lane' | 'at'> & { readonly lane?: Lane };
}

/** What a command wants written, decided with the feature's state in hand (under the feature lock). */
export interface StatusChangePlan<R> {
  readonly requests: readonly LaneRequest[];
  readonly edits?: ReadonlyMap<string, WpEdit>;
  /** An extra tasks.md edit (mark-status). */
  readonly tasksMd?: (text: string) => string;
  /** Other files written and committed with the change (e.g. meta.json). */
  readonly extraFiles?: ReadonlyArray<{ readonly path: string; readonly text: string }>;
  readonly commitMessage: string;
  /** Rewrite `status.json` when it differs from the log (besides `materialized_at`) even without new events. */
  readonly materialize?: boolean;
  readonly result: R;
}

/** The feature as the plan sees it. */
export interface FeatureState {
  readonly feature: FeatureRef;
  readonly log: StatusLog;
  readonly snapshot: StatusSnapshot;
  readonly workPackages: WorkPackageSet;
  /** tasks.md: its path, text (null when absent), and its parse (made on the first call; null when absent). */
  readonly tasksMd: { readonly path: string; readonly file: TextFile | null; parse(): Promise<TasksMd | null> };
  /** The lane of a work package: from the log, else from its frontmatter (a project the Python CLI wrote), else planned. */
  laneOf(wpId: string): Lane;
  /** Whether the log has events for the work package. */
  hasEvents(wpId: string): boolean;
  /** The prompt file of a work package (UNKNOWN_WORK_PACKAGE when there is none). */
  wp(wpId: string): WorkPackageFile;
}

/** What a status change did. */
export interface StatusChangeOutcome<R> {
  readonly result: R;
  /** Events appended to the log, oldest first (bootstrap events included). */
  readonly events: readonly StatusEvent[];
  readonly snapshot: StatusSnapshot;
  readonly commit: CommitResult;
  readonly notes: readonly string[];
}

/** Where a status change happens. */
export interface StatusChangeContext {
  readonly env: WorkflowEnv;
  readonly project: ProjectContext;
  readonly feature: FeatureRef;
  /** Top level of the main checkout's work tree. */
  readonly repoTop: string;
  /** The command, for the transaction journal and messages. */
  readonly command?: string;
  /** Skip bad log lines (reported as notes) instead of failing; only for commands that append nothing. */
  readonly tolerant?: boolean;
}

function fmLaneOf(wp: WorkPackageFile): Lane {
  if (wp.lane === null || wp.lane.trim() === '') return 'planned';
  try {
    return resolveLane(wp.lane);
  } catch {
    const line =
      wp.frontmatter.firstLine +
      Math.max(
        0,
        wp.frontmatter.yaml.split('\n').findIndex((l) => /^lane\s*:/.test(l)),
      );
    throw new PlanningFileError('INVALID_FRONTMATTER', [
      {
        path: wp.shownAs,
        line,
        col: 1,
        code: 'UNKNOWN_LANE',
        message: `lane ${JSON.stringify(wp.lane)} is not a lane (expected planned, claimed, in_progress, for_review, done, blocked, canceled or doing)`,
      },
    ]);
  }
}

function readTasks(root: string, feature: FeatureRef): FeatureState['tasksMd'] {
  const p = path.join(feature.dir, 'tasks.md');
  if (!isFile(p)) return { path: p, file: null, parse: async () => null };
  const shown = displayPath(root, p);
  const read = readTextFile(p, shown);
  if (read.file === null) throw new PlanningFileError('INVALID_TASKS_FILE', read.problems);
  const file = read.file;
  let parsed: Promise<TasksMd> | undefined;
  return { path: p, file, parse: () => (parsed ??= parseFeatureTasksMd(root, feature, file.text, shown)) };
}

/**
 * Reads a feature's status as it stands (no lock, nothing written): the log, its snapshot, the prompt files
 * and tasks.md. A bad line in the middle of the log throws INVALID_STATUS_LOG with its line number.
 */
export function readFeatureState(
  root: string,
  feature: FeatureRef,
  now: Date,
  options: { readonly tolerant?: boolean } = {},
): FeatureState {
  const log = readStatusLog(root, feature, options);
  const snapshot = materialize(feature, log.events, now);
  const workPackages = readWorkPackages(root, feature);
  const tasksMd = readTasks(root, feature);
  return {
    feature,
    log,
    snapshot,
    workPackages,
    tasksMd,
    hasEvents: (id) => snapshot.work_packages[id] !== undefined,
    laneOf(id) {
      const s = snapshot.work_packages[id];
      if (s !== undefined) return s.lane;
      const wp = workPackages.workPackages.find((w) => w.id === id);
      return wp === undefined ? 'planned' : fmLaneOf(wp);
    },
    wp: (id) => findWorkPackage(root, feature, id, workPackages),
  };
}

const blank = (s: string | null | undefined): boolean => s === undefined || s === null || s.trim() === '';

/**
 * The one pipeline every lane change goes through (DESIGN 3.8: the status log is the only writer of lanes).
 * Under the feature lock it reads the log (repairing a torn last line), hands the state to `plan`, then for each
 * requested change: walks the forward chain hop by hop (or one forced move), checks every hop with the events
 * library's guards before anything is written, appends the events to `status.events.jsonl`, re-materialises
 * `status.json`, the frontmatter `lane` of every work package whose lane differs, the tasks.md status block and
 * the plan's other edits, and commits all of it in one commit. If any step fails, every file is put back as it
 * was (the log truncated to its old size) and nothing stays staged. Sync events are the caller's job, after this.
 */
export async function changeFeatureStatus<R>(
  ctx: StatusChangeContext,
  plan: (state: FeatureState, tx: Transaction) => Promise<StatusChangePlan<R>> | StatusChangePlan<R>,
): Promise<StatusChangeOutcome<R>> {
  const { env, project, feature } = ctx;
  const root = project.root;
  const notes: string[] = [];
  const note = (n: string): void => {
    notes.push(n);
  };
  return withLock(
    featureLockPath(root, feature.slug),
    () =>
      runTransaction(projectTransaction(env, project, ctx.repoTop, ctx.command ?? 'status change', note), async (tx) => {
        const now = env.now();
        const tolerant = { tolerant: ctx.tolerant === true };
        let state = readFeatureState(root, feature, now, tolerant);
        // Which files of the feature hold uncommitted edits, asked while the plan runs (user-edits.ts).
        const dirty = featureStatus(env.git, ctx.repoTop, feature.dir);
        notes.push(...state.log.warnings, ...state.log.problems.map((x) => `Skipped ${x.path}:${x.line}: ${x.message}`));
        // The log is only appended to (its size is enough to undo that), unless a torn tail is repaired (a copy).
        if (state.log.problems.length === 0) {
          if (state.log.tail !== null) tx.track([state.log.path]);
          else tx.trackAppend(state.log.path);
        }
        const repaired = state.log.problems.length > 0 ? null : repairTornTail(root, state.log);
        if (repaired !== null) {
          notes.push(repaired);
          state = readFeatureState(root, feature, now, tolerant);
        }
        const p = await plan(state, tx);
        if (state.log.problems.length > 0 && p.requests.length > 0) {
          throw new WorkflowError(
            'INVALID_STATUS_LOG',
            `${state.log.shownAs} has bad lines; no event is appended to it until they are fixed.`,
            {
              suggestions: [
                `spec-kitty agent status validate --feature ${feature.slug} --json`,
                `spec-kitty agent status materialize --feature ${feature.slug} --force --repair`,
              ],
            },
          );
        }

        // 1. Events: validate every hop before writing anything.
        const lastMs = state.log.events.reduce((m, e) => Math.max(m, Date.parse(e.at) || 0), 0);
        let tMs = now.getTime();
        const newId = createIdGenerator(() => tMs);
        const stamp = (): { at: string; id: string } => {
          // `at` never goes backwards in a feature's log (clock skew between machines): at least 1 ms after the last.
          tMs = Math.max(now.getTime(), lastMs + 1, tMs);
          const out = { at: formatEventTime(new Date(tMs)), id: newId() };
          tMs += 1;
          return out;
        };
        const lanes = new Map<string, Lane>();
        const current = (id: string): Lane => lanes.get(id) ?? state.laneOf(id);
        const events: StatusEvent[] = [];
        for (const req of p.requests) {
          state.wp(req.wpId); // the work package must exist
          let from = current(req.wpId);
          if (!state.hasEvents(req.wpId) && !lanes.has(req.wpId) && from !== 'planned') {
            const fmLane = from;
            const reason = `bootstrap from frontmatter lane ${fmLane} (no status events yet)`;
            events.push(eventOf(feature, req, 'planned', fmLane, { force: true, reason, reviewRef: null, evidence: null }, stamp));
            notes.push(`${req.wpId}: the status log had no events; recorded its frontmatter lane ${fmLane} first.`);
          }
          if (from === req.to && req.force !== true) {
            lanes.set(req.wpId, from);
            continue;
          }
          const hops = req.force === true ? [req.to] : req.walk ? transitionPath(from, req.to) : [req.to];
          hops.forEach((to, i) => {
            const last = i === hops.length - 1;
            const evidence = to === 'done' ? doneEvidence(req) : null;
            validateTransition({
              from,
              to,
              actor: req.actor,
              force: req.force === true,
              reason: last || req.force === true ? (req.reason ?? null) : null,
              reviewRef: last ? (req.reviewRef ?? null) : null,
              feedback: last ? (req.feedback ?? null) : null,
              workspaceContext: req.workspaceContext ?? null,
              ...(req.subtasksComplete === undefined ? {} : { subtasksComplete: req.subtasksComplete }),
              ...(req.implementationEvidencePresent === undefined
                ? {}
                : { implementationEvidencePresent: req.implementationEvidencePresent }),
              evidence:
                evidence === null || evidence === undefined
                  ? null
                  : {
                      review: {
                        reviewer: evidence.review.reviewer,
                        verdict: evidence.review.verdict,
                        reference: evidence.review.reference ?? null,
                      },
                    },
              duties: req.duties ?? null,
              dependencies: req.dependencies ?? null,
            });
            events.push(
              eventOf(
                feature,
                req,
                from,
                to,
                {
                  force: req.force === true,
                  reason: last || req.force === true ? (req.reason ?? null) : null,
                  reviewRef: last ? (req.reviewRef ?? null) : null,
                  evidence,
                },
                stamp,
              ),
            );
            from = to;
          });
          lanes.set(req.wpId, from);
        }

        // 2. Compute every file's new text.
        const allEvents = [...state.log.events, ...events];
        const snapshot = materialize(feature, allEvents, now);
        const writes: Array<{ path: string; text: string; before: Before | null; derive?: (text: string) => string }> = [];
        for (const wp of state.workPackages.workPackages) {
          const edit = p.edits?.get(wp.id);
          const sets: YamlSet[] = [];
          const lane = snapshot.work_packages[wp.id]?.lane;
          if (lane !== undefined && wp.lane !== lane) sets.push({ path: ['lane'], value: lane, after: ['title', 'work_package_id'] });
          sets.push(...(edit?.frontmatter ?? []));
          if (sets.length === 0 && edit === undefined) continue;
          const derive = (from: string): string => {
            let text = updateFrontmatter(from, sets, wp.shownAs);
            if (edit?.body !== undefined) text = edit.body(text);
            if (edit?.activity !== undefined)
              text = appendActivity(text, { ...edit.activity, at: now, lane: edit.activity.lane ?? lane ?? current(wp.id) });
            return text;
          };
          const text = derive(wp.file.text);
          if (text !== wp.file.text) writes.push({ path: wp.path, text, before: wp.file, derive });
        }
        for (const id of p.edits?.keys() ?? []) state.wp(id);
        const tasks = state.tasksMd;
        if (tasks.file !== null) {
          const derive = (from: string): string => {
            const text = p.tasksMd?.(from) ?? from;
            return allEvents.length > 0 ? upsertStatusBlock(text, snapshot) : text;
          };
          const text = derive(tasks.file.text);
          if (text !== tasks.file.text) writes.push({ path: tasks.path, text, before: tasks.file, derive });
        }
        for (const f of p.extraFiles ?? []) {
          const before = isFile(f.path) ? readTextFile(f.path, displayPath(root, f.path)).file : null;
          if (before === null || before.text !== f.text) writes.push({ path: f.path, text: f.text, before });
        }
        const snapPath = statusSnapshotPath(feature);
        const snapBefore = isFile(snapPath) ? readFileSync(snapPath, 'utf8') : null;
        let snapStale = snapBefore === null;
        if (!snapStale && p.materialize === true) {
          try {
            snapStale = snapshotsDiffer(snapshot, JSON.parse(snapBefore as string));
          } catch {
            snapStale = true;
          }
        }
        if (events.length > 0 || (allEvents.length > 0 && snapStale))
          writes.push({
            path: snapPath,
            text: renderSnapshot(snapshot),
            before: snapBefore === null ? null : { text: snapBefore, bom: false },
          });

        if (events.length === 0 && writes.length === 0 && repaired === null) {
          return { result: p.result, events, snapshot, commit: { commit_created: false, commit_hash: null, files_committed: [] }, notes };
        }

        // 3. Write (log first: it is the truth; the views are derived) and commit; the transaction undoes
        //    everything (files, index, commits) on any failure or interrupt.
        const toCommit = [...(events.length > 0 || repaired !== null ? [state.log.path] : []), ...writes.map((w) => w.path)];
        tx.trackAppend(state.log.path);
        tx.track(writes.map((w) => w.path));
        // The user's own uncommitted edits of tasks.md or a prompt file stay out of the commit (user-edits.ts).
        const split = await splitUserEdits(env.git, ctx.repoTop, writes, await dirty);
        notes.push(...split.notes);
        appendStatusEvents(root, state.log.path, events);
        for (const w of writes) {
          tx.checkpoint();
          writeFileAtomic(root, w.path, split.commitText.get(w.path) ?? w.text, {
            ...(w.before === null
              ? {}
              : { bom: w.before.bom, ...(w.before.sha256 !== undefined ? { expectedSha256: w.before.sha256 } : {}) }),
          });
        }
        // With new events every listed file changed (the log grew; the others were rewritten because they differ).
        const committing = tx.commit(p.commitMessage, () =>
          commitFiles(env.git, ctx.repoTop, root, toCommit, p.commitMessage, {
            force: true,
            knownChanged: events.length > 0,
            ...(env.sleep ? { sleep: env.sleep } : {}),
          }),
        );
        prepareEvents(env.events); // the sync side loads its queue while git commits
        const commit = await committing;
        for (const w of writes) {
          if (!split.commitText.has(w.path)) continue;
          tx.checkpoint();
          writeFileAtomic(root, w.path, w.text, w.before === null ? {} : { bom: w.before.bom });
        }
        return { result: p.result, events, snapshot, commit, notes };
      }),
    { what: `feature ${feature.slug}`, onNote: note, signal: env.signal, now: env.now },
  );
}

/** A file's content before the change, to put it back on failure. */
interface Before {
  readonly text: string;
  readonly bom: boolean;
  readonly sha256?: string;
}

function doneEvidence(req: LaneRequest): StatusEvent['evidence'] {
  const forced = req.force === true;
  const review = req.review ?? null;
  // A forced done says so: verdict "forced", by the actor who forced it (never a reviewer who did not review).
  const reviewer = forced ? req.actor : !blank(review?.reviewer) ? (review?.reviewer as string) : null;
  const verdict = forced ? 'forced' : !blank(review?.verdict) ? (review?.verdict as string) : null;
  const reference = !blank(review?.reference) ? (review?.reference as string) : forced ? `force: ${req.reason ?? ''}`.trim() : null;
  const repos = (req.repos ?? []).map((r) => ({ repo: r.repo, branch: r.branch, commit: r.commit }));
  return {
    review: { reviewer: reviewer ?? '', verdict: verdict ?? '', reference },
    ...(repos.length > 0 ? { repos } : {}),
  };
}

function eventOf(
  feature: FeatureRef,
  req: LaneRequest,
  from: Lane,
  to: Lane,
  x: { force: boolean; reason: string | null; reviewRef: string | null; evidence: StatusEvent['evidence'] | null },
  stamp: () => { at: string; id: string },
): StatusEvent {
  const { at, id } = stamp();
  return {
    event_id: id,
    feature_slug: feature.slug,
    wp_id: req.wpId,
    from_lane: from,
    to_lane: to,
    at,
    actor: req.actor,
    force: x.force,
    reason: x.reason,
    execution_mode: req.executionMode,
    review_ref: x.reviewRef,
    evidence: x.evidence,
  };
}

/** Throws INVALID_LANE for a `--to`/`--lane` value that is not a lane. */
export function laneArg(value: string, flag = '--to'): Lane {
  try {
    return resolveLane(value);
  } catch {
    throw new WorkflowError(
      'INVALID_LANE',
      `Invalid lane ${JSON.stringify(value.slice(0, 40))} for ${flag}: expected one of planned, claimed, in_progress, for_review, done, blocked, canceled (or doing).`,
      {
        suggestions: [`Example: ${flag} for_review`],
        details: { lane: value.slice(0, 40) },
      },
    );
  }
}
