import type {
  AcceptResult,
  AddHistoryResult,
  EmitStatusResult,
  ImplementResult,
  ListTasksResult,
  MarkStatusResult,
  MaterializeResult,
  MergeResult,
  MoveTaskResult,
  ReviewResult,
  TasksStatusResult,
  ValidateStatusResult,
  ValidateWorkflowResult,
} from '@kitty/workflow';

const short = (sha: string | null): string => (sha === null ? '' : sha.slice(0, 7));
const committed = (sha: string | null): string => (sha === null ? '' : ` (commit ${short(sha)})`);

/** Human output of `implement` / `agent workflow implement`. */
export function renderImplement(r: ImplementResult): string {
  const lines = [
    `${r.status === 'created' ? '✓ Created' : '✓ Reusing'} workspace ${r.workspace} on branch ${r.branch} (base ${r.base}${r.base_commit === null ? '' : ` @ ${short(r.base_commit)}`})`,
    `  ${r.wp_id} is ${r.lane}${r.claimed ? ', claimed' : ''}${committed(r.commit_hash)}`,
  ];
  if (r.prompt_file !== null) lines.push(`  Prompt: cat ${r.prompt_file}`);
  lines.push('', `Change to the workspace before you start: cd ${r.workspace_abs_path}`);
  return lines.join('\n');
}

/** Human output of `agent tasks move-task`. */
export function renderMoveTask(r: MoveTaskResult): string {
  if (!r.changed) return `${r.task_id} stays in ${r.new_lane}`;
  const hops = r.events.map((e) => `${e.from_lane} → ${e.to_lane}${e.force ? ' (forced)' : ''}`).join(', ');
  const lines = [`✓ Moved ${r.task_id} from ${r.old_lane} to ${r.new_lane}${committed(r.commit_hash)}`, `  ${hops}`];
  if (r.review_feedback !== null) lines.push(`  Feedback stored as ${r.review_feedback}`);
  return lines.join('\n');
}

/** Human output of `agent workflow review`. */
export function renderReview(r: ReviewResult): string {
  return [
    `✓ ${r.reviewer} is reviewing ${r.wp_id}${committed(r.commit_hash)}`,
    `  Workspace: ${r.workspace_path ?? '(none)'}`,
    `  Base: ${r.base_branch ?? '?'} @ ${short(r.base_commit)}; ${r.commits.length} commit(s)`,
    r.diffstat === ''
      ? '  (no changes)'
      : r.diffstat
          .split('\n')
          .map((l) => `  ${l}`)
          .join('\n'),
    '',
    `Prompt with the full diff: cat ${r.prompt_file}`,
    `Approve:  spec-kitty agent tasks move-task ${r.wp_id} --to done --agent ${r.reviewer} --note "<summary>"`,
    `Reject:   write ${r.feedback_file}, then`,
    `          spec-kitty agent tasks move-task ${r.wp_id} --to planned --review-feedback-file ${r.feedback_file} --agent ${r.reviewer}`,
  ].join('\n');
}

/** Human output of `agent tasks list-tasks`. */
export function renderListTasks(r: ListTasksResult): string {
  if (r.count === 0) return `No work packages${r.tasks.length === 0 ? '' : ' in that lane'} in ${r.feature_slug}.`;
  const w = Math.max(...r.tasks.map((t) => t.lane.length));
  return r.tasks.map((t) => `${t.work_package_id}  ${t.lane.padEnd(w)}  ${t.title}${t.agent === '' ? '' : `  [${t.agent}]`}`).join('\n');
}

/** Human output of `agent tasks validate-workflow`. */
export function renderValidateWorkflow(r: ValidateWorkflowResult): string {
  return [
    `${r.valid ? '✓' : '✗'} ${r.task_id} (${r.lane ?? 'no lane'}): ${r.valid ? 'valid' : 'invalid'}`,
    ...r.errors.map((e) => `  error: ${e}`),
    ...r.warnings.map((e) => `  warning: ${e}`),
  ].join('\n');
}

/** Human output of `agent tasks add-history`. */
export function renderAddHistory(r: AddHistoryResult): string {
  return `✓ Added to the Activity Log of ${r.task_id} (lane ${r.lane})${committed(r.commit_hash)}`;
}

/** Human output of `agent tasks mark-status`. */
export function renderMarkStatus(r: MarkStatusResult): string {
  const lines = [`✓ Marked ${r.updated.join(', ')} as ${r.status}${committed(r.commit_hash)}`];
  if (r.not_found.length > 0) lines.push(`  Not found: ${r.not_found.join(', ')}`);
  return lines.join('\n');
}

