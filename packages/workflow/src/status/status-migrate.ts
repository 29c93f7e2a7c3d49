import { createIdGenerator, orderStatusEvents, resolveLane, type Lane, type StatusEvent } from '@kitty/events';
import { WorkflowError } from '../errors.js';
import { repoTopOf } from '../git/commit.js';
import { listFeatures, resolveFeature, type FeatureRef } from '../project/features.js';
import type { WorkflowEnv } from '../ports.js';
import { openProject, requireGit } from '../project/project.js';
import { activityEntries, upsertStatusBlock } from '../tasks/views.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';
import { changeFeatureStatus, readFeatureState, type FeatureState } from './status-change.js';
import { formatEventTime, materialize, renderSnapshot, serializeStatusEvent, statusSnapshotPath } from './status-log.js';

/** The reason of the first event `agent status migrate` writes for each work package (as the Python CLI). */
export const HISTORICAL_MIGRATION_MARKER = 'historical_frontmatter_to_jsonl:v1';

/** Options of {@link migrateStatus} (`spec-kitty agent status migrate`). */
export interface MigrateStatusOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
  /** Every feature of the project. */
  readonly all?: boolean | undefined;
  readonly dryRun?: boolean | undefined;
  /** The actor of the events written (default `migration`). */
  readonly actor?: string | undefined;
}

/** What happened to one feature. */
export type MigrationStatus =
  /** The log was built and committed. */
  | 'migrated'
  /** Dry run: the log would be built. */
  | 'would_migrate'
  /** A log written by an earlier migration is there: nothing to do. */
  | 'already_migrated'
  /** The log has events of real commands: it is the record; left alone. */
  | 'has_live_events'
  /** The log has lines that cannot be read: left alone (`agent status materialize --repair`). */
  | 'log_unreadable'
  /** No work package has a lane other than planned: there is nothing to record. */
  | 'nothing_to_migrate';

/** One work package's events as migrated. */
export interface MigratedWorkPackage {
  readonly wp_id: string;
  readonly events: number;
  readonly lanes: readonly Lane[];
  readonly final_lane: Lane;
}

/** One feature in the result. */
export interface MigratedFeature {
  readonly feature_slug: string;
  readonly status: MigrationStatus;
  readonly event_count: number;
  readonly work_packages: readonly MigratedWorkPackage[];
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
}

