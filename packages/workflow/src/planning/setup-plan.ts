import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WorkflowError } from '../errors.js';
import { commitFiles, repoTopOf } from '../git/commit.js';
import { projectTransaction, runTransaction } from '../git/transaction.js';
import { isFile, writeFileAtomic } from '../files/files.js';
import type { ResolvedFeature } from '../project/features.js';
import { featureLockPath, withLock } from '../files/lock.js';
import { missionOf, readMeta, branchNote } from '../project/meta.js';
import { requireTemplate } from '../project/missions.js';
import type { TemplateSource, WorkflowEnv } from '../ports.js';
import type { ProjectContext } from '../project/project.js';
import { openProjectFeature } from '../project/feature-context.js';

/** Options of {@link setupPlan}. */
export interface SetupPlanOptions extends WorkflowEnv {
  /** `--feature`; otherwise detected (see `resolveFeature`). */
  readonly feature?: string | undefined;
  readonly templates: TemplateSource;
}

/** What `agent feature setup-plan --json` prints. */
export interface SetupPlanResult {
  readonly result: 'success';
  readonly feature_slug: string;
  readonly plan_file: string;
  readonly feature_dir: string;
  readonly spec_file: string;
  /** False when plan.md already existed: an authored plan is never overwritten. */
  readonly plan_created: boolean;
  readonly commit_created: boolean;
  readonly commit_hash: string | null;
  readonly notes: readonly string[];
}

/** The branch of the main checkout, or DETACHED_HEAD: planning commits need a branch. */
export async function planningBranch(project: ProjectContext, options: WorkflowEnv): Promise<string> {
  const branch = await options.git.currentBranch(project.root);
  if (branch === null) {
    throw new WorkflowError(
      'DETACHED_HEAD',
      `The planning repository (${project.root}) is in detached HEAD state; check out a branch before continuing.`,
      {
        suggestions: ['git switch <the feature target branch, e.g. main> and run the command again.'],
      },
    );
  }
  return branch;
}

/** A note when the checked-out branch is not the feature's `target_branch` (no checkout happens). */

/** Throws SPEC_FILE_MISSING when the feature has no spec.md. */
export function requireSpec(feature: ResolvedFeature): string {
  const spec = path.join(feature.dir, 'spec.md');
  if (!isFile(spec)) {
    const remediation = [`Write the spec first (/spec-kitty.specify), at ${spec}.`];
    throw new WorkflowError('SPEC_FILE_MISSING', `Feature ${feature.slug} has no spec.md (${spec}).`, {
      suggestions: remediation,
      details: { feature_slug: feature.slug, feature_dir: feature.dir, spec_file: spec, remediation },
    });
  }
  return spec;
}

/**
 * `spec-kitty agent feature setup-plan`: creates `plan.md` from the mission's plan template only when it does
 * not exist yet (an authored plan is never overwritten) and commits it as `Add plan for feature <slug>`.
 * Re-running it is safe. Several features and no `--feature`: PLAN_CONTEXT_UNRESOLVED with the candidates.
 */
export async function setupPlan(options: SetupPlanOptions): Promise<SetupPlanResult> {
  const { project, feature } = await openProjectFeature(options, {
    feature: options.feature,
    command: 'agent feature setup-plan',
    requireGit: 'setup-plan',
    unresolvedCode: 'PLAN_CONTEXT_UNRESOLVED',
  });
  const spec = requireSpec(feature);
  const branch = await planningBranch(project, options);
  const repoTop = await repoTopOf(project, options.git);
  const meta = readMeta(project.root, feature)?.data ?? null;
  const notes = branchNote(branch, meta);
  const plan = path.join(feature.dir, 'plan.md');

  const note = (n: string): void => {
    notes.push(n);
  };
  const outcome = await withLock(
    featureLockPath(project.root, feature.slug),
    () =>
      runTransaction(projectTransaction(options, project, repoTop, 'agent feature setup-plan', note), async (tx) => {
        const template = await requireTemplate(options.templates, missionOf(meta), 'plan-template.md');
        let created = false;
        if (!isFile(plan)) {
          tx.track([plan]);
          writeFileAtomic(project.root, plan, template.text);
          created = true;
        } else {
          notes.push(`plan.md already exists in ${feature.relDir}; it was left unchanged.`);
          if (readFileSync(plan, 'utf8') !== template.text)
            return { created, commit: { commit_created: false, commit_hash: null, files_committed: [] } };
        }
        // Commit our scaffold (also one left uncommitted by an interrupted earlier run); never an authored plan.
        const message = `Add plan for feature ${feature.slug}`;
        const commit = await tx.commit(message, () =>
          commitFiles(options.git, repoTop, project.root, [plan], message, {
            force: true,
            ...(options.sleep ? { sleep: options.sleep } : {}),
          }),
        );
        return { created, commit };
      }),
    { what: `feature ${feature.slug}`, onNote: note, signal: options.signal, now: options.now },
  );
  notes.push(...(options.templates.takeNotes?.() ?? []));
  return {
    result: 'success',
    feature_slug: feature.slug,
    plan_file: plan,
    feature_dir: feature.dir,
    spec_file: spec,
    plan_created: outcome.created,
    commit_created: outcome.commit.commit_created,
    commit_hash: outcome.commit.commit_hash,
    notes,
  };
}
