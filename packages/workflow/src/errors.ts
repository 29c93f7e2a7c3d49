import { COMMON_EXIT_CLASSES, KittyError, type CommonErrorCode, type ExitClassTable, type KittyErrorOptions } from '@kitty/errors';

/** Every error code `@kitty/workflow` throws. Codes starting with INVALID_/UNKNOWN_ mean "bad input" (CLI exit 2). */
export type WorkflowErrorCode =
  | CommonErrorCode
  | 'INVALID_FEATURE_SLUG'
  | 'INVALID_AGENTS'
  | 'MISSING_AGENTS'
  | 'UNKNOWN_MISSION'
  | 'UNKNOWN_FEATURE'
  | 'INVALID_PATH'
  | 'INVALID_CONFIG'
  | 'INVALID_META'
  | 'INVALID_FRONTMATTER'
  | 'INVALID_TASKS_FILE'
  | 'INVALID_DEPENDENCIES'
  | 'INVALID_TEMPLATE'
  | 'NOT_A_PROJECT'
  | 'NOT_A_GIT_REPO'
  | 'GIT_NOT_AVAILABLE'
  | 'DETACHED_HEAD'
  | 'INSIDE_WORKTREE'
  | 'DIRECTORY_NOT_EMPTY'
  | 'FEATURE_CONTEXT_UNRESOLVED'
  | 'PLAN_CONTEXT_UNRESOLVED'
  | 'FEATURE_NUMBER_EXHAUSTED'
  | 'SPEC_FILE_MISSING'
  | 'TASKS_DIR_MISSING'
  | 'TEMPLATE_NOT_FOUND'
  | 'LOCK_TIMEOUT'
  | 'FILE_CHANGED_ON_DISK'
  | 'FILE_WRITE_FAILED'
  | 'FILE_READ_FAILED'
  | 'YAML_EDIT_FAILED'
  | 'GIT_INDEX_LOCKED'
  | 'GIT_COMMIT_FAILED'
  | 'GIT_IDENTITY_MISSING'
  | 'GIT_HOOK_REJECTED'
  | 'INTERRUPTED'
  | 'ROLLBACK_INCOMPLETE'
  | 'GIT_FAILED'
  | 'INVALID_WP_ID'
  | 'INVALID_LANE'
  | 'INVALID_STATUS_LOG'
  | 'INVALID_FEEDBACK'
  | 'INVALID_OPTION'
  | 'UNKNOWN_WORK_PACKAGE'
  | 'UNKNOWN_SUBTASK'
  | 'AGENT_MISMATCH'
  | 'REVIEW_ALREADY_CLAIMED'
  | 'WP_NOT_FOR_REVIEW'
  | 'NO_WORK_PACKAGE_AVAILABLE'
  | 'DEPENDENCY_NOT_STARTED'
  | 'BASE_NOT_FOUND'
  | 'MERGE_BASE_CONFLICT'
  | 'WORKSPACE_PATH_EXISTS'
  | 'WORKTREE_BRANCH_IN_USE'
  | 'WORKTREE_LOCKED'
  | 'WORKTREE_FAILED'
  | 'MERGE_BLOCKED'
  | 'MERGE_CONFLICT'
  | 'MERGE_NOT_IN_PROGRESS'
  | 'STATUS_LOG_MISSING'
  | 'ACTOR_UNKNOWN'
  | 'REVIEW_REQUIRED'
  | 'REVIEW_NOT_CLAIMED'
  | 'REVIEW_HELD_BY_OTHER'
  | 'SELF_REVIEW_NOT_ALLOWED'
  | 'DEPENDENCIES_NOT_DONE'
  | 'WORKSPACE_MISSING'
  | 'FORCE_NEEDS_REASON'
  | 'STATUS_CHANGED'
  | 'ACCEPTANCE_FAILED';

/** One problem found in a planning file, with its position (1-based line and column). */
export interface FileProblem {
  /** Path as shown to the user (relative to the project root when inside it). */
  readonly path: string;
  readonly line: number;
  readonly col: number;
  /** A stable machine code, e.g. `DUPLICATE_KEY`, `UNKNOWN_DEPENDENCY`. */
  readonly code: string;
  readonly message: string;
}

/** `path:line:col: message`, the form editors and CI annotate. */
export function formatProblem(p: FileProblem): string {
  return `${p.path}:${p.line}:${p.col}: ${p.message}`;
}

