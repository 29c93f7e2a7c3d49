/**
 * The public surface of @kitty/workflow: the command functions the CLI, the dashboard and the MCP server call, their
 * options and results, the read model (features, work packages, status log) and the ports the caller provides.
 * Everything else is internal: import it from its module inside this package only.
 */
export { WorkflowError, PlanningFileError, isWorkflowError } from './errors.js';
export type { WorkflowErrorCode, FileProblem } from './errors.js';
export type { GitPort, GitLocation, StatusEntry, WorktreeEntry, MergeOutcome, CommitInfo } from './git/git-port.js';
export { createGitPort } from './git/git-adapter.js';
export type { GitPortOptions } from './git/git-adapter.js';
export type { TemplateSource, TemplateAsset, EventsPort, ProjectEventContext, WorkflowEnv, Clock } from './ports.js';
export { validateFeatureSlug } from './project/slugs.js';
export { AGENTS, agentSpec, parseAgentList, renderAgentCommand } from './planning/agents.js';
export type { AgentSpec, AgentCommandFile } from './planning/agents.js';
export { readProjectConfig } from './project/config.js';
export type { ProjectConfig, ProjectIdentity } from './project/config.js';
export { PROJECT_FORMAT_VERSION, readProjectMetadata, renderProjectMetadata } from './project/metadata.js';
export type { ProjectMetadata, AppliedMigration, MetadataRuntime } from './project/metadata.js';
export type { MachineIdentity } from './project/identity.js';
export { openProject } from './project/project.js';
export type { ProjectContext, OpenProjectOptions } from './project/project.js';
export { SPECS_DIR, WORKTREES_DIR, listFeatures, resolveFeature } from './project/features.js';
export type { FeatureRef, FeatureCandidate, ResolvedFeature, ResolveFeatureOptions } from './project/features.js';
export { readMeta } from './project/meta.js';
export type { FeatureMeta } from './project/meta.js';
export { parseTasksMd } from './tasks/tasks-md.js';
export type { TasksMd, TasksMdSection, SubtaskEntry, WpMention } from './tasks/tasks-md.js';
export { readWorkPackages } from './tasks/work-packages.js';
export type { WorkPackageFile, WorkPackageSet } from './tasks/work-packages.js';
export { analyzeTaskPlan } from './tasks/task-plan.js';
export type { TaskPlan } from './tasks/task-plan.js';
export type { DependencyEdge } from './tasks/graph.js';
export { initProject } from './planning/init.js';
export type { InitOptions, InitResult, InitPrompts, RuntimeInfo } from './planning/init.js';
export { createFeature } from './planning/create-feature.js';
export type { CreateFeatureOptions, CreateFeatureResult } from './planning/create-feature.js';
export { setupPlan } from './planning/setup-plan.js';
export type { SetupPlanOptions, SetupPlanResult } from './planning/setup-plan.js';
export { checkPrerequisites } from './planning/check-prerequisites.js';
export type { CheckPrerequisitesOptions, CheckPrerequisitesResult, PrerequisitePaths } from './planning/check-prerequisites.js';
export { finalizeTasks } from './planning/finalize-tasks.js';
export type { FinalizeTasksOptions, FinalizeTasksResult, FinalizedWorkPackage } from './planning/finalize-tasks.js';
export { STATUS_LOG_FILE, STATUS_SNAPSHOT_FILE, statusLogPath, readStatusLog } from './status/status-log.js';
export type { StatusLog } from './status/status-log.js';
export { normalizeWpId } from './tasks/wp-ref.js';
export { moveTask } from './execution/move-task.js';
export type { MoveTaskOptions, MoveTaskResult, AppendedEvent } from './execution/move-task.js';
export { implementWorkPackage } from './execution/implement.js';
export type { ImplementOptions, ImplementResult } from './execution/implement.js';
export { reviewWorkPackage } from './execution/review.js';
export type { ReviewOptions, ReviewResult, ReviewCommit } from './execution/review.js';
export { listTasks, validateWorkflow, addHistory, markStatus, tasksStatus } from './tasks/task-commands.js';
export type { TaskRow, ListTasksResult, ValidateWorkflowResult, AddHistoryResult, MarkStatusResult, BoardWorkPackage, TasksStatusResult } from './tasks/task-commands.js';
export { emitStatus, materializeStatus, validateStatus } from './status/status-commands.js';
export type { EmitStatusOptions, EmitStatusResult, MaterializeResult, ValidateStatusResult } from './status/status-commands.js';
export { acceptFeature } from './execution/accept.js';
export type { AcceptOptions, AcceptResult, AcceptanceSummary, AcceptanceWorkPackage, AcceptanceMode, TestRunner } from './execution/accept.js';
export { mergeFeature } from './execution/merge.js';
export type { MergeOptions, MergeResult, MergeItem } from './execution/merge.js';
