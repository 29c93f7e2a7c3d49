import { readdirSync } from 'node:fs';
import path from 'node:path';
import { PlanningFileError, WorkflowError, formatProblem } from '../errors.js';
import { isAtomicTempName } from '@kitty/io';
import { commitFiles, repoTopOf } from '../git/commit.js';
import { projectTransaction, runTransaction } from '../git/transaction.js';
import { displayPath, isDir, isFile, writeFileAtomic } from '../files/files.js';
import { updateFrontmatter } from '../files/frontmatter.js';
import { emitEvents } from '../project/identity.js';
import { featureLockPath, withLock } from '../files/lock.js';
import { readMeta } from '../project/meta.js';
import type { WorkflowEnv } from '../ports.js';
import { openProjectFeature } from '../project/feature-context.js';
import { planningBranch } from './setup-plan.js';
import { branchNote } from '../project/meta.js';
import { analyzeTaskPlan } from '../tasks/task-plan.js';
import type { WorkPackageFile } from '../tasks/work-packages.js';

/** Options of {@link finalizeTasks}. */
export interface FinalizeTasksOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
}

/** One work package as finalize-tasks left it. */
export interface FinalizedWorkPackage {
  readonly id: string;
  readonly title: string;
  readonly dependencies: readonly string[];
  readonly subtasks: readonly string[];
  /** The prompt file relative to the project root, or null when tasks.md declares it but it has no file. */
  readonly file: string | null;
  /** Whether its frontmatter was changed. */
  readonly updated: boolean;
}

