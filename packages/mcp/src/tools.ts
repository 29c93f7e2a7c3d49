import type { McpHost } from './host.js';
import type { ParamDef } from './params.js';

/** Tool groups; `core` is the agent loop and the default, the others are opted into with `--tools`. */
export const TOOL_GROUPS = ['core', 'planning', 'finish', 'sync'] as const;
export type ToolGroup = (typeof TOOL_GROUPS)[number];

/** What a tool call produced: a result with its notes, and whether the CLI would exit non-zero for it. */
export interface ToolOutcome {
  readonly result: { readonly notes: readonly string[] };
  /** The CLI exits non-zero although it printed a result (`accept` on a feature not ready, unhealthy `sync status`). */
  readonly failed?: boolean;
}

/** Validated tool arguments, keyed by {@link inputKey}. */
export type ToolInput = Readonly<Record<string, unknown>>;

/**
 * One MCP tool: the CLI command it mirrors (its inputs and help texts come from that command's definition) and
 * the library call that command makes.
 */
export interface ToolSpec {
  readonly name: string;
  readonly title: string;
  /** The oclif id of the command, words separated by spaces. */
  readonly command: string;
  readonly group: ToolGroup;
  /** True when the command changes nothing (an MCP annotation clients use to ask less). */
  readonly readOnly: boolean;
  /** Inputs the command takes that are not flags or arguments (e.g. `mark-status`'s variadic ids). */
  readonly extraParams?: readonly ParamDef[];
  /** Changes to the command's inputs for the MCP surface, by CLI name. */
  readonly overrides?: Readonly<Record<string, Partial<ParamDef>>>;
  /** CLI inputs that are file paths: resolved from the project root and refused when outside the project. */
  readonly pathParams?: readonly string[];
  run(input: ToolInput, host: McpHost): Promise<ToolOutcome>;
}

const str = (i: ToolInput, key: string): string | undefined => {
  const v = i[key];
  return typeof v === 'string' ? v : undefined;
};
/** A boolean input; absent is false, as an oclif boolean flag that was not given. */
const bool = (i: ToolInput, key: string): boolean => i[key] === true;
const workflow = () => import('@kitty/workflow');

/**
 * Every tool, one to one with the agent commands. Each `run` makes the same library call, with the same
 * arguments, as the command in `plugins/plugin-workflow` (or `plugin-sync`) does.
 */
