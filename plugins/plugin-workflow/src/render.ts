import type { CheckPrerequisitesResult, CreateFeatureResult, FinalizeTasksResult, InitResult, SetupPlanResult } from '@kitty/workflow';

const short = (sha: string | null): string => (sha === null ? '' : sha.slice(0, 7));

/** Human summary of `spec-kitty init`. */
export function renderInit(r: InitResult): string {
  const lines = [
    `✓ spec-kitty is set up in ${r.project_path}`,
    `  Agents: ${r.agents.join(', ')} (mission ${r.mission})`,
    `  Project: ${r.project.slug} (${r.project.uuid})`,
  ];
  if (r.files_written.length > 0)
    lines.push(
      `  Wrote ${r.files_written.length} file(s)${r.files_removed.length > 0 ? `, removed ${r.files_removed.length} stale command file(s)` : ''}`,
    );
  if (r.gitignore_added.length > 0)
    lines.push(`  .gitignore: added ${r.gitignore_added.length} entr${r.gitignore_added.length === 1 ? 'y' : 'ies'}`);
  lines.push(
    r.commit_created
      ? `  Committed ${short(r.commit_hash)} (${r.files_committed.length} file(s))`
      : '  Nothing to commit: the project was already up to date.',
  );
  lines.push('', 'Next: open your agent and run /spec-kitty.specify with a description of the feature.');
  lines.push('Watch the board live in your browser: spec-kitty dashboard --open');
  return lines.join('\n');
}

/** Human summary of `agent feature create-feature`. */
export function renderCreateFeature(r: CreateFeatureResult): string {
  return [
    `✓ Feature created: ${r.feature}`,
    `  Directory: ${r.feature_dir}`,
    `  Spec: ${r.spec_file}`,
    `  Committed to ${r.target_branch}${r.commits.length > 0 ? ` (${r.commits.map(short).join(', ')})` : ''}`,
  ].join('\n');
}

/** Human summary of `agent feature setup-plan`. */
export function renderSetupPlan(r: SetupPlanResult): string {
  if (!r.plan_created)
    return `plan.md already exists for ${r.feature_slug}: ${r.plan_file} (left unchanged${r.commit_created ? `; committed ${short(r.commit_hash)}` : ''})`;
  return [
    `✓ Plan created for ${r.feature_slug}: ${r.plan_file}`,
    r.commit_created ? `  Committed ${short(r.commit_hash)}` : '  Already committed',
  ].join('\n');
}

/** Human summary of `agent feature check-prerequisites`. */
export function renderCheck(r: CheckPrerequisitesResult): string {
  const lines = [`${r.valid ? '✓' : '✗'} ${r.feature_slug}: ${r.valid ? 'prerequisites met' : 'prerequisites missing'}`];
  for (const [k, v] of Object.entries(r.paths)) lines.push(`  ${k}: ${v}`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** Human summary of `agent feature finalize-tasks`. */
export function renderFinalize(r: FinalizeTasksResult): string {
  const lines = [`Work packages of ${r.feature_slug}:`];
  for (const w of r.work_packages) {
    lines.push(
      `  ${w.id}  ${w.title}${w.dependencies.length > 0 ? `  (depends on ${w.dependencies.join(', ')})` : ''}${w.updated ? '  [updated]' : ''}`,
    );
  }
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  lines.push(
    r.commit_created ? `✓ Committed ${short(r.commit_hash)}: ${r.files_committed.length} file(s)` : 'Tasks unchanged, no commit needed',
  );
  return lines.join('\n');
}
