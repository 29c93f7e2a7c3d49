// The work of the hot commands after parsing, shared by their oclif classes and the lean entry (ADR 0024). This
// module must never load oclif (nor anything that does): the lean entry imports it to run without oclif.
import type { CheckPrerequisitesResult, CreateFeatureResult, ListTasksResult, MoveTaskResult } from '@kitty/workflow';

/**
 * The `--json` document of a workflow result (everything but its notes) and the notes (printed on stderr). The
 * one place that shapes it: the commands, the lean entry and the MCP server's tools all use it.
 */
export function splitResult<T extends { readonly notes: readonly string[] }>(
  result: T,
): { json: Omit<T, 'notes'>; notes: readonly string[] } {
  const { notes, ...json } = result;
  return { json, notes };
}

type Flag = string | undefined;

/** `agent tasks list-tasks`. */
export async function listTasksAction(flags: { readonly lane?: Flag; readonly feature?: Flag }): Promise<ListTasksResult> {
  const { listTasks } = await import('@kitty/workflow/read');
  const { workflowEnv } = await import('./context.js');
  return listTasks({ ...(await workflowEnv({ events: false })), lane: flags.lane, feature: flags.feature });
}

/** `agent feature check-prerequisites`: the whole report, or with `paths-only` just its paths (and notes). */
export async function checkPrerequisitesAction(flags: {
  readonly feature?: Flag;
  readonly 'include-tasks'?: boolean;
  readonly 'paths-only'?: boolean;
}): Promise<CheckPrerequisitesResult | (CheckPrerequisitesResult['paths'] & { readonly notes: readonly string[] })> {
  const { checkPrerequisites } = await import('@kitty/workflow/read');
  const { workflowEnv } = await import('./context.js');
  const result = await checkPrerequisites({
    ...(await workflowEnv({ events: false })),
    feature: flags.feature,
    includeTasks: flags['include-tasks'] === true,
  });
  return flags['paths-only'] === true ? { ...result.paths, notes: result.notes } : result;
}

/** The flags of `agent tasks move-task`, as parsed. */
export interface MoveTaskFlags {
  readonly to: string;
  readonly feature?: Flag;
  readonly agent?: Flag;
  readonly note?: Flag;
  readonly force?: boolean;
  readonly reason?: Flag;
  readonly 'review-ref'?: Flag;
  readonly 'review-feedback-file'?: Flag;
  readonly reviewer?: Flag;
  readonly 'approval-ref'?: Flag;
  readonly assignee?: Flag;
  readonly 'shell-pid'?: Flag;
}

/** `agent tasks move-task WPxx --to LANE`. */
export async function moveTaskAction(args: { readonly wp: string }, flags: MoveTaskFlags): Promise<MoveTaskResult> {
  const { moveTask } = await import('@kitty/workflow');
  const { workflowEnv, shellPid } = await import('./context.js');
  return moveTask({
    ...(await workflowEnv()),
    wpId: args.wp,
    to: flags.to,
    feature: flags.feature,
    agent: flags.agent,
    note: flags.note,
    force: flags.force === true,
    reason: flags.reason,
    reviewRef: flags['review-ref'],
    reviewFeedbackFile: flags['review-feedback-file'],
    reviewer: flags.reviewer,
    approvalRef: flags['approval-ref'],
    assignee: flags.assignee,
    shellPid: shellPid(flags['shell-pid']),
  });
}

/** `agent feature create-feature <slug>`. */
export async function createFeatureAction(
  args: { readonly slug: string },
  flags: { readonly mission?: Flag },
): Promise<CreateFeatureResult> {
  const { createFeature } = await import('@kitty/workflow');
  const { workflowEnv, machine } = await import('./context.js');
  const { resolverTemplates } = await import('./templates.js');
  return createFeature({
    ...(await workflowEnv()),
    slug: args.slug,
    mission: flags.mission,
    templates: await resolverTemplates(),
    machine: machine(),
  });
}
