import path from 'node:path';
import { LANES, resolveLane, type Lane } from '@kitty/events';
import { PlanningFileError, WorkflowError, formatProblem } from '../errors.js';
import { emitAfter, hint, openFeature, openProjectFeature, reportingFailures, specNumber } from '../project/feature-context.js';
import type { WorkflowEnv } from '../ports.js';
import { changeFeatureStatus, laneArg, readFeatureState, type FeatureState } from '../status/status-change.js';
import { activityEntries, hasActivityLog, setCheckboxes } from './views.js';
import { workspaceFacts } from '../execution/workspace-facts.js';
import type { WorkPackageFile } from './work-packages.js';
import { normalizeWpId } from './wp-ref.js';

const filled = (s: string | null | undefined): s is string => s !== undefined && s !== null && s.trim() !== '';
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

/**
 * Read-only commands resolve the project and feature without requiring git. "Read-only" means nothing in the
 * project changes and nothing is committed; parse results may be cached in the git dir (parse-cache.ts).
 */
async function readContext(options: WorkflowEnv & { readonly feature?: string | undefined }, command: string) {
  const { project, feature } = await openProjectFeature(options, { feature: options.feature, command, guess: true });
  return {
    project,
    feature,
    state: readFeatureState(project.root, feature, options.now()),
    guessed: feature.note === undefined ? [] : [feature.note],
  };
}

/** One row of `agent tasks list-tasks`. */
export interface TaskRow {
  readonly work_package_id: string;
  readonly title: string;
  /** The lane from the status log (canonical), else the frontmatter's. */
  readonly lane: Lane;
  /** The prompt file, absolute (as the incumbent prints it). */
  readonly path: string;
  /** The prompt file, relative to the project root. */
  readonly relative_path: string;
  readonly dependencies: readonly string[];
  readonly agent: string;
}

