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
export { upgradeProject } from './project/upgrade.js';
export { missionInfo } from './project/mission-info.js';
export { validateEncoding } from './files/encoding.js';
export { scaffoldResearch } from './planning/research.js';
export { verifySetup, validateTasks } from './project/verify.js';
export type { VerifySetupResult, SetupCheck, ValidateTasksResult, TaskValidation } from './project/verify.js';
export type { ResearchResult } from './planning/research.js';
export type { EncodingReport, EncodingProblem } from './files/encoding.js';
export type { MissionInfo } from './project/mission-info.js';
export type { UpgradeOptions, UpgradeResult, UpgradeMigration } from './project/upgrade.js';
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
export {
  MCP_SERVER_NAME,
  MCP_SERVER_COMMAND,
  MCP_CONFIG_FORMATS,
  mcpConfigFormat,
  mergeMcpConfig,
  planMcpConfigs,
} from './planning/mcp-config.js';
export type { McpConfigFormat, McpConfigWrite } from './planning/mcp-config.js';
export { FEATURE_DOCUMENTS, listFeatureDocuments, readFeatureDocument } from './project/documents.js';
export type { FeatureDocumentName, FeatureDocuments, DocumentText } from './project/documents.js';
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
export type {
  TaskRow,
  ListTasksResult,
  ValidateWorkflowResult,
  AddHistoryResult,
  MarkStatusResult,
  BoardWorkPackage,
  TasksStatusResult,
} from './tasks/task-commands.js';
export { emitStatus, materializeStatus, validateStatus } from './status/status-commands.js';
export type { EmitStatusOptions, EmitStatusResult, MaterializeResult, ValidateStatusResult } from './status/status-commands.js';
export { statusDoctor } from './status/status-doctor.js';
export type { DoctorCode, DoctorFinding, StatusDoctorOptions, StatusDoctorResult } from './status/status-doctor.js';
export { HISTORICAL_MIGRATION_MARKER, migrateStatus } from './status/status-migrate.js';
export type {
  MigratedFeature,
  MigratedWorkPackage,
  MigrateStatusOptions,
  MigrateStatusResult,
  MigrationStatus,
} from './status/status-migrate.js';
export { reconcileStatus } from './status/status-reconcile.js';
export type { ReconcileStatusOptions, ReconcileStatusResult } from './status/status-reconcile.js';
export type { StatusDrift } from './status/status-drift.js';
export type { LaneMoveOptions } from './status/status-change.js';
export { acceptFeature } from './execution/accept.js';
export type {
  AcceptOptions,
  AcceptResult,
  AcceptanceSummary,
  AcceptanceWorkPackage,
  AcceptanceMode,
  TestRunner,
} from './execution/accept.js';
export { mergeFeature } from './execution/merge.js';
export type { MergeOptions, MergeResult, MergeItem } from './execution/merge.js';
export { nextStep } from './execution/next.js';
export { listDependents } from './execution/next.js';
export type {
  NextOptions,
  NextResult,
  NextKind,
  NextProgress,
  ReadyWorkPackage,
  StepResult,
  ListDependentsResult,
} from './execution/next.js';
export { agentConfig } from './planning/agent-config.js';
export type { AgentConfigOptions, AgentConfigResult, AgentConfigEntry } from './planning/agent-config.js';
export { updateAgentContext } from './planning/agent-context.js';
export type { UpdateContextResult } from './planning/agent-context.js';
export {
  FEATURE_ARTIFACTS,
  featureOverview,
  projectOverview,
  workPackageDetail,
  findFeature,
  readFeatureArtifact,
  reviewFeedbackOf,
} from './overview.js';
export type {
  ArtifactKey,
  ArtifactInfo,
  BoardEvent,
  WorkPackageFacts,
  WorkflowProgress,
  FeatureOverview,
  ProjectOverview,
  WorkPackageDetail,
} from './overview.js';
export {
  reconcileStatusInto,
  reconcileStatusLogs,
  readLogDelta,
  fitEnvelope,
  statusEnvelope,
  CURSOR_TAIL_BYTES,
  type StatusLogCursor,
  type StatusSyncStore,
  type StatusSyncProjectState,
  type ReconcileOptions,
  type ReconcileResult,
  type StatusSyncQueue,
  type ReconcileIntoOptions,
} from './status/status-sync.js';
