import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { LANES, type Lane } from '@kitty/events';
import { PlanningFileError, WorkflowError, formatProblem } from './errors.js';
import { WORKTREES_DIR, listFeatures, type FeatureRef } from './project/features.js';
import { displayPath, readTextFile } from './files/files.js';
import { readMeta, missionOf } from './project/meta.js';
import type { WorkflowEnv } from './ports.js';
import { openProject, type ProjectContext } from './project/project.js';
import { readFeatureState, type FeatureState } from './status/status-change.js';
import { activityEntries, type ParsedActivity } from './tasks/views.js';
import { readWorkPackages } from './tasks/work-packages.js';
import { wpWorkspace } from './tasks/wp-ref.js';

/**
 * Read-only views of a whole project for surfaces beyond the terminal (the dashboard): every feature with its
 * artifacts and progress, the facts a board shows per work package (subtasks, review feedback, worktree, last
 * events), and one work package's prompt and history. Nothing is written. A file that cannot be read is
 * reported in `problems` and the rest is still returned, so a board can show what it can.
 */

/** The planning artifacts of a feature, as the incumbent's dashboard lists them. */
export const FEATURE_ARTIFACTS = [
  { key: 'spec', rel: 'spec.md', kind: 'file' },
  { key: 'plan', rel: 'plan.md', kind: 'file' },
  { key: 'tasks', rel: 'tasks.md', kind: 'file' },
  { key: 'research', rel: 'research.md', kind: 'file' },
  { key: 'quickstart', rel: 'quickstart.md', kind: 'file' },
  { key: 'data_model', rel: 'data-model.md', kind: 'file' },
  { key: 'contracts', rel: 'contracts', kind: 'dir' },
  { key: 'checklists', rel: 'checklists', kind: 'dir' },
  { key: 'work_packages', rel: 'tasks', kind: 'dir' },
] as const;

/** The key of a feature artifact (`spec`, `plan`, …). */
export type ArtifactKey = (typeof FEATURE_ARTIFACTS)[number]['key'];

/** One artifact of a feature: whether it is there and when it last changed. */
export interface ArtifactInfo {
  readonly exists: boolean;
  /** Relative to the project root. */
  readonly path: string;
  /** ISO time of the last change (the newest file for a directory), null when missing. */
  readonly modified_at: string | null;
  /** Whole seconds since then, null when missing. */
  readonly age_seconds: number | null;
  /** Files in a directory artifact (null for a file). */
  readonly files: number | null;
}

/** A status event as a board shows it. */
export interface BoardEvent {
  readonly event_id: string;
  readonly wp_id: string;
  readonly from_lane: string;
  readonly to_lane: string;
  readonly at: string;
  readonly actor: string;
  readonly force: boolean;
  readonly reason: string | null;
}

/** The board facts of one work package that `agent tasks status` does not carry. */
export interface WorkPackageFacts {
  readonly id: string;
  readonly title: string;
  /** The lane as `agent tasks status` reads it (the frontmatter's when the status log is unreadable). */
  readonly lane: Lane;
  readonly agent: string;
  readonly dependencies: readonly string[];
  readonly subtasks_total: number;
  readonly subtasks_done: number;
  readonly reviewed_by: string;
  /** The `## Review Feedback` section (trimmed, at most 2,000 characters); '' when there is none. */
  readonly review_feedback: string;
  /** `.worktrees/<slug>-WPxx`, relative to the project root. */
  readonly worktree: string;
  readonly worktree_exists: boolean;
  /** Dependencies that are not done yet (unknown ids count as not done). */
  readonly waiting_on: readonly string[];
  /** Planned and every dependency done. */
  readonly ready: boolean;
  readonly last_event: BoardEvent | null;
}

/** Workflow phases of a feature, as the incumbent's dashboard shows them. */
export interface WorkflowProgress {
  readonly specify: 'complete' | 'pending';
  readonly plan: 'complete' | 'pending';
  readonly tasks: 'complete' | 'pending';
  readonly implement: 'complete' | 'in_progress' | 'pending';
  readonly review: 'complete' | 'in_progress' | 'pending';
}

/** Everything a board shows about one feature besides the `agent tasks status` document. */
export interface FeatureOverview {
  readonly feature: string;
  readonly number: string;
  readonly friendly_name: string;
  readonly mission: string;
  readonly path: string;
  readonly artifacts: Readonly<Record<ArtifactKey, ArtifactInfo>>;
  readonly workflow: WorkflowProgress;
  readonly total_wps: number;
  readonly by_lane: Readonly<Record<Lane, number>>;
  readonly progress_percentage: number;
  readonly work_packages: readonly WorkPackageFacts[];
  /** The newest status events, newest first (at most `recentEvents`). */
  readonly recent_events: readonly BoardEvent[];
  readonly event_count: number;
  /** Whether the lanes come from the status log (false when it could not be read: frontmatter lanes then). */
  readonly status_log_readable: boolean;
  /** What could not be read, one line each (path:line:col: message). */
  readonly problems: readonly string[];
}