/** The base class of every `@kitty/workflow` error. */
export class WorkflowError extends KittyError<WorkflowErrorCode> {
  static override readonly exitClasses: ExitClassTable<WorkflowErrorCode> = {
    ...COMMON_EXIT_CLASSES,
    INVALID_FEATURE_SLUG: 'usage',
    INVALID_AGENTS: 'usage',
    MISSING_AGENTS: 'usage',
    UNKNOWN_MISSION: 'usage',
    UNKNOWN_FEATURE: 'usage',
    INVALID_PATH: 'usage',
    INVALID_CONFIG: 'usage',
    INVALID_META: 'usage',
    INVALID_FRONTMATTER: 'usage',
    INVALID_TASKS_FILE: 'usage',
    INVALID_DEPENDENCIES: 'usage',
    INVALID_TEMPLATE: 'usage',
    NOT_A_PROJECT: 'failure',
    NOT_A_GIT_REPO: 'failure',
    GIT_NOT_AVAILABLE: 'failure',
    DETACHED_HEAD: 'failure',
    INSIDE_WORKTREE: 'failure',
    DIRECTORY_NOT_EMPTY: 'usage',
    FEATURE_CONTEXT_UNRESOLVED: 'failure',
    PLAN_CONTEXT_UNRESOLVED: 'failure',
    FEATURE_NUMBER_EXHAUSTED: 'failure',
    SPEC_FILE_MISSING: 'failure',
    TASKS_DIR_MISSING: 'failure',
    TEMPLATE_NOT_FOUND: 'failure',
    LOCK_TIMEOUT: 'conflict',
    FILE_CHANGED_ON_DISK: 'conflict',
    FILE_WRITE_FAILED: 'failure',
    FILE_READ_FAILED: 'failure',
    YAML_EDIT_FAILED: 'failure',
    GIT_INDEX_LOCKED: 'conflict',
    GIT_COMMIT_FAILED: 'failure',
    GIT_IDENTITY_MISSING: 'failure',
    GIT_HOOK_REJECTED: 'failure',
    INTERRUPTED: 'interrupted',
    ROLLBACK_INCOMPLETE: 'failure',
    GIT_FAILED: 'failure',
    INVALID_WP_ID: 'usage',
    INVALID_LANE: 'usage',
    INVALID_STATUS_LOG: 'usage',
    INVALID_FEEDBACK: 'usage',
    INVALID_OPTION: 'usage',
    UNKNOWN_WORK_PACKAGE: 'usage',
    UNKNOWN_SUBTASK: 'usage',
    AGENT_MISMATCH: 'conflict',
    REVIEW_ALREADY_CLAIMED: 'conflict',
    WP_NOT_FOR_REVIEW: 'failure',
    NO_WORK_PACKAGE_AVAILABLE: 'failure',
    DEPENDENCY_NOT_STARTED: 'failure',
    BASE_NOT_FOUND: 'failure',
    MERGE_BASE_CONFLICT: 'failure',
    WORKSPACE_PATH_EXISTS: 'failure',
    WORKTREE_BRANCH_IN_USE: 'conflict',
    WORKTREE_LOCKED: 'conflict',
    WORKTREE_FAILED: 'failure',
    MERGE_BLOCKED: 'failure',
    MERGE_CONFLICT: 'failure',
    MERGE_NOT_IN_PROGRESS: 'failure',
    STATUS_LOG_MISSING: 'failure',
    ACCEPTANCE_FAILED: 'failure',
    ACTOR_UNKNOWN: 'usage',
    REVIEW_REQUIRED: 'usage',
    REVIEW_NOT_CLAIMED: 'usage',
    REVIEW_HELD_BY_OTHER: 'conflict',
    SELF_REVIEW_NOT_ALLOWED: 'usage',
    DEPENDENCIES_NOT_DONE: 'usage',
    WORKSPACE_MISSING: 'usage',
    FORCE_NEEDS_REASON: 'usage',
    STATUS_CHANGED: 'conflict',
  };
}

/** Planning files are malformed; `problems` lists each one with its position. Nothing was written. */
export class PlanningFileError extends WorkflowError {
  readonly problems: readonly FileProblem[];

  constructor(code: WorkflowErrorCode, problems: readonly FileProblem[], options: KittyErrorOptions = {}) {
    const shown = problems.slice(0, 20).map(formatProblem);
    const more = problems.length > shown.length ? `\n… and ${problems.length - shown.length} more` : '';
    const head = problems.length === 1 ? 'One problem' : `${problems.length} problems`;
    super(code, `${head} in the planning files (nothing was changed):\n${shown.join('\n')}${more}`, {
      ...options,
      details: { ...options.details, problems: problems.map((p) => ({ ...p, text: formatProblem(p) })) },
    });
    this.problems = Object.freeze([...problems]);
  }
}

/** True when `value` is an error thrown by `@kitty/workflow`. */
export function isWorkflowError(value: unknown): value is WorkflowError {
  return value instanceof WorkflowError;
}