/** What `agent tasks list-tasks --json` prints. */
export interface ListTasksResult {
  readonly feature_slug: string;
  readonly tasks: readonly TaskRow[];
  readonly count: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent tasks list-tasks [--lane L]`: the work packages of a feature, sorted by id, with the lane
 * the status log says (aliases in `--lane` resolved). Read-only.
 */
export async function listTasks(
  options: WorkflowEnv & { readonly feature?: string | undefined; readonly lane?: string | undefined },
): Promise<ListTasksResult> {
  const { project, feature, state, guessed } = await readContext(options, 'agent tasks list-tasks');
  const lane = filled(options.lane) ? laneArg(options.lane, '--lane') : undefined;
  const rows = state.workPackages.workPackages
    .map((w) => ({
      work_package_id: w.id,
      title: w.title ?? w.id,
      lane: state.laneOf(w.id),
      path: path.join(project.root, w.shownAs),
      relative_path: w.shownAs,
      dependencies: w.dependencies ?? [],
      agent: str(w.data['agent']),
    }))
    .filter((r) => lane === undefined || r.lane === lane);
  return {
    feature_slug: feature.slug,
    tasks: rows,
    count: rows.length,
    notes: [...guessed, ...state.log.warnings, ...state.workPackages.problems.map(formatProblem)],
  };
}

/** What `agent tasks validate-workflow --json` prints; `valid` false exits non-zero. */
export interface ValidateWorkflowResult {
  readonly valid: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly task_id: string;
  readonly lane: string | null;
  readonly feature_slug: string;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent tasks validate-workflow WPxx`: checks one work package's prompt file: required frontmatter
 * fields, a known lane (the alias `doing` is fine), the lane agreeing with the status log, a real dependency
 * list, and warns about a file name without the id or a missing Activity Log. Read-only.
 */
export async function validateWorkflow(
  options: WorkflowEnv & { readonly wpId: string; readonly feature?: string | undefined },
): Promise<ValidateWorkflowResult> {
  const wpId = normalizeWpId(options.wpId);
  const { feature, state, guessed } = await readContext(options, 'agent tasks validate-workflow');
  const errors: string[] = [];
  const warnings: string[] = [];
  const wp = state.workPackages.workPackages.find((w) => w.id === wpId);
  if (wp === undefined) {
    const bad = state.workPackages.problems.filter((p) => path.basename(p.path).startsWith(wpId));
    if (bad.length === 0) state.wp(wpId); // throws UNKNOWN_WORK_PACKAGE
    return {
      valid: false,
      errors: bad.map(formatProblem),
      warnings,
      task_id: wpId,
      lane: null,
      feature_slug: feature.slug,
      notes: guessed,
    };
  }
  for (const key of ['work_package_id', 'title', 'lane']) if (!filled(str(wp.data[key]))) errors.push(`Missing required field: ${key}`);
  let lane: Lane | null = null;
  if (filled(wp.lane)) {
    try {
      lane = resolveLane(wp.lane);
    } catch {
      errors.push(`Invalid lane '${wp.lane}' (expected one of ${LANES.join(', ')}, or doing)`);
    }
  }
  const logLane = state.snapshot.work_packages[wpId]?.lane;
  if (logLane !== undefined && lane !== null && logLane !== lane)
    errors.push(`Frontmatter lane '${wp.lane}' disagrees with the status log ('${logLane}'); run spec-kitty agent status materialize`);
  if (wp.dependenciesProblem !== null) errors.push(formatProblem(wp.dependenciesProblem));
  if (!path.basename(wp.path).startsWith(wpId)) warnings.push(`File name ${path.basename(wp.path)} does not start with ${wpId}`);
  if (!hasActivityLog(wp.file.text)) warnings.push('No "## Activity Log" section');
  return {
    valid: errors.length === 0,
    errors,
    warnings,
    task_id: wpId,
    lane: logLane ?? lane ?? wp.lane,
    feature_slug: feature.slug,
    notes: guessed,
  };
}

/** What `agent tasks add-history --json` prints. */
export interface AddHistoryResult {
  readonly result: 'success';
  readonly task_id: string;
  readonly note: string;
  readonly lane: Lane;
  readonly commit_hash: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent tasks add-history WPxx --note N`: appends an Activity Log line with the current lane,
 * commits it (`chore: Add history to WPxx on spec NNN [agent]`; the repository stays clean) and queues
 * `HistoryAdded` (note).
 */
export async function addHistory(
  options: WorkflowEnv & {
    readonly wpId: string;
    readonly note: string;
    readonly feature?: string | undefined;
    readonly agent?: string | undefined;
    readonly shellPid?: string | undefined;
  },
): Promise<AddHistoryResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent tasks add-history' });
  const wpId = normalizeWpId(options.wpId);
  return reportingFailures(options, fc, { command: 'add-history', wpId, agent: options.agent }, async () => {
    if (!filled(options.note)) {
      throw new WorkflowError('INVALID_OPTION', '--note must not be empty.', {
        suggestions: ['Example: spec-kitty agent tasks add-history WP01 --note "Chose SQLite for the cache" --agent claude'],
      });
    }
    const notes = [...fc.notes];
    let author = 'user';
    let lane: Lane = 'planned';
    const outcome = await changeFeatureStatus({ env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop }, (state) => {
      const wp = state.wp(wpId);
      lane = state.laneOf(wpId);
      author = [options.agent, str(wp.data['agent'])].find(filled) ?? 'user';
      return {
        requests: [],
        edits: new Map([[wpId, { activity: { agent: author, shellPid: options.shellPid ?? null, note: options.note, lane } }]]),
        commitMessage: `chore: Add history to ${wpId} on spec ${specNumber(fc.feature.slug)}${filled(options.agent) ? ` [${options.agent.trim()}]` : ''}`,
        result: null,
      };
    });
    notes.push(...outcome.notes);
    const queued = await emitAfter(
      options,
      fc.project.root,
      'HistoryAdded',
      notes,
      (f) => [f.historyAdded({ wpId, entryType: 'note', content: options.note.trim().slice(0, 4000), author })],
      hint(fc, null),
    );
    return {
      result: 'success',
      task_id: wpId,
      note: options.note,
      lane,
      commit_hash: outcome.commit.commit_hash,
      events_queued: queued,
      notes,
    };
  });
}

/** What `agent tasks mark-status --json` prints. */
export interface MarkStatusResult {
  readonly result: 'success';
  readonly updated: readonly string[];
  readonly not_found: readonly string[];
  readonly status: 'done' | 'pending';
  readonly count: number;
  /** The work package of each updated subtask (its tasks.md section). */
  readonly work_packages: Readonly<Record<string, string>>;
  readonly commit_hash: string | null;
  readonly events_queued: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent tasks mark-status T001 [T002…] --status done|pending`: ticks (or unticks) subtask
 * checkboxes in tasks.md (`[x]`, `[X]` and `[ ]` recognised), commits tasks.md (`chore: Mark T001 as done on spec
 * NNN`) and queues one `HistoryAdded` per work package whose subtasks changed, with the right work package id.
 */
export async function markStatus(
  options: WorkflowEnv & {
    readonly taskIds: readonly string[];
    readonly status: string;
    readonly feature?: string | undefined;
    readonly agent?: string | undefined;
  },
): Promise<MarkStatusResult> {
  const fc = await openFeature(options, { feature: options.feature, command: 'agent tasks mark-status' });
  return reportingFailures(options, fc, { command: 'mark-status', agent: options.agent }, async () => {
    const status = options.status.trim().toLowerCase();
    if (status !== 'done' && status !== 'pending') {
      throw new WorkflowError('INVALID_OPTION', `--status must be done or pending; got ${JSON.stringify(options.status.slice(0, 20))}.`, {
        suggestions: ['Example: spec-kitty agent tasks mark-status T001 --status done'],
      });
    }
    const ids = [...new Set(options.taskIds.map((t) => t.trim().toUpperCase()).filter((t) => t !== ''))];
    if (ids.length === 0 || ids.some((t) => !/^T\d{1,4}$/.test(t))) {
      throw new WorkflowError(
        'INVALID_OPTION',
        `Subtask ids look like T001; got ${JSON.stringify(options.taskIds.join(' ').slice(0, 80))}.`,
        { suggestions: ['Example: spec-kitty agent tasks mark-status T001 T002 --status done'] },
      );
    }
    const notes = [...fc.notes];
    const byWp: Record<string, string> = {};
    let updated: string[] = [];
    let notFound: string[] = [];
    const outcome = await changeFeatureStatus(
      { env: options, project: fc.project, feature: fc.feature, repoTop: fc.repoTop },
      async (state: FeatureState) => {
        const parsed = await state.tasksMd.parse();
        if (parsed === null || state.tasksMd.file === null) {
          throw new WorkflowError('UNKNOWN_SUBTASK', `tasks.md not found: ${state.tasksMd.path}`, {
            suggestions: ['Write tasks.md first (/spec-kitty.tasks).'],
          });
        }
        if (parsed.problems.length > 0) throw new PlanningFileError('INVALID_TASKS_FILE', parsed.problems);
        const all = [
          ...parsed.sections.flatMap((s) => s.subtasks.map((t) => ({ t, wp: s.id }))),
          ...parsed.looseSubtasks.map((t) => ({ t, wp: null })),
        ];
        const targets: Array<{ line: number; col: number }> = [];
        for (const id of ids) {
          const hit = all.find((x) => x.t.id === id);
          if (hit === undefined) continue;
          updated.push(id);
          if (hit.wp !== null) byWp[id] = hit.wp;
          targets.push(hit.t);
        }
        notFound = ids.filter((id) => !updated.includes(id));
        if (updated.length === 0) {
          throw new WorkflowError('UNKNOWN_SUBTASK', `No task IDs found in tasks.md: ${ids.join(', ')}`, {
            suggestions: ['Subtasks are checkbox lines in tasks.md like "- [ ] T001 Create the table"; check the ids.'],
            details: { not_found: ids },
          });
        }
        updated = [...updated];
        const n = updated.length;
        return {
          requests: [],
          tasksMd: (text) => setCheckboxes(text, targets, status === 'done'),
          commitMessage:
            n === 1
              ? `chore: Mark ${updated[0]} as ${status} on spec ${specNumber(fc.feature.slug)}`
              : `chore: Mark ${n} subtasks as ${status} on spec ${specNumber(fc.feature.slug)}`,
          result: null,
        };
      },
    );
    notes.push(...outcome.notes);
    if (notFound.length > 0) notes.push(`Not found in tasks.md: ${notFound.join(', ')}`);
    const groups = new Map<string, string[]>();
    for (const id of updated) {
      const wp = byWp[id];
      if (wp !== undefined) groups.set(wp, [...(groups.get(wp) ?? []), id]);
    }
    const queued = await emitAfter(
      options,
      fc.project.root,
      'HistoryAdded',
      notes,
      (f) =>
        [...groups].map(([wpId, list]) =>
          f.historyAdded({
            wpId,
            entryType: 'note',
            content: `Subtask${list.length === 1 ? '' : 's'} ${list.join(', ')} marked as ${status}`,
            author: filled(options.agent) ? options.agent.trim() : 'user',
          }),
        ),
      hint(fc, null),
    );
    return {
      result: 'success',
      updated,
      not_found: notFound,
      status,
      count: updated.length,
      work_packages: byWp,
      commit_hash: outcome.commit.commit_hash,
      events_queued: queued,
      notes,
    };
  });
}

/** One work package on the board. */
export interface BoardWorkPackage {
  readonly id: string;
  readonly title: string;
  readonly lane: Lane;
  readonly phase: string;
  /** The prompt file's name (as the incumbent prints it); `file_path` is its path from the project root. */
  readonly file: string;
  readonly file_path: string;
  readonly agent: string;
  readonly shell_pid: string;
  readonly dependencies: readonly string[];
  readonly review_status: string;
  /** Only for claimed/in_progress work packages with a workspace. */
  readonly worktree_exists?: boolean;
  readonly minutes_since_commit?: number | null;
  readonly is_stale?: boolean;
}

/** What `agent tasks status --json` prints: the kanban of a feature. */
export interface TasksStatusResult {
  readonly feature: string;
  readonly total_wps: number;
  /** Work packages per lane, only lanes that hold any (as the incumbent prints it). */
  readonly by_lane: Readonly<Partial<Record<Lane, number>>>;
  /** Work packages per canonical lane, all seven lanes present. */
  readonly lane_counts: Readonly<Record<Lane, number>>;
  readonly work_packages: readonly BoardWorkPackage[];
  /** Done out of all but canceled, in percent (one decimal). */
  readonly progress_percentage: number;
  /** How many work packages are stale (an integer, as the incumbent prints it). */
  readonly stale_wps: number;
  /** Which work packages are stale. */
  readonly stale_wp_ids: readonly string[];
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent tasks status [--stale-threshold MIN]`: the kanban of a feature by canonical lane, with
 * progress and, for work packages being implemented, whether their workspace had no commit for the threshold
 * (default 10 minutes). Read-only.
 */
export async function tasksStatus(
  options: WorkflowEnv & { readonly feature?: string | undefined; readonly staleThresholdMinutes?: number | undefined },
): Promise<TasksStatusResult> {
  const { project, feature, state, guessed } = await readContext(options, 'agent tasks status');
  const threshold = options.staleThresholdMinutes ?? 10;
  const now = options.now().getTime();
  const byLane = Object.fromEntries(LANES.map((l) => [l, 0])) as Record<Lane, number>;
  const rows: BoardWorkPackage[] = [];
  const stale: string[] = [];
  for (const w of state.workPackages.workPackages) {
    const lane = state.laneOf(w.id);
    byLane[lane] += 1;
    const row: BoardWorkPackage = {
      id: w.id,
      title: w.title ?? w.id,
      lane,
      phase: str(w.data['phase']),
      file: path.basename(w.shownAs),
      file_path: w.shownAs,
      agent: str(w.data['agent']),
      shell_pid: str(w.data['shell_pid']),
      dependencies: w.dependencies ?? [],
      review_status: str(w.data['review_status']),
      ...(lane === 'claimed' || lane === 'in_progress' ? await staleness(options, project.root, feature, w, now, threshold) : {}),
    };
    if (row.is_stale === true) stale.push(w.id);
    rows.push(row);
  }
  const total = rows.length;
  const counted = total - byLane.canceled;
  return {
    feature: feature.slug,
    total_wps: total,
    by_lane: Object.fromEntries(Object.entries(byLane).filter(([, n]) => n > 0)),
    lane_counts: byLane,
    work_packages: rows,
    progress_percentage: counted === 0 ? 0 : Math.round((byLane.done / counted) * 1000) / 10,
    stale_wps: stale.length,
    stale_wp_ids: stale,
    notes: [...guessed, ...state.log.warnings, ...state.workPackages.problems.map(formatProblem)],
  };
}

async function staleness(
  env: WorkflowEnv,
  root: string,
  feature: FeatureState['feature'],
  w: WorkPackageFile,
  now: number,
  threshold: number,
): Promise<Pick<BoardWorkPackage, 'worktree_exists' | 'minutes_since_commit' | 'is_stale'>> {
  try {
    // Only whether the workspace exists matters here: a missing directory needs no `git worktree list`.
    const ws = await workspaceFacts(env.git, root, feature, w, { registry: false });
    if (!ws.exists) return { worktree_exists: false, minutes_since_commit: null, is_stale: false };
    const last = (await env.git.log(ws.path, 'HEAD', 1))[0];
    const minutes = last === undefined ? null : Math.max(0, Math.floor((now - last.time.getTime()) / 60_000));
    return { worktree_exists: true, minutes_since_commit: minutes, is_stale: minutes !== null && minutes >= threshold };
  } catch {
    return { worktree_exists: false, minutes_since_commit: null, is_stale: false };
  }
}

/** The Activity Log entries of a work package (for acceptance checks). */
export function activityOf(w: WorkPackageFile) {
  return activityEntries(w.file.text);
}