/** What {@link projectOverview} returns. */
export interface ProjectOverview {
  readonly project_path: string;
  readonly features: readonly FeatureOverview[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '');

function artifactInfo(root: string, feature: FeatureRef, rel: string, kind: 'file' | 'dir', now: number): ArtifactInfo {
  const p = path.join(feature.dir, rel);
  const shown = displayPath(root, p);
  try {
    const st = statSync(p);
    if (kind === 'file' ? !st.isFile() : !st.isDirectory())
      return { exists: false, path: shown, modified_at: null, age_seconds: null, files: null };
    // A directory's own mtime moves when a file is added, removed or replaced (the writers rename a temp file into
    // place), so its files need no stat of their own.
    const mtime = st.mtimeMs;
    const files =
      kind === 'dir' ? readdirSync(p, { withFileTypes: true }).filter((e) => e.isFile() && !e.name.startsWith('.')).length : null;
    return {
      exists: true,
      path: shown,
      modified_at: new Date(mtime).toISOString(),
      age_seconds: Math.max(0, Math.floor((now - mtime) / 1000)),
      files,
    };
  } catch {
    return { exists: false, path: shown, modified_at: null, age_seconds: null, files: null };
  }
}

const toBoardEvent = (e: FeatureState['log']['events'][number]): BoardEvent => ({
  event_id: e.event_id,
  wp_id: e.wp_id,
  from_lane: e.from_lane,
  to_lane: e.to_lane,
  at: e.at,
  actor: e.actor,
  force: e.force,
  reason: e.reason ?? null,
});

/** The feedback in the `## Review Feedback` section of a prompt body ('' when absent or only the template's placeholder). */
export function reviewFeedbackOf(text: string): string {
  const m = /^##\s+Review Feedback\s*$/im.exec(text);
  if (m === null) return '';
  const rest = text.slice(m.index + m[0].length);
  const end = rest.search(/^##\s+/m);
  // Without the header lines `move-task` writes (reviewer, status, date, feedback file): the feedback itself.
  const body = (end < 0 ? rest : rest.slice(0, end))
    .split('\n')
    .filter((l) => !/^\*\*(Reviewed by|Status|Date|Feedback file)\*\*:/.test(l.trim()))
    .join('\n')
    .trim();
  if (body === '' || /^\*?no feedback yet\.?\*?$/i.test(body)) return '';
  return body.length > 2000 ? `${body.slice(0, 1999)}…` : body;
}

const describe = (err: unknown): string => {
  if (err instanceof PlanningFileError) return err.problems.map(formatProblem).join('; ');
  return err instanceof Error ? err.message : String(err);
};

/**
 * The overview of one feature: artifacts with their age, workflow phases, lane counts (the same counting as
 * `agent tasks status`), per work package the subtasks done/total from tasks.md, review feedback, worktree,
 * readiness and last event, and the newest events. Never throws for a bad file: a status log with bad lines is
 * read tolerantly (bad lines listed in `problems`), an unreadable one falls back to the frontmatter lanes
 * (`status_log_readable: false`), a malformed prompt file or tasks.md is listed in `problems`.
 */
export async function featureOverview(
  root: string,
  feature: FeatureRef,
  now: Date,
  options: { readonly recentEvents?: number } = {},
): Promise<FeatureOverview> {
  const problems: string[] = [];
  const nowMs = now.getTime();
  let state: FeatureState | null = null;
  let logReadable = true;
  try {
    state = readFeatureState(root, feature, now, { tolerant: true });
    problems.push(...state.log.problems.map(formatProblem), ...state.log.warnings);
  } catch (err) {
    problems.push(describe(err));
    logReadable = false;
  }
  let meta: Record<string, unknown> | null = null;
  try {
    meta = readMeta(root, feature)?.data ?? null;
  } catch (err) {
    problems.push(describe(err));
  }
  const wpSet = state?.workPackages ?? safeWorkPackages(root, feature, problems);
  problems.push(...wpSet.problems.map(formatProblem));
  const events = state?.log.events ?? [];
  const snapshot = state?.snapshot.work_packages ?? {};
  const laneOf = (id: string, fm: string | null): Lane => {
    const s = snapshot[id];
    if (s !== undefined) return s.lane;
    if (state !== null) {
      try {
        return state.laneOf(id);
      } catch (err) {
        problems.push(describe(err));
        return 'planned';
      }
    }
    const v = (fm ?? '').trim();
    if (v === 'doing') return 'in_progress';
    return (LANES as readonly string[]).includes(v) ? (v as Lane) : 'planned';
  };
  let subtasks = new Map<string, { total: number; done: number }>();
  if (state !== null) {
    try {
      const parsed = await state.tasksMd.parse();
      if (parsed !== null)
        subtasks = new Map(parsed.sections.map((s) => [s.id, { total: s.subtasks.length, done: s.subtasks.filter((t) => t.done).length }]));
    } catch (err) {
      problems.push(describe(err));
    }
  }
  const byLane = Object.fromEntries(LANES.map((l) => [l, 0])) as Record<Lane, number>;
  const lanes = new Map<string, Lane>();
  for (const w of wpSet.workPackages) {
    const lane = laneOf(w.id, w.lane);
    lanes.set(w.id, lane);
    byLane[lane] += 1;
  }
  const lastEvent = new Map<string, BoardEvent>();
  for (const e of events) lastEvent.set(e.wp_id, toBoardEvent(e));
  // One listing of .worktrees/ instead of a stat per package (most packages have no worktree).
  let worktreeNames: Set<string>;
  try {
    worktreeNames = new Set(readdirSync(path.join(root, WORKTREES_DIR)));
  } catch {
    worktreeNames = new Set();
  }
  const wps: WorkPackageFacts[] = wpSet.workPackages.map((w) => {
    const deps = w.dependencies ?? [];
    const waiting = deps.filter((d) => lanes.get(d) !== 'done');
    const st = subtasks.get(w.id) ?? { total: Array.isArray(w.data['subtasks']) ? (w.data['subtasks'] as unknown[]).length : 0, done: 0 };
    const ws = wpWorkspace(root, feature, w.id);
    return {
      id: w.id,
      title: w.title ?? w.id,
      lane: lanes.get(w.id) ?? 'planned',
      agent: str(w.data['agent']),
      dependencies: deps,
      subtasks_total: st.total,
      subtasks_done: st.done,
      reviewed_by: str(w.data['reviewed_by']),
      review_feedback: reviewFeedbackOf(w.file.text),
      worktree: displayPath(root, ws),
      worktree_exists: worktreeNames.has(path.basename(ws)) && existsSync(path.join(ws, '.git')),
      waiting_on: waiting,
      ready: lanes.get(w.id) === 'planned' && waiting.length === 0,
      last_event: lastEvent.get(w.id) ?? null,
    };
  });
  const total = wpSet.workPackages.length;
  const counted = total - byLane.canceled;
  const artifacts = Object.fromEntries(FEATURE_ARTIFACTS.map((a) => [a.key, artifactInfo(root, feature, a.rel, a.kind, nowMs)])) as Record<
    ArtifactKey,
    ArtifactInfo
  >;
  const started = byLane.claimed + byLane.in_progress + byLane.for_review + byLane.done + byLane.blocked > 0;
  const allDone = total > 0 && byLane.done === counted;
  const recent = Math.max(0, options.recentEvents ?? 20);
  return {
    feature: feature.slug,
    number: feature.number,
    friendly_name: str(meta?.['friendly_name']) || feature.slug.slice(4).replace(/-/g, ' '),
    mission: missionOf(meta),
    path: feature.relDir,
    artifacts,
    workflow: {
      specify: artifacts.spec.exists ? 'complete' : 'pending',
      plan: artifacts.plan.exists ? 'complete' : 'pending',
      tasks: total > 0 ? 'complete' : 'pending',
      implement: allDone ? 'complete' : started ? 'in_progress' : 'pending',
      review: allDone ? 'complete' : byLane.for_review > 0 || byLane.done > 0 ? 'in_progress' : 'pending',
    },
    total_wps: total,
    by_lane: byLane,
    progress_percentage: counted === 0 ? 0 : Math.round((byLane.done / counted) * 1000) / 10,
    work_packages: wps,
    recent_events: events.slice(-recent).reverse().map(toBoardEvent),
    event_count: events.length,
    status_log_readable: logReadable,
    problems: [...new Set(problems)],
  };
}

function safeWorkPackages(root: string, feature: FeatureRef, problems: string[]) {
  try {
    return readWorkPackages(root, feature);
  } catch (err) {
    problems.push(describe(err));
    return { tasksDir: path.join(feature.dir, 'tasks'), workPackages: [], problems: [], warnings: [] };
  }
}

/** The overview of every feature of the project around `cwd` (works from a worktree: the main checkout is read). */
export async function projectOverview(
  options: Pick<WorkflowEnv, 'cwd' | 'env' | 'git' | 'now'> & { readonly recentEvents?: number },
): Promise<ProjectOverview> {
  const project = await openProject(options);
  const now = options.now();
  const features: FeatureOverview[] = [];
  for (const f of listFeatures(project.root)) features.push(await featureOverview(project.root, f, now, options));
  return { project_path: project.root, features };
}

/** A work package's prompt and history, for a detail view. */
export interface WorkPackageDetail {
  readonly feature: string;
  readonly id: string;
  readonly title: string;
  readonly lane: Lane;
  readonly file: string;
  /** Frontmatter as read (values as YAML gave them). */
  readonly frontmatter: Readonly<Record<string, unknown>>;
  /** The prompt body (markdown, without the frontmatter). */
  readonly body: string;
  readonly activity: readonly ParsedActivity[];
  /** Every status event of this work package, oldest first. */
  readonly events: readonly BoardEvent[];
  readonly problems: readonly string[];
}

/**
 * One work package of a feature: its frontmatter, prompt body, Activity Log and status events. Throws
 * UNKNOWN_FEATURE / UNKNOWN_WORK_PACKAGE when there is no such feature or prompt file.
 */
export async function workPackageDetail(
  options: Pick<WorkflowEnv, 'cwd' | 'env' | 'git' | 'now'> & {
    readonly feature: string;
    readonly wpId: string;
    readonly project?: ProjectContext;
  },
): Promise<WorkPackageDetail> {
  const project = options.project ?? (await openProject(options));
  const feature = findFeature(project.root, options.feature);
  const problems: string[] = [];
  let state: FeatureState | null = null;
  try {
    state = readFeatureState(project.root, feature, options.now(), { tolerant: true });
  } catch (err) {
    problems.push(describe(err));
  }
  const set = state?.workPackages ?? safeWorkPackages(project.root, feature, problems);
  const wp = set.workPackages.find((w) => w.id === options.wpId.toUpperCase());
  if (wp === undefined) {
    throw new WorkflowError('UNKNOWN_WORK_PACKAGE', `No prompt file for ${options.wpId} in ${feature.relDir}/tasks.`, {
      suggestions: [`spec-kitty agent tasks list-tasks --feature ${feature.slug} --json lists the work packages.`],
      details: { feature: feature.slug, wp_id: options.wpId },
    });
  }
  let lane: Lane = 'planned';
  try {
    lane = state === null ? 'planned' : state.laneOf(wp.id);
  } catch (err) {
    problems.push(describe(err));
  }
  const body = wp.frontmatter.body ?? wp.file.text;
  return {
    feature: feature.slug,
    id: wp.id,
    title: wp.title ?? wp.id,
    lane,
    file: wp.shownAs,
    frontmatter: wp.data,
    body,
    activity: activityEntries(wp.file.text),
    events: (state?.log.events ?? []).filter((e) => e.wp_id === wp.id).map(toBoardEvent),
    problems,
  };
}

/** A feature of the project by slug or number; UNKNOWN_FEATURE otherwise. */
export function findFeature(root: string, ref: string): FeatureRef {
  const features = listFeatures(root);
  const hit = features.find((f) => f.slug === ref) ?? (/^\d{3}$/.test(ref) ? features.find((f) => f.number === ref) : undefined);
  if (hit === undefined) {
    throw new WorkflowError('UNKNOWN_FEATURE', `Feature directory not found: kitty-specs/${ref.slice(0, 80)}.`, {
      suggestions:
        features.length > 0
          ? [`Available features: ${features.map((f) => f.slug).join(', ')}`]
          : ['Create one first: spec-kitty agent feature create-feature <name> --json'],
      details: { feature: ref.slice(0, 80), available_features: features.map((f) => f.slug) },
    });
  }
  return hit;
}

/** The text of a markdown artifact of a feature (`spec`, `plan`, `tasks`, `research`, `quickstart`, `data_model`), or null when missing. */
export function readFeatureArtifact(root: string, feature: FeatureRef, key: ArtifactKey): { path: string; text: string } | null {
  const a = FEATURE_ARTIFACTS.find((x) => x.key === key);
  if (a === undefined || a.kind !== 'file') return null;
  const p = path.join(feature.dir, a.rel);
  if (!existsSync(p)) return null;
  const shown = displayPath(root, p);
  const read = readTextFile(p, shown);
  if (read.file === null)
    throw new WorkflowError('FILE_READ_FAILED', `Cannot read ${shown}: ${read.problems.map((x) => x.message).join('; ')}`, {
      suggestions: ['Check the file and reload the page.'],
      details: { path: shown },
    });
  return { path: shown, text: read.file.text };
}