export const TOOLS: readonly ToolSpec[] = [
  // --- the agent loop (default) ---
  {
    name: 'next',
    title: 'What should this agent do now?',
    command: 'next',
    group: 'core',
    readOnly: true,
    async run(i, host) {
      const { nextStep } = await workflow();
      const result = await nextStep({
        ...(await host.workflowEnv({ events: false })),
        agent: str(i, 'agent') ?? '',
        result: str(i, 'result'),
        feature: str(i, 'feature'),
        templates: await host.templates(),
      });
      // `spec-kitty next` exits non-zero only for `blocked`; the tool result says so the same way.
      return { result, failed: result.kind === 'blocked' };
    },
  },
  {
    name: 'tasks_list',
    title: 'List work packages',
    command: 'agent tasks list-tasks',
    group: 'core',
    readOnly: true,
    async run(i, host) {
      const { listTasks } = await workflow();
      return {
        result: await listTasks({ ...(await host.workflowEnv({ events: false })), lane: str(i, 'lane'), feature: str(i, 'feature') }),
      };
    },
  },
  {
    name: 'tasks_status',
    title: 'Kanban of a feature',
    command: 'agent tasks status',
    group: 'core',
    readOnly: true,
    async run(i, host) {
      const { tasksStatus } = await workflow();
      return {
        result: await tasksStatus({
          ...(await host.workflowEnv({ events: false })),
          feature: str(i, 'feature'),
          staleThresholdMinutes: i['stale_threshold'] as number,
        }),
      };
    },
  },
  {
    name: 'workflow_implement',
    title: 'Start implementing a work package',
    command: 'agent workflow implement',
    group: 'core',
    readOnly: false,
    async run(i, host) {
      const { implementWorkPackage } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await implementWorkPackage({
          ...env,
          mode: 'workflow',
          wpId: str(i, 'wp'),
          agent: str(i, 'agent'),
          feature: str(i, 'feature'),
          base: str(i, 'base'),
          force: bool(i, 'force'),
          shellPid: host.shellPid(undefined),
        }),
      };
    },
  },
  {
    name: 'tasks_mark_status',
    title: 'Tick or untick subtasks',
    command: 'agent tasks mark-status',
    group: 'core',
    readOnly: false,
    extraParams: [{ name: 'task_ids', kind: 'string[]', required: true, description: 'subtask ids in tasks.md, e.g. ["T001", "T002"]' }],
    async run(i, host) {
      const { markStatus } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await markStatus({
          ...env,
          taskIds: [...(i['task_ids'] as string[])],
          status: str(i, 'status') as string,
          feature: str(i, 'feature'),
          agent: str(i, 'agent'),
        }),
      };
    },
  },
  {
    name: 'tasks_move',
    title: 'Move a work package to another lane',
    command: 'agent tasks move-task',
    group: 'core',
    readOnly: false,
    pathParams: ['review-feedback-file'],
    async run(i, host) {
      const { moveTask } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await moveTask({
          ...env,
          wpId: str(i, 'wp') as string,
          to: str(i, 'to') as string,
          feature: str(i, 'feature'),
          agent: str(i, 'agent'),
          note: str(i, 'note'),
          force: bool(i, 'force'),
          reason: str(i, 'reason'),
          reviewRef: str(i, 'review_ref'),
          reviewFeedbackFile: str(i, 'review_feedback_file'),
          reviewer: str(i, 'reviewer'),
          approvalRef: str(i, 'approval_ref'),
          assignee: str(i, 'assignee'),
          shellPid: host.shellPid(str(i, 'shell_pid')),
        }),
      };
    },
  },
  {
    name: 'tasks_add_history',
    title: "Add a note to a work package's Activity Log",
    command: 'agent tasks add-history',
    group: 'core',
    readOnly: false,
    async run(i, host) {
      const { addHistory } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await addHistory({
          ...env,
          wpId: str(i, 'wp') as string,
          note: str(i, 'note') as string,
          agent: str(i, 'agent'),
          feature: str(i, 'feature'),
          shellPid: host.shellPid(str(i, 'shell_pid')),
        }),
      };
    },
  },
  {
    name: 'workflow_review',
    title: 'Take a work package into review',
    command: 'agent workflow review',
    group: 'core',
    readOnly: false,
    async run(i, host) {
      const { reviewWorkPackage } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await reviewWorkPackage({
          ...env,
          wpId: str(i, 'wp'),
          agent: str(i, 'agent') as string,
          feature: str(i, 'feature'),
          force: bool(i, 'force'),
          shellPid: host.shellPid(undefined),
        }),
      };
    },
  },
  // --- planning ---
  {
    name: 'feature_create',
    title: 'Create a feature',
    command: 'agent feature create-feature',
    group: 'planning',
    readOnly: false,
    async run(i, host) {
      const { createFeature } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return {
        result: await createFeature({
          ...env,
          slug: str(i, 'slug') as string,
          mission: str(i, 'mission'),
          templates: await host.templates(),
          machine: host.machine(),
        }),
      };
    },
  },
  {
    name: 'feature_setup_plan',
    title: 'Create plan.md',
    command: 'agent feature setup-plan',
    group: 'planning',
    readOnly: false,
    async run(i, host) {
      const { setupPlan } = await workflow();
      const env = await host.workflowEnv({ events: true });
      return { result: await setupPlan({ ...env, feature: str(i, 'feature'), templates: await host.templates() }) };
    },
  },
  {
    name: 'feature_finalize_tasks',
    title: 'Finalize the work packages',
    command: 'agent feature finalize-tasks',
    group: 'planning',
    readOnly: false,
    async run(i, host) {
      const { finalizeTasks } = await workflow();
      return { result: await finalizeTasks({ ...(await host.workflowEnv({ events: true })), feature: str(i, 'feature') }) };
    },
  },
  {
    name: 'feature_check_prerequisites',
    title: 'Check planning artifacts',
    command: 'agent feature check-prerequisites',
    group: 'planning',
    readOnly: true,
    async run(i, host) {
      const { checkPrerequisites } = await workflow();
      const result = await checkPrerequisites({
        ...(await host.workflowEnv({ events: false })),
        feature: str(i, 'feature'),
        includeTasks: bool(i, 'include_tasks'),
      });
      return { result: bool(i, 'paths_only') ? { ...result.paths, notes: [] } : { ...result, notes: [] } };
    },
  },
  // --- finishing a feature ---
  {
    name: 'accept',
    title: 'Accept a feature',
    command: 'accept',
    group: 'finish',
    readOnly: false,
    async run(i, host) {
      const { acceptFeature } = await workflow();
      const env = await host.workflowEnv({ events: true });
      const tests = i['test'] as string[] | undefined;
      const result = await acceptFeature({
        ...env,
        feature: str(i, 'feature'),
        mode: str(i, 'mode'),
        actor: str(i, 'actor'),
        tests,
        runTest: host.runTest,
        lenient: bool(i, 'lenient'),
        noCommit: bool(i, 'no_commit'),
        allowFail: bool(i, 'allow_fail'),
      });
      return { result, failed: !result.ok };
    },
  },
  {
    name: 'merge',
    title: 'Merge a feature (dry run unless dry_run is false)',
    command: 'merge',
    group: 'finish',
    readOnly: false,
    overrides: {
      'dry-run': { default: true, description: 'show the plan and any blocker; change nothing (default true here: pass false to merge)' },
    },
    async run(i, host) {
      const { mergeFeature } = await workflow();
      const resume = bool(i, 'resume') === true;
      const abort = bool(i, 'abort') === true;
      const result = await mergeFeature({
        ...(await host.workflowEnv({ events: false })),
        feature: str(i, 'feature'),
        target: str(i, 'target'),
        strategy: str(i, 'strategy'),
        deleteBranch: bool(i, 'keep_branch') !== true,
        removeWorktree: bool(i, 'keep_worktree') !== true,
        push: bool(i, 'push'),
        // The default dry run gives way to an explicit resume or abort (the CLI refuses them together).
        dryRun: resume || abort ? false : bool(i, 'dry_run'),
        resume,
        abort,
      });
      return { result: { ...result } };
    },
  },
  // --- sync ---
  {
    name: 'sync_status',
    title: 'Sync health',
    command: 'sync status',
    group: 'sync',
    readOnly: true,
    async run(i, host) {
      const { syncStatus, syncStatusExitClass, snakeCaseKeys } = await import('@kitty/sync-client');
      const s = await syncStatus({ homeDir: host.homeDir, env: host.env, now: host.now, check: bool(i, 'check') });
      // The same snake_case document the command prints; unhealthy is a failed call, as the command's exit.
      return { result: { ...(snakeCaseKeys(s) as object), notes: s.warnings }, failed: syncStatusExitClass(s) !== null };
    },
  },
];