/** What `agent feature finalize-tasks --json` prints (the Python CLI's keys plus a few more). */
export interface FinalizeTasksResult {
  readonly result: 'success';
  readonly feature_slug: string;
  readonly updated_wp_count: number;
  readonly tasks_dir: string;
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly files_committed: readonly string[];
  readonly work_packages: readonly FinalizedWorkPackage[];
  /** Non-blocking findings as `path:line:col: message`. */
  readonly warnings: readonly string[];
  readonly events_queued: number;
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent feature finalize-tasks`: reads tasks.md (work-package sections, subtasks, dependency
 * phrases) and the `tasks/WPxx-*.md` prompt files, rejects unknown, self and circular dependencies (and any
 * malformed file) with `path:line:col` messages before writing anything, then writes each work package's
 * `dependencies` as a real YAML list into its frontmatter with a minimal diff (comments, quoting and key
 * order kept; unchanged files untouched), commits tasks.md and tasks/ in one commit `Add tasks for feature
 * <slug>`, and queues one `WPCreated` per committed work package, sharing one causation id.
 *
 * tasks.md is authoritative for the work packages it has a section for; a work package without a section keeps
 * the dependencies already in its frontmatter (they are validated too).
 */
export async function finalizeTasks(options: FinalizeTasksOptions): Promise<FinalizeTasksResult> {
  const { project, feature } = await openProjectFeature(options, {
    feature: options.feature,
    command: 'agent feature finalize-tasks',
    requireGit: 'finalize-tasks',
  });
  const root = project.root;
  const tasksDir = path.join(feature.dir, 'tasks');
  if (!isDir(tasksDir)) {
    throw new WorkflowError('TASKS_DIR_MISSING', `Tasks directory not found: ${tasksDir}`, {
      suggestions: [
        'Write tasks.md and the work package prompt files (tasks/WP01-<name>.md) first (/spec-kitty.tasks), then run finalize-tasks again.',
      ],
      details: { feature_slug: feature.slug, tasks_dir: tasksDir },
    });
  }
  const branch = await planningBranch(project, options);
  const repoTop = await repoTopOf(project, options.git);
  const meta = readMeta(root, feature)?.data ?? null;
  const notes = branchNote(branch, meta);
  if (meta === null) notes.push(`Note: ${feature.relDir}/meta.json is missing; continuing without it.`);

  const note = (n: string): void => {
    notes.push(n);
  };
  const done = await withLock(
    featureLockPath(root, feature.slug),
    () =>
      runTransaction(projectTransaction(options, project, repoTop, 'agent feature finalize-tasks', note), async (tx) => {
        const plan = await analyzeTaskPlan(root, feature);
        if (!isFile(plan.tasksMdPath))
          notes.push(`Note: ${feature.relDir}/tasks.md does not exist; dependencies come from the work package files alone.`);
        if (plan.ids.length === 0 && plan.fileProblems.length === 0) {
          notes.push(
            `Note: no work packages found: tasks.md has no "## Work Package WPxx" sections and ${feature.relDir}/tasks/ has no WPxx-*.md files.`,
          );
        }
        if (plan.fileProblems.length > 0) {
          const shownTasks = displayPath(root, plan.tasksMdPath);
          const tasksProblem = plan.fileProblems.some((p) => p.path === shownTasks);
          throw new PlanningFileError(tasksProblem ? 'INVALID_TASKS_FILE' : 'INVALID_FRONTMATTER', plan.fileProblems, {
            suggestions: ['Fix each file at the line and column shown, then run finalize-tasks again.'],
          });
        }
        if (plan.graphProblems.length > 0) {
          throw new PlanningFileError('INVALID_DEPENDENCIES', plan.graphProblems, {
            suggestions: [
              'Fix the dependency lines shown (a work package may only depend on other, existing work packages, without loops), then run finalize-tasks again.',
            ],
          });
        }
        const wanted = plan.dependencies;
        const sections = plan.sections;
        const files = new Map(plan.workPackages.map((w) => [w.id, w]));
        const warnings = plan.warnings;

        // Compute every new file first; write only when all of them are good.
        const updates: Array<{ wp: WorkPackageFile; text: string }> = [];
        for (const w of plan.workPackages) {
          const deps = wanted.get(w.id) ?? [];
          const text = updateFrontmatter(
            w.file.text,
            [{ path: ['dependencies'], value: deps, after: ['lane', 'title', 'work_package_id'] }],
            w.shownAs,
          );
          if (text !== w.file.text) updates.push({ wp: w, text });
        }
        // All or nothing: the transaction puts back every rewritten file if anything below fails.
        tx.track(updates.map((u) => u.wp.path));
        for (const u of updates) {
          tx.checkpoint();
          writeFileAtomic(root, u.wp.path, u.text, { expectedSha256: u.wp.file.sha256, bom: u.wp.file.bom, shownAs: u.wp.shownAs });
        }

        const entries = readdirSync(tasksDir, { withFileTypes: true }).filter((e) => e.isFile());
        const names = entries.map((e) => e.name);
        const toCommit = [
          ...(isFile(plan.tasksMdPath) ? [plan.tasksMdPath] : []),
          // Temp files of killed writers are never planning files.
          ...entries.filter((e) => !/^\..*\.tmp$/.test(e.name) && !isAtomicTempName(e.name, names)).map((e) => path.join(tasksDir, e.name)),
        ];
        const message = `Add tasks for feature ${feature.slug}`;
        const commit = await tx.commit(message, () =>
          commitFiles(options.git, repoTop, root, toCommit, message, { force: true, ...(options.sleep ? { sleep: options.sleep } : {}) }),
        );
        const updated = new Set(updates.map((u) => u.wp.id));
        const workPackages: FinalizedWorkPackage[] = plan.ids.map((id) => {
          const w = files.get(id);
          const s = sections.get(id);
          return {
            id,
            title: w?.title ?? (s?.title !== undefined && s.title !== '' ? s.title : id),
            dependencies: [...(wanted.get(id) ?? [])],
            subtasks: (s?.subtasks ?? []).map((t) => t.id),
            file: w?.shownAs ?? null,
            updated: updated.has(id),
          };
        });
        return { commit, workPackages, updatedCount: updates.length, warnings };
      }),
    { what: `feature ${feature.slug}`, onNote: note, signal: options.signal, now: options.now },
  );

  const committed = new Set(done.commit.files_committed);
  const fresh = done.workPackages.filter((w) => w.file !== null && committed.has(w.file));
  const emitted = await emitEvents(options.events, root, options.git, 'WPCreated', (f) => {
    const causationId = f.newId();
    return fresh.map((w) =>
      f.wpCreated({ wpId: w.id, title: w.title, featureSlug: feature.slug, dependencies: w.dependencies }, { causationId }),
    );
  });
  notes.push(...emitted.notes);
  return {
    result: 'success',
    feature_slug: feature.slug,
    updated_wp_count: done.updatedCount,
    tasks_dir: tasksDir,
    commit_created: done.commit.commit_created,
    commit_hash: done.commit.commit_hash,
    files_committed: done.commit.files_committed,
    work_packages: done.workPackages,
    warnings: done.warnings.map(formatProblem),
    events_queued: emitted.queued,
    notes,
  };
}
