export { openQueue, defaultBackoff, QUEUE_DEFAULTS } from './queue.js';
export { warmUpDriver } from './sqlite-adapter.js';
export { MAX_EVENT_BYTES } from './drafts.js';
export type { Queue } from './queue.js';
export { listScopes } from './scopes.js';
export { queuePath, scopeKey, scopeServerUrl, normalizeScope } from './paths.js';
export { QueueError, isQueueError } from './errors.js';
export type { QueueErrorCode } from './errors.js';
export type {
  EventDraft,
  QueuedEnvelope,
  QueueScope,
  CapacityPolicy,
  QueueWarning,
  QueueWarningCode,
  OpenQueueOptions,
  ClaimedEvent,
  ClaimOptions,
  ClaimedBatch,
  EventOutcome,
  ApplySummary,
  ReleaseOptions,
  QueueStats,
  DeadEvent,
  PendingEvent,
  RequeueSummary,
  RecoveryReport,
  ScopeInfo,
} from './types.js';
export { adoptPythonQueue, completePythonEnvelope, pythonQueueInfo, pythonQueuePath, PYTHON_ADOPTED_COLUMN } from './python-import.js';
export type { PythonAdoption, PythonQueueInfo } from './python-import.js';
export { CURSOR_TAIL_BYTES } from './status-sync.js';
export type { StatusLogCursor, StatusSyncProject, StatusSyncState, StatusSyncCommit, StatusSyncCommitResult } from './status-sync.js';
export { scanEnvelopes } from './raw-salvage.js';
export type { RawEnvelope } from './raw-salvage.js';