/** Human output of `agent tasks status`: the kanban. */
export function renderBoard(r: TasksStatusResult): string {
  const lines = [`${r.feature}: ${r.total_wps} work package(s), ${r.progress_percentage}% done`];
  for (const [lane, n] of Object.entries(r.lane_counts)) {
    if (n === 0 && (lane === 'blocked' || lane === 'canceled' || lane === 'claimed')) continue;
    lines.push(`  ${lane} (${n})`);
    for (const w of r.work_packages.filter((x) => x.lane === lane)) {
      lines.push(
        `    ${w.id}  ${w.title}${w.agent === '' ? '' : `  [${w.agent}]`}${w.is_stale === true ? `  ⚠ stale: no commit for ${w.minutes_since_commit} min` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/** Human output of `agent status emit`. */
export function renderEmit(r: EmitStatusResult): string {
  return r.event_id === null
    ? `${r.wp_id} stays in ${r.to_lane}`
    : `✓ ${r.wp_id}: ${r.from_lane} → ${r.to_lane} (event ${r.event_id})${committed(r.commit_hash)}`;
}

/** Human output of `agent status materialize`. */
export function renderMaterialize(r: MaterializeResult): string {
  const lanes = Object.entries(r.summary)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${l} ${n}`)
    .join(', ');
  return `✓ ${r.feature_slug}: ${r.event_count} event(s); ${lanes || 'no work packages'}${r.commit_created ? `; rewrote ${r.files_committed.join(', ')}${committed(r.commit_hash)}` : '; everything was up to date'}`;
}

/** Human output of `agent status validate`. */
export function renderValidateStatus(r: ValidateStatusResult): string {
  return [
    `${r.passed ? '✓' : '✗'} ${r.feature_slug}: ${r.event_count} event(s), ${r.error_count} error(s), ${r.warning_count} warning(s)`,
    ...r.errors.map((e) => `  error: ${e}`),
    ...r.warnings.map((e) => `  warning: ${e}`),
  ].join('\n');
}

/** Human output of `accept`. */
export function renderAccept(r: AcceptResult): string {
  const s = r.summary;
  const where = testsRanIn(r);
  if (!r.ok) {
    const lines = [`✗ ${r.feature} is not ready for acceptance:`, ...where];
    const notDone = s.work_packages.filter((w) => w.lane !== 'done' && w.lane !== 'canceled');
    if (notDone.length > 0) lines.push(`  not done: ${notDone.map((w) => `${w.id} (${w.lane})`).join(', ')}`);
    const groups: Array<[string, readonly string[]]> = [
      ['missing documents', s.missing_artifacts],
      ['unchecked subtasks', s.unchecked_tasks],
      ['[NEEDS CLARIFICATION] markers', s.needs_clarification],
      ['uncommitted changes', s.git_dirty],
      ['metadata', s.metadata_issues],
      ['activity log', s.activity_issues],
      ['failing tests', s.test_failures],
    ];
    for (const [label, items] of groups) for (const i of items) lines.push(`  ${label}: ${i}`);
    return lines.join('\n');
  }
  if (r.accepted_at === null)
    return [`✓ ${r.feature} passes every acceptance check (${r.mode} mode; nothing recorded).`, ...where].join('\n');
  return [`✓ Accepted ${r.feature} (${r.mode})${committed(r.accept_commit)}`, ...where, ...r.instructions.map((i) => `  Next: ${i}`)].join(
    '\n',
  );
}

/** The line saying where the --test commands ran (none when no test was given). */
function testsRanIn(r: AcceptResult): string[] {
  const p = r.tests_ran_in;
  if (p === null || p === undefined) return [];
  return p.kind === 'checkout'
    ? [`  Tests ran in the main checkout ${p.path} (${p.base ?? 'detached HEAD'}).`]
    : [
        `  Tests ran in a temporary merge worktree: ${p.base} with ${p.merged.length === 0 ? 'nothing to merge' : p.merged.join(', ')} merged in${p.removed ? ' (removed again)' : ` (left at ${p.path})`}.`,
      ];
}

/** Human output of `merge`. */
export function renderMerge(r: MergeResult): string {
  const lines: string[] = [];
  if (r.result === 'aborted') lines.push(`Merge of ${r.feature_slug} aborted.`);
  else if (r.dry_run) lines.push(`Dry run: merge ${r.feature_slug} into ${r.target_branch} (${r.strategy}) in ${r.merge_dir}`);
  else lines.push(`✓ Merged ${r.feature_slug} into ${r.target_branch} (${r.strategy})`);
  for (const w of r.work_packages) lines.push(`  ${w.wp_id}  ${w.branch}  ${w.status}${w.commit === null ? '' : ` ${short(w.commit)}`}`);
  for (const b of r.blockers) lines.push(`  blocker: ${b}`);
  if (r.worktrees_removed.length > 0) lines.push(`  Removed worktrees: ${r.worktrees_removed.join(', ')}`);
  for (const k of r.worktrees_kept) lines.push(`  Kept worktree ${k.path}: ${k.reason}`);
  if (r.branches_deleted.length > 0) lines.push(`  Deleted branches: ${r.branches_deleted.join(', ')}`);
  for (const k of r.branches_kept) lines.push(`  Kept branch ${k.branch}: ${k.reason}`);
  if (r.pushed) lines.push(`  Pushed ${r.target_branch} to origin`);
  return lines.join('\n');
}
