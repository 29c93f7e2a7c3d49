export { WorkflowError, PlanningFileError, isWorkflowError, formatProblem } from './errors.js';
export type { WorkflowErrorCode, FileProblem } from './errors.js';
export type { GitPort, GitLocation, StatusEntry } from './git-port.js';
export { createGitPort } from './git-adapter.js';
export type { GitPortOptions } from './git-adapter.js';
export type { TemplateSource, TemplateAsset, EventsPort, ProjectEventContext, WorkflowEnv, Clock } from './ports.js';
export { MAX_PLANNING_FILE_BYTES, readTextFile, writeFileAtomic, assertInside, ensureDir, displayPath, positionOf, isDir, isFile, eolOf } from './files.js';
export type { TextFile, AtomicWriteOptions } from './files.js';
export { editYaml, renderYamlInline, renderYamlScalar, YAML_PARSE_OPTIONS } from './yaml-edit.js';
export type { YamlSet, YamlValue, YamlScalar } from './yaml-edit.js';
export { parseFrontmatter, updateFrontmatter, locateFrontmatter, parseYamlMapping } from './frontmatter.js';
export type { FrontmatterBlock, ParsedFrontmatter, FrontmatterResult } from './frontmatter.js';
export { validateFeatureSlug, validateFeatureRef, MAX_SLUG_LENGTH, KEBAB_SLUG, FEATURE_DIR_NAME, WP_ID } from './slugs.js';
export { withLock, featureLockPath, projectLockPath, locksDir } from './lock.js';
export type { LockOptions } from './lock.js';
export { commitFiles, withIndexRetry, repoTopOf } from './commit.js';
export type { CommitResult, CommitOptions } from './commit.js';
export { AGENTS, agentSpec, parseAgentList, agentCommandFileName, renderAgentCommand } from './agents.js';
export type { AgentSpec, AgentCommandFile } from './agents.js';
export { addIgnoreEntries, GITIGNORE_ENTRIES, GITIGNORE_MARKER, EXCLUDE_ENTRIES, EXCLUDE_MARKER } from './gitignore.js';
export { CONFIG_REL, METADATA_REL, readProjectConfig, identityOf, configuredAgents, deriveProjectSlug, parseRepoSlug } from './config.js';
export type { ProjectConfig, ProjectIdentity } from './config.js';
export { ensureProjectIdentity, projectEventContext, emitEvents } from './identity.js';
export type { MachineIdentity, EnsureIdentityOptions, EnsuredIdentity, EmitOutcome, GitStateHint } from './identity.js';
export { openProject, requireGit, refuseInsideWorktree } from './project.js';
export type { ProjectContext, OpenProjectOptions } from './project.js';
export { SPECS_DIR, WORKTREES_DIR, listFeatures, nextFeatureNumber, featureSlugFor, resolveFeature, candidateOf } from './features.js';
export type { FeatureRef, FeatureCandidate, FeatureSource, ResolvedFeature, ResolveFeatureOptions } from './features.js';
export { readMeta, missionOf, renderMeta, mergeMeta, DEFAULT_MISSION } from './meta.js';
export type { FeatureMeta } from './meta.js';
export { checkMission, requireTemplate } from './missions.js';
export { parseTasksMd } from './tasks-md.js';
export type { TasksMd, TasksMdSection, SubtaskEntry, WpMention } from './tasks-md.js';
export { readWorkPackages, WP_FRONTMATTER_ORDER } from './work-packages.js';
export type { WorkPackageFile, WorkPackageSet } from './work-packages.js';
export { validateDependencyGraph, topologicalOrder } from './graph.js';
export { analyzeTaskPlan } from './task-plan.js';
export type { TaskPlan } from './task-plan.js';
export type { DependencyEdge } from './graph.js';
export { MCP_SERVER_NAME, MCP_SERVER_COMMAND, MCP_CONFIG_FORMATS, mcpConfigFormat, mergeMcpConfig, planMcpConfigs } from './mcp-config.js';
export type { McpConfigFormat, McpConfigWrite } from './mcp-config.js';
export { initProject } from './init.js';
export type { InitOptions, InitResult, InitPrompts, RuntimeInfo } from './init.js';
export { createFeature } from './create-feature.js';
export type { CreateFeatureOptions, CreateFeatureResult } from './create-feature.js';
export { setupPlan, planningBranch, branchNote, requireSpec } from './setup-plan.js';
export type { SetupPlanOptions, SetupPlanResult } from './setup-plan.js';
export { checkPrerequisites } from './check-prerequisites.js';
export type { CheckPrerequisitesOptions, CheckPrerequisitesResult, PrerequisitePaths } from './check-prerequisites.js';
export { finalizeTasks } from './finalize-tasks.js';
export type { FinalizeTasksOptions, FinalizeTasksResult, FinalizedWorkPackage } from './finalize-tasks.js';
export type { WorktreeEntry, MergeOutcome, CommitInfo } from './git-port.js';
export {
  STATUS_LOG_FILE,
  STATUS_SNAPSHOT_FILE,
  MAX_STATUS_LOG_BYTES,
  statusLogPath,
  statusSnapshotPath,
  readStatusLog,
  repairTornTail,
  appendStatusEvents,
  serializeStatusEvent,
  sortKeysDeep,
  formatEventTime,
  materialize,
  renderSnapshot,
  snapshotsDiffer,
} from './status-log.js';
export type { StatusLog, TornTail } from './status-log.js';
export {
  STATUS_BLOCK_START,
  STATUS_BLOCK_END,
  formatActivityEntry,
  appendActivity,
  activityEntries,
  hasActivityLog,
  setReviewFeedback,
  renderStatusBlock,
  upsertStatusBlock,
  setCheckboxes,
} from './views.js';
export type { ActivityEntry, ParsedActivity } from './views.js';
export { normalizeWpId, wpBranch, wpWorkspace, findWorkPackage } from './wp-ref.js';
export { changeFeatureStatus, readFeatureState, laneArg } from './status-change.js';
export type { LaneRequest, WpEdit, StatusChangePlan, FeatureState, StatusChangeOutcome, StatusChangeContext, ReviewEvidenceInput, RepoEvidenceInput } from './status-change.js';
export { openFeature, reportingFailures, statusDrafts, emitAfter, hint } from './feature-context.js';
export type { FeatureContext } from './feature-context.js';
export { workspaceFacts, checkReadiness, uncheckedSubtasks, baseOf, repoName } from './workspace-facts.js';
export type { WorkspaceFacts, Readiness, ReadinessProblem } from './workspace-facts.js';
export { scratchDir, readFeedbackFile, storeFeedback, feedbackPath, writePrompt, MAX_FEEDBACK_BYTES } from './scratch.js';
export { moveTask, checkOwnership } from './move-task.js';
export type { MoveTaskOptions, MoveTaskResult, AppendedEvent } from './move-task.js';
export { implementWorkPackage, chooseBase, WORKSPACE_SPARSE_PATTERNS } from './implement.js';
export type { ImplementOptions, ImplementResult } from './implement.js';
export { reviewWorkPackage } from './review.js';
export type { ReviewOptions, ReviewResult, ReviewCommit } from './review.js';
export { listTasks, validateWorkflow, addHistory, markStatus, tasksStatus } from './task-commands.js';
export type { TaskRow, ListTasksResult, ValidateWorkflowResult, AddHistoryResult, MarkStatusResult, BoardWorkPackage, TasksStatusResult } from './task-commands.js';
export { emitStatus, materializeStatus, validateStatus } from './status-commands.js';
export type { EmitStatusOptions, EmitStatusResult, MaterializeResult, ValidateStatusResult } from './status-commands.js';
export { acceptFeature } from './accept.js';
export type { AcceptOptions, AcceptResult, AcceptanceSummary, AcceptanceWorkPackage, AcceptanceMode, TestRunner } from './accept.js';
export { mergeFeature } from './merge.js';
export type { MergeOptions, MergeResult, MergeItem } from './merge.js';
