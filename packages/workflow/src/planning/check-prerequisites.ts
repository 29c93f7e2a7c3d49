import path from 'node:path';
import { formatProblem } from '../errors.js';
import { isDir, isFile } from '../files/files.js';
import { resolveFeature } from '../project/features.js';
import type { WorkflowEnv } from '../ports.js';
import { openProject } from '../project/project.js';
import { analyzeTaskPlan } from '../tasks/task-plan.js';

/** Options of {@link checkPrerequisites}. */
export interface CheckPrerequisitesOptions extends WorkflowEnv {
  readonly feature?: string | undefined;
  /** Also require tasks.md and check it and the work-package files. */
  readonly includeTasks?: boolean;
}

/** Paths of the feature's artifacts that exist (absolute). */
export interface PrerequisitePaths {
  readonly feature_dir: string;
  readonly spec_file?: string;
  readonly plan_file?: string;
  readonly checklists_dir?: string;
  readonly research_dir?: string;
  readonly tasks_dir?: string;
  readonly tasks_file?: string;
}

/** What `agent feature check-prerequisites --json` prints. `valid` false still exits 0 (as the Python CLI). */
export interface CheckPrerequisitesResult {
  readonly valid: boolean;
  readonly errors: readonly string[];
  readonly warnings: readonly string[];
  readonly paths: PrerequisitePaths;
  readonly feature_slug: string;
  readonly feature_dir: string;
  /** For stderr (not part of the JSON): e.g. which feature was guessed. */
  readonly notes: readonly string[];
}

/**
 * `spec-kitty agent feature check-prerequisites`: reports which planning artifacts a feature has. Errors:
 * a missing spec.md (and tasks.md with `includeTasks`); with `includeTasks`, malformed tasks.md or
 * work-package frontmatter and unknown, self or circular dependencies too, as `path:line:col: message`. Warnings: missing recommended directories.
 * Read-only: it never writes the project or commits (parse results may be cached in the git dir, see
 * parse-cache.ts), and works from any directory or worktree of the project.
 */
export async function checkPrerequisites(options: CheckPrerequisitesOptions): Promise<CheckPrerequisitesResult> {
  const project = await openProject(options);
  const feature = await resolveFeature({
    project,
    git: options.git,
    flag: options.feature,
    env: options.env,
    argv: options.argv,
    command: 'agent feature check-prerequisites',
  });
  const errors: string[] = [];
  const warnings: string[] = [];
  const paths: Record<string, string> = { feature_dir: feature.dir };
  const file = (key: string, name: string, required: boolean): void => {
    const p = path.join(feature.dir, name);
    if (isFile(p)) paths[key] = p;
    else if (required) errors.push(`Missing required file: ${name}`);
  };
  const dir = (key: string, name: string): void => {
    const p = path.join(feature.dir, name);
    if (isDir(p)) paths[key] = p;
    else warnings.push(`Missing recommended directory: ${name}/`);
  };
  file('spec_file', 'spec.md', true);
  file('plan_file', 'plan.md', false);
  dir('checklists_dir', 'checklists');
  dir('research_dir', 'research');
  dir('tasks_dir', 'tasks');
  file('tasks_file', 'tasks.md', options.includeTasks === true);
  if (options.includeTasks === true) {
    const plan = await analyzeTaskPlan(project.root, feature);
    errors.push(...plan.fileProblems.map(formatProblem), ...plan.graphProblems.map(formatProblem));
    warnings.push(...plan.warnings.map(formatProblem));
    if (plan.tasksMd !== null && plan.tasksMd.sections.length === 0 && plan.fileProblems.length === 0) {
      warnings.push(`${plan.tasksMd.path}: no work package sections found (expected headings like "## Work Package WP01: Title")`);
    }
  }
  return {
    valid: errors.length === 0,
    errors,
    warnings,
    paths: paths as unknown as PrerequisitePaths,
    feature_slug: feature.slug,
    feature_dir: feature.dir,
    notes: feature.note === undefined ? [] : [feature.note],
  };
}