/** What `agent status migrate --json` prints. */
export interface MigrateStatusResult {
  readonly dry_run: boolean;
  readonly actor: string;
  readonly features: readonly MigratedFeature[];
  readonly migrated_count: number;
  readonly skipped_count: number;
  readonly event_count: number;
  readonly notes: readonly string[];
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

function laneOrNull(v: unknown): Lane | null {
  const s = str(v);
  if (s === null) return null;
  try {
    return resolveLane(s);
  } catch {
    return null;
  }
}

const timeOf = (v: unknown): number | null => {
  const t = typeof v === 'string' ? Date.parse(v) : v instanceof Date ? v.getTime() : Number.NaN;
  return Number.isFinite(t) ? t : null;
};

/**
 * The events that record a work package's frontmatter: one per lane change of its `history` entries (in file
 * order), then one to its frontmatter `lane` when that differs from the last. All forced (they were never judged
 * by the guards); the first carries {@link HISTORICAL_MIGRATION_MARKER}. Times come from the history entries (the
 * last one from the latest Activity Log entry, else `now`), never going backwards.
 */
function historyEvents(
  feature: FeatureRef,
  wp: WorkPackageFile,
  actor: string,
  now: Date,
  newId: (ms: number) => string,
  notes: string[],
): StatusEvent[] {
  const out: StatusEvent[] = [];
  let cur: Lane = 'planned';
  let lastMs = 0;
  const push = (to: Lane, ms: number | null, detail: string): void => {
    const at = Math.max(ms ?? now.getTime(), lastMs + 1);
    lastMs = at;
    const reason = out.length === 0 ? HISTORICAL_MIGRATION_MARKER : `${HISTORICAL_MIGRATION_MARKER} ${detail}`;
    out.push({
      event_id: newId(at),
      feature_slug: feature.slug,
      wp_id: wp.id,
      from_lane: cur,
      to_lane: to,
      at: formatEventTime(new Date(at)),
      actor,
      force: true,
      reason,
      execution_mode: 'direct_repo',
      review_ref: null,
      evidence: to === 'done' ? { review: { reviewer: actor, verdict: 'forced', reference: `force: ${reason}` } } : null,
    });
    cur = to;
  };
  const history = Array.isArray(wp.data['history']) ? (wp.data['history'] as unknown[]) : [];
  history.forEach((h, i) => {
    const entry = h !== null && typeof h === 'object' ? (h as Record<string, unknown>) : {};
    const lane = laneOrNull(entry['lane']);
    if (lane === null) {
      if (entry['lane'] !== undefined)
        notes.push(`${wp.shownAs}: history entry ${i + 1} has lane ${JSON.stringify(entry['lane'])}, not a lane; skipped.`);
      return;
    }
    const ms = timeOf(entry['timestamp']);
    if (ms !== null) lastMs = Math.max(lastMs, ms - 1);
    if (lane === cur) return;
    const who = str(entry['agent']);
    push(
      lane,
      ms,
      `(history entry ${i + 1}${who === null ? '' : ` by ${who}`}${str(entry['action']) === null ? '' : `: ${str(entry['action'])}`})`,
    );
  });
  const fm = laneOrNull(wp.lane);
  if (wp.lane !== null && fm === null)
    notes.push(`${wp.shownAs}: frontmatter lane ${JSON.stringify(wp.lane)} is not a lane; left at ${cur}.`);
  if (fm !== null && fm !== cur) {
    const latest = activityEntries(wp.file.text)
      .map((a) => timeOf(a.timestamp))
      .filter((t): t is number => t !== null)
      .reduce<number | null>((m, t) => (m === null || t > m ? t : m), null);
    push(fm, latest, '(frontmatter lane)');
  }
  return out;
}

/** The migration of one feature as it stands (nothing written). */
function planFeature(
  state: FeatureState,
  actor: string,
  now: Date,
  notes: string[],
): { status: MigrationStatus; events: StatusEvent[]; wps: MigratedWorkPackage[] } {
  const log = state.log;
  if (log.problems.length > 0) return { status: 'log_unreadable', events: [], wps: [] };
  if (log.events.length > 0) {
    const ours = log.events.every((e) => e.actor === actor && (e.reason ?? '').startsWith(HISTORICAL_MIGRATION_MARKER));
    return { status: ours ? 'already_migrated' : 'has_live_events', events: [], wps: [] };
  }
  let ms = 0;
  const gen = createIdGenerator(() => ms);
  const newId = (at: number): string => {
    ms = at;
    return gen();
  };
  const events: StatusEvent[] = [];
  const wps: MigratedWorkPackage[] = [];
  for (const wp of state.workPackages.workPackages) {
    const evs = historyEvents(state.feature, wp, actor, now, newId, notes);
    if (evs.length === 0) continue;
    events.push(...evs);
    wps.push({ wp_id: wp.id, events: evs.length, lanes: evs.map((e) => e.to_lane), final_lane: evs.at(-1)?.to_lane ?? 'planned' });
  }
  // Written in time order, as every other writer appends.
  return { status: events.length === 0 ? 'nothing_to_migrate' : 'migrated', events: orderStatusEvents(events), wps };
}

/**
 * `spec-kitty agent status migrate [--feature F | --all] [--dry-run] [--actor migration]`: builds
 * `status.events.jsonl` from the frontmatter of features that have none (projects made by older spec-kitty
 * versions): per work package, its `history` lane changes and then its frontmatter lane, as forced events by
 * `actor`, the first one carrying the reason marker `historical_frontmatter_to_jsonl:v1`. Then `status.json`, the
 * frontmatter lanes (in today's names: `doing` becomes `in_progress`) and the tasks.md status block are written
 * from the new log, all committed in one transaction per feature (under its lock). Idempotent: a feature whose
 * log holds only this migration's events is `already_migrated`; one whose log has other events is left alone
 * (`has_live_events`), as is one with unreadable lines. `dryRun` writes nothing and says what would be built.
 * Without `feature` and `all`, the feature is detected as for any feature command.
 */
export async function migrateStatus(options: MigrateStatusOptions): Promise<MigrateStatusResult> {
  if (options.all === true && options.feature !== undefined) {
    throw new WorkflowError('INVALID_OPTION', `Pass either --feature ${options.feature} or --all, not both.`, {
      suggestions: [
        `spec-kitty agent status migrate --feature ${options.feature} --dry-run --json`,
        'spec-kitty agent status migrate --all --dry-run --json',
      ],
    });
  }
  const actor = str(options.actor) ?? 'migration';
  if (!/^[A-Za-z0-9._@-]{1,64}$/.test(actor)) {
    throw new WorkflowError(
      'INVALID_OPTION',
      `--actor must be 1-64 letters, digits or . _ @ -; got ${JSON.stringify(actor.slice(0, 70))}.`,
      {
        suggestions: ['spec-kitty agent status migrate --all --actor migration --dry-run --json'],
      },
    );
  }
  const project = await openProject(options);
  requireGit(project, 'agent status migrate');
  const features: FeatureRef[] =
    options.all === true
      ? listFeatures(project.root)
      : [
          await resolveFeature({
            project,
            git: options.git,
            flag: options.feature,
            env: options.env,
            argv: options.argv,
            command: 'agent status migrate',
          }),
        ];
  const notes: string[] = [];
  if (options.all === true && features.length === 0) notes.push('No features in kitty-specs/: nothing to migrate.');
  const repoTop = features.length > 0 && options.dryRun !== true ? await repoTopOf(project, options.git) : project.root;
  const out: MigratedFeature[] = [];
  for (const feature of features) {
    const now = options.now();
    const seen = planFeature(readFeatureState(project.root, feature, now, { tolerant: true }), actor, now, []);
    if (seen.status !== 'migrated') {
      out.push({
        feature_slug: feature.slug,
        status: seen.status,
        event_count: 0,
        work_packages: [],
        commit_hash: null,
        files_committed: [],
      });
      if (seen.status === 'has_live_events')
        notes.push(`${feature.slug}: its status log already has events of real commands; left alone (it is the record).`);
      if (seen.status === 'log_unreadable')
        notes.push(
          `${feature.slug}: its status log has unreadable lines; left alone. Repair: spec-kitty agent status materialize --feature ${feature.slug} --repair --force`,
        );
      continue;
    }
    if (options.dryRun === true) {
      const dryNotes: string[] = [];
      const p = planFeature(readFeatureState(project.root, feature, now, { tolerant: true }), actor, now, dryNotes);
      notes.push(...dryNotes);
      out.push({
        feature_slug: feature.slug,
        status: 'would_migrate',
        event_count: p.events.length,
        work_packages: p.wps,
        commit_hash: null,
        files_committed: [],
      });
      continue;
    }
    let planned: ReturnType<typeof planFeature> = seen;
    const outcome = await changeFeatureStatus(
      { env: options, project, feature, repoTop, command: 'agent status migrate', tolerant: true },
      (state) => {
        // Decided again under the lock: another command may have written the log meanwhile.
        planned = planFeature(state, actor, now, notes);
        if (planned.status !== 'migrated') return { requests: [], commitMessage: '', result: null };
        const snapshot = materialize(feature, planned.events, now);
        const edits = new Map(
          state.workPackages.workPackages.flatMap((wp) => {
            const lane = snapshot.work_packages[wp.id]?.lane;
            return lane === undefined || wp.lane === lane
              ? []
              : [[wp.id, { frontmatter: [{ path: ['lane'], value: lane, after: ['title', 'work_package_id'] }] }] as const];
          }),
        );
        return {
          requests: [],
          edits,
          tasksMd: (text: string) => upsertStatusBlock(text, snapshot),
          extraFiles: [
            { path: state.log.path, text: planned.events.map((e) => `${serializeStatusEvent(e)}\n`).join('') },
            { path: statusSnapshotPath(feature), text: renderSnapshot(snapshot) },
          ],
          commitMessage: `chore: Migrate frontmatter history of ${feature.slug} to the status log [${actor}]`,
          result: null,
        };
      },
    );
    const p = planned;
    notes.push(...outcome.notes);
    out.push({
      feature_slug: feature.slug,
      status: p.status,
      event_count: p.events.length,
      work_packages: p.wps,
      commit_hash: outcome.commit.commit_hash,
      files_committed: outcome.commit.files_committed,
    });
  }
  const done = out.filter((f) => f.status === 'migrated' || f.status === 'would_migrate');
  return {
    dry_run: options.dryRun === true,
    actor,
    features: out,
    migrated_count: done.length,
    skipped_count: out.length - done.length,
    event_count: done.reduce((n, f) => n + f.event_count, 0),
    notes,
  };
}
